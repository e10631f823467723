//! `harden` on the emulator and the test API server: a created cluster is made insecure
//! through the EKS, EC2 and Kubernetes APIs; `harden` without `--apply` lists every problem
//! and changes nothing (the state read back before and after is identical); `--apply`
//! fixes what this version automates (read back), reports what it does not, and a second
//! run plans nothing. With the cluster API unreachable, the Kubernetes steps say so, the
//! AWS steps still apply, and the exit code says the run was incomplete.

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, IpPermission, IpRange};
use aws_sdk_eks::types::{LogSetup, LogType, Logging, RemoteAccessConfig, VpcConfigRequest};
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_spec::model::CLUSTER_TAG;
use integration_tests::cli::TEST_AWS_ENVIRONMENT;
use integration_tests::kube_server::{KubeServer, KubeServerOptions};
use integration_tests::moto::MotoOptions;
use serde_json::Value;

use super::{block_on, create, create_roles, example, kube_client, run, test_secrets, Target};

const ADMIN: &str = "arn:aws:iam::123456789012:role/platform-admin";
const VIEWER: &str = "arn:aws:iam::123456789012:role/oncall";
const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/break-glass";

/// A created cluster, its API server (whose bootstrap admin is the test's own identity, as
/// EKS makes the creator), made insecure through the APIs.
struct Insecure {
    target: Target,
    aws: Aws,
    server: KubeServer,
    cluster: String,
    region: String,
    group: String,
    subnet: String,
}

fn insecure_cluster() -> Insecure {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(create(&target, &file, &dir).0.exit, Exit::Ok);
    let (cluster, region) = (spec.metadata.name.clone(), spec.metadata.region.clone());
    let aws = target.aws(&region);
    let Target::Emulator(moto) = &target else { unreachable!() };
    let secrets = test_secrets();
    let server = KubeServer::start(KubeServerOptions {
        cluster: cluster.clone(),
        region: region.clone(),
        aws: moto.address(),
        secrets,
        creator: Some("arn:aws:sts::123456789012:user/moto".into()),
    });

    create_roles(&aws, &["platform-admin", "oncall", "break-glass"]);
    // The endpoint open to the internet, no logging.
    let open = VpcConfigRequest::builder().endpoint_public_access(true).public_access_cidrs("0.0.0.0/0").build();
    block_on(aws.eks.update_cluster_config().name(&cluster).resources_vpc_config(open).send()).unwrap();
    let all: Vec<LogType> =
        ["api", "audit", "authenticator", "controllerManager", "scheduler"].map(LogType::from).to_vec();
    let off =
        Logging::builder().cluster_logging(LogSetup::builder().set_types(Some(all)).enabled(false).build()).build();
    block_on(aws.eks.update_cluster_config().name(&cluster).logging(off).send()).unwrap();
    // SSH from anywhere on the nodes; a node subnet that hands out public addresses.
    let tagged = |key: &str, value: &str| Filter::builder().name(format!("tag:{key}")).values(value).build();
    let groups = block_on(
        aws.ec2
            .describe_security_groups()
            .filters(tagged(CLUSTER_TAG, &cluster))
            .filters(tagged(eksharden_plan::stacks::ROLE_TAG, "node-general"))
            .send(),
    )
    .unwrap();
    let group = groups.security_groups()[0].group_id().unwrap().to_owned();
    let ssh = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&group).ip_permissions(ssh).send()).unwrap();
    let subnets =
        block_on(aws.ec2.describe_subnets().filters(tagged("Name", &format!("{cluster}-private-eu-west-1a"))).send())
            .unwrap();
    let subnet = subnets.subnets()[0].subnet_id().unwrap().to_owned();
    let on = AttributeBooleanValue::builder().value(true).build();
    block_on(aws.ec2.modify_subnet_attribute().subnet_id(&subnet).map_public_ip_on_launch(on).send()).unwrap();
    // A node group that takes an SSH key.
    let keyed = RemoteAccessConfig::builder().ec2_ssh_key("ops-key").build();
    block_on(
        aws.eks
            .create_nodegroup()
            .cluster_name(&cluster)
            .nodegroup_name("legacy")
            .subnets(&subnet)
            .node_role("arn:aws:iam::123456789012:role/legacy-nodes")
            .remote_access(keyed)
            .send(),
    )
    .unwrap();
    // A role mapped to system:masters.
    let token = block_on(eksharden_aws::token::token(&aws, &cluster, None)).unwrap().token;
    let client = kube_client(&server.url(), &token);
    let masters = IdentityMapping {
        arn: BREAK_GLASS.into(),
        username: "break-glass".into(),
        groups: vec!["system:masters".into()],
    };
    block_on(aws_auth::map_roles(&client, &[masters])).unwrap();
    Insecure { target, aws, server, cluster, region, group, subnet }
}

