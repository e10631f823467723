//! `harden` on the emulator and the test API server: a created cluster is made insecure
//! through the EKS, EC2 and Kubernetes APIs; `harden` without `--apply` lists every problem
//! and changes nothing (the state read back before and after is identical); `--apply`
//! fixes what this version automates (read back), reports what it does not, and a second
//! run plans nothing. With the cluster API unreachable, the Kubernetes steps say so, the
//! AWS steps still apply, and the exit code says the run was incomplete.

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter};
use aws_sdk_eks::types::{LogSetup, LogType, Logging, RemoteAccessConfig, VpcConfigRequest};
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_spec::model::CLUSTER_TAG;
use integration_tests::cli::TEST_AWS_ENVIRONMENT;
use integration_tests::kube_server::KubeServer;
use integration_tests::moto::MotoOptions;
use serde_json::Value;

use super::harden_json::HardenJson;

use super::{
    account_trail, api_server_for_caller, block_on, cluster_through_the_api, create_roles, created_with_api_server,
    example, kube_client, launch_public_node, node_general_group, open_ssh_to_the_internet, run, Created, Target,
};

pub(crate) const ADMIN: &str = "arn:aws:iam::123456789012:role/platform-admin";
pub(crate) const VIEWER: &str = "arn:aws:iam::123456789012:role/oncall";
pub(crate) const BREAK_GLASS: &str = "arn:aws:iam::123456789012:role/break-glass";

/// A created cluster, its API server (whose bootstrap admin is the test's own identity, as
/// EKS makes the creator), made insecure through the APIs.
pub(crate) struct Insecure {
    pub(crate) target: Target,
    pub(crate) aws: Aws,
    pub(crate) server: KubeServer,
    pub(crate) cluster: String,
    pub(crate) region: String,
    /// The node security group opened to SSH.
    pub(crate) group: String,
    /// The node subnet made to assign public addresses.
    pub(crate) subnet: String,
}

fn insecure_cluster() -> Insecure {
    let Created { target, aws, server, cluster, region } = created_with_api_server("minimal");

    // The roles of the admins and of the legacy node group's nodes.
    create_roles(&aws, &["platform-admin", "oncall", "break-glass", "legacy-nodes"]);
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
    let group = node_general_group(&aws, &cluster);
    open_ssh_to_the_internet(&aws, &group);
    let subnets =
        block_on(aws.ec2.describe_subnets().filters(tagged("Name", &format!("{cluster}-private-eu-west-1a"))).send())
            .unwrap();
    let subnet = subnets.subnets()[0].subnet_id().unwrap().to_owned();
    let on = AttributeBooleanValue::builder().value(true).build();
    block_on(aws.ec2.modify_subnet_attribute().subnet_id(&subnet).map_public_ip_on_launch(on).send()).unwrap();
    // A node group that takes an SSH key (EKS opens 22 to the world for it), with a node
    // that has a public address.
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
    launch_node(&aws, &cluster, "legacy", &subnet);
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

/// Launches a node of node group `group` with a public address, with the groups EKS gives
/// such nodes (the cluster's and the remote-access one).
fn launch_node(aws: &Aws, cluster: &str, group: &str, subnet: &str) {
    let described = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    let cluster_group = described.cluster().unwrap().resources_vpc_config().unwrap().cluster_security_group_id();
    let node_group = block_on(aws.eks.describe_nodegroup().cluster_name(cluster).nodegroup_name(group).send()).unwrap();
    let remote = node_group.nodegroup().unwrap().resources().unwrap().remote_access_security_group();
    let groups = cluster_group.into_iter().chain(remote).map(str::to_owned).collect();
    launch_public_node(aws, cluster, group, subnet, groups);
}

impl Insecure {
    pub(crate) fn harden(&self, extra: &[&str], kube_endpoint: &str) -> integration_tests::cli::Run {
        self.harden_naming(&["--admin-role", ADMIN, "--viewer-role", VIEWER], extra, kube_endpoint)
    }

    /// `harden` naming these admin and viewer roles.
    fn harden_naming(&self, roles: &[&str], extra: &[&str], kube_endpoint: &str) -> integration_tests::cli::Run {
        let mut args =
            vec!["harden", self.cluster.as_str(), "--region", self.region.as_str(), "--kube-endpoint", kube_endpoint];
        args.extend(roles);
        args.extend(extra);
        run(&self.target, &args)
    }

    /// Everything the steps touch, read back.
    pub(crate) fn state(&self) -> Value {
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
            "nodeGroups": self.node_groups(), "publicNodes": self.public_nodes(),
            "secrets": c.encryption_config().iter().filter_map(|e| e.provider()?.key_arn()).count(),
            "private": vpc.endpoint_private_access(), "public": vpc.endpoint_public_access(),
            "cidrs": vpc.public_access_cidrs(), "logging": logging,
            "rules": rules.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(),
            "mapPublicIp": subnet.subnets()[0].map_public_ip_on_launch(),
            "awsAuth": kube("v1/configmaps", "kube-system", "aws-auth").map(|o| o["data"].clone()),
            "accessEntries": self.access_entries(),
            "authenticationMode": c.access_config().and_then(|a| a.authentication_mode()).map(|m| m.as_str()),
            "admins": kube("rbac.authorization.k8s.io/v1/clusterrolebindings", "", "eksharden-admins").is_some(),
            "clusterAdmin": kube("rbac.authorization.k8s.io/v1/clusterrolebindings", "", "cluster-admin").map(|b| serde_json::json!([b["subjects"], b["metadata"]["annotations"]])),
            "policy": kube("networking.k8s.io/v1/networkpolicies", "default", "eksharden-deny-ssh-egress").is_some(),
        })
    }
}

