//! `verify` on the emulator: a cluster created from `examples/full.yaml` verifies clean;
//! then the test breaks it through the EC2 and EKS APIs, one break at a time, and each
//! break must come back as its own finding, naming the rule, entry or setting. Discovery's
//! number of AWS calls is counted for 3 and for 300 nodes.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    Filter, IamInstanceProfileSpecification, InstanceType, IpPermission, IpRange, ResourceType, RuleAction,
    TagSpecification,
};
use aws_sdk_eks::types::VpcConfigRequest;
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_spec::model::CLUSTER_TAG;
use integration_tests::fault_proxy::{FaultProxy, Faults};
use integration_tests::moto::MotoOptions;
use integration_tests::schemas::{violations, Schema};
use serde_json::Value;

use super::{block_on, create, example, launch_public_node, run, Target};

/// `verify -f FILE --format json`: the exit code and the report.
pub(crate) fn verify(target: &Target, file: &str) -> (Exit, Value) {
    let verified = run(target, &["verify", "-f", file, "--format", "json"]);
    let report = serde_json::from_str(&verified.stdout).unwrap_or_else(|e| panic!("{e}: {}", verified.stderr));
    (verified.exit, report)
}

/// The ids of the checks that failed, sorted, once each.
pub(crate) fn failed(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = ["flows", "posture"]
        .iter()
        .flat_map(|kind| report[kind].as_array().unwrap().iter())
        .filter(|check| check["status"] == "fail")
        .map(|check| check["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What a failed check says: the explanations of its failing cells, or its details.
pub(crate) fn finding(report: &Value, id: &str) -> String {
    let mut lines = Vec::new();
    for check in report["flows"].as_array().unwrap().iter().filter(|c| c["id"] == id && c["status"] == "fail") {
        for cell in check["cells"].as_array().unwrap().iter().filter(|c| c["status"] == "fail") {
            lines.extend(cell["explanation"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()));
        }
    }
    for check in report["posture"].as_array().unwrap().iter().filter(|c| c["id"] == id && c["status"] == "fail") {
        lines.extend(check["details"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()));
    }
    lines.join("\n")
}

fn tagged(key: &str, value: &str) -> Filter {
    Filter::builder().name(format!("tag:{key}")).values(value).build()
}

async fn group_with_role(aws: &Aws, cluster: &str, role: &str) -> String {
    let response = aws
        .ec2
        .describe_security_groups()
        .filters(tagged(CLUSTER_TAG, cluster))
        .filters(tagged(eksharden_plan::stacks::ROLE_TAG, role))
        .send()
        .await
        .unwrap();
    response.security_groups()[0].group_id().unwrap().to_owned()
}

async fn subnet_named(aws: &Aws, name: &str) -> String {
    let response = aws.ec2.describe_subnets().filters(tagged("Name", name)).send().await.unwrap();
    response.subnets()[0].subnet_id().unwrap().to_owned()
}

async fn acl_of(aws: &Aws, subnet: &str) -> String {
    let filter = Filter::builder().name("association.subnet-id").values(subnet).build();
    let response = aws.ec2.describe_network_acls().filters(filter).send().await.unwrap();
    response.network_acls()[0].network_acl_id().unwrap().to_owned()
}

/// The inbound rule of `group` that admits `peer` on `port`, as EC2 describes it.
async fn ingress_from_group(aws: &Aws, group: &str, port: i32, peer: &str) -> IpPermission {
    let response = aws.ec2.describe_security_groups().group_ids(group).send().await.unwrap();
    let rule = response.security_groups()[0]
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(port) && p.user_id_group_pairs().iter().any(|g| g.group_id() == Some(peer)))
        .expect("the rule exists")
        .clone();
    let pair = rule.user_id_group_pairs().iter().find(|g| g.group_id() == Some(peer)).unwrap().clone();
    IpPermission::builder()
        .ip_protocol(rule.ip_protocol().unwrap())
        .from_port(port)
        .to_port(rule.to_port().unwrap())
        .user_id_group_pairs(pair)
        .build()
}

fn tcp_from_cidr(port: i32, cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

#[test]
fn a_created_cluster_verifies_clean_and_each_break_is_its_own_finding() {
    let target = Target::start();
    let (file, spec) = example("full");
    let cluster = spec.metadata.name.as_str();
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "create verifies what it made:\n{}\n{}", created.stdout, created.stderr);
    assert!(created.stdout.contains(", 0 finding(s)"), "{}", created.stdout);
    let (exit, report) = verify(&target, &file);
    assert_eq!((exit, failed(&report)), (Exit::Ok, vec![]), "{report:#}");
    let aws = target.aws(&spec.metadata.region);
    let nodes = block_on(group_with_role(&aws, cluster, "node-general"));
    let control_plane = block_on(group_with_role(&aws, cluster, "control-plane"));
    let private_subnet = block_on(subnet_named(&aws, &format!("{cluster}-private-eu-west-1a")));
    let public_subnet = block_on(subnet_named(&aws, &format!("{cluster}-public-eu-west-1a")));
    let node_acl = block_on(acl_of(&aws, &private_subnet));

    // 1. 0.0.0.0/0 to port 22 on the node group.
    let ssh_from_anywhere = tcp_from_cidr(22, "0.0.0.0/0");
    block_on(
        aws.ec2.authorize_security_group_ingress().group_id(&nodes).ip_permissions(ssh_from_anywhere.clone()).send(),
    )
    .unwrap();
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    // The control plane's groups may send anything, so it now reaches port 22 too.
    assert_eq!(
        failed(&report),
        ["control-plane-no-privileged-ports", "open-ingress", "ssh-to-nodes-only-from-bastion"],
        "{report:#}"
    );
    assert!(finding(&report, "control-plane-no-privileged-ports").contains("inbound rule tcp 22 from 0.0.0.0/0"));
    let said = finding(&report, "ssh-to-nodes-only-from-bastion");
    assert!(said.contains(&format!("{nodes} (")) && said.contains("inbound rule tcp 22 from 0.0.0.0/0"), "{said}");
    assert!(finding(&report, "open-ingress").contains(&format!("{nodes}: tcp 22 from 0.0.0.0/0")));
    block_on(aws.ec2.revoke_security_group_ingress().group_id(&nodes).ip_permissions(ssh_from_anywhere).send())
        .unwrap();
    assert_eq!(failed(&verify(&target, &file).1), Vec::<String>::new());

    // 2. The node-to-API 443 rule removed.
    let api_from_nodes = block_on(ingress_from_group(&aws, &control_plane, 443, &nodes));
    block_on(
        aws.ec2.revoke_security_group_ingress().group_id(&control_plane).ip_permissions(api_from_nodes.clone()).send(),
    )
    .unwrap();
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(failed(&report), ["nodes-to-api"], "{report:#}");
    let said = finding(&report, "nodes-to-api");
    assert!(said.contains("443 blocked at destination security groups (inbound): no inbound rule of"), "{said}");
    assert!(said.contains(&control_plane), "{said}");
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&control_plane).ip_permissions(api_from_nodes).send())
        .unwrap();
    assert_eq!(failed(&verify(&target, &file).1), Vec::<String>::new());

    // 3. A NACL entry allowing 22 at a lower rule number than the deny.
    block_on(
        aws.ec2
            .create_network_acl_entry()
            .network_acl_id(&node_acl)
            .rule_number(105)
            .egress(false)
            .protocol("6")
            .port_range(aws_sdk_ec2::types::PortRange::builder().from(22).to(22).build())
            .cidr_block("0.0.0.0/0")
            .rule_action(RuleAction::Allow)
            .send(),
    )
    .unwrap();
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(failed(&report), ["ssh-to-nodes-only-from-bastion"], "{report:#}");
    let said = finding(&report, "ssh-to-nodes-only-from-bastion");
    assert!(said.starts_with("network ACLs do not block 22 on their own"), "{said}");
    assert!(said.contains(&format!("destination subnet ACL (inbound): {node_acl} entry 105 allows 22")), "{said}");
    block_on(aws.ec2.delete_network_acl_entry().network_acl_id(&node_acl).rule_number(105).egress(false).send())
        .unwrap();
    assert_eq!(failed(&verify(&target, &file).1), Vec::<String>::new());

    // 4. A node in a public subnet with a public IP.
    let instance = launch_public_node(&aws, cluster, "general", &public_subnet, vec![nodes.clone()]);
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    // Its subnet lacks the node ACL, so SSH to it is left to the security group alone; and,
    // launched by hand without an instance profile, Systems Manager cannot reach it.
    assert_eq!(
        failed(&report),
        ["node-public-addresses", "nodes-session-manager", "ssh-to-nodes-only-from-bastion"],
        "{report:#}"
    );
    assert!(finding(&report, "nodes-session-manager")
        .contains(&format!("instances without an instance profile: {instance}")));
    let public_acl = block_on(acl_of(&aws, &public_subnet));
    let said = finding(&report, "ssh-to-nodes-only-from-bastion");
    assert!(said.contains(&format!("destination subnet ACL (inbound): {public_acl} entry 100 allows 22")), "{said}");
    let said = finding(&report, "node-public-addresses");
    assert!(
        said.contains(&format!("node group general: node {instance}")) && said.contains("has public address"),
        "{said}"
    );
    block_on(aws.ec2.terminate_instances().instance_ids(&instance).send()).unwrap();
    assert_eq!(failed(&verify(&target, &file).1), Vec::<String>::new());

    // 5. The endpoint opened to 0.0.0.0/0.
    let open = VpcConfigRequest::builder().endpoint_public_access(true).public_access_cidrs("0.0.0.0/0").build();
    block_on(aws.eks.update_cluster_config().name(cluster).resources_vpc_config(open).send()).unwrap();
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(failed(&report), ["api-not-open-to-internet", "endpoint-public-access"], "{report:#}");
    assert!(finding(&report, "api-not-open-to-internet").contains("public access allowed from 0.0.0.0/0"));
    assert!(finding(&report, "endpoint-public-access").contains("public access from 0.0.0.0/0"));

    // The same findings in the CI formats, each valid against its schema.
    let sarif = run(&target, &["verify", "-f", &file, "--format", "sarif"]).stdout;
    assert_eq!(violations(Schema::Sarif, &sarif), Vec::<String>::new(), "{sarif}");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let errors: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["api-not-open-to-internet", "endpoint-public-access"]);
    let junit = run(&target, &["verify", "-f", &file, "--format", "junit"]);
    assert_eq!(junit.exit, Exit::Findings);
    assert_eq!(violations(Schema::Junit, &junit.stdout), Vec::<String>::new(), "{}", junit.stdout);
    assert_eq!(junit.stdout.matches("<failure ").count(), 2, "{}", junit.stdout);
    assert!(junit.stdout.contains("failures=\"2\""), "{}", junit.stdout);
}