impl Insecure {
    fn harden(&self, extra: &[&str], kube_endpoint: &str) -> integration_tests::cli::Run {
        let mut args =
            vec!["harden", self.cluster.as_str(), "--region", self.region.as_str(), "--kube-endpoint", kube_endpoint];
        args.extend(["--admin-role", ADMIN, "--viewer-role", VIEWER]);
        args.extend(extra);
        run(&self.target, &args)
    }

    /// Everything the steps touch, read back.
    fn state(&self) -> Value {
        let described = block_on(self.aws.eks.describe_cluster().name(&self.cluster).send()).unwrap();
        let c = described.cluster().unwrap();
        let vpc = c.resources_vpc_config().unwrap();
        let logging: Vec<String> = c
            .logging()
            .unwrap()
            .cluster_logging()
            .iter()
            .filter(|s| s.enabled() == Some(true))
            .flat_map(|s| s.types().iter().map(|t| t.as_str().to_owned()))
            .collect();
        let rules = block_on(super::readback::group_rules(&self.aws, &self.group));
        let subnet = block_on(self.aws.ec2.describe_subnets().subnet_ids(&self.subnet).send()).unwrap();
        let kube = |resource: &str, namespace: &str, name: &str| {
            self.server.object(&(resource.into(), namespace.into(), name.into()))
        };
        serde_json::json!({
            "private": vpc.endpoint_private_access(), "public": vpc.endpoint_public_access(),
            "cidrs": vpc.public_access_cidrs(), "logging": logging,
            "rules": rules.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(),
            "mapPublicIp": subnet.subnets()[0].map_public_ip_on_launch(),
            "awsAuth": kube("v1/configmaps", "kube-system", "aws-auth").map(|o| o["data"].clone()),
            "admins": kube("rbac.authorization.k8s.io/v1/clusterrolebindings", "", "eksharden-admins").is_some(),
            "clusterAdmin": kube("rbac.authorization.k8s.io/v1/clusterrolebindings", "", "cluster-admin").map(|b| serde_json::json!([b["subjects"], b["metadata"]["annotations"]])),
            "policy": kube("networking.k8s.io/v1/networkpolicies", "default", "eksharden-deny-ssh-egress").is_some(),
        })
    }
}

