//! A cluster made the way eksctl makes one, built through CloudFormation on the emulator
//! (`integration_tests::eksctl_stacks`, whose shapes come from eksctl's builder): `verify`
//! reports all that is wrong with it, `harden` plans every fix with the stack that owns the
//! resource and the ClusterConfig field that keeps the fix, `--apply` breaks no required
//! flow, and what is left needs a replacement, planned as such.

use std::collections::BTreeSet;

use eksharden_cli::exit::Exit;
use integration_tests::eksctl_stacks;
use integration_tests::moto::MotoOptions;
use serde_json::Value;

use super::harden_json::HardenJson;
use super::verify::failed;
use super::{block_on, run, Target};

const CLUSTER: &str = "by-eksctl";
const REGION: &str = "eu-west-1";
/// The steps that work through the AWS APIs alone (the cluster API is not served here).
const AWS_STEPS: &str = "public-addresses,ssh-ingress,ssh-keys,imds,network-acl,endpoint-access,logging,flow-logs,\
    cloudtrail,session-manager,secrets-encryption,tags";

fn verify_json(target: &Target) -> (Exit, Value) {
    let verified = run(target, &["verify", CLUSTER, "--region", REGION, "--format", "json"]);
    let report = serde_json::from_str(&verified.stdout).unwrap_or_else(|e| panic!("{e}: {}", verified.stderr));
    (verified.exit, report)
}

/// The cells of required flows that pass: (check, source, destination).
fn passing_required(report: &Value) -> BTreeSet<(String, String, String)> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["expectation"]["kind"] == "allowed")
        .flat_map(|check| {
            check["cells"].as_array().unwrap().iter().filter(|c| c["status"] == "pass").map(|c| {
                let text = |key: &str| c[key].as_str().unwrap().to_owned();
                (check["id"].as_str().unwrap().to_owned(), text("source"), text("destination"))
            })
        })
        .collect()
}

/// A planned change and the lines said under it.
fn said_of(plan: &str, change: &str) -> String {
    let mut lines = plan.lines().skip_while(|l| !l.starts_with(&format!("    plan: {change}")));
    let first = lines.next().unwrap_or_else(|| panic!("no plan {change}:\n{plan}"));
    let under: Vec<&str> = lines.take_while(|l| l.starts_with("          ")).collect();
    format!("{first}\n{}", under.join("\n"))
}

#[test]
fn the_shared_node_group_is_trusted_while_no_node_carries_it() {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws(REGION);
    block_on(eksctl_stacks::build(&aws, CLUSTER)).unwrap();
    // The managed groups replaced: their nodes now carry EKS's cluster group, which admits
    // all traffic from eksctl's shared node group (the self-managed nodes' way in).
    let hardened = run(
        &target,
        &["harden", CLUSTER, "--region", REGION, "--only", AWS_STEPS, "--apply", "--yes", "--replace-node-groups"],
    );
    assert!(!hardened.stdout.contains("FAILED"), "{}", hardened.stdout);
    // The self-managed group's node stopped (terminated, its Auto Scaling group would start
    // another): no running interface carries the shared node group.
    let running = block_on(aws.ec2.describe_instances().send()).unwrap();
    let ids: Vec<String> = running
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.tags().iter().any(|t| t.value() == Some("ng-workers")))
        .filter_map(|i| i.instance_id())
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 1, "the self-managed group's one node");
    block_on(aws.ec2.stop_instances().set_instance_ids(Some(ids)).send()).unwrap();
    // That rule is the nodes' own way in, not SSH from outside: it stays.
    let planned = run(&target, &["harden", CLUSTER, "--region", REGION, "--only", "ssh-ingress", "--format", "json"]);
    assert_eq!(HardenJson::of(&planned).planned("ssh-ingress").0, "compliant", "{}", planned.stdout);
}

