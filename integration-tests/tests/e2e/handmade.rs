//! `harden` on a cluster eksharden did not make: built directly through the EC2, EKS and
//! Kubernetes APIs the way terraform-aws-eks lays one out (public and private subnets with
//! a NAT gateway, an extra cluster security group, a node security group given to the nodes
//! by a launch template), then made insecure: the endpoint open to `0.0.0.0/0`, nodes in
//! public subnets with public addresses and an SSH key, IMDSv1, `0.0.0.0/0` to port 22, no
//! bastion subnet and no network ACL but the VPC's default, a role mapped to
//! `system:masters`, no logging. `harden` lists every problem and changes nothing;
//! `--apply` fixes each (read back); `verify` is then clean and a second run plans nothing.

use aws_sdk_ec2::types::Filter;
use aws_sdk_eks::types::VpcConfigRequest;
use eksharden_cli::exit::Exit;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use integration_tests::moto::MotoOptions;
use integration_tests::shapes;
use serde_json::Value;

use super::harden::{Insecure, ADMIN, BREAK_GLASS, VIEWER};
use super::harden_json::HardenJson;
use super::{account_trail, api_server_for_caller, block_on, create, create_roles, example, kube_client, run, Target};

const CLUSTER: &str = "by-hand";
const REGION: &str = "eu-west-1";

/// The cluster, built through the APIs and made insecure.
fn handmade_cluster() -> Insecure {
    handmade_cluster_of(false)
}

/// The cluster, built through the APIs and made insecure; in a dual-stack VPC if `ipv6`.
fn handmade_cluster_of(ipv6: bool) -> Insecure {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws(REGION);
    let built = block_on(shapes::hand_made(&aws, CLUSTER, &[])).unwrap();
    if ipv6 {
        block_on(shapes::add_ipv6(&aws, &built)).unwrap();
    }

    // The API server, whose bootstrap admin is the caller (EKS makes the creator one), and
    // a role mapped to system:masters.
    let server = api_server_for_caller(&target, CLUSTER, REGION);
    create_roles(&aws, &["platform-admin", "oncall", "break-glass"]);
    let token = block_on(eksharden_aws::token::token(&aws, CLUSTER, None)).unwrap().token;
    let masters = IdentityMapping {
        arn: BREAK_GLASS.into(),
        username: "break-glass".into(),
        groups: vec!["system:masters".into()],
    };
    block_on(aws_auth::map_roles(&kube_client(&server.url(), &token), &[masters])).unwrap();
    Insecure {
        target,
        aws,
        server,
        cluster: CLUSTER.into(),
        region: REGION.into(),
        group: built.node_group,
        subnet: built.public_subnet,
    }
}

/// The network ACLs of `cluster`'s VPC, read back: each one's subnets and entries.
fn network_acls(cluster: &Insecure) -> Value {
    let aws = &cluster.aws;
    let in_vpc = Filter::builder().name("vpc-id").values(cluster_vpc(cluster)).build();
    let acls = block_on(aws.ec2.describe_network_acls().filters(in_vpc.clone()).send()).unwrap();
    let subnets = block_on(aws.ec2.describe_subnets().filters(in_vpc).send()).unwrap();
    let block_of = |id: &str| {
        subnets
            .subnets()
            .iter()
            .find(|s| s.subnet_id() == Some(id))
            .and_then(|s| s.cidr_block())
            .unwrap_or(id)
            .to_owned()
    };
    let mut out = serde_json::Map::new();
    for acl in acls.network_acls() {
        let mut on: Vec<String> = acl.associations().iter().filter_map(|a| a.subnet_id()).map(block_of).collect();
        on.sort();
        let mut entries: Vec<String> = acl
            .entries()
            .iter()
            // Not the `*` entries (32767 for IPv4, 32768 for IPv6).
            .filter(|e| e.rule_number() < Some(32767))
            .map(|e| {
                format!(
                    "{} {} {} {} {:?} {}",
                    if e.egress() == Some(true) { "out" } else { "in" },
                    e.rule_number().unwrap(),
                    e.rule_action().unwrap().as_str(),
                    e.protocol().unwrap(),
                    e.port_range().map(|p| (p.from(), p.to())),
                    e.cidr_block().or(e.ipv6_cidr_block()).unwrap_or_default()
                )
            })
            .collect();
        entries.sort();
        out.insert(on.join(" "), serde_json::json!(entries));
    }
    Value::Object(out)
}

