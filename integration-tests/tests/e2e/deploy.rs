//! `create` and `delete` on the emulator, checked by reading the state back.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use aws_sdk_ec2::types::Filter;
use eksharden_aws::creator::policy_text;
use eksharden_aws::stacks::describe;
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_plan::nacl::{self, Action};
use eksharden_plan::rules::{self, Direction, Group, Peer, Protocol};
use eksharden_plan::stacks::security_groups::output_name;
use eksharden_spec::layout::zone_subnets;
use eksharden_spec::model::{NodeGroupType, CLUSTER_TAG};
use eksharden_spec::ValidSpec;
use integration_tests::cli::{binary, TEST_AWS_ENVIRONMENT};
use integration_tests::moto::MotoOptions;

use super::readback::{acl, census, cluster_tags, group_rules, routes_of, AclRow, RuleRow};
use super::{block_on, create, example, run, Target};

/// Every stack's outputs, by short name.
async fn outputs(aws: &Aws, spec: &ValidSpec) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut all = BTreeMap::new();
    for stack in eksharden_plan::plan(spec).stacks {
        let info = describe(aws, &stack.stack_name).await.unwrap().expect("the stack exists");
        assert!(info.termination_protection, "{} has termination protection", stack.stack_name);
        all.insert(stack.kind.short_name(), info.outputs);
    }
    all
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Checks everything the spec asks for against what EC2, EKS and IAM report.
pub(crate) async fn check_cluster(aws: &Aws, spec: &ValidSpec) {
    let out = outputs(aws, spec).await;
    let vpc_id = &out["network"]["VpcId"];
    let vpc = aws.ec2.describe_vpcs().vpc_ids(vpc_id).send().await.unwrap();
    assert_eq!(vpc.vpcs()[0].cidr_block(), Some(spec.vpc.cidr.to_string().as_str()));

    // Subnets: private ones with no public IPs and no route to the internet gateway.
    let subnets = aws.ec2.describe_subnets().filters(filter("vpc-id", vpc_id)).send().await.unwrap();
    let by_cidr: BTreeMap<String, _> =
        subnets.subnets().iter().map(|s| (s.cidr_block().unwrap().to_owned(), s.clone())).collect();
    let mut private_ids = BTreeSet::new();
    for zone in zone_subnets(&spec.vpc).unwrap() {
        for (cidr, private) in [(zone.private, true), (zone.public, false)] {
            let subnet = by_cidr.get(&cidr.to_string()).unwrap_or_else(|| panic!("subnet {cidr} exists"));
            assert_eq!(subnet.availability_zone(), Some(zone.zone.as_str()));
            assert_eq!(subnet.map_public_ip_on_launch(), Some(false), "{cidr} maps no public IPs");
            let routes = routes_of(aws, vpc_id, subnet.subnet_id().unwrap()).await;
            let to_igw = routes.iter().any(|r| r.gateway_id().is_some_and(|g| g.starts_with("igw-")));
            let to_nat =
                routes.iter().any(|r| r.nat_gateway_id().is_some() && r.destination_cidr_block() == Some("0.0.0.0/0"));
            if private {
                private_ids.insert(subnet.subnet_id().unwrap().to_owned());
                assert!(!to_igw, "private subnet {cidr} has no route to the internet gateway: {routes:?}");
                assert_eq!(
                    to_nat,
                    spec.vpc.nat != eksharden_spec::model::NatMode::None,
                    "private subnet {cidr} reaches NAT as the spec says"
                );
            } else {
                assert!(to_igw, "public subnet {cidr} routes to the internet gateway");
            }
        }
    }
    let expected_private: BTreeSet<String> = out["network"]["PrivateSubnetIds"].split(',').map(str::to_owned).collect();
    assert_eq!(private_ids, expected_private);

    // Network ACLs, entry by entry in rule order.
    let to_rows = |entries: Vec<nacl::Entry>| -> Vec<AclRow> {
        let mut rows: Vec<AclRow> = entries
            .into_iter()
            .map(|e| AclRow {
                egress: e.egress,
                rule_number: i32::from(e.rule_number),
                protocol: if e.tcp_ports.is_some() { "6".into() } else { "-1".into() },
                ports: e.tcp_ports.map(|(a, b)| (i32::from(a), i32::from(b))),
                cidr: e.cidr.known().expect("an IPv4 spec names every block").to_string(),
                allow: e.action == Action::Allow,
            })
            .collect();
        for egress in [false, true] {
            rows.push(AclRow {
                egress,
                rule_number: 32767,
                protocol: "-1".into(),
                ports: None,
                cidr: "0.0.0.0/0".into(),
                allow: false,
            });
        }
        rows.sort();
        rows
    };
    if let Some(entries) = nacl::node_subnet_entries(spec) {
        let first = expected_private.iter().next().unwrap();
        let acls =
            aws.ec2.describe_network_acls().filters(filter("association.subnet-id", first)).send().await.unwrap();
        let (rows, associated) = acl(aws, acls.network_acls()[0].network_acl_id().unwrap()).await;
        assert_eq!(rows, to_rows(entries), "the node-subnet ACL, in rule order");
        assert_eq!(associated, expected_private, "the node ACL covers every node subnet");
    }
    if let Some(entries) = nacl::bastion_subnet_entries(spec) {
        let bastion = &out["network"]["BastionSubnetId"];
        let acls =
            aws.ec2.describe_network_acls().filters(filter("association.subnet-id", bastion)).send().await.unwrap();
        let (rows, associated) = acl(aws, acls.network_acls()[0].network_acl_id().unwrap()).await;
        assert_eq!(rows, to_rows(entries), "the bastion-subnet ACL");
        assert_eq!(associated, BTreeSet::from([bastion.clone()]));
    }

    // Security groups: exactly the rules of the seed tables, and nothing else.
    let group_id = |g: Group| -> String {
        match g {
            Group::VpcEndpoint => out["network"]["VpcEndpointSecurityGroupId"].clone(),
            other => out["security-groups"][&output_name(other)].clone(),
        }
    };
    let mut expected: BTreeMap<Group, BTreeSet<RuleRow>> = BTreeMap::new();
    for group in rules::groups(spec) {
        expected.entry(group).or_default().insert(RuleRow {
            egress: true,
            protocol: "-1".into(),
            ports: (0, 65535),
            peer: "127.0.0.1/32".into(),
        });
    }
    for rule in rules::rules(spec) {
        let protocol = rule.protocol.ip_protocol().to_owned();
        let ports = match rule.protocol {
            Protocol::All => (0, 65535),
            _ => (i32::from(rule.ports.0), i32::from(rule.ports.1)),
        };
        let peer = match &rule.peer {
            Peer::Group(g) => group_id(*g),
            Peer::Cidr(c) => c.to_string(),
            Peer::Cidr6(c) => c.to_string(),
            Peer::PrefixList(l) => l.clone(),
        };
        expected.entry(rule.group).or_default().insert(RuleRow {
            egress: rule.direction == Direction::Egress,
            protocol,
            ports,
            peer,
        });
    }
    for (group, rows) in &expected {
        let actual = group_rules(aws, &group_id(*group)).await;
        assert_eq!(&actual, rows, "the rules of the {} group", group.title());
    }
    let cluster_sg = &out["cluster"]["ClusterSecurityGroupId"];
    let rows = group_rules(aws, cluster_sg).await;
    let self_rule = |egress: bool, protocol: &str, ports: (i32, i32)| RuleRow {
        egress,
        protocol: protocol.into(),
        ports,
        peer: cluster_sg.clone(),
    };
    if spec.hardening.close_cluster_security_group {
        // Closed down after the stacks (STACKROX-EKS): no all-traffic rule, 10250 within it.
        assert!(rows.iter().all(|r| r.protocol != "-1"), "EKS's cluster group closed down: {rows:?}");
        assert!(rows.contains(&self_rule(false, "tcp", (10250, 10250))), "{rows:?}");
    } else {
        assert!(rows.contains(&self_rule(false, "-1", (0, 65535))), "EKS's cluster group admits itself: {rows:?}");
    }
    assert!(
        rows.contains(&self_rule(true, "tcp", (443, 443))),
        "EKS-SG-ROLES: the cluster group's 443 to itself: {rows:?}"
    );

    // IAM roles.
    let name = &spec.metadata.name;
    let creator = aws
        .iam
        .get_role()
        .role_name(format!("eksharden-{name}-creator"))
        .send()
        .await
        .expect("the creator role exists");
    // STACKROX-EKS, dedicated creator role: after creation the creator role has no permissions and nobody may
    // assume it; its permissions wait, unattached, for a break-glass re-grant.
    let trust = policy_text(creator.role().unwrap().assume_role_policy_document().unwrap());
    assert!(trust.contains("\"Deny\"") && !trust.contains("\"Allow\""), "nobody may assume the creator role: {trust}");
    let inline = aws.iam.list_role_policies().role_name(format!("eksharden-{name}-creator")).send().await.unwrap();
    assert!(inline.policy_names().is_empty(), "{:?}", inline.policy_names());
    let attached =
        aws.iam.list_attached_role_policies().role_name(format!("eksharden-{name}-creator")).send().await.unwrap();
    assert!(attached.attached_policies().is_empty());
    let spare = format!("arn:aws:iam::123456789012:policy/eksharden-{name}-creator-break-glass");
    let kept = aws.iam.get_policy().policy_arn(&spare).send().await.expect("the permissions are kept aside");
    assert_eq!(kept.policy().unwrap().attachment_count(), Some(0));
    let cluster_role =
        aws.iam.list_attached_role_policies().role_name(format!("eksharden-{name}-cluster")).send().await.unwrap();
    assert!(cluster_role.attached_policies().iter().any(|p| p.policy_name() == Some("AmazonEKSClusterPolicy")));
    for group in &spec.node_groups {
        let arn = &out["iam"][&eksharden_plan::stacks::iam::outputs::node_role_arn(&group.name)];
        let role_name = arn.rsplit('/').next().unwrap();
        let attached = aws.iam.list_attached_role_policies().role_name(role_name).send().await.unwrap();
        let names: BTreeSet<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
        assert!(
            names.contains("AmazonEKSWorkerNodePolicy") && names.contains("AmazonSSMManagedInstanceCore"),
            "{}: {names:?}",
            group.name
        );
    }

    // The EKS cluster.
    let described = aws.eks.describe_cluster().name(name).send().await.unwrap();
    let cluster = described.cluster().unwrap();
    assert_eq!(cluster.version(), Some(spec.metadata.version.as_str()));
    let vpc_config = cluster.resources_vpc_config().unwrap();
    assert_eq!(vpc_config.endpoint_private_access(), spec.endpoint_access.private);
    assert_eq!(vpc_config.endpoint_public_access(), spec.endpoint_access.public);
    if spec.endpoint_access.public {
        let cidrs: Vec<String> = spec.endpoint_access.public_access_cidrs.iter().map(ToString::to_string).collect();
        assert_eq!(vpc_config.public_access_cidrs(), cidrs.as_slice());
    }
    assert_eq!(vpc_config.subnet_ids().iter().cloned().collect::<BTreeSet<_>>(), expected_private);
    assert_eq!(vpc_config.security_group_ids(), [group_id(Group::ControlPlane)]);
    let logged: BTreeSet<&str> = cluster
        .logging()
        .unwrap()
        .cluster_logging()
        .iter()
        .filter(|l| l.enabled() == Some(true))
        .flat_map(|l| l.types().iter().map(|t| t.as_str()))
        .collect();
    let wanted: BTreeSet<&str> = spec.hardening.logging.iter().map(|l| l.eks_name()).collect();
    assert_eq!(logged, wanted, "control-plane logging");
    let encryption = &cluster.encryption_config()[0];
    assert!(encryption.provider().and_then(|p| p.key_arn()).is_some_and(|k| k.starts_with("arn:aws:kms:")));
    let access = cluster.access_config().unwrap();
    assert_eq!(access.authentication_mode().map(|m| m.as_str()), Some(spec.access.mode.eks_name()));
    assert_eq!(
        access.bootstrap_cluster_creator_admin_permissions(),
        Some(spec.access.mode == eksharden_spec::model::AccessMode::AwsAuth)
    );

    // Node groups: private subnets, no SSH key, IMDSv2 with hop limit 1, encrypted volumes.
    let ordered_private: Vec<&str> = out["network"]["PrivateSubnetIds"].split(',').collect();
    for group in &spec.node_groups {
        // The group's own subnets, or every node subnet.
        let group_private: BTreeSet<String> =
            spec.node_subnet_indexes(group).into_iter().map(|i| ordered_private[i].to_owned()).collect();
        let launch_template_id = match group.kind {
            NodeGroupType::Managed => {
                let described =
                    aws.eks.describe_nodegroup().cluster_name(name).nodegroup_name(&group.name).send().await.unwrap();
                let ng = described.nodegroup().unwrap();
                let scaling = ng.scaling_config().unwrap();
                assert_eq!(
                    (scaling.min_size(), scaling.max_size(), scaling.desired_size()),
                    (Some(group.min_size as i32), Some(group.max_size as i32), Some(group.desired() as i32))
                );
                assert_eq!(
                    ng.subnets().iter().cloned().collect::<BTreeSet<_>>(),
                    group_private,
                    "{} runs in its node subnets",
                    group.name
                );
                assert_eq!(ng.instance_types(), group.instance_types(), "{}", group.name);
                let capacity = ng.capacity_type().map_or("ON_DEMAND", |c| c.as_str());
                assert_eq!(capacity, group.capacity.eks_name(), "{}", group.name);
                for (key, value) in &group.tags {
                    assert_eq!(ng.tags().and_then(|t| t.get(key)), Some(value), "{}: tag {key}", group.name);
                }
                assert!(ng.remote_access().and_then(|r| r.ec2_ssh_key()).is_none(), "{} has no SSH key", group.name);
                for (k, v) in &group.labels {
                    assert_eq!(ng.labels().and_then(|l| l.get(k)), Some(v));
                }
                ng.launch_template().and_then(|t| t.id()).expect("a launch template").to_owned()
            }
            NodeGroupType::SelfManaged => {
                let instances = aws
                    .ec2
                    .describe_instances()
                    .filters(filter("tag:Name", &format!("{name}-node-{}", group.name)))
                    .filters(filter("instance-state-name", "running"))
                    .send()
                    .await
                    .unwrap();
                let instances: Vec<_> = instances.reservations().iter().flat_map(|r| r.instances()).collect();
                assert_eq!(instances.len(), group.desired() as usize, "{} runs its desired nodes", group.name);
                for instance in &instances {
                    assert!(
                        group_private.contains(instance.subnet_id().unwrap()),
                        "{} nodes are in node subnets",
                        group.name
                    );
                    assert!(instance.public_ip_address().is_none(), "{} nodes have no public IP", group.name);
                    assert!(instance.key_name().is_none(), "{} nodes have no SSH key", group.name);
                }
                let templates = aws
                    .ec2
                    .describe_launch_templates()
                    .filters(filter("tag:Name", &format!("{name}-node-{}", group.name)))
                    .send()
                    .await
                    .unwrap();
                templates.launch_templates()[0].launch_template_id().unwrap().to_owned()
            }
        };
        let versions = aws
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(&launch_template_id)
            .versions("$Latest")
            .send()
            .await
            .unwrap();
        let data = versions.launch_template_versions()[0].launch_template_data().unwrap();
        let metadata = data.metadata_options().unwrap();
        assert_eq!(metadata.http_tokens().map(|t| t.as_str()), Some("required"), "{}: IMDSv2 only", group.name);
        assert_eq!(
            metadata.http_put_response_hop_limit(),
            Some(i32::from(spec.hardening.imds.hop_limit)),
            "{}: hop limit",
            group.name
        );
        assert!(data.key_name().is_none(), "{}: no SSH key", group.name);
        assert!(
            data.block_device_mappings().iter().all(|b| b.ebs().and_then(|e| e.encrypted()) == Some(true)),
            "{}: encrypted volumes",
            group.name
        );
        // Bottlerocket keeps its OS on /dev/xvda; the spec's volume is its data volume.
        let device = match group.ami_family {
            eksharden_spec::model::AmiFamily::AmazonLinux2023 => "/dev/xvda",
            eksharden_spec::model::AmiFamily::Bottlerocket => "/dev/xvdb",
        };
        let mapping = data.block_device_mappings().iter().find(|b| b.device_name() == Some(device));
        let root = mapping.and_then(|b| b.ebs()).unwrap_or_else(|| panic!("{}: a volume at {device}", group.name));
        assert_eq!(root.volume_size(), Some(group.volume_size as i32), "{}: volume size", group.name);
        assert_eq!(root.volume_type().map(|t| t.as_str()), Some(group.volume_type.ec2_name()), "{}", group.name);
        assert_eq!(root.iops(), group.volume_iops.map(|i| i as i32), "{}: IOPS", group.name);
        assert_eq!(root.throughput(), group.volume_throughput.map(|t| t as i32), "{}: throughput", group.name);
        let mut wanted_groups = vec![group_id(Group::NodeGeneral)];
        match group.role {
            eksharden_spec::model::NodeGroupRole::Addon => wanted_groups.push(group_id(Group::Addon)),
            eksharden_spec::model::NodeGroupRole::App => wanted_groups.push(group_id(Group::App)),
            eksharden_spec::model::NodeGroupRole::General => {}
        }
        wanted_groups.extend(group.extra_security_groups.iter().cloned());
        assert_eq!(data.security_group_ids(), wanted_groups.as_slice(), "{}: security groups", group.name);
    }
}