#[test]
fn a_cluster_made_as_eksctl_makes_it_is_reported_then_hardened_without_breaking_a_required_flow() {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws(REGION);
    let built = block_on(eksctl_stacks::build(&aws, CLUSTER)).unwrap();
    let [ssh_stack, _, _] = &built.nodegroup_stacks[..] else { panic!("{built:?}") };

    // verify: the whole report, exit 1, naming each problem.
    let verified = run(&target, &["verify", CLUSTER, "--region", REGION, "-v"]);
    assert_eq!(verified.exit, Exit::Findings, "{}\n{}", verified.stdout, verified.stderr);
    for said in [
        "eksctl-by-eksctl-nodegroup-ng-ssh-remoteAccess) inbound rule tcp 22 from 0.0.0.0/0",
        // open-ingress: each rule, then the group by its name.
        ": tcp 22 from ::/0",
        " is eksctl-by-eksctl-nodegroup-ng-ssh-remoteAccess",
        "FAIL endpoint-public-access",
        "public access from 0.0.0.0/0",
        "control-plane logging is off for: api, audit, authenticator, controllerManager, scheduler",
        "secrets are not encrypted with a KMS key",
        "ng-ssh: IMDSv2 required, hop limit 2",
        "ng-workers: IMDSv2 required, hop limit 2",
        "node group ng-ssh accepts SSH key ops-key",
        "node group ng-ssh: subnet eksctl-by-eksctl-cluster/SubnetPublicEUWEST1A",
        // The self-managed group is named as eksctl named it, not by its Auto Scaling group.
        "node group ng-workers: 1 real interfaces of 1 instances",
    ] {
        assert!(verified.stdout.contains(said), "{said}:\n{}", verified.stdout);
    }
    // EKS's own cluster group lets the control plane reach every node port: discouraged
    // (a warning with the reason), not a finding nobody could fix.
    assert!(verified.stdout.contains("WARN control-plane-no-privileged-ports"), "{}", verified.stdout);
    let (_, before) = verify_json(&target);
    let required_before = passing_required(&before);
    assert!(required_before.len() > 20, "{required_before:?}");

    // harden plans every fix, with the stack that owns the resource and the ClusterConfig
    // field that keeps the fix through the next eksctl run.
    let planned = run(&target, &["harden", CLUSTER, "--region", REGION, "--only", AWS_STEPS]);
    let plan = &planned.stdout;
    let owned = |stack: &str| format!("owned by stack {stack}: it will differ from the stack's template");
    for (change, stack, field) in [
        ("revoke", ssh_stack.as_str(), Some("managedNodeGroups[].ssh.allow: false")),
        (
            "set endpoint access",
            &built.cluster_stack,
            Some("vpc.clusterEndpoints (privateAccess: true, publicAccess: false)"),
        ),
        ("enable control-plane logging", &built.cluster_stack, Some("cloudWatch.clusterLogging.enableTypes: [\"*\"]")),
        ("encrypt secrets", &built.cluster_stack, Some("secretsEncryption.keyARN")),
        // eksctl makes no network ACLs: no ClusterConfig field keeps the guard, none is named.
        ("give subnet-", &built.cluster_stack, None),
        (
            "replace node group ng-ssh",
            ssh_stack,
            Some("managedNodeGroups[]: privateNetworking: true, ssh.allow: false, disableIMDSv1: true"),
        ),
    ] {
        let said = said_of(plan, change);
        assert!(said.contains(&owned(stack)), "{change}:\n{said}");
        match field {
            Some(field) => assert!(said.contains(&format!("eksctl: set {field}")), "{change}:\n{said}"),
            None => assert!(!said.contains("eksctl: set"), "{change}:\n{said}"),
        }
    }
    for rule in ["tcp 22 from 0.0.0.0/0", "tcp 22 from ::/0"] {
        assert!(
            plan.contains(&format!("eksctl-by-eksctl-nodegroup-ng-ssh-remoteAccess) inbound rule {rule}")),
            "{plan}"
        );
    }
    // The what-if's refusal, with the flow it protects: ng-ssh's nodes reach ECR only
    // through their public addresses.
    let refused = said_of(plan, "stop subnet-");
    assert!(
        refused.contains(
            "(refused: it would break a required flow that passes now: node group ng-ssh -> ecr.api API: tcp 443"
        ),
        "{refused}"
    );

    let applied = run(
        &target,
        &["harden", CLUSTER, "--region", REGION, "--only", AWS_STEPS, "--apply", "--yes", "--format", "json"],
    );
    let json = HardenJson::of(&applied);
    assert!(json.held("endpoint-access"), "{:?}\n{}", json.outcome("endpoint-access"), applied.stderr);

    // What is left needs a replacement of the node groups; no required flow that passed
    // before fails now.
    let (exit, after) = verify_json(&target);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(failed(&after), ["imds", "node-public-addresses", "node-ssh-keys"], "{after:#}");
    let required_after = passing_required(&after);
    let broken: Vec<_> = required_before.difference(&required_after).collect();
    assert!(broken.is_empty(), "required flows broken by harden: {broken:?}");
    let again = run(&target, &["harden", CLUSTER, "--region", REGION, "--only", AWS_STEPS]);
    let planned_now: Vec<&str> = again.stdout.lines().filter(|l| l.starts_with("    plan: ")).collect();
    assert!(!planned_now.is_empty());
    for line in &planned_now {
        let replacement =
            line.starts_with("    plan: replace node group ") || line.starts_with("    plan: replace the nodes of ");
        let kept_for_the_nodes = line.contains("(refused: it would break a required flow");
        let the_accounts = line.contains("(reported only: a trail belongs to the account");
        assert!(
            replacement || kept_for_the_nodes || the_accounts,
            "only replacements (and the account's trail) are left: {line}\n{}",
            again.stdout
        );
    }

    // With the replacements: the managed groups move to private subnets without SSH, every
    // step holds, and what is left is the self-managed group's hop limit, which only its
    // Auto Scaling group can replace (reported, not changed).
    let replaced = run(
        &target,
        &["harden", CLUSTER, "--region", REGION, "--only", AWS_STEPS, "--apply", "--yes", "--replace-node-groups"],
    );
    assert!(!replaced.stdout.contains("FAILED"), "{}\n{}", replaced.stdout, replaced.stderr);
    let (_, last) = verify_json(&target);
    assert_eq!(failed(&last), ["imds"], "{last:#}");
    let imds = last["posture"].as_array().unwrap().iter().find(|p| p["id"] == "imds").unwrap();
    let details: Vec<&str> = imds["details"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    let (left, hardened): (Vec<&str>, Vec<&str>) = details.iter().partition(|d| d.ends_with("hop limit 2"));
    assert_eq!(left, ["ng-workers: IMDSv2 required, hop limit 2"], "{imds:#}");
    assert_eq!(
        hardened,
        ["ng-private-hardened: IMDSv2 required, hop limit 1", "ng-ssh-hardened: IMDSv2 required, hop limit 1"]
    );
    let broken: Vec<_> = required_before
        .iter()
        .filter(|(id, source, _)| source.contains("ng-workers") && id != "node-to-node")
        .filter(|flow| !passing_required(&last).contains(*flow))
        .collect();
    assert!(broken.is_empty(), "the self-managed group keeps its flows: {broken:?}");
}

#[test]
fn an_eksctl_file_without_zones_is_created_in_zones_the_region_offers_to_eks() {
    // us-east-1: one of its zones (use1-az3) EKS does not offer for the control plane.
    let target = Target::emulator(&MotoOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(integration_tests::cli::repo_root().join("examples/eksctl-cluster.yaml"))
        .unwrap()
        .replace("region: us-east-2", "region: us-east-1")
        .replace("availabilityZones: [us-east-2a, us-east-2b]\n", "");
    let file = dir.path().join("no-zones.yaml");
    std::fs::write(&file, text).unwrap();
    let (created, _) = super::create(&target, file.to_str().unwrap(), &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws("us-east-1");
    let offered = block_on(aws.ec2.describe_availability_zones().send()).unwrap();
    let id_of = |name: &str| {
        offered.availability_zones().iter().find(|z| z.zone_name() == Some(name)).and_then(|z| z.zone_id()).unwrap()
    };
    let described = block_on(aws.eks.describe_cluster().name("legacy").send()).unwrap();
    let subnets = described.cluster().unwrap().resources_vpc_config().unwrap().subnet_ids().to_vec();
    let subnets = block_on(aws.ec2.describe_subnets().set_subnet_ids(Some(subnets)).send()).unwrap();
    let zones: BTreeSet<&str> = subnets.subnets().iter().filter_map(|s| s.availability_zone()).collect();
    assert_eq!(zones.len(), 3, "three zones, as eksctl takes: {zones:?}");
    assert!(zones.iter().all(|z| id_of(z) != "use1-az3"), "no zone EKS does not offer: {zones:?}");
    let said = zones.iter().copied().collect::<Vec<_>>().join(", ");
    assert!(created.stderr.contains(&format!("zones: {said}")), "{}", created.stderr);
}

#[test]
fn an_eksctl_file_that_names_no_admin_makes_the_role_that_creates_it_the_admin() {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws("us-east-2");
    // The operator's role, assumed as eksctl users run eksctl.
    let trust = serde_json::json!({ "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:root" }, "Action": "sts:AssumeRole" }] });
    let role = block_on(
        aws.iam
            .create_role()
            .role_name("platform-operator")
            .path("/teams/")
            .assume_role_policy_document(trust.to_string())
            .send(),
    )
    .unwrap();
    let role = role.role().unwrap().arn().to_owned();
    let session = block_on(aws.sts.assume_role().role_arn(&role).role_session_name("alice").send()).unwrap();
    let credentials = session.credentials().unwrap();
    // The file eksctl's own examples start from: a name, a region and a node group.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.yaml");
    let text = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: plain\n  region: us-east-2\nmanagedNodeGroups:\n  - name: ng-1\n    instanceType: m5.large\n";
    std::fs::write(&file, text).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let output = std::process::Command::new(integration_tests::cli::binary())
        .args(["create", "-f", file.to_str().unwrap(), "--yes", "--no-progress", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(target.args())
        .envs(integration_tests::cli::TEST_AWS_ENVIRONMENT)
        .env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
        .env("AWS_SESSION_TOKEN", credentials.session_token())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("admin: {role}")), "{stderr}");
    // Read back: the role has its access entry in eksharden's admin group, not system:masters.
    let entry = block_on(aws.eks.describe_access_entry().cluster_name("plain").principal_arn(&role).send())
        .unwrap_or_else(|e| panic!("{e:?}\n{stderr}"));
    assert_eq!(entry.access_entry().unwrap().kubernetes_groups(), ["eksharden:admins"], "{stderr}");
    // And the operator reaches the private endpoint through the bastion subnet added for it.
    let subnets = block_on(aws.ec2.describe_subnets().send()).unwrap();
    assert!(subnets.subnets().iter().any(|s| s.cidr_block() == Some("192.168.255.240/28")), "{stderr}");
}
