//! `harden` on a cluster eksharden did not make: built directly through the EC2, EKS and
//! Kubernetes APIs the way terraform-aws-eks lays one out (public and private subnets with
//! a NAT gateway, an extra cluster security group, a node security group given to the nodes
//! by a launch template), then made insecure: the endpoint open to `0.0.0.0/0`, nodes in
//! public subnets with public addresses and an SSH key, IMDSv1, `0.0.0.0/0` to port 22, no
//! bastion subnet and no network ACL but the VPC's default, a role mapped to
//! `system:masters`, no logging. `harden` lists every problem and changes nothing;
//! `--apply` fixes each (read back); `verify` is then clean and a second run plans nothing.

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataOptionsRequest,
    RequestLaunchTemplateData, UserIdGroupPair,
};
use aws_sdk_eks::types::{LaunchTemplateSpecification, VpcConfigRequest};
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use integration_tests::moto::MotoOptions;
use serde_json::Value;

use super::harden::{Insecure, ADMIN, BREAK_GLASS, VIEWER};
use super::{
    api_server_for_caller, block_on, create, create_roles, example, kube_client, launch, launch_public_node, run,
    Target,
};

const CLUSTER: &str = "by-hand";
const REGION: &str = "eu-west-1";

/// Makes a subnet in `zone` and returns its id.
fn subnet(aws: &Aws, vpc: &str, cidr: &str, zone: &str, table: &str, public: bool) -> String {
    let made = block_on(aws.ec2.create_subnet().vpc_id(vpc).cidr_block(cidr).availability_zone(zone).send()).unwrap();
    let id = made.subnet().unwrap().subnet_id().unwrap().to_owned();
    block_on(aws.ec2.associate_route_table().subnet_id(&id).route_table_id(table).send()).unwrap();
    if public {
        let on = aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build();
        block_on(aws.ec2.modify_subnet_attribute().subnet_id(&id).map_public_ip_on_launch(on).send()).unwrap();
    }
    id
}

/// Makes a security group in `vpc` and returns its id.
fn group(aws: &Aws, vpc: &str, name: &str) -> String {
    let made = block_on(aws.ec2.create_security_group().vpc_id(vpc).group_name(name).description(name).send()).unwrap();
    made.group_id().unwrap().to_owned()
}

/// Admits TCP `ports` into `group` from `source` (a group id, or a block).
fn admit(aws: &Aws, group: &str, protocol: &str, (from, to): (i32, i32), source: &str) {
    let mut permission = IpPermission::builder().ip_protocol(protocol).from_port(from).to_port(to);
    permission = if source.starts_with("sg-") {
        permission.user_id_group_pairs(UserIdGroupPair::builder().group_id(source).build())
    } else {
        permission.ip_ranges(IpRange::builder().cidr_ip(source).build())
    };
    let request = aws.ec2.authorize_security_group_ingress().group_id(group).ip_permissions(permission.build());
    block_on(request.send()).unwrap();
}

