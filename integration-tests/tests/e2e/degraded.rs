//! Discovery that degrades: a read that fails for good becomes a note on the part it
//! affects; `verify` still prints every verdict it can make, marks those that depend on the
//! missing read "not judged", names it and exits 3; `harden` plans the steps that do not
//! depend on it and says which part it could not inspect.

use eksharden_cli::exit::Exit;
use integration_tests::fault_proxy::{FaultProxy, Faults};
use integration_tests::moto::MotoOptions;

use super::{block_on, create, example, run, Target};

/// The minimal example, created; returns the target, the spec file and its node group's
/// launch template id.
fn created() -> (Target, String, String) {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws(&spec.metadata.region);
    let group =
        block_on(aws.eks.describe_nodegroup().cluster_name(&spec.metadata.name).nodegroup_name("general").send())
            .unwrap();
    let template = group.nodegroup().unwrap().launch_template().unwrap().id().unwrap().to_owned();
    (target, file, template)
}

/// The emulator behind a proxy that answers one action AccessDenied, for good.
struct Denied {
    _proxy: FaultProxy,
    endpoint: String,
}

impl Denied {
    fn start(target: &Target, action: &'static str) -> Self {
        let Target::Emulator(moto) = target else { unreachable!("an emulator") };
        let proxy = FaultProxy::start(moto.address(), Faults { deny: Some(action), ..Faults::default() }, 3);
        Self { endpoint: proxy.endpoint(), _proxy: proxy }
    }

    /// Runs eksharden with `args` through the proxy.
    fn run(&self, args: &[&str]) -> integration_tests::cli::Run {
        let mut all = args.to_vec();
        all.extend(["--endpoint-url", &self.endpoint, "--no-progress"]);
        integration_tests::cli::eksharden(&all)
    }
}

/// Checks a report made without the launch template: the dependent checks not judged, the
/// missing read named, the rest judged as before.
fn assert_degraded(report: &str, missing: &str) {
    assert!(report.contains("NOT JUDGED"), "{report}");
    for judged_without_it in ["endpoint-private-access", "control-plane-logging", "secrets-encryption"] {
        assert!(report.contains(judged_without_it), "{judged_without_it} is still judged:\n{report}");
    }
    assert!(report.contains("UNKNOWN imds"), "{report}");
    assert!(report.contains("UNKNOWN node-groups-present"), "{report}");
    assert!(report.contains("node group general: its launch template"), "{report}");
    assert!(report.contains(missing), "{report}");
    // Node flows have nobody to stand for the group: not judged, never passed.
    assert!(report.contains("not evaluated: no endpoint stands for node group general"), "{report}");
}

#[test]
fn a_deleted_launch_template_leaves_the_rest_of_the_report() {
    let (target, file, template) = created();
    let aws = target.aws("eu-west-1");
    block_on(aws.ec2.delete_launch_template().launch_template_id(&template).send()).unwrap();
    let verified = run(&target, &["verify", "-f", &file, "-v"]);
    assert_eq!(verified.exit, Exit::Infrastructure, "{}\n{}", verified.stdout, verified.stderr);
    assert_degraded(&verified.stdout, "EC2.DescribeLaunchTemplateVersions failed");
    assert!(verified.stderr.contains("could not be judged"), "{}", verified.stderr);
}

#[test]
fn access_denied_on_one_call_leaves_the_rest_and_harden_plans_what_does_not_depend_on_it() {
    let (target, file, _) = created();
    let denied = Denied::start(&target, "ec2:DescribeLaunchTemplateVersions");
    let through = |args: &[&str]| denied.run(args);
    let verified = through(&["verify", "-f", &file, "-v"]);
    assert_eq!(verified.exit, Exit::Infrastructure, "{}\n{}", verified.stdout, verified.stderr);
    assert_degraded(&verified.stdout, "UnauthorizedOperation");

    let only = "imds,ssh-keys,public-addresses,logging,endpoint-access,secrets-encryption";
    let planned = through(&["harden", "minimal", "--region", "eu-west-1", "--only", only]);
    assert_eq!(planned.exit, Exit::Infrastructure, "{}\n{}", planned.stdout, planned.stderr);
    assert!(planned.stdout.contains("cannot inspect: node group general: its launch template"), "{}", planned.stdout);
    for step in ["logging", "endpoint-access", "secrets-encryption"] {
        let line = planned.stdout.lines().find(|l| l.starts_with(step)).unwrap_or_default();
        assert!(!line.contains("cannot inspect"), "{step} is planned as usual:\n{}", planned.stdout);
    }
    assert!(
        !planned.stdout.contains("replace node group general"),
        "nothing is planned on a guess:\n{}",
        planned.stdout
    );
}

#[test]
fn a_core_vpc_read_denied_leaves_every_verdict_that_does_not_turn_on_it() {
    let (target, file, _) = created();
    let denied = Denied::start(&target, "ec2:DescribeNetworkAcls");
    let through = |args: &[&str]| denied.run(args);
    let verified = through(&["verify", "-f", &file, "--format", "json"]);
    assert_eq!(verified.exit, Exit::Infrastructure, "{}\n{}", verified.stdout, verified.stderr);
    let report: serde_json::Value = serde_json::from_str(&verified.stdout).unwrap();
    let cells: Vec<&serde_json::Value> =
        report["flows"].as_array().unwrap().iter().flat_map(|f| f["cells"].as_array().unwrap()).collect();
    let status_of = |id: &str| -> Vec<String> {
        let check = report["flows"].as_array().unwrap().iter().filter(|f| f["id"] == id);
        check.flat_map(|f| f["cells"].as_array().unwrap()).map(|c| c["status"].as_str().unwrap().to_owned()).collect()
    };
    // The ACLs were not read: a flow that only an ACL could block is not judged, and says why.
    let not_judged: Vec<&&serde_json::Value> = cells.iter().filter(|c| c["status"] == "unknown").collect();
    assert!(!not_judged.is_empty(), "{report:#}");
    let said = not_judged[0]["explanation"].to_string();
    assert!(said.contains("the network ACLs could not be read (EC2.DescribeNetworkAcls"), "{said}");
    // SSH to nodes from other hosts: the node ACL's layer must block on its own; unread, it
    // is not judged (never a pass).
    assert!(status_of("ssh-to-nodes-only-from-bastion").iter().all(|s| s == "unknown"), "{report:#}");
    // A forbidden flow that a security group or a missing public address already blocks is
    // judged as before; so are the posture checks.
    assert!(status_of("no-internet-to-nodes").iter().all(|s| s == "pass"), "{report:#}");
    let posture =
        |id: &str| report["posture"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["status"].clone();
    assert_eq!(posture("open-ingress"), "pass");
    assert_eq!(posture("endpoint-private-access"), "pass");

    // harden: the ACL step cannot inspect, naming the read; the others plan as usual.
    let planned = through(&["harden", "minimal", "--region", "eu-west-1", "--only", "network-acl,ssh-ingress,logging"]);
    assert_eq!(planned.exit, Exit::Infrastructure, "{}\n{}", planned.stdout, planned.stderr);
    let line = |step: &str| planned.stdout.lines().find(|l| l.starts_with(step)).unwrap_or_default().to_owned();
    assert!(line("network-acl").contains("cannot inspect"), "{}", planned.stdout);
    let why = "cannot inspect: the network ACLs could not be read (EC2.DescribeNetworkAcls";
    assert!(planned.stdout.contains(why), "{}", planned.stdout);
    for step in ["ssh-ingress", "logging"] {
        assert!(!line(step).contains("cannot inspect"), "{step} is planned as usual:\n{}", planned.stdout);
    }
}