#[test]
fn harden_plans_without_changing_then_fixes_and_converges() {
    let cluster = insecure_cluster();
    let before = cluster.state();
    let planned = cluster.harden(&[], &cluster.server.url());
    assert_eq!(planned.exit, Exit::Findings, "{}\n{}", planned.stdout, planned.stderr);
    for expected in [
        "set endpoint access: private on, public off",
        "enable control-plane logging: api, audit, authenticator, controllerManager, scheduler",
        "inbound rule tcp 22 from 0.0.0.0/0",
        &format!("stop {} from assigning public addresses", cluster.subnet),
        "replace node group legacy: its nodes accept SSH key ops-key",
        &format!("map in aws-auth: {ADMIN}, {VIEWER}"),
        &format!("after proving the replacement admins, remove the system:masters mapping of {BREAK_GLASS} and system:masters from cluster-admin (annotated autoupdate: false)"),
        "apply ClusterRoleBindings eksharden-admins, eksharden-viewers",
        "apply the SSH egress policy in namespace default, namespace kube-public, namespace kube-system",
    ] {
        assert!(planned.stdout.contains(expected), "{expected:?} is planned:\n{}", planned.stdout);
    }
    assert_eq!(cluster.state(), before, "without --apply nothing changed");

    let applied = cluster.harden(&["--apply", "--yes"], &cluster.server.url());
    let after = cluster.state();
    assert_eq!((after["private"].as_bool(), after["public"].as_bool()), (Some(true), Some(false)), "{after:#}");
    assert_eq!(after["logging"].as_array().unwrap().len(), 5);
    let open_ingress = after["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .any(|r| r.contains("egress: false") && r.contains("0.0.0.0/0"));
    assert!(!open_ingress, "no inbound rule from 0.0.0.0/0 is left: {after:#}");
    assert_eq!(after["mapPublicIp"], false);
    let auth = after["awsAuth"]["mapRoles"].as_str().unwrap();
    assert!(auth.contains(ADMIN) && auth.contains("eksharden:admins") && auth.contains(VIEWER), "{auth}");
    assert!(
        !auth.contains(BREAK_GLASS) && !auth.contains("system:masters"),
        "removed after the admin was proven: {auth}"
    );
    assert_eq!(after["clusterAdmin"][0], serde_json::json!([]), "{after:#}");
    assert_eq!(after["clusterAdmin"][1][integration_tests::kube_server::AUTOUPDATE], "false");
    assert!(applied.stdout.contains("system-masters     applied, and it held"), "{}", applied.stdout);
    // Acting as the admin role: allowed everything.
    let admin = block_on(eksharden_aws::token::token(&cluster.aws, &cluster.cluster, Some(ADMIN))).unwrap().token;
    let admin = kube_client(&cluster.server.url(), &admin);
    let everything = eksharden_kube::review::Action::everything();
    assert!(block_on(eksharden_kube::review::may(&admin, &everything)).unwrap().allowed);
    assert_eq!((after["admins"].as_bool(), after["policy"].as_bool()), (Some(true), Some(true)));
    assert!(applied.stdout.contains("endpoint-access    applied, and it held"), "{}", applied.stdout);
    assert!(
        applied.stdout.contains("ssh-keys           applied what it could; replace node group legacy"),
        "{}",
        applied.stdout
    );
    // What is not automated is still a finding of the verification that follows.
    assert_eq!(applied.exit, Exit::Findings, "{}\n{}", applied.stdout, applied.stderr);
    assert!(applied.stdout.contains("FAIL node-ssh-keys"), "{}", applied.stdout);

    let again = cluster.harden(&[], &cluster.server.url());
    assert!(
        again.stderr.contains("0 change(s) planned"),
        "a second run plans no change:\n{}\n{}",
        again.stdout,
        again.stderr
    );
}

#[test]
fn an_unreachable_cluster_api_stops_only_the_kubernetes_steps() {
    let cluster = insecure_cluster();
    let unreachable = "http://127.0.0.1:9";
    let applied = cluster.harden(&["--apply", "--yes"], unreachable);
    assert_eq!(applied.exit, Exit::Infrastructure, "incomplete:\n{}\n{}", applied.stdout, applied.stderr);
    for step in ["access-mapping", "rbac-bindings", "system-masters", "ssh-egress-policy"] {
        assert!(
            applied
                .stdout
                .contains(&format!("{step:<18} not changed: cannot inspect: the cluster API is not reachable")),
            "{step}:\n{}",
            applied.stdout
        );
    }
    assert!(applied.stderr.contains("the run was incomplete"), "{}", applied.stderr);
    let after = cluster.state();
    assert_eq!(after["private"], true);
    assert_eq!(after["logging"].as_array().unwrap().len(), 5, "the AWS steps still applied");
    assert!(after["awsAuth"]["mapRoles"].as_str().unwrap().contains(BREAK_GLASS));
    assert!(!after["awsAuth"]["mapRoles"].as_str().unwrap().contains(ADMIN), "nothing changed in the cluster");
}

#[test]
fn system_masters_stays_when_the_replacement_admin_cannot_be_proven() {
    let cluster = insecure_cluster();
    // Mapped, but without its RBAC binding, the admin role is not allowed everything.
    let applied =
        cluster.harden(&["--apply", "--yes", "--only", "access-mapping,system-masters"], &cluster.server.url());
    assert_eq!(applied.exit, Exit::Infrastructure, "{}\n{}", applied.stdout, applied.stderr);
    let refusal = format!("refused to remove system:masters, nothing was removed: {ADMIN} is not allowed everything");
    assert!(applied.stdout.contains(&refusal), "{}", applied.stdout);
    let after = cluster.state();
    assert!(after["awsAuth"]["mapRoles"].as_str().unwrap().contains(BREAK_GLASS), "the mapping stays: {after:#}");
    assert_eq!(after["clusterAdmin"][0][0]["name"], "system:masters", "and so does the binding: {after:#}");
    // With no admin named at all, the same refusal.
    let nobody = run(
        &cluster.target,
        &[
            "harden",
            &cluster.cluster,
            "--region",
            &cluster.region,
            "--kube-endpoint",
            &cluster.server.url(),
            "--apply",
            "--yes",
            "--only",
            "system-masters",
        ],
    );
    assert!(nobody.stdout.contains("no replacement admin was named (--admin-role)"), "{}", nobody.stdout);
    assert!(cluster.state()["awsAuth"]["mapRoles"].as_str().unwrap().contains(BREAK_GLASS));
}

/// The state with the emulator's ids blurred, to compare two clusters.
fn comparable(state: &Value) -> String {
    state
        .to_string()
        .split(['"', ' ', ','])
        .map(|word| if word.starts_with("sg-") || word.starts_with("subnet-") { "<id>" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_interrupted_apply_run_again_ends_where_an_uninterrupted_one_does() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let interrupted = insecure_cluster();
    let mut child = Command::new(integration_tests::cli::binary())
        .args([
            "harden",
            &interrupted.cluster,
            "--region",
            &interrupted.region,
            "--kube-endpoint",
            &interrupted.server.url(),
        ])
        .args(["--admin-role", ADMIN, "--viewer-role", VIEWER, "--apply", "--yes", "--no-progress"])
        .args(interrupted.target.args())
        .envs(TEST_AWS_ENVIRONMENT)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once three steps have reported, between the third and the fourth.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    lines.by_ref().map_while(Result::ok).find(|l| l == "applying:").expect("it starts applying");
    let done: Vec<String> = lines.by_ref().take(3).map_while(Result::ok).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(done.len(), 3, "{done:?}");
    let halfway = interrupted.state();
    assert!(halfway["awsAuth"]["mapRoles"].as_str().unwrap().contains(ADMIN), "the first steps ran: {halfway:#}");
    assert_eq!(halfway["logging"].as_array().unwrap().len(), 0, "the last step did not: {halfway:#}");

    let resumed = interrupted.harden(&["--apply", "--yes"], &interrupted.server.url());
    assert_eq!(resumed.exit, Exit::Findings, "only the keyed node group is left:\n{}", resumed.stdout);

    let uninterrupted = insecure_cluster();
    let whole = uninterrupted.harden(&["--apply", "--yes"], &uninterrupted.server.url());
    assert_eq!(whole.exit, Exit::Findings);
    assert_eq!(comparable(&interrupted.state()), comparable(&uninterrupted.state()));
}