/// Nothing tagged for the cluster, no stack, role or EKS cluster of it.
pub(crate) async fn assert_nothing_left(aws: &Aws, cluster: &str) {
    let left = eksharden_aws::inventory::cluster_resources(aws, cluster, (CLUSTER_TAG, cluster)).await.unwrap();
    assert!(left.is_empty(), "left behind: {left:?}");
    for tag in cluster_tags(aws, cluster).await {
        let id = tag.resource_id().unwrap();
        // EC2 keeps listing terminated instances, with their tags, for a while.
        let terminated = id.starts_with("i-") && {
            let described = aws.ec2.describe_instances().instance_ids(id).send().await.unwrap();
            described.reservations()[0].instances()[0].state().and_then(|s| s.name()).map(|n| n.as_str())
                == Some("terminated")
        };
        assert!(terminated, "tagged EC2 resource left: {tag:?}");
    }
}

#[test]
fn create_builds_what_the_spec_says_and_delete_removes_it() {
    let target = Target::start();
    let (file, spec) = example("full");
    let dir = tempfile::tempdir().unwrap();
    let (created, kubeconfig) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws(&spec.metadata.region);
    block_on(check_cluster(&aws, &spec));

    let config = std::fs::read_to_string(&kubeconfig).expect("a kubeconfig was written");
    assert!(
        config.contains("command: eksharden") && config.contains("- token") && config.contains(&spec.metadata.name),
        "{config}"
    );
    assert!(!config.contains("token:"), "no token is stored: {config}");

    let deleted = run(&target, &["delete", &spec.metadata.name, "--region", &spec.metadata.region, "--yes"]);
    assert_eq!(deleted.exit, Exit::Ok, "{}", deleted.stderr);
    assert!(deleted.stderr.contains("nothing tagged for the cluster is left"), "{}", deleted.stderr);
    assert!(
        deleted.stderr.contains("re-granted the creator role eksharden-prod-a-creator for the deletion"),
        "{}",
        deleted.stderr
    );
    let spare = "arn:aws:iam::123456789012:policy/eksharden-prod-a-creator-break-glass";
    assert!(
        block_on(aws.iam.get_policy().policy_arn(spare).send()).is_err(),
        "the spare policy went with the re-grant"
    );
    block_on(assert_nothing_left(&aws, &spec.metadata.name));
}