/// The cluster, built through the APIs and made insecure.
fn handmade_cluster() -> Insecure {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws(REGION);
    let vpc = block_on(aws.ec2.create_vpc().cidr_block("10.50.0.0/16").send()).unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let gateway = block_on(aws.ec2.create_internet_gateway().send()).unwrap();
    let gateway = gateway.internet_gateway().unwrap().internet_gateway_id().unwrap().to_owned();
    block_on(aws.ec2.attach_internet_gateway().vpc_id(&vpc).internet_gateway_id(&gateway).send()).unwrap();
    let table = |route: &dyn Fn(&str)| {
        let made = block_on(aws.ec2.create_route_table().vpc_id(&vpc).send()).unwrap();
        let id = made.route_table().unwrap().route_table_id().unwrap().to_owned();
        route(&id);
        id
    };
    let public_table = table(&|id| {
        let request = aws.ec2.create_route().route_table_id(id).destination_cidr_block("0.0.0.0/0");
        block_on(request.gateway_id(&gateway).send()).unwrap();
    });
    let public_a = subnet(&aws, &vpc, "10.50.0.0/24", "eu-west-1a", &public_table, true);
    let public_b = subnet(&aws, &vpc, "10.50.1.0/24", "eu-west-1b", &public_table, true);
    let address = block_on(aws.ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send()).unwrap();
    let nat = block_on(
        aws.ec2.create_nat_gateway().subnet_id(&public_a).allocation_id(address.allocation_id().unwrap()).send(),
    )
    .unwrap();
    let nat = nat.nat_gateway().unwrap().nat_gateway_id().unwrap().to_owned();
    let private_table = table(&|id| {
        let request = aws.ec2.create_route().route_table_id(id).destination_cidr_block("0.0.0.0/0");
        block_on(request.nat_gateway_id(&nat).send()).unwrap();
    });
    let private_a = subnet(&aws, &vpc, "10.50.10.0/24", "eu-west-1a", &private_table, false);
    let private_b = subnet(&aws, &vpc, "10.50.11.0/24", "eu-west-1b", &private_table, false);

    // terraform-aws-eks's groups: the extra cluster group takes 443 from the nodes; the node
    // group takes everything from itself and the kubelet port from the control plane. And
    // the insecure part: 22 from anywhere.
    let cluster_group = group(&aws, &vpc, "by-hand-cluster");
    let node_group = group(&aws, &vpc, "by-hand-node");
    admit(&aws, &cluster_group, "tcp", (443, 443), &node_group);
    admit(&aws, &node_group, "tcp", (0, 65535), &node_group);
    // DNS between nodes, as terraform-aws-eks's node group rules open it.
    admit(&aws, &node_group, "udp", (53, 53), &node_group);
    admit(&aws, &node_group, "tcp", (10250, 10250), &cluster_group);
    admit(&aws, &node_group, "tcp", (22, 22), "0.0.0.0/0");

    let network = VpcConfigRequest::builder()
        .set_subnet_ids(Some(vec![public_a.clone(), public_b.clone(), private_a, private_b]))
        .security_group_ids(&cluster_group)
        .endpoint_public_access(true)
        .endpoint_private_access(false)
        .public_access_cidrs("0.0.0.0/0")
        .build();
    let request = aws.eks.create_cluster().name(CLUSTER).role_arn("arn:aws:iam::123456789012:role/by-hand-cluster");
    block_on(request.resources_vpc_config(network).send()).unwrap();

    // Nodes from a launch template with an SSH key and IMDSv1, in the public subnets.
    let metadata = LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_tokens(LaunchTemplateHttpTokensState::Optional)
        .http_put_response_hop_limit(2)
        .build();
    let data = RequestLaunchTemplateData::builder()
        .key_name("ops-key")
        .security_group_ids(&node_group)
        .metadata_options(metadata)
        .build();
    let template = block_on(
        aws.ec2.create_launch_template().launch_template_name("by-hand-legacy").launch_template_data(data).send(),
    )
    .unwrap();
    let template = template.launch_template().unwrap().launch_template_id().unwrap().to_owned();
    block_on(
        aws.eks
            .create_nodegroup()
            .cluster_name(CLUSTER)
            .nodegroup_name("legacy")
            .subnets(&public_a)
            .subnets(&public_b)
            .node_role("arn:aws:iam::123456789012:role/by-hand-nodes")
            .launch_template(LaunchTemplateSpecification::builder().id(&template).version("1").build())
            .send(),
    )
    .unwrap();
    launch_public_node(&aws, CLUSTER, "legacy", &public_a, vec![node_group.clone()]);

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
        group: node_group,
        subnet: public_a,
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
            .filter(|e| e.rule_number() < Some(32767))
            .map(|e| {
                format!(
                    "{} {} {} {} {:?} {}",
                    if e.egress() == Some(true) { "out" } else { "in" },
                    e.rule_number().unwrap(),
                    e.rule_action().unwrap().as_str(),
                    e.protocol().unwrap(),
                    e.port_range().map(|p| (p.from(), p.to())),
                    e.cidr_block().unwrap_or_default()
                )
            })
            .collect();
        entries.sort();
        out.insert(on.join(" "), serde_json::json!(entries));
    }
    Value::Object(out)
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
    ]);
    assert_eq!((cluster.state(), acls()), before, "without --apply nothing changed");

    let applied = cluster.harden(&["--apply", "--yes", "--replace-node-groups"], &cluster.server.url());
    cluster.assert_hardened();
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

    let again = cluster.harden(&["--replace-node-groups"], &cluster.server.url());
    assert_eq!(again.exit, Exit::Ok, "{}\n{}", again.stdout, again.stderr);
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

    let applied = cluster.harden(&["--apply", "--yes", "--only", "network-acl"], &cluster.server.url());
    assert!(
        applied.stdout.contains("network-acl        applied, and it held"),
        "{}\n{}",
        applied.stdout,
        applied.stderr
    );
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
    use aws_sdk_ec2::types::{InstanceNetworkInterfaceSpecification, ResourceType, Tag, TagSpecification};
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(create(&target, &file, &dir).0.exit, Exit::Ok);
    let aws = target.aws(&spec.metadata.region);
    let cluster = block_on(aws.eks.describe_cluster().name(&spec.metadata.name).send()).unwrap();
    let subnet = cluster.cluster().unwrap().resources_vpc_config().unwrap().subnet_ids()[0].clone();
    // As eksctl's nodegroup stack tags the instances its Auto Scaling group launches.
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::Instance)
        .tags(Tag::builder().key(format!("kubernetes.io/cluster/{}", spec.metadata.name)).value("owned").build())
        .tags(Tag::builder().key("alpha.eksctl.io/nodegroup-name").value("ng-workers").build())
        .tags(Tag::builder().key("alpha.eksctl.io/cluster-name").value(&spec.metadata.name).build())
        .build();
    let interface = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(&subnet)
        .delete_on_termination(true)
        .build();
    launch(&aws, tags, interface);
    let verified = run(&target, &["verify", "-f", &file]);
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
    admit(&aws, &group, "tcp", (22, 22), "0.0.0.0/0");

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