/// The VPC's flow logs: what each records, its log group, and whether a KMS key encrypts it.
async fn flow_logs(cluster: &Insecure) -> Vec<(String, String, bool)> {
    let described = cluster.aws.eks.describe_cluster().name(CLUSTER).send().await.unwrap();
    let vpc = described.cluster().unwrap().resources_vpc_config().unwrap().vpc_id().unwrap().to_owned();
    let vpc = Filter::builder().name("resource-id").values(vpc).build();
    let described = cluster.aws.ec2.describe_flow_logs().filter(vpc).send().await.unwrap();
    let mut found = Vec::new();
    for log in described.flow_logs() {
        let group = log.log_group_name().unwrap_or_default().to_owned();
        let groups = cluster.aws.logs.describe_log_groups().log_group_name_prefix(&group).send().await.unwrap();
        let encrypted =
            groups.log_groups().iter().any(|g| g.log_group_name() == Some(&group) && g.kms_key_id().is_some());
        found.push((log.traffic_type().unwrap().as_str().to_owned(), group, encrypted));
    }
    found
}

/// Whether `role` has the Systems Manager policy.
async fn has_session_manager(cluster: &Insecure, role: &str) -> bool {
    let attached = cluster.aws.iam.list_attached_role_policies().role_name(role).send().await.unwrap();
    attached.attached_policies().iter().any(|p| p.policy_name() == Some("AmazonSSMManagedInstanceCore"))
}

/// Each running node of the cluster, and whether its instance profile's roles have the
/// Systems Manager policy.
async fn node_profiles_with_session_manager(cluster: &Insecure) -> Vec<(String, bool)> {
    let filters = [
        Filter::builder().name("tag:eks:cluster-name").values(CLUSTER).build(),
        Filter::builder().name("instance-state-name").values("running").build(),
    ];
    let found = cluster.aws.ec2.describe_instances().set_filters(Some(filters.to_vec())).send().await.unwrap();
    let mut nodes = Vec::new();
    for instance in found.reservations().iter().flat_map(|r| r.instances()) {
        let Some(arn) = instance.iam_instance_profile().and_then(|p| p.arn()) else {
            nodes.push((instance.instance_id().unwrap().to_owned(), false));
            continue;
        };
        let name = arn.rsplit('/').next().unwrap();
        let profile = cluster.aws.iam.get_instance_profile().instance_profile_name(name).send().await.unwrap();
        let mut has = false;
        for role in profile.instance_profile().unwrap().roles() {
            has |= has_session_manager(cluster, role.role_name()).await;
        }
        nodes.push((instance.instance_id().unwrap().to_owned(), has));
    }
    nodes
}

/// The entries of a copy of an ACL with `entries` that admits 22 only from the bastion.
fn guarded(entries: &Value) -> Value {
    let mut guarded: Vec<Value> = vec![
        serde_json::json!("in 1 allow 6 Some((Some(22), Some(22))) 10.50.255.240/28"),
        serde_json::json!("in 2 deny 6 Some((Some(22), Some(22))) 0.0.0.0/0"),
    ];
    guarded.extend(entries.as_array().unwrap().iter().cloned());
    guarded.sort_by_key(|e| e.as_str().unwrap().to_owned());
    Value::Array(guarded)
}

