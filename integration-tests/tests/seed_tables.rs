//! One case per row of the security-group tables of AWS-EKS-SG and EKS-SG-ROLES, for both profiles,
//! checked against the rendered CloudFormation templates; and checks that nothing more
//! permissive than the seeds allow is rendered, on every example.

use eksharden_spec::model::SecurityGroupProfile;
use eksharden_spec::{load, SourceFile, ValidSpec};
use integration_tests::cli::repo_root;
use serde_json::Value;

/// A security-group rule as it appears in a rendered template.
#[derive(Debug, Clone, PartialEq)]
struct Rendered {
    group: String,
    egress: bool,
    all_protocols: bool,
    ports: (u16, u16),
    peer: String,
    description: String,
}

/// The name of a group referenced in a template: a resource, a stack parameter carrying a
/// group id (`XxxSecurityGroupId`), or the cluster security group EKS creates.
fn group_name(value: &Value) -> String {
    if let Some(name) = value.get("Ref").and_then(Value::as_str) {
        return name.strip_suffix("Id").unwrap_or(name).to_owned();
    }
    match value.get("Fn::GetAtt").and_then(Value::as_array).map(|a| a[1].as_str().unwrap_or_default()) {
        Some("ClusterSecurityGroupId") => "ClusterSecurityGroup".into(),
        _ => panic!("unexpected group reference {value}"),
    }
}

fn rendered_rule(group: String, egress: bool, p: &Value) -> Rendered {
    let all = p["IpProtocol"] == "-1";
    // A UDP rule (DNS from the pods group) is judged here as its TCP twin: no more permissive.
    assert!(
        all || p["IpProtocol"] == "tcp" || p["IpProtocol"] == "udp",
        "only tcp, udp and all rules are rendered: {p}"
    );
    let port = |k: &str| p[k].as_u64().map(|v| v as u16);
    let ports = if all { (0, 65535) } else { (port("FromPort").unwrap(), port("ToPort").unwrap()) };
    let peer = ["SourceSecurityGroupId", "DestinationSecurityGroupId"]
        .iter()
        .find_map(|k| p.get(*k).map(group_name))
        .or_else(|| {
            ["CidrIp", "CidrIpv6", "SourcePrefixListId", "DestinationPrefixListId"]
                .iter()
                .find_map(|k| p.get(*k).and_then(Value::as_str).map(str::to_owned))
        })
        .expect("a rule has a peer");
    let description = p["Description"].as_str().expect("every rule has a description").to_owned();
    Rendered { group, egress, all_protocols: all, ports, peer, description }
}

/// Every security-group rule of every rendered template: separate rule resources and the
/// inline outbound rules of groups.
fn rendered_rules(spec: &ValidSpec) -> Vec<Rendered> {
    let mut rules = Vec::new();
    for stack in eksharden_plan::plan(spec).stacks {
        let resources = stack.template["Resources"].as_object().unwrap().clone();
        for (id, resource) in resources {
            let p = &resource["Properties"];
            match resource["Type"].as_str().unwrap() {
                "AWS::EC2::SecurityGroupIngress" => rules.push(rendered_rule(group_name(&p["GroupId"]), false, p)),
                "AWS::EC2::SecurityGroupEgress" => rules.push(rendered_rule(group_name(&p["GroupId"]), true, p)),
                "AWS::EC2::SecurityGroup" => {
                    assert!(p.get("SecurityGroupIngress").is_none(), "{id}: ingress is rendered as separate resources");
                    for inline in p["SecurityGroupEgress"].as_array().expect("every group lists its egress") {
                        rules.push(rendered_rule(id.clone(), true, inline));
                    }
                }
                _ => {}
            }
        }
    }
    rules
}