#[test]
fn a_second_create_changes_nothing() {
    let target = Target::start();
    let (file, spec) = example("private-only");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(create(&target, &file, &dir).0.exit, Exit::Ok);
    let aws = target.aws(&spec.metadata.region);
    let before = block_on(census(&aws, &spec.metadata.name));
    let (again, _) = create(&target, &file, &dir);
    assert_eq!(again.exit, Exit::Ok, "{}", again.stderr);
    let stacks = eksharden_plan::plan(&spec).stacks.len();
    assert_eq!(again.stderr.matches(": unchanged done").count(), stacks, "every stack is unchanged:\n{}", again.stderr);
    let after = block_on(census(&aws, &spec.metadata.name));
    assert_eq!(before, after);
    block_on(check_cluster(&aws, &spec));
}

#[test]
fn a_failed_stack_names_its_resource_and_delete_cleans_up() {
    let reason = "Cluster role cannot be assumed by EKS";
    let target =
        Target::emulator(&MotoOptions { fail_resource: Some(format!("Cluster:{reason}")), ..MotoOptions::default() });
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let (failed, _) = create(&target, &file, &dir);
    assert_eq!(failed.exit, Exit::Infrastructure, "{}", failed.stderr);
    assert!(
        failed.stderr.contains(&format!(
            "stack cluster ended in ROLLBACK_COMPLETE: resource Cluster (AWS::EKS::Cluster) CREATE_FAILED: {reason}"
        )),
        "the failing resource and its reason are named:\n{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("hint: fix the cause and run `eksharden create` again"), "{}", failed.stderr);
    assert!(failed.stderr.contains("stack nodegroup-general was not started: it needs cluster"), "{}", failed.stderr);
    let deleted = run(&target, &["delete", "-f", &file, "--yes"]);
    assert_eq!(deleted.exit, Exit::Ok, "{}", deleted.stderr);
    block_on(assert_nothing_left(&target.aws(&spec.metadata.region), &spec.metadata.name));
}

/// Runs the real binary and kills it once `stacks` stacks have completed.
fn create_killed_after(target: &Target, file: &str, stacks: usize) {
    let mut child = Command::new(binary())
        .args(["create", "-f", file, "--yes", "--no-progress", "--kubeconfig", "/dev/null"])
        .args(target.args())
        .envs(TEST_AWS_ENVIRONMENT)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut done = 0;
    for line in stderr.lines() {
        if line.unwrap().contains(" done: ") {
            done += 1;
            if done == stacks {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(done, stacks, "the run was killed after {stacks} stacks");
}

#[test]
fn an_interrupted_create_converges_with_nothing_orphaned() {
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let reference = {
        let target = Target::emulator(&MotoOptions::default());
        assert_eq!(create(&target, &file, &dir).0.exit, Exit::Ok);
        block_on(census(&target.aws(&spec.metadata.region), &spec.metadata.name))
    };
    let stacks = eksharden_plan::plan(&spec).stacks.len();
    for completed in 1..stacks {
        let target = Target::emulator(&MotoOptions::default());
        create_killed_after(&target, &file, completed);
        let (again, _) = create(&target, &file, &dir);
        assert_eq!(again.exit, Exit::Ok, "after {completed} stacks: {}", again.stderr);
        let aws = target.aws(&spec.metadata.region);
        let state = block_on(census(&aws, &spec.metadata.name));
        assert_eq!(state, reference, "killed after {completed} stacks, then run again");
        block_on(check_cluster(&aws, &spec));
    }
}

#[test]
fn without_credentials_create_says_how_to_provide_them() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, _) = example("minimal");
    let output = Command::new(binary())
        .args(["create", "-f", &file, "--yes", "--no-progress"])
        .args(target.args())
        .env_clear()
        .envs(
            TEST_AWS_ENVIRONMENT
                .into_iter()
                .filter(|(k, _)| !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET")),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("no credentials found") && stderr.contains("hint: no AWS credentials were found"),
        "{stderr}"
    );
}