#[test]
fn a_cluster_built_through_the_apis_is_hardened_until_verify_is_clean() {
    let cluster = handmade_cluster();
    let acls = || network_acls(&cluster);
    let before = (cluster.state(), acls());
    cluster.assert_plans(&[
        "it launches into public subnets",
        "its nodes allow IMDSv1, hop limit 2",
        "now:  the VPC has no bastion subnet",
        "make the bastion subnet 10.50.255.240/28 in eu-west-1a",
        "(10.50.11.0/24), the internet",
        "a copy of acl-",
        "encrypt secrets with the cluster's own KMS key",
        "now:  the cluster security group: no cluster tag",
        "now:  security group by-hand-node: no cluster tag",
        "now:  security group by-hand-cluster: no cluster tag",
        &format!("remove the system:masters mapping of {BREAK_GLASS}"),
        &format!("map in aws-auth: {ADMIN}, {VIEWER}"),
        "record all traffic of vpc-",
        "attach AmazonSSMManagedInstanceCore to role by-hand-nodes",
        "associate an instance profile with AmazonSSMManagedInstanceCore (eksharden-<cluster>-ssm) with i-",
        "record management events in a multi-region trail: aws cloudtrail create-trail",
    ]);
    assert_eq!((cluster.state(), acls()), before, "without --apply nothing changed");
    assert!(block_on(flow_logs(&cluster)).is_empty(), "no flow log before");

    let applied = cluster.harden(&["--apply", "--yes", "--replace-node-groups"], &cluster.server.url());
    cluster.assert_hardened();
    // Flow logs of all traffic, to a log group encrypted with the cluster's logs key; the
    // role of every node group carries the Systems Manager policy (read back).
    let logs = block_on(flow_logs(&cluster));
    assert_eq!(logs, [("ALL".to_owned(), format!("/eksharden/{CLUSTER}/vpc-flow-logs"), true)], "{logs:?}");
    let groups = block_on(cluster.aws.eks.list_nodegroups().cluster_name(CLUSTER).send()).unwrap();
    for group in groups.nodegroups() {
        let described =
            block_on(cluster.aws.eks.describe_nodegroup().cluster_name(CLUSTER).nodegroup_name(group).send()).unwrap();
        let role = described.nodegroup().unwrap().node_role().unwrap().rsplit('/').next().unwrap().to_owned();
        assert!(block_on(has_session_manager(&cluster, &role)), "{group}: {role}");
    }
    // The bastion subnet has an ACL of its own; both private subnets moved to a copy of the
    // default ACL with the SSH guard in front of its entries; the default ACL is unchanged.
    let acls = acls();
    assert_eq!(
        acls["10.50.255.240/28"],
        serde_json::json!([
            "in 200 allow 6 Some((Some(1024), Some(65535))) 10.50.0.0/16",
            "out 200 allow 6 Some((Some(22), Some(22))) 10.50.0.0/16",
            "out 210 allow 6 Some((Some(443), Some(443))) 10.50.0.0/16",
        ]),
        "{acls:#}"
    );
    let default_entries = &before.1["10.50.0.0/24 10.50.1.0/24 10.50.10.0/24 10.50.11.0/24"];
    assert_eq!(&acls["10.50.0.0/24 10.50.1.0/24"], default_entries, "{acls:#}");
    assert_eq!(acls["10.50.10.0/24 10.50.11.0/24"], guarded(default_entries), "{acls:#}");
    // The cluster's own groups carry the cluster tag (read back).
    let node_group = block_on(cluster.aws.ec2.describe_security_groups().group_ids(&cluster.group).send()).unwrap();
    let tagged = node_group.security_groups()[0]
        .tags()
        .iter()
        .any(|t| t.key() == Some(eksharden_spec::model::CLUSTER_TAG) && t.value() == Some(CLUSTER));
    assert!(tagged, "{node_group:?}\n{}", applied.stdout);
    for step in ["public-addresses", "ssh-ingress", "ssh-keys", "imds", "network-acl", "endpoint-access", "tags"] {
        let held = format!("{step:<18} applied, and it held");
        assert!(applied.stdout.contains(&held), "{held}:\n{}", applied.stdout);
    }
    // The verification that follows is clean, and is the exit code.
    assert_eq!(applied.exit, Exit::Ok, "{}\n{}", applied.stdout, applied.stderr);
    // A trail is the account's: reported with the commands, not made.
    let reported = "not applied: a trail belongs to the account";
    assert!(applied.stdout.contains(reported), "{}", applied.stdout);

    account_trail(&cluster.aws);
    let again = cluster.harden(&["--replace-node-groups"], &cluster.server.url());
    assert_eq!(again.exit, Exit::Ok, "{}\n{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("0 change(s) planned"), "{}\n{}", again.stdout, again.stderr);
}

#[test]
fn session_manager_reaches_running_nodes_without_replacing_them() {
    let cluster = handmade_cluster();
    let before = block_on(node_profiles_with_session_manager(&cluster));
    assert!(!before.is_empty() && before.iter().all(|(_, has)| !has), "{before:?}");
    let only = ["--only", "session-manager"];
    let planned = cluster.harden(&only, &cluster.server.url());
    assert!(planned.stdout.contains("attach AmazonSSMManagedInstanceCore to role by-hand-nodes"), "{}", planned.stdout);
    assert_eq!(block_on(node_profiles_with_session_manager(&cluster)), before, "a plan changes nothing");
    let applied = cluster.harden(&["--only", "session-manager", "--apply", "--yes"], &cluster.server.url());
    assert!(
        applied.stdout.contains("session-manager    applied, and it held"),
        "{}\n{}",
        applied.stdout,
        applied.stderr
    );
    // The same instances, each with a profile whose role has the policy; the node role too.
    let after = block_on(node_profiles_with_session_manager(&cluster));
    let ids = |nodes: &[(String, bool)]| nodes.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before), "no node was replaced");
    assert!(after.iter().all(|(_, has)| *has), "{after:?}");
    assert!(block_on(has_session_manager(&cluster, "by-hand-nodes")));
    let again = cluster.harden(&only, &cluster.server.url());
    assert!(again.stderr.contains("0 change(s) planned"), "{}\n{}", again.stdout, again.stderr);
}