fn spec_of(example: &str) -> ValidSpec {
    let path = repo_root().join("examples").join(format!("{example}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    load(&SourceFile { name: path.display().to_string(), text }).expect("the example is valid").spec
}

fn full_with(profile: SecurityGroupProfile) -> ValidSpec {
    with_profile(spec_of("full"), profile)
}

fn with_profile(spec: ValidSpec, profile: SecurityGroupProfile) -> ValidSpec {
    let mut spec = spec.into_inner();
    spec.security_groups.profile = profile;
    ValidSpec::check(spec).expect("either profile is valid")
}

/// The placeholder that makes a group's egress list explicit (it opens nothing).
fn is_placeholder(rule: &Rendered) -> bool {
    rule.egress && rule.peer == "127.0.0.1/32"
}

#[derive(Clone, Copy, PartialEq)]
enum Profiles {
    Both,
    Recommended,
}

enum Expect {
    /// A rendered rule of `group` covering this protocol, port range and peer.
    Rule { group: &'static str, egress: bool, all: bool, ports: (u16, u16), peer: &'static str },
    /// The group exists and has no rule in this direction (EKS-SG-ROLES's empty tables).
    Empty { group: &'static str, egress: bool },
    /// EKS puts this rule on the cluster security group it creates; the templates must not
    /// declare it again (EC2 rejects a duplicate rule, failing the stack).
    EksDefault { egress: bool, all: bool, peer: &'static str },
}

struct Row {
    seed: &'static str,
    row: &'static str,
    profiles: Profiles,
    expect: Expect,
}

const CP: &str = "ControlPlaneSecurityGroup";
const NODES: &str = "NodeGeneralSecurityGroup";
const CLUSTER: &str = "ClusterSecurityGroup";

fn tcp(group: &'static str, egress: bool, ports: (u16, u16), peer: &'static str) -> Expect {
    Expect::Rule { group, egress, all: false, ports, peer }
}
fn all(group: &'static str, egress: bool, peer: &'static str) -> Expect {
    Expect::Rule { group, egress, all: true, ports: (0, 65535), peer }
}

fn rows() -> Vec<Row> {
    use Profiles::*;
    let row = |seed, row, profiles, expect| Row { seed, row, profiles, expect };
    vec![
        // AWS-EKS-SG: cluster security group (created by EKS).
        row(
            "000",
            "cluster SG recommended inbound All All Self",
            Both,
            Expect::EksDefault { egress: false, all: true, peer: CLUSTER },
        ),
        row(
            "000",
            "cluster SG recommended outbound All All 0.0.0.0/0",
            Both,
            Expect::EksDefault { egress: true, all: true, peer: "0.0.0.0/0" },
        ),
        // AWS-EKS-SG: control plane security group.
        row(
            "000/001",
            "control plane minimum inbound TCP 443 from all node SGs",
            Both,
            tcp(CP, false, (443, 443), NODES),
        ),
        row(
            "000/001",
            "control plane minimum inbound TCP 443 from API clients (bastion) with private access",
            Both,
            tcp(CP, false, (443, 443), "BastionSecurityGroup"),
        ),
        row(
            "000/001",
            "control plane recommended inbound TCP 443 from all node SGs (same as minimum)",
            Both,
            tcp(CP, false, (443, 443), NODES),
        ),
        row(
            "000/001",
            "control plane recommended inbound TCP 443 from API clients (VPN) with private access",
            Both,
            tcp(CP, false, (443, 443), "172.16.0.0/12"),
        ),
        row(
            "000/001",
            "control plane minimum outbound TCP 10250 to all node SGs",
            Both,
            tcp(CP, true, (10250, 10250), NODES),
        ),
        row(
            "000/001",
            "control plane recommended outbound TCP 1025-65535 to all node SGs",
            Recommended,
            tcp(CP, true, (1025, 65535), NODES),
        ),
        // AWS-EKS-SG: worker node security group.
        row("000/001", "node minimum inbound from other nodes, any protocol", Both, all(NODES, false, NODES)),
        row(
            "000/001",
            "node minimum inbound TCP 10250 from the control plane",
            Both,
            tcp(NODES, false, (10250, 10250), CP),
        ),
        row(
            "000/001",
            "node recommended inbound All from all node SGs (same as minimum)",
            Both,
            all(NODES, false, NODES),
        ),
        row(
            "000/001",
            "node recommended inbound TCP 443 from the control plane",
            Recommended,
            tcp(NODES, false, (443, 443), CP),
        ),
        row(
            "000/001",
            "node recommended inbound TCP 1025-65535 from the control plane",
            Recommended,
            tcp(NODES, false, (1025, 65535), CP),
        ),
        row("000/001", "node minimum outbound TCP 443 to the control plane", Both, tcp(NODES, true, (443, 443), CP)),
        row("000/001", "node recommended outbound All All 0.0.0.0/0", Recommended, all(NODES, true, "0.0.0.0/0")),
        // AWS-EKS-SG: the minimum ports when the cluster traffic is restricted, realized between
        // the control-plane group and the node groups.
        row("002", "restricted minimum inbound TCP 443 (cluster SG)", Both, tcp(CP, false, (443, 443), NODES)),
        row("002", "restricted minimum inbound TCP 10250 (cluster SG)", Both, tcp(NODES, false, (10250, 10250), CP)),
        row("002", "restricted minimum outbound TCP 443 (cluster SG)", Both, tcp(CLUSTER, true, (443, 443), CLUSTER)),
        row("002", "restricted minimum outbound TCP 10250 (cluster SG)", Both, tcp(CP, true, (10250, 10250), NODES)),
        // EKS-SG-ROLES: cluster security group.
        row(
            "003",
            "Cluster SG inbound ALL (MySelf)",
            Both,
            Expect::EksDefault { egress: false, all: true, peer: CLUSTER },
        ),
        row("003", "Cluster SG outbound TCP 443 (MySelf) - APIServer", Both, tcp(CLUSTER, true, (443, 443), CLUSTER)),
        // EKS-SG-ROLES: additional cluster security group.
        row("003", "Additional Cluster SG inbound TCP 443 (MySelf) - APIServer", Both, tcp(CP, false, (443, 443), CP)),
        row(
            "003",
            "Additional Cluster SG inbound TCP 443 from Nodegroup General - APIServer",
            Both,
            tcp(CP, false, (443, 443), NODES),
        ),
        row(
            "003",
            "Additional Cluster SG inbound TCP 443 from Bastion - APIServer",
            Both,
            tcp(CP, false, (443, 443), "BastionSecurityGroup"),
        ),
        // EKS-SG-ROLES writes 1024-65535; the EKS guide (000/001) writes 1025-65535, which eksharden follows.
        row(
            "003",
            "Additional Cluster SG outbound TCP 1024-65535 to Nodegroup General - Controllers",
            Recommended,
            tcp(CP, true, (1025, 65535), NODES),
        ),
        // EKS-SG-ROLES: node group general security group.
        row("003", "Nodegroup General inbound ALL (MySelf)", Both, all(NODES, false, NODES)),
        row(
            "003",
            "Nodegroup General inbound TCP 1024-65535 from Additional Cluster SG - Controllers",
            Recommended,
            tcp(NODES, false, (1025, 65535), CP),
        ),
        row("003", "Nodegroup General outbound ALL (MySelf)", Both, all(NODES, true, NODES)),
        row(
            "003",
            "Nodegroup General outbound TCP 443 0.0.0.0/0 - Images & AWS APIs HTTPS",
            Both,
            tcp(NODES, true, (443, 443), "0.0.0.0/0"),
        ),
        row(
            "003",
            "Nodegroup General outbound TCP 80 0.0.0.0/0 - Images & AWS APIs HTTP",
            Recommended,
            tcp(NODES, true, (80, 80), "0.0.0.0/0"),
        ),
        // EKS-SG-ROLES: add-on, app, endpoint, load balancer, database, cache.
        row(
            "003",
            "Nodegroup Add-on inbound: empty",
            Both,
            Expect::Empty { group: "AddonSecurityGroup", egress: false },
        ),
        row(
            "003",
            "Nodegroup Add-on outbound: empty",
            Both,
            Expect::Empty { group: "AddonSecurityGroup", egress: true },
        ),
        row(
            "003",
            "Nodegroup App inbound Service Port from ELB SG - Application Service",
            Both,
            tcp("AppSecurityGroup", false, (8080, 8080), "LoadBalancerSecurityGroup"),
        ),
        row(
            "003",
            "Nodegroup App outbound Database Port to Database SG",
            Both,
            tcp("AppSecurityGroup", true, (5432, 5432), "DatabaseSecurityGroup"),
        ),
        row(
            "003",
            "Nodegroup App outbound Cache Port to Cache SG",
            Both,
            tcp("AppSecurityGroup", true, (6379, 6379), "CacheSecurityGroup"),
        ),
        row(
            "003",
            "VPC Endpoint inbound TCP 443 from Nodegroup Add-on - AWS APIs",
            Both,
            tcp("VpcEndpointSecurityGroup", false, (443, 443), "AddonSecurityGroup"),
        ),
        row(
            "003",
            "VPC Endpoint inbound TCP 443 from Nodegroup App - AWS APIs",
            Both,
            tcp("VpcEndpointSecurityGroup", false, (443, 443), "AppSecurityGroup"),
        ),
        row(
            "003",
            "VPC Endpoint inbound TCP 443 from Bastion - AWS APIs",
            Both,
            tcp("VpcEndpointSecurityGroup", false, (443, 443), "BastionSecurityGroup"),
        ),
        row(
            "003",
            "VPC Endpoint outbound: empty",
            Both,
            Expect::Empty { group: "VpcEndpointSecurityGroup", egress: true },
        ),
        row(
            "003",
            "ELB inbound Listener Port from 0.0.0.0/0 - From Internet",
            Both,
            tcp("LoadBalancerSecurityGroup", false, (443, 443), "0.0.0.0/0"),
        ),
        row(
            "003",
            "ELB inbound Listener Port from CloudFront managed prefix list",
            Both,
            tcp("LoadBalancerSecurityGroup", false, (443, 443), "pl-4fa04526"),
        ),
        row(
            "003",
            "ELB outbound Service Port to Nodegroup App - Application Service",
            Both,
            tcp("LoadBalancerSecurityGroup", true, (8080, 8080), "AppSecurityGroup"),
        ),
        row(
            "003",
            "Database inbound Database Port from Nodegroup App",
            Both,
            tcp("DatabaseSecurityGroup", false, (5432, 5432), "AppSecurityGroup"),
        ),
        row("003", "Database outbound: empty", Both, Expect::Empty { group: "DatabaseSecurityGroup", egress: true }),
        row(
            "003",
            "Cache inbound Cache Port from Nodegroup App",
            Both,
            tcp("CacheSecurityGroup", false, (6379, 6379), "AppSecurityGroup"),
        ),
        row("003", "Cache outbound: empty", Both, Expect::Empty { group: "CacheSecurityGroup", egress: true }),
    ]
}

/// The id (`docs/sources.md`) of the source a row comes from: the EKS User Guide's tables
/// (its three versions) or the role-based security-group guide.
fn source_id(document: &str) -> &'static str {
    match document {
        "000" | "001" | "000/001" | "002" => "AWS-EKS-SG",
        "003" => "EKS-SG-ROLES",
        other => panic!("no source document {other}"),
    }
}

fn check_row(row: &Row, rules: &[Rendered], profile: SecurityGroupProfile) -> Result<(), String> {
    let label = format!("seed {} \"{}\" ({profile:?})", row.seed, row.row);
    match row.expect {
        Expect::Rule { group, egress, all, ports, peer } => {
            let covers = |r: &&Rendered| {
                r.group == group
                    && r.egress == egress
                    && r.peer == peer
                    && (r.all_protocols || !all)
                    && r.ports.0 <= ports.0
                    && ports.1 <= r.ports.1
            };
            match rules.iter().find(covers) {
                Some(rule) if rule.description.contains(source_id(row.seed)) => Ok(()),
                Some(rule) => Err(format!("{label}: rule {rule:?} does not cite {}", source_id(row.seed))),
                None => Err(format!("{label}: no rendered rule of {group} covers it")),
            }
        }
        Expect::Empty { group, egress } => {
            let extra: Vec<_> =
                rules.iter().filter(|r| r.group == group && r.egress == egress && !is_placeholder(r)).collect();
            let exists = rules.iter().any(|r| r.group == group && is_placeholder(r));
            match (exists, extra.is_empty()) {
                (false, _) => {
                    Err(format!("{label}: group {group} is not rendered with an explicit (empty) egress list"))
                }
                (true, false) => Err(format!("{label}: expected no rules, found {extra:?}")),
                (true, true) => Ok(()),
            }
        }
        Expect::EksDefault { egress, all, peer } => {
            let duplicate = rules
                .iter()
                .find(|r| r.group == CLUSTER && r.egress == egress && r.all_protocols == all && r.peer == peer);
            match duplicate {
                Some(rule) => {
                    Err(format!("{label}: EKS creates this rule; declaring it again fails the stack: {rule:?}"))
                }
                None => Ok(()),
            }
        }
    }
}

#[test]
fn every_seed_row_is_rendered_for_its_profiles() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for profile in [SecurityGroupProfile::Minimum, SecurityGroupProfile::Recommended] {
        let rules = rendered_rules(&full_with(profile));
        for row in rows() {
            let applies = row.profiles == Profiles::Both || profile == SecurityGroupProfile::Recommended;
            if applies {
                checked += 1;
                failures.extend(check_row(&row, &rules, profile).err());
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} seed rows failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= 80, "only {checked} row checks ran");
}

#[test]
fn the_minimum_profile_leaves_out_the_recommended_ranges() {
    let rules = rendered_rules(&full_with(SecurityGroupProfile::Minimum));
    for row in rows().iter().filter(|r| r.profiles == Profiles::Recommended) {
        assert!(
            check_row(row, &rules, SecurityGroupProfile::Minimum).is_err(),
            "the minimum profile should not render seed {} \"{}\"",
            row.seed,
            row.row
        );
    }
}

/// Groups whose members are nodes or the control plane.
const NODE_OR_CONTROL_PLANE: [&str; 5] = [NODES, "AddonSecurityGroup", "AppSecurityGroup", CP, CLUSTER];

fn specs_to_check() -> Vec<(String, ValidSpec)> {
    let mut specs = Vec::new();
    for example in integration_tests::cli::examples() {
        let example = example.as_str();
        for profile in [SecurityGroupProfile::Minimum, SecurityGroupProfile::Recommended] {
            specs.push((format!("{example} ({profile:?})"), with_profile(spec_of(example), profile)));
        }
    }
    specs
}

#[test]
fn no_ingress_from_anywhere_except_the_load_balancer_listeners() {
    for (name, spec) in specs_to_check() {
        let listeners: Vec<u16> = spec
            .security_groups
            .load_balancer
            .iter()
            .flat_map(|lb| lb.listener_ports.iter().map(|p| p.get()))
            .collect();
        for rule in rendered_rules(&spec).iter().filter(|r| !r.egress && r.peer == "0.0.0.0/0") {
            let listener = rule.group == "LoadBalancerSecurityGroup"
                && !rule.all_protocols
                && rule.ports.0 == rule.ports.1
                && listeners.contains(&rule.ports.0);
            assert!(listener, "{name}: 0.0.0.0/0 ingress that is not a load-balancer listener: {rule:?}");
        }
    }
}

#[test]
fn port_22_reaches_nodes_only_from_the_bastion() {
    for (name, spec) in specs_to_check() {
        for rule in rendered_rules(&spec).iter().filter(|r| !r.egress && r.ports.0 <= 22 && 22 <= r.ports.1) {
            if rule.group == "BastionSecurityGroup" || rule.group == "PodsSecurityGroup" {
                // The bastion's own SSH from the operators' blocks; pods (no nodes) admitting
                // the nodes and each other on every port. No node group admits the pods on 22.
                continue;
            }
            // AWS-EKS-SG's node-to-node row admits the node group itself on every port; the
            // node-subnet ACL and the NetworkPolicy close port 22 there (STACKROX-EKS).
            let allowed = NODE_OR_CONTROL_PLANE.contains(&rule.group.as_str())
                && (rule.peer == "BastionSecurityGroup" || rule.peer == rule.group);
            assert!(allowed, "{name}: port 22 ingress from something other than the bastion: {rule:?}");
        }
    }
}

#[test]
fn the_control_plane_reaches_no_privileged_node_port_but_443() {
    let privileged_not_443 = |r: &Rendered| r.ports.0 < 1024 && !(r.ports.0 == 443 && r.ports.1 == 443);
    let nodes = [NODES, "AddonSecurityGroup", "AppSecurityGroup"];
    for (name, spec) in specs_to_check() {
        for rule in rendered_rules(&spec) {
            let control_plane_to_node =
                (rule.egress && [CP, CLUSTER].contains(&rule.group.as_str()) && nodes.contains(&rule.peer.as_str()))
                    || (!rule.egress
                        && nodes.contains(&rule.group.as_str())
                        && [CP, CLUSTER].contains(&rule.peer.as_str()));
            assert!(
                !(control_plane_to_node && privileged_not_443(&rule)),
                "{name}: control plane to a privileged node port (AWS-EKS-SG: prevent communication to privileged ports): {rule:?}"
            );
        }
    }
}
