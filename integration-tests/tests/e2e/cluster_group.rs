//! The cluster security group closed down (issue 13; STACKROX-EKS, "Close down the cluster
//! security group"): `create` of a spec that asks for it leaves EKS's group with 443, 10250
//! and DNS within itself and no all-traffic rule (read back), and verifies clean; EKS putting
//! its self rule back (as a cluster update does, here through the EC2 API) is a `verify`
//! finding and a `harden` change that holds, after which nothing is planned. On a cluster
//! whose nodes carry only that group, closing it would break flows they need: `harden`
//! refuses, naming the flow, and changes nothing.

use aws_sdk_ec2::types::{IpPermission, UserIdGroupPair};
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use integration_tests::moto::MotoOptions;
use serde_json::Value;

use super::verify::failed;
use super::{block_on, cluster_through_the_api, create, example, run, Target};

/// The group's rules, `in|out protocol from-to peer`, and whether it carries the closed tag.
fn rules(aws: &Aws, group: &str) -> (Vec<String>, bool) {
    let described = block_on(aws.ec2.describe_security_groups().group_ids(group).send()).unwrap();
    let group = &described.security_groups()[0];
    let mut rules = Vec::new();
    for (direction, permissions) in [("in", group.ip_permissions()), ("out", group.ip_permissions_egress())] {
        for p in permissions {
            let peers = p.user_id_group_pairs().iter().filter_map(|g| g.group_id().map(str::to_owned));
            let blocks = p.ip_ranges().iter().filter_map(|r| r.cidr_ip().map(str::to_owned));
            for peer in peers.chain(blocks) {
                let ports = format!("{}-{}", p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1));
                rules.push(format!("{direction} {} {ports} {peer}", p.ip_protocol().unwrap_or_default()));
            }
        }
    }
    rules.sort();
    let closed = group.tags().iter().any(|t| t.key() == Some("eksharden.dev/closed-down") && t.value() == Some("true"));
    (rules, closed)
}

fn cluster_group(aws: &Aws, cluster: &str) -> String {
    let described = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    described.cluster().unwrap().resources_vpc_config().unwrap().cluster_security_group_id().unwrap().to_owned()
}

#[test]
fn a_closed_down_cluster_group_verifies_clean_and_its_drift_is_found_and_closed_again() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("private-only");
    assert!(spec.hardening.close_cluster_security_group);
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "every required flow passes:\n{}\n{}", created.stdout, created.stderr);
    let (cluster, region) = (spec.metadata.name.as_str(), spec.metadata.region.as_str());
    let aws = target.aws(region);
    let group = cluster_group(&aws, cluster);
    let (closed, tagged) = rules(&aws, &group);
    let within = |direction: &str, protocol: &str, port: u16| format!("{direction} {protocol} {port}-{port} {group}");
    let mut minimum: Vec<String> = ["in", "out"]
        .iter()
        .flat_map(|d| [within(d, "tcp", 443), within(d, "tcp", 10250), within(d, "tcp", 53), within(d, "udp", 53)])
        .collect();
    minimum.sort();
    assert_eq!(closed, minimum, "no all-traffic rule is left");
    assert!(tagged);

    // EKS puts its self rule back on an update: a finding, and harden's change.
    let itself = IpPermission::builder()
        .ip_protocol("-1")
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(&group).build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&group).ip_permissions(itself).send()).unwrap();
    let verified = run(&target, &["verify", cluster, "--region", region, "--format", "json"]);
    assert_eq!(verified.exit, Exit::Findings);
    let report: Value = serde_json::from_str(&verified.stdout).unwrap();
    assert_eq!(failed(&report), ["cluster-security-group-closed"], "{report:#}");
    let harden = |extra: &[&str]| {
        let mut args = vec!["harden", cluster, "--region", region, "--only", "cluster-security-group"];
        args.extend(extra);
        run(&target, &args)
    };
    let planned = harden(&[]);
    assert!(
        planned.stdout.contains(&format!("close down {group}: remove 1 all-traffic rule(s), add 0 rule(s)")),
        "{}",
        planned.stdout
    );
    assert!(rules(&aws, &group).0.iter().any(|r| r.starts_with("in -1")), "a plan changes nothing");
    let applied = harden(&["--apply", "--yes"]);
    assert!(
        applied.stdout.contains("cluster-security-group applied, and it held"),
        "{}\n{}",
        applied.stdout,
        applied.stderr
    );
    assert_eq!(rules(&aws, &group).0, minimum);
    let again = harden(&[]);
    assert!(again.stderr.contains("0 change(s) planned"), "{}\n{}", again.stdout, again.stderr);
}

#[test]
fn closing_the_group_nodes_depend_on_is_refused_with_the_flow_named() {
    let target = Target::emulator(&MotoOptions::default());
    let aws = target.aws("eu-west-1");
    let group = cluster_through_the_api(&aws, "shared", "10.41");
    // A managed node group without a launch template: EKS gives its nodes the cluster group alone.
    let subnet = block_on(aws.eks.describe_cluster().name("shared").send()).unwrap();
    let subnet = subnet.cluster().unwrap().resources_vpc_config().unwrap().subnet_ids()[0].clone();
    block_on(
        aws.eks
            .create_nodegroup()
            .cluster_name("shared")
            .nodegroup_name("workers")
            .subnets(&subnet)
            .node_role("arn:aws:iam::123456789012:role/workers")
            .send(),
    )
    .unwrap();
    let before = rules(&aws, &group);
    let args = [
        "harden",
        "shared",
        "--region",
        "eu-west-1",
        "--only",
        "cluster-security-group",
        "--close-cluster-security-group",
    ];
    let planned = run(&target, &args);
    assert!(
        planned.stdout.contains(
            "(refused: it would break a required flow that passes now: node group workers -> node group workers"
        ),
        "{}",
        planned.stdout
    );
    let mut applying = args.to_vec();
    applying.extend(["--apply", "--yes"]);
    let applied = run(&target, &applying);
    assert_eq!(rules(&aws, &group), before, "nothing changed:\n{}\n{}", applied.stdout, applied.stderr);
}