#[test]
fn a_network_acl_step_cut_short_is_finished_by_the_next_run() {
    use aws_sdk_ec2::types::{PortRange, ResourceType, RuleAction, Tag, TagSpecification};
    use eksharden_aws::acls::COPIED_FROM_TAG;
    use eksharden_plan::stacks::ROLE_TAG;
    use eksharden_spec::model::CLUSTER_TAG;

    let cluster = handmade_cluster();
    let aws = &cluster.aws;
    let vpc_id = cluster_vpc(&cluster);
    let vpc = Filter::builder().name("vpc-id").values(&vpc_id).build();
    let default = Filter::builder().name("default").values("true").build();
    let found = block_on(aws.ec2.describe_network_acls().filters(vpc).filters(default).send()).unwrap();
    let default_acl = found.network_acls()[0].network_acl_id().unwrap().to_owned();
    let default_entries = network_acls(&cluster)["10.50.0.0/24 10.50.1.0/24 10.50.10.0/24 10.50.11.0/24"].clone();
    // What a run cut short leaves: the copy of the default ACL made and tagged, with a wrong
    // entry in the guard's place and a stray one, and no subnet moved to it yet.
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::NetworkAcl)
        .tags(tag(CLUSTER_TAG, CLUSTER))
        .tags(tag(ROLE_TAG, "node-acl"))
        .tags(tag(COPIED_FROM_TAG, &default_acl))
        .build();
    let copy = block_on(aws.ec2.create_network_acl().vpc_id(&vpc_id).tag_specifications(tags).send()).unwrap();
    let copy = copy.network_acl().unwrap().network_acl_id().unwrap().to_owned();
    for (number, egress, action, cidr) in
        [(1, false, RuleAction::Allow, "0.0.0.0/0"), (50, true, RuleAction::Deny, "10.0.0.0/8")]
    {
        let request = aws
            .ec2
            .create_network_acl_entry()
            .network_acl_id(&copy)
            .rule_number(number)
            .egress(egress)
            .protocol("6")
            .rule_action(action)
            .cidr_block(cidr)
            .port_range(PortRange::builder().from(22).to(22).build());
        block_on(request.send()).unwrap();
    }

    let applied =
        cluster.harden(&["--apply", "--yes", "--only", "network-acl", "--format", "json"], &cluster.server.url());
    let json = HardenJson::of(&applied);
    assert!(json.held("network-acl"), "{:?}\n{}", json.outcome("network-acl"), applied.stderr);
    // The four node subnets (the group's public ones and the cluster's private ones) moved
    // to that same copy, whose entries were put right; the default ACL is as it was.
    let acls = network_acls(&cluster);
    assert_eq!(acls["10.50.0.0/24 10.50.1.0/24 10.50.10.0/24 10.50.11.0/24"], guarded(&default_entries), "{acls:#}");
    assert_eq!(acls[""], default_entries, "{acls:#}");
    let on_copy = block_on(aws.ec2.describe_network_acls().network_acl_ids(&copy).send()).unwrap();
    assert_eq!(on_copy.network_acls()[0].associations().len(), 4, "{acls:#}");
}