/// Every AWS call `verify` makes, by action, counted at a proxy in front of the emulator.
fn discovery_calls(
    moto_address: std::net::SocketAddr,
    cluster: &str,
    region: &str,
) -> (BTreeMap<String, usize>, String) {
    let proxy = FaultProxy::start(moto_address, Faults::default(), 1);
    let watched = Target::External { endpoint: Some(proxy.endpoint()), profile: None };
    let verified = run(&watched, &["verify", cluster, "--region", region, "-v"]);
    assert_eq!(verified.exit, Exit::Ok, "{}\n{}", verified.stdout, verified.stderr);
    (proxy.counts().calls, verified.stdout)
}

#[test]
fn discovery_makes_the_same_calls_for_3_nodes_and_for_300() {
    let Target::Emulator(moto) = Target::emulator(&MotoOptions::default()) else { unreachable!() };
    let (file, spec) = example("private-only");
    let (cluster, region) = (spec.metadata.name.as_str(), spec.metadata.region.as_str());
    let dir = tempfile::tempdir().unwrap();
    let direct = Target::Emulator(moto);
    assert_eq!(create(&direct, &file, &dir).0.exit, Exit::Ok);
    let Target::Emulator(moto) = &direct else { unreachable!() };
    let (three, report) = discovery_calls(moto.address(), cluster, region);
    assert!(report.contains("node group workers: 3 real interfaces of 3 instances"), "{report}");

    // 297 more nodes of the same group, as its Auto Scaling group would launch them.
    let aws = direct.aws(region);
    let first = block_on(aws.ec2.describe_instances().filters(tagged(CLUSTER_TAG, cluster)).send()).unwrap();
    let node = &first.reservations()[0].instances()[0];
    let tags =
        TagSpecification::builder().resource_type(ResourceType::Instance).set_tags(Some(node.tags().to_vec())).build();
    block_on(
        aws.ec2
            .run_instances()
            .image_id(node.image_id().unwrap())
            .instance_type(InstanceType::M6iLarge)
            .min_count(297)
            .max_count(297)
            .subnet_id(node.subnet_id().unwrap())
            .iam_instance_profile(
                IamInstanceProfileSpecification::builder()
                    .arn(node.iam_instance_profile().unwrap().arn().unwrap())
                    .build(),
            )
            .set_security_group_ids(Some(
                node.security_groups().iter().filter_map(|g| g.group_id().map(str::to_owned)).collect(),
            ))
            .tag_specifications(tags)
            .send(),
    )
    .unwrap();
    let (three_hundred, report) = discovery_calls(moto.address(), cluster, region);
    assert!(report.contains("node group workers: 300 real interfaces of 300 instances"), "{report}");
    assert_eq!(three, three_hundred, "the same calls, the same number of times");

    // A cluster that does not exist is an infrastructure error that says what it looked for.
    let missing = run(&direct, &["verify", "no-such-cluster", "--region", region]);
    assert_eq!(missing.exit, Exit::Infrastructure, "{}", missing.stderr);
    assert!(missing.stderr.contains("cannot read cluster no-such-cluster: EKS.DescribeCluster"), "{}", missing.stderr);

    let total: usize = three.values().sum();
    eprintln!("discovery calls for 3 and for 300 nodes: {total} ({three:?})");
}

