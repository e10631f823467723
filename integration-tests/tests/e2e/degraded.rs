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
    let verified = run(&target, &["verify", "-f", &file]);
    assert_eq!(verified.exit, Exit::Infrastructure, "{}\n{}", verified.stdout, verified.stderr);
    assert_degraded(&verified.stdout, "EC2.DescribeLaunchTemplateVersions failed");
    assert!(verified.stderr.contains("could not be judged"), "{}", verified.stderr);
}

#[test]
fn access_denied_on_one_call_leaves_the_rest_and_harden_plans_what_does_not_depend_on_it() {
    let (target, file, _) = created();
    let Target::Emulator(moto) = &target else { unreachable!("an emulator") };
    let denied = Faults { deny: Some("ec2:DescribeLaunchTemplateVersions"), ..Faults::default() };
    let proxy = FaultProxy::start(moto.address(), denied, 3);
    let endpoint = proxy.endpoint();
    let through = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--endpoint-url", &endpoint, "--no-progress"]);
        integration_tests::cli::eksharden(&all)
    };
    let verified = through(&["verify", "-f", &file]);
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