/// The VPC of the cluster's node subnet.
fn cluster_vpc(cluster: &Insecure) -> String {
    let subnet = block_on(cluster.aws.ec2.describe_subnets().subnet_ids(&cluster.subnet).send()).unwrap();
    subnet.subnets()[0].vpc_id().unwrap().to_owned()
}

#[test]
fn a_self_managed_node_group_of_eksctl_is_named_as_eksctl_named_it() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(create(&target, &file, &dir).0.exit, Exit::Ok);
    let aws = target.aws(&spec.metadata.region);
    let cluster = block_on(aws.eks.describe_cluster().name(&spec.metadata.name).send()).unwrap();
    let subnet = cluster.cluster().unwrap().resources_vpc_config().unwrap().subnet_ids()[0].clone();
    // As eksctl's nodegroup stack tags the instances its Auto Scaling group launches.
    let owned = format!("kubernetes.io/cluster/{}", spec.metadata.name);
    let tags = [
        (owned.as_str(), "owned"),
        ("alpha.eksctl.io/nodegroup-name", "ng-workers"),
        ("alpha.eksctl.io/cluster-name", spec.metadata.name.as_str()),
    ];
    block_on(shapes::launch(&aws, &tags, &subnet, &[], false)).unwrap();
    let verified = run(&target, &["verify", "-f", &file, "-v"]);
    assert!(verified.stdout.contains("node group ng-workers: 1 real interfaces of 1 instances"), "{}", verified.stdout);
}

#[test]
fn harden_refuses_to_stop_public_addresses_its_nodes_need_to_reach_aws() {
    let cluster = handmade_cluster();
    // Without the node group's replacement, its nodes stay in subnets whose only way out is
    // the internet gateway: without a public address they reach neither ECR nor EKS.
    let planned = cluster.harden(&["--only", "public-addresses"], &cluster.server.url());
    let refusal = "from assigning public addresses (refused: it would break a required flow that passes now: node group legacy -> ";
    // Both subnets: the one its node is in, and the one its next node may be launched in.
    assert_eq!(planned.stdout.matches(refusal).count(), 2, "{}", planned.stdout);
    assert!(planned.stdout.contains("ecr.api API: tcp 443"), "{}", planned.stdout);
    let before = cluster.state();
    let applied = cluster.harden(&["--only", "public-addresses", "--apply", "--yes"], &cluster.server.url());
    assert!(applied.stdout.contains("not applied: it would break a required flow"), "{}", applied.stdout);
    assert_eq!(cluster.state(), before, "nothing that breaks the nodes was changed:\n{}", applied.stdout);
    // With the replacement asked for, the nodes move to private subnets with a way out, and
    // the subnets stop assigning public addresses.
    let planned = cluster.harden(&["--only", "public-addresses", "--replace-node-groups"], &cluster.server.url());
    assert!(!planned.stdout.contains("refused"), "{}", planned.stdout);
}