impl Insecure {
    /// Runs `harden` without `--apply`: it finds problems, and its plan names what every
    /// insecure cluster of these tests has, and `more`.
    pub(crate) fn assert_plans(&self, more: &[&str]) {
        let planned = self.harden(&[], &self.server.url());
        assert_eq!(planned.exit, Exit::Findings, "{}\n{}", planned.stdout, planned.stderr);
        let stop = format!("stop {} from assigning public addresses", self.subnet);
        let common = [
            "set endpoint access: private on, public off",
            "enable control-plane logging: api, audit, authenticator, controllerManager, scheduler",
            "inbound rule tcp 22 from 0.0.0.0/0",
            &stop,
            "replace node group legacy: its nodes accept SSH key ops-key; legacy-hardened in",
            "apply ClusterRoleBindings eksharden-admins, eksharden-viewers",
        ];
        for expected in common.iter().chain(more) {
            assert!(planned.stdout.contains(expected), "{expected:?} is planned:\n{}", planned.stdout);
        }
    }

    /// The state after `harden --apply --replace-node-groups`, checked for what every
    /// insecure cluster of these tests must come out with.
    pub(crate) fn assert_hardened(&self) -> Value {
        let after = self.state();
        assert_eq!((after["private"].as_bool(), after["public"].as_bool()), (Some(true), Some(false)), "{after:#}");
        assert_eq!(after["logging"].as_array().unwrap().len(), 5, "{after:#}");
        assert_eq!(after["secrets"], 1, "{after:#}");
        let open_ingress = after["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .any(|r| r.contains("egress: false") && r.contains("0.0.0.0/0"));
        assert!(!open_ingress, "no inbound rule from 0.0.0.0/0 is left: {after:#}");
        assert_eq!(after["mapPublicIp"], false);
        // The keyed group is replaced: no key, IMDSv2 at hop limit 1, its public node gone.
        assert!(after["nodeGroups"].get("legacy").is_none(), "{after:#}");
        let replaced = &after["nodeGroups"]["legacy-hardened"];
        assert_eq!(replaced["key"], Value::Null, "{after:#}");
        assert_eq!(replaced["metadata"], "tokens Some(Required), hop limit Some(1), key None", "{after:#}");
        assert_eq!(replaced["tag"], self.cluster.as_str(), "{after:#}");
        assert_eq!(after["publicNodes"], 0, "{after:#}");
        // Admins and viewers mapped to eksharden's groups where the cluster's authentication
        // mode reads them, and only there.
        let auth = after["awsAuth"]["mapRoles"].as_str().unwrap_or_default();
        let entries = &after["accessEntries"];
        if after["authenticationMode"].as_str().is_some_and(|m| m.starts_with("API")) {
            assert_eq!(entries[ADMIN], serde_json::json!(["eksharden:admins"]), "{after:#}");
            assert_eq!(entries[VIEWER], serde_json::json!(["eksharden:viewers"]), "{after:#}");
            assert!(!auth.contains(ADMIN), "{after:#}");
        } else {
            assert!(auth.contains(ADMIN) && auth.contains("eksharden:admins") && auth.contains(VIEWER), "{auth}");
            assert!(entries.get(ADMIN).is_none(), "{after:#}");
        }
        assert!(
            !auth.contains(BREAK_GLASS) && !auth.contains("system:masters"),
            "removed after the admin was proven: {auth}"
        );
        after
    }

    /// The cluster's access entries: each principal's Kubernetes groups.
    fn access_entries(&self) -> Value {
        let listed = block_on(self.aws.eks.list_access_entries().cluster_name(&self.cluster).send()).unwrap();
        let mut entries = serde_json::Map::new();
        for principal in listed.access_entries() {
            let described = block_on(
                self.aws.eks.describe_access_entry().cluster_name(&self.cluster).principal_arn(principal).send(),
            )
            .unwrap();
            let groups = described.access_entry().map(|e| e.kubernetes_groups().to_vec()).unwrap_or_default();
            entries.insert(principal.clone(), serde_json::json!(groups));
        }
        Value::Object(entries)
    }

    /// Each node group: its SSH key, subnets and its launch template's metadata options.
    fn node_groups(&self) -> Value {
        let names = block_on(self.aws.eks.list_nodegroups().cluster_name(&self.cluster).send()).unwrap();
        let mut groups = serde_json::Map::new();
        for name in names.nodegroups() {
            let described =
                block_on(self.aws.eks.describe_nodegroup().cluster_name(&self.cluster).nodegroup_name(name).send())
                    .unwrap();
            let group = described.nodegroup().unwrap();
            let metadata = group.launch_template().and_then(|t| {
                let versions = block_on(
                    self.aws
                        .ec2
                        .describe_launch_template_versions()
                        .launch_template_id(t.id()?)
                        .versions(t.version()?)
                        .send(),
                )
                .unwrap();
                let data = versions.launch_template_versions().first()?.launch_template_data()?.clone();
                let options = data.metadata_options()?;
                Some(format!(
                    "tokens {:?}, hop limit {:?}, key {:?}",
                    options.http_tokens(),
                    options.http_put_response_hop_limit(),
                    data.key_name()
                ))
            });
            let key = group.remote_access().and_then(|r| r.ec2_ssh_key());
            let tag = group.tags().and_then(|t| t.get(CLUSTER_TAG));
            groups.insert(
                name.clone(),
                serde_json::json!({ "key": key, "subnets": group.subnets().len(), "metadata": metadata, "tag": tag }),
            );
        }
        Value::Object(groups)
    }

    /// The running nodes of the cluster that have public addresses.
    fn public_nodes(&self) -> usize {
        let filters = [
            Filter::builder().name("tag:eks:cluster-name").values(&self.cluster).build(),
            Filter::builder().name("instance-state-name").values("running").build(),
        ];
        let found = block_on(self.aws.ec2.describe_instances().set_filters(Some(filters.to_vec())).send()).unwrap();
        found.reservations().iter().flat_map(|r| r.instances()).filter(|i| i.public_ip_address().is_some()).count()
    }
}

#[test]
fn harden_plans_without_changing_then_fixes_and_converges() {
    let cluster = insecure_cluster();
    let before = cluster.state();
    cluster.assert_plans(&[
        "(reported only: it replaces the group's nodes; run with --replace-node-groups to do it)",
        &format!("give access entries in eksharden's groups to: {ADMIN}, {VIEWER}"),
        "has public address",
        "now:  node group legacy: no cluster tag",
        "now:  the cluster security group: tagged",
        &format!("after proving the replacement admins, remove the system:masters mapping of {BREAK_GLASS} and system:masters from cluster-admin (annotated autoupdate: false)"),
        "apply the SSH egress policy in namespace default, namespace kube-public, namespace kube-system",
    ]);
    let planned = HardenJson::of(&cluster.harden(&["--format", "json"], &cluster.server.url()));
    for step in ["imds", "ssh-keys", "public-addresses", "system-masters", "endpoint-access"] {
        assert_eq!(planned.planned(step).0, "changes", "{step}");
    }
    assert_eq!(cluster.state(), before, "without --apply nothing changed");

    let applied =
        cluster.harden(&["--apply", "--yes", "--replace-node-groups", "--format", "json"], &cluster.server.url());
    let json = HardenJson::of(&applied);
    let after = cluster.assert_hardened();
    assert_eq!(after["clusterAdmin"][0], serde_json::json!([]), "{after:#}");
    assert_eq!(after["clusterAdmin"][1][integration_tests::kube_server::AUTOUPDATE], "false");
    assert!(json.held("system-masters"), "{:?}", json.outcome("system-masters"));
    // Acting as the admin role: allowed everything.
    let admin = block_on(eksharden_aws::token::token(&cluster.aws, &cluster.cluster, Some(ADMIN))).unwrap().token;
    let admin = kube_client(&cluster.server.url(), &admin);
    let everything = eksharden_kube::review::Action::everything();
    assert!(block_on(eksharden_kube::review::may(&admin, &everything)).unwrap().allowed);
    // Acting as the creator role: not possible, its trust policy lets nobody in.
    let creator = block_on(eksharden_aws::creator::inspect(&cluster.aws, &cluster.cluster)).unwrap().unwrap();
    let refused = block_on(eksharden_aws::token::assumed(&cluster.aws, &creator.arn)).unwrap_err();
    assert!(refused.message.contains("is not authorized to perform: sts:AssumeRole"), "{refused}");
    assert_eq!((after["admins"].as_bool(), after["policy"].as_bool()), (Some(true), Some(true)));
    for step in ["endpoint-access", "public-addresses", "ssh-keys", "imds", "tags"] {
        assert!(json.held(step), "{step}: {:?}", json.outcome(step));
    }
    assert_eq!(json.outcome("cloudtrail").0, "notApplied", "a trail is the account's");
    // The verification that follows is clean, and is the exit code.
    assert_eq!(applied.exit, Exit::Ok, "{}\n{}", applied.stdout, applied.stderr);
    let report = json.report.expect("the verification report follows");
    let checks = report["flows"].as_array().unwrap().iter().chain(report["posture"].as_array().unwrap());
    assert!(checks.clone().count() > 20 && checks.clone().all(|c| c["status"] != "fail"), "{report:#}");

    account_trail(&cluster.aws);
    let again = cluster.harden(&["--replace-node-groups"], &cluster.server.url());
    assert_eq!(again.exit, Exit::Ok, "{}\n{}", again.stdout, again.stderr);
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
    let applied = cluster.harden(&["--apply", "--yes", "--format", "json"], unreachable);
    assert_eq!(applied.exit, Exit::Infrastructure, "incomplete:\n{}\n{}", applied.stdout, applied.stderr);
    let json = HardenJson::of(&applied);
    // The cluster reads access entries: mapping the admins needs only the EKS API.
    assert!(json.held("access-mapping"), "{:?}", json.outcome("access-mapping"));
    for step in ["rbac-bindings", "system-masters", "ssh-egress-policy"] {
        let (outcome, why) = json.outcome(step);
        assert_eq!(outcome, "cannotInspect", "{step}");
        assert!(why.as_str().unwrap().starts_with("cannot inspect: the cluster API is not reachable"), "{step}: {why}");
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
    let nobody = cluster.harden_naming(&[], &["--apply", "--yes", "--only", "system-masters"], &cluster.server.url());
    assert!(nobody.stdout.contains("no replacement admin was named (--admin-role)"), "{}", nobody.stdout);
    assert!(cluster.state()["awsAuth"]["mapRoles"].as_str().unwrap().contains(BREAK_GLASS));
    // Mapped and bound, but its trust policy admits only another account: it cannot be
    // acted as, so it is not proven.
    let trust = serde_json::json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::999999999999:root" }, "Action": "sts:AssumeRole" }] });
    block_on(
        cluster
            .aws
            .iam
            .create_role()
            .role_name("elsewhere-admin")
            .assume_role_policy_document(trust.to_string())
            .send(),
    )
    .unwrap();
    let elsewhere = "arn:aws:iam::123456789012:role/elsewhere-admin";
    let unassumable = cluster.harden_naming(
        &["--admin-role", elsewhere],
        &["--apply", "--yes", "--only", "access-mapping,rbac-bindings,system-masters"],
        &cluster.server.url(),
    );
    assert_eq!(unassumable.exit, Exit::Infrastructure, "{}\n{}", unassumable.stdout, unassumable.stderr);
    let refusal = format!("refused to remove system:masters, nothing was removed: {elsewhere} cannot be assumed");
    assert!(unassumable.stdout.contains(&refusal), "{}", unassumable.stdout);
    assert!(unassumable.stdout.contains("is not authorized to perform: sts:AssumeRole"), "{}", unassumable.stdout);
    let after = cluster.state();
    assert!(after["awsAuth"]["mapRoles"].as_str().unwrap().contains(BREAK_GLASS), "{after:#}");
    assert_eq!(after["clusterAdmin"][0][0]["name"], "system:masters", "{after:#}");
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
    assert!(halfway["accessEntries"].get(ADMIN).is_some(), "the first steps ran: {halfway:#}");
    assert_eq!(halfway["logging"].as_array().unwrap().len(), 0, "the last step did not: {halfway:#}");

    let resumed = interrupted.harden(&["--apply", "--yes"], &interrupted.server.url());
    assert_eq!(resumed.exit, Exit::Findings, "only the node group not replaced is left:\n{}", resumed.stdout);

    let uninterrupted = insecure_cluster();
    let whole = uninterrupted.harden(&["--apply", "--yes"], &uninterrupted.server.url());
    assert_eq!(whole.exit, Exit::Findings);
    assert_eq!(comparable(&interrupted.state()), comparable(&uninterrupted.state()));
}

#[test]
fn a_cluster_made_through_the_eks_api_gets_its_secrets_encrypted_with_its_own_key() {
    let target = Target::emulator(&MotoOptions::default());
    let (cluster, region) = ("made-by-hand", "eu-west-1");
    let aws = target.aws(region);
    cluster_through_the_api(&aws, cluster, "10.40");
    let harden = |extra: &[&str]| {
        let mut args = vec!["harden", cluster, "--region", region, "--only", "secrets-encryption"];
        args.extend(extra);
        run(&target, &args)
    };

    let planned = harden(&[]);
    assert!(
        planned.stdout.contains("plan: encrypt secrets with the cluster's own KMS key (alias/eksharden/<cluster>"),
        "{}\n{}",
        planned.stdout,
        planned.stderr
    );
    let applied = HardenJson::of(&harden(&["--apply", "--yes", "--format", "json"]));
    assert!(applied.held("secrets-encryption"), "{:?}", applied.outcome("secrets-encryption"));

    // Read back: the cluster names the key, the alias points at it, rotation is on, and it
    // carries the cluster tag.
    let described = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    let used: Vec<String> = described
        .cluster()
        .unwrap()
        .encryption_config()
        .iter()
        .filter_map(|e| e.provider()?.key_arn().map(str::to_owned))
        .collect();
    let key = block_on(aws.kms.describe_key().key_id(format!("alias/eksharden/{cluster}")).send()).unwrap();
    let key = key.key_metadata().unwrap();
    assert_eq!(used, [key.arn().unwrap().to_owned()]);
    let rotation = block_on(aws.kms.get_key_rotation_status().key_id(key.key_id()).send()).unwrap();
    assert!(rotation.key_rotation_enabled());
    let tags = block_on(aws.kms.list_resource_tags().key_id(key.key_id()).send()).unwrap();
    assert!(tags.tags().iter().any(|t| t.tag_key() == CLUSTER_TAG && t.tag_value() == cluster), "{tags:?}");

    let again = harden(&["--format", "json"]);
    let json = HardenJson::of(&again);
    assert_eq!(json.planned("secrets-encryption").0, "compliant");
    let current = json.plans[0]["current"][0].as_str().unwrap();
    assert!(current.starts_with("secrets are encrypted with arn:aws:kms:"), "{current}");
    assert!(again.stderr.contains("0 change(s) planned"), "{}", again.stderr);
}

#[test]
fn create_with_a_kube_endpoint_runs_the_kubernetes_steps_too() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let admin_line = format!("    - arn: {ADMIN}\n");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("111122223333", "123456789012")
        .replace(&admin_line, &format!("{admin_line}  viewers:\n    - arn: {VIEWER}\n"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster.yaml");
    std::fs::write(&file, text).unwrap();
    let (cluster, region) = (spec.metadata.name.clone(), spec.metadata.region.clone());
    let aws = target.aws(&region);
    create_roles(&aws, &["platform-admin", "oncall"]);
    let server = api_server_for_caller(&target, &cluster, &region);
    let kubeconfig = dir.path().join("kubeconfig");
    let created = run(
        &target,
        &[
            "create",
            "-f",
            file.to_str().unwrap(),
            "--yes",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--kube-endpoint",
            &server.url(),
        ],
    );
    assert_eq!(created.exit, Exit::Ok, "{}\n{}", created.stdout, created.stderr);
    for step in ["rbac-bindings: applied", "system-masters: applied", "ssh-egress-policy: applied"] {
        assert!(created.stderr.contains(step), "{step}:\n{}", created.stderr);
    }
    // Read back from the API server: the bindings and the policy are there, cluster-admin no
    // longer binds system:masters, and the spec's admin, acting as itself, may do anything.
    let object =
        |resource: &str, namespace: &str, name: &str| server.object(&(resource.into(), namespace.into(), name.into()));
    let bindings = "rbac.authorization.k8s.io/v1/clusterrolebindings";
    assert!(object(bindings, "", "eksharden-admins").is_some() && object(bindings, "", "eksharden-viewers").is_some());
    assert!(object("networking.k8s.io/v1/networkpolicies", "default", "eksharden-deny-ssh-egress").is_some());
    let cluster_admin = object(bindings, "", "cluster-admin").unwrap();
    assert_eq!(cluster_admin["subjects"], serde_json::json!([]), "{cluster_admin:#}");
    let admin = block_on(eksharden_aws::token::token(&aws, &cluster, Some(ADMIN))).unwrap().token;
    let everything = eksharden_kube::review::Action::everything();
    assert!(block_on(eksharden_kube::review::may(&kube_client(&server.url(), &admin), &everything)).unwrap().allowed);
}