#[test]
fn an_ipv6_cluster_is_created_dual_stack_and_verifies_clean_over_ipv6() {
    let target = Target::start();
    let (file, spec) = example("ipv6");
    let cluster = spec.metadata.name.as_str();
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}\n{}", created.stdout, created.stderr);
    let aws = target.aws(&spec.metadata.region);

    // Read back: an IPv6 cluster in a dual-stack VPC.
    let described = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    let network = described.cluster().unwrap().kubernetes_network_config().unwrap();
    assert_eq!(network.ip_family().map(|f| f.as_str()), Some("ipv6"));
    assert!(network.service_ipv6_cidr().is_some_and(|c| c.starts_with("fd")), "{network:?}");
    let vpc_id = described.cluster().unwrap().resources_vpc_config().unwrap().vpc_id().unwrap().to_owned();
    let vpcs = block_on(aws.ec2.describe_vpcs().vpc_ids(&vpc_id).send()).unwrap();
    let vpc_block = vpcs.vpcs()[0].ipv6_cidr_block_association_set()[0].ipv6_cidr_block().unwrap().to_owned();
    assert!(vpc_block.ends_with("/56"), "{vpc_block}");
    let in_vpc = Filter::builder().name("vpc-id").values(&vpc_id).build();
    let subnets = block_on(aws.ec2.describe_subnets().filters(in_vpc.clone()).send()).unwrap();
    assert_eq!(subnets.subnets().len(), 5, "two public, two private, the bastion");
    let mut blocks: Vec<String> = subnets
        .subnets()
        .iter()
        .map(|s| {
            assert_eq!(s.assign_ipv6_address_on_creation(), Some(true), "{s:?}");
            s.ipv6_cidr_block_association_set()[0].ipv6_cidr_block().unwrap().to_owned()
        })
        .collect();
    blocks.sort();
    blocks.dedup();
    assert_eq!(blocks.len(), 5, "a /64 each, all different: {blocks:?}");
    assert!(blocks.iter().all(|b| b.ends_with("/64")), "{blocks:?}");
    let tables = block_on(aws.ec2.describe_route_tables().filters(in_vpc.clone()).send()).unwrap();
    let egress_only =
        tables.route_tables().iter().flat_map(|t| t.routes()).filter(|r| {
            r.destination_ipv6_cidr_block() == Some("::/0") && r.egress_only_internet_gateway_id().is_some()
        });
    assert_eq!(egress_only.count(), 2, "a private table per zone sends ::/0 to the egress-only gateway");
    // The nodes' ACL keeps SSH to the bastion in IPv6 as in IPv4.
    let private_subnet = block_on(subnet_named(&aws, &format!("{cluster}-private-eu-west-1a")));
    let node_acl = block_on(acl_of(&aws, &private_subnet));
    let acl = block_on(aws.ec2.describe_network_acls().network_acl_ids(&node_acl).send()).unwrap();
    let entries = acl.network_acls()[0].entries();
    let ipv6_ssh: Vec<(i32, bool, String)> = entries
        .iter()
        .filter(|e| e.ipv6_cidr_block().is_some() && e.port_range().and_then(|p| p.from()) == Some(22))
        .map(|e| {
            (
                e.rule_number().unwrap(),
                e.rule_action().unwrap().as_str() == "allow",
                e.ipv6_cidr_block().unwrap().into(),
            )
        })
        .collect();
    let bastion = block_on(subnet_named(&aws, &format!("{cluster}-bastion")));
    let bastion = subnets.subnets().iter().find(|s| s.subnet_id() == Some(bastion.as_str())).unwrap();
    let bastion_block = bastion.ipv6_cidr_block_association_set()[0].ipv6_cidr_block().unwrap().to_owned();
    assert_eq!(ipv6_ssh, vec![(101, true, bastion_block), (111, false, "::/0".to_owned())]);

    // verify: clean, with the in-VPC flows decided over IPv6 and the IPv6 internet tried.
    let (exit, report) = verify(&target, &file);
    assert_eq!((exit, failed(&report)), (Exit::Ok, vec![]), "{report:#}");
    let cells: Vec<&Value> =
        report["flows"].as_array().unwrap().iter().flat_map(|f| f["cells"].as_array().unwrap()).collect();
    let ssh = report["flows"].as_array().unwrap().iter().find(|f| f["id"] == "bastion-to-nodes-ssh").unwrap();
    assert!(ssh["cells"][0]["verdict"].to_string().contains("entry\":101"), "{ssh:#}");
    let from_v6 = cells.iter().filter(|c| c["source"].as_str().unwrap_or_default().contains(':')).count();
    assert!(from_v6 > 0, "the IPv6 internet is tried");

    // delete takes the IPv6 parts with the rest, and the cluster's key is scheduled for
    // deletion as CloudFormation schedules a key's deletion with its stack.
    let key = described.cluster().unwrap().encryption_config()[0].provider().unwrap().key_arn().unwrap().to_owned();
    let deleted = run(&target, &["delete", "-f", &file, "--yes"]);
    assert_eq!(deleted.exit, Exit::Ok, "{}", deleted.stderr);
    block_on(super::deploy::assert_nothing_left(&aws, cluster));
    let gateways = block_on(aws.ec2.describe_egress_only_internet_gateways().send()).unwrap();
    assert!(gateways.egress_only_internet_gateways().is_empty(), "{gateways:?}");
    let key = block_on(aws.kms.describe_key().key_id(&key).send()).unwrap();
    let state = key.key_metadata().unwrap().key_state().unwrap().as_str().to_owned();
    assert_eq!(state, "PendingDeletion", "{key:?}");
}