#[test]
fn harden_names_the_stack_that_owns_each_change_and_the_cluster_config_field_that_keeps_it() {
    let target = Target::emulator(&MotoOptions::default());
    let (cluster, region, stack) = ("by-eksctl", REGION, "eksctl-by-eksctl-cluster");
    let aws = target.aws(region);
    let vpc = block_on(aws.ec2.create_vpc().cidr_block("10.60.0.0/16").send()).unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = block_on(aws.ec2.create_subnet().vpc_id(&vpc).cidr_block("10.60.1.0/24").send()).unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    // As eksctl's cluster stack makes it: the cluster tagged by eksctl and by CloudFormation.
    let created = block_on(
        aws.eks
            .create_cluster()
            .name(cluster)
            .role_arn("arn:aws:iam::123456789012:role/cluster")
            .resources_vpc_config(VpcConfigRequest::builder().subnet_ids(&subnet).endpoint_public_access(true).build())
            .tags("alpha.eksctl.io/cluster-name", cluster)
            .tags("aws:cloudformation:stack-name", stack)
            .send(),
    )
    .unwrap();
    let group =
        created.cluster().unwrap().resources_vpc_config().unwrap().cluster_security_group_id().unwrap().to_owned();
    let tag = aws_sdk_ec2::types::Tag::builder().key("aws:cloudformation:stack-name").value(stack).build();
    block_on(aws.ec2.create_tags().resources(&group).tags(tag).send()).unwrap();
    block_on(shapes::admit(&aws, &group, "tcp", (22, 22), shapes::Source::Everywhere)).unwrap();

    let only = "ssh-ingress,endpoint-access,logging,secrets-encryption";
    let planned = run(&target, &["harden", cluster, "--region", region, "--only", only]);
    let plan = &planned.stdout;
    // A planned change and the lines said under it.
    let said_of = |change: &str| -> String {
        let mut lines = plan.lines().skip_while(|l| !l.starts_with(&format!("    plan: {change}")));
        let first = lines.next().unwrap_or_else(|| panic!("no plan {change}:\n{plan}"));
        let under: Vec<&str> = lines.take_while(|l| l.starts_with("          ")).collect();
        format!("{first}\n{}", under.join("\n"))
    };
    let owned = format!("owned by stack {stack}: it will differ from the stack's template");
    let revoke = said_of(&format!("revoke {group}"));
    assert!(revoke.contains(&owned), "{revoke}");
    assert!(!revoke.contains("eksctl: set"), "no eksctl field keeps a hand-made rule away:\n{revoke}");
    for (change, field) in [
        ("set endpoint access", "vpc.clusterEndpoints (privateAccess: true, publicAccess: false)"),
        ("enable control-plane logging", "cloudWatch.clusterLogging.enableTypes: [\"*\"]"),
        ("encrypt secrets", "secretsEncryption.keyARN"),
    ] {
        let said = said_of(change);
        assert!(said.contains(&owned) && said.contains(&format!("eksctl: set {field}")), "{change}:\n{said}");
    }
}

#[test]
fn ssh_from_another_security_group_is_revoked_whatever_the_rule_says_of_itself() {
    use aws_sdk_ec2::types::{IpPermission, UserIdGroupPair};
    let cluster = handmade_cluster();
    let aws = &cluster.aws;
    let vpc = cluster_vpc(&cluster);
    let jump = block_on(aws.ec2.create_security_group().vpc_id(&vpc).group_name("jump").description("jump").send());
    let jump = jump.unwrap().group_id().unwrap().to_owned();
    let from_jump = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(&jump).description("ops jump host").build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&cluster.group).ip_permissions(from_jump).send())
        .unwrap();
    let applied =
        cluster.harden(&["--only", "ssh-ingress", "--apply", "--yes", "--format", "json"], &cluster.server.url());
    assert!(HardenJson::of(&applied).held("ssh-ingress"), "{}", applied.stdout);
    let group = block_on(aws.ec2.describe_security_groups().group_ids(&cluster.group).send()).unwrap();
    let from_jump_left = group.security_groups()[0]
        .ip_permissions()
        .iter()
        .any(|p| p.user_id_group_pairs().iter().any(|g| g.group_id() == Some(jump.as_str())));
    assert!(!from_jump_left, "{group:?}");
}

/// The cells of flow check `id` whose source is `source`, from a JSON report.
fn cells<'r>(report: &'r Value, id: &str, source: &str) -> Vec<&'r Value> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["id"] == id)
        .flat_map(|check| check["cells"].as_array().unwrap())
        .filter(|cell| cell["source"] == source)
        .collect()
}

#[test]
fn a_dual_stack_cluster_is_checked_and_hardened_over_ipv6_as_over_ipv4() {
    let cluster = handmade_cluster_of(true);
    let verify = || {
        let run = run(&cluster.target, &["verify", CLUSTER, "--region", REGION, "--format", "json"]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
        (run.exit, report)
    };
    // The node has an IPv6 address in a subnet routed to the internet gateway; its group
    // admits 22 from ::/0; the default ACL allows all IPv6: SSH is open to the IPv6 internet.
    let (exit, before) = verify();
    assert_eq!(exit, Exit::Findings);
    let from_v6 = cells(&before, "no-internet-to-nodes", "2001:db8:77::77");
    assert!(!from_v6.is_empty(), "the IPv6 internet is tried: {before:#}");
    let open: Vec<&&Value> = from_v6.iter().filter(|c| c["status"] == "fail").collect();
    assert!(!open.is_empty(), "{from_v6:#?}");
    let said = open[0]["explanation"].to_string();
    assert!(said.contains("tcp 22 from ::/0") && said.contains("has IPv6 address 2"), "{said}");
    // The IPv4 internet too, for the same port, through 0.0.0.0/0.
    let from_v4 = cells(&before, "no-internet-to-nodes", "203.0.113.77");
    assert!(from_v4.iter().any(|c| c["status"] == "fail" && c["explanation"].to_string().contains("0.0.0.0/0")));

    // The plan revokes both rules and guards the node subnets' ACLs for both families.
    let planned = cluster.harden(&["--replace-node-groups"], &cluster.server.url());
    for change in ["tcp 22 from ::/0", "tcp 22 from 0.0.0.0/0", "over IPv6 from nowhere (entries 1-4"] {
        assert!(planned.stdout.contains(change), "{change}:\n{}", planned.stdout);
    }
    assert!(
        planned.stdout.contains("admits 22 from") && planned.stdout.contains("the IPv6 internet"),
        "{}",
        planned.stdout
    );

    let applied = cluster.harden(&["--apply", "--yes", "--replace-node-groups"], &cluster.server.url());
    assert_eq!(applied.exit, Exit::Ok, "{}\n{}", applied.stdout, applied.stderr);
    // Read back: no inbound rule of the node group from ::/0 or 0.0.0.0/0 is left ...
    let rules = block_on(super::readback::group_rules(&cluster.aws, &cluster.group));
    let open_rules: Vec<_> =
        rules.iter().filter(|r| !r.egress && (r.peer == "::/0" || r.peer == "0.0.0.0/0")).collect();
    assert!(open_rules.is_empty(), "{open_rules:?}");
    // ... and the private subnets' copy of the default ACL has the guard for both families
    // in front of the default entries, IPv6 ones included.
    let acls = network_acls(&cluster);
    let guarded_private = acls["10.50.10.0/24 10.50.11.0/24"].as_array().unwrap();
    for entry in [
        "in 1 allow 6 Some((Some(22), Some(22))) 10.50.255.240/28",
        "in 2 deny 6 Some((Some(22), Some(22))) 0.0.0.0/0",
        "in 4 deny 6 Some((Some(22), Some(22))) ::/0",
        "in 101 allow -1 None ::/0",
    ] {
        assert!(guarded_private.iter().any(|e| e == entry), "{entry}: {acls:#}");
    }

    // verify after: every cell from the IPv6 internet passes, each naming what blocks it.
    let (exit, after) = verify();
    assert_eq!(exit, Exit::Ok, "{after:#}");
    let from_v6 = cells(&after, "no-internet-to-nodes", "2001:db8:77::77");
    assert!(!from_v6.is_empty() && from_v6.iter().all(|c| c["status"] == "pass"), "{from_v6:#?}");
}
