//! The flow matrix over a synthetic hardened cluster: it verifies clean, every
//! requirement of the policy is evaluated, and a break in one layer is its own finding.

mod common;

use common::synthetic::{cluster, dual_stack, Size};
use eksharden_net::model::{AclEntry, Peer, SgRule};
use eksharden_net::pod_policy::{EgressRule, NamespacePolicies, NetworkPolicy, PodPolicies, PolicyPort};
use eksharden_net::posture::{ClusterApiRead, CreatorRoleFact, VpcCniAddon};
use eksharden_net::report::Status;
use eksharden_net::topology::{Members, PodInterfaces, Role, RoleKind};
use eksharden_net::{verify, PortRange, Protocol, RuleProtocol};

const SMALL: Size = Size { enis: 200, groups: 60, rules: 600 };

fn failed(report: &eksharden_net::report::Report) -> Vec<&str> {
    let mut ids: Vec<&str> = report.flows.iter().filter(|f| f.status == Status::Fail).map(|f| f.id).collect();
    ids.extend(report.posture.iter().filter(|p| p.status == Status::Fail).map(|p| p.id));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// No check fails; otherwise the failing flows are shown.
fn assert_clean(report: &eksharden_net::report::Report) {
    let failing: Vec<_> = report.flows.iter().filter(|f| f.status == Status::Fail).collect();
    assert_eq!(failed(report), Vec::<&str>::new(), "{failing:#?}");
}

#[test]
fn a_hardened_ipv6_cluster_in_a_dual_stack_vpc_verifies_clean_and_is_tried_from_the_ipv6_internet() {
    let c = dual_stack(cluster(SMALL));
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_clean(&report);
    let from_v6: Vec<_> = report
        .flows
        .iter()
        .filter(|f| f.id == "no-internet-to-nodes")
        .flat_map(|f| &f.cells)
        .filter(|cell| cell.source.contains(':'))
        .collect();
    assert!(!from_v6.is_empty());
    // The nodes have global addresses; only the egress-only gateway keeps the internet out.
    let said = format!("{:?}", from_v6[0].verdict);
    assert!(said.contains("EgressOnly"), "{said}");
    // In-VPC flows are decided over IPv6: SSH from the bastion passes the node ACL's IPv6 entry.
    let ssh = report.flows.iter().find(|f| f.id == "bastion-to-nodes-ssh").unwrap();
    assert!(format!("{:?}", ssh.cells[0].verdict).contains("entry: 101"), "{:?}", ssh.cells[0].verdict);
    // Break the IPv6 twin of the node ACL's SSH entry: the bastion can no longer reach the
    // nodes over IPv6, and that is a finding.
    let mut broken = c;
    let acl = broken.model.network_acls.iter_mut().find(|a| a.id == "acl-nodes").unwrap();
    acl.entries.retain(|e| e.number != 101);
    let report = verify(&broken.model, &broken.topology, &broken.facts, &broken.input, false, Vec::new());
    assert_eq!(failed(&report), vec!["bastion-to-nodes-ssh"]);
}

#[test]
fn a_hardened_cluster_verifies_clean() {
    let c = cluster(SMALL);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_clean(&report);
    assert_eq!(report.findings(), 0);
    // Every kind of requirement was evaluated, each over at least one endpoint pair.
    for id in [
        "nodes-to-api",
        "control-plane-to-kubelet",
        "control-plane-to-node-ports",
        "control-plane-no-privileged-ports",
        "node-to-node",
        "pods-no-ssh-to-nodes",
        "nodes-to-aws-apis",
        "no-internet-to-nodes",
        "bastion-to-nodes-ssh",
        "ssh-to-nodes-only-from-bastion",
        "bastion-to-api",
        "load-balancer-to-app",
        "app-to-store",
        "no-internet-to-stores",
        "api-not-open-to-internet",
    ] {
        let checks: Vec<_> = report.flows.iter().filter(|f| f.id == id).collect();
        assert!(!checks.is_empty() && checks.iter().all(|f| !f.cells.is_empty()), "{id} was evaluated");
    }
    // Pods reaching SSH on nodes in their own subnet is only a warning without network
    // policies, and a finding with --strict.
    assert!(report.warnings() > 0);
    let strict = verify(&c.model, &c.topology, &c.facts, &c.input, true, Vec::new());
    assert_eq!(failed(&strict), ["pods-no-ssh-to-nodes"]);
}

/// eksharden's SSH egress policy (every TCP port but 22, every UDP port) in `namespaces`.
fn ssh_policy_in(namespaces: &[&str], enforcers: &[&str]) -> PodPolicies {
    let tcp = |from, to| PolicyPort { protocol: Some(Protocol::Tcp), ports: Some(PortRange::new(from, to)) };
    let policy = NetworkPolicy {
        name: "eksharden-deny-ssh-egress".into(),
        selects_every_pod: true,
        egress: Some(vec![EgressRule {
            ports: vec![
                tcp(1, 21),
                tcp(23, 65535),
                PolicyPort { protocol: Some(Protocol::Udp), ports: Some(PortRange::new(1, 65535)) },
            ],
            to: vec![],
        }]),
    };
    PodPolicies {
        enforcers: enforcers.iter().map(|e| e.to_string()).collect(),
        namespaces: namespaces
            .iter()
            .map(|n| NamespacePolicies { name: n.to_string(), policies: vec![policy.clone()] })
            .collect(),
    }
}

#[test]
fn pods_to_nodes_on_22_is_judged_by_the_policies_read_and_their_enforcer() {
    let mut c = cluster(SMALL);
    let ssh_cells = |c: &common::synthetic::Synthetic| {
        let report = verify(&c.model, &c.topology, &c.facts, &c.input, true, Vec::new());
        let check = report.flows.into_iter().find(|f| f.id == "pods-no-ssh-to-nodes").unwrap();
        let words = check.cells.iter().flat_map(|cell| cell.explanation.clone()).collect::<Vec<_>>().join("\n");
        (check.status, words)
    };
    // The policy everywhere and the add-on's agent on: a pass that names both, even --strict.
    c.facts.pod_network.vpc_cni = VpcCniAddon::Installed { network_policy: true, configuration: None };
    c.facts.pod_network.cluster_api = ClusterApiRead::Read(ssh_policy_in(&["default", "kube-system"], &[]));
    let (status, words) = ssh_cells(&c);
    assert_eq!(status, Status::Pass, "{words}");
    assert!(words.contains("NetworkPolicy eksharden-deny-ssh-egress (in all 2 namespaces)"), "{words}");
    assert!(words.contains("vpc-cni add-on, enableNetworkPolicy"), "{words}");
    // The same policy with the agent off and nothing else running: a finding.
    c.facts.pod_network.vpc_cni = VpcCniAddon::Installed { network_policy: false, configuration: None };
    let (status, words) = ssh_cells(&c);
    assert_eq!(status, Status::Fail);
    assert!(words.contains("nothing enforces network policies"), "{words}");
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let enforced = report.posture.iter().find(|p| p.id == "network-policies-enforced").unwrap();
    assert_eq!(enforced.status, Status::Fail, "{:?}", enforced.details);
    assert!(enforced.details[0].contains("enableNetworkPolicy off"), "{:?}", enforced.details);
    // Calico running enforces them; a namespace made later without the policy is open.
    c.facts.pod_network.cluster_api = ClusterApiRead::Read(ssh_policy_in(&["default"], &["Calico (calico-node)"]));
    assert_eq!(ssh_cells(&c).0, Status::Pass);
    let ClusterApiRead::Read(read) = &mut c.facts.pod_network.cluster_api else { unreachable!() };
    read.namespaces.push(NamespacePolicies { name: "team-a".into(), policies: vec![] });
    let (status, words) = ssh_cells(&c);
    assert_eq!(status, Status::Fail);
    assert!(words.contains("namespace(s) team-a"), "{words}");
}

/// The control plane no longer admits the nodes.
fn revoke_nodes_from_api(model: &mut eksharden_net::Model) {
    let cp = model.security_groups.iter_mut().find(|g| g.id == "sg-cp").unwrap();
    cp.ingress.retain(|r| r.peer != Peer::Group("sg-nodes".into()));
}

/// An entry of the node-subnet ACL admits SSH from anywhere ahead of its deny.
fn admit_ssh_ahead_of_the_deny(model: &mut eksharden_net::Model) {
    let acl = model.network_acls.iter_mut().find(|a| a.id == "acl-nodes").unwrap();
    acl.entries.push(AclEntry {
        number: 105,
        egress: false,
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(22),
        cidr: "0.0.0.0/0".parse().unwrap(),
        allow: true,
    });
}

/// Opens port 22 on the node group to the whole IPv4 internet.
fn open_ssh_on_nodes(model: &mut eksharden_net::Model) {
    let nodes = model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(SgRule {
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(22),
        peer: Peer::Cidr("0.0.0.0/0".parse().unwrap()),
        description: None,
    });
}

#[test]
fn each_break_is_its_own_finding() {
    // SSH from anywhere on the node group.
    let mut c = cluster(SMALL);
    open_ssh_on_nodes(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(
        failed(&report),
        ["control-plane-no-privileged-ports", "open-ingress", "ssh-to-nodes-only-from-bastion"]
    );

    // The control plane no longer admits the nodes.
    let mut c = cluster(SMALL);
    revoke_nodes_from_api(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(failed(&report), ["nodes-to-api"]);

    // An ACL entry lets SSH in before the deny.
    let mut c = cluster(SMALL);
    admit_ssh_ahead_of_the_deny(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(failed(&report), ["ssh-to-nodes-only-from-bastion"]);
    let said: Vec<&String> = report
        .flows
        .iter()
        .flat_map(|f| f.cells.iter())
        .filter(|c| c.status == Status::Fail)
        .flat_map(|c| &c.explanation)
        .collect();
    assert!(said.iter().all(|s| s.contains("acl-nodes entry 105 allows 22")), "{said:#?}");

    // RDP from the other hosts' group to the nodes: a sensitive port the security groups
    // alone guard (an ACL deny of a port in the ephemeral range would drop replies).
    let mut c = cluster(SMALL);
    let others = c.model.enis.iter().find(|e| e.label.starts_with("another host")).map(|e| e.groups.clone());
    let others = others.expect("the synthetic cluster has other hosts").remove(0);
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(SgRule {
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(3389),
        peer: Peer::Group(others),
        description: Some("rdp".into()),
    });
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(failed(&report), ["sensitive-ports-only-from-bastion"]);
}

#[test]
fn a_pair_the_engine_cannot_evaluate_is_unknown_not_a_pass() {
    let mut c = cluster(SMALL);
    // A node whose subnet is not in the model: no path can be built to or from it.
    let node = c.model.enis.iter().position(|e| e.label.starts_with("node general")).unwrap();
    c.model.enis[node].subnet = "subnet-unknown".into();
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let unevaluated: Vec<&str> = report
        .flows
        .iter()
        .filter(|f| f.cells.iter().any(|c| c.explanation.iter().any(|e| e.starts_with("not evaluated"))))
        .map(|f| f.id)
        .collect();
    assert!(unevaluated.contains(&"nodes-to-api"), "{unevaluated:?}");
    assert!(report.flows.iter().filter(|f| f.id == "nodes-to-api").any(|f| f.status == Status::Unknown));
    assert!(report.unknowns() > 0);
}

#[test]
fn a_node_group_with_no_endpoint_is_not_evaluated_and_is_a_finding() {
    let mut c = cluster(SMALL);
    let role = c.topology.roles.iter_mut().find(|r| matches!(r.kind, RoleKind::NodeGroup { .. })).unwrap();
    role.members = Members::Enis(Vec::new());
    let name = role.name.trim_start_matches("node group ").to_owned();
    c.facts.node_groups.iter_mut().find(|g| g.name == name).unwrap().enis.clear();
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let present = report.posture.iter().find(|p| p.id == "node-groups-present").unwrap();
    assert_eq!(present.status, Status::Fail, "{present:?}");
    assert!(present.details[0].starts_with(&format!("node group {name}: no interfaces")), "{present:?}");
    let to_api = report
        .flows
        .iter()
        .find(|f| f.id == "nodes-to-api" && f.title.starts_with(&format!("node group {name} ->")))
        .unwrap();
    assert_eq!(to_api.status, Status::Unknown, "{to_api:#?}");
    assert_eq!(to_api.cells[0].explanation, [format!("not evaluated: no endpoint stands for node group {name}")]);
    assert!(report.findings() > 0);
}

#[test]
fn a_node_group_the_spec_names_but_aws_lacks_is_a_finding() {
    let mut c = cluster(SMALL);
    c.input.node_groups = vec!["apps".into(), "gone".into()];
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let present = report.posture.iter().find(|p| p.id == "node-groups-present").unwrap();
    assert_eq!(present.status, Status::Fail);
    assert_eq!(present.details, ["node group gone, named by the spec, does not exist: its flows cannot be checked"]);
}

#[test]
fn a_creator_role_with_permissions_or_trust_left_is_a_finding() {
    let mut c = cluster(SMALL);
    let status = |c: &common::synthetic::Synthetic| {
        let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
        report.posture.iter().find(|p| p.id == "creator-role-stripped").unwrap().status
    };
    assert_eq!(status(&c), Status::Pass, "no creator role: nothing to strip");
    let arn = "arn:aws:iam::111122223333:role/eksharden-synthetic-creator".to_owned();
    c.facts.creator_role = CreatorRoleFact::Found { arn: arn.clone(), permissions: Vec::new(), assumable: false };
    assert_eq!(status(&c), Status::Pass);
    c.facts.creator_role = CreatorRoleFact::Found { arn: arn.clone(), permissions: Vec::new(), assumable: true };
    assert_eq!(status(&c), Status::Fail);
    c.facts.creator_role = CreatorRoleFact::Found { arn, permissions: vec!["create-cluster".into()], assumable: false };
    assert_eq!(status(&c), Status::Fail);
    c.facts.creator_role = CreatorRoleFact::Unreadable("IAM.GetRole: AccessDenied".into());
    assert_eq!(status(&c), Status::Warn);
}

#[test]
fn the_kubernetes_version_is_judged_by_its_support() {
    use eksharden_net::posture::{VersionFact, VersionSupport};
    let mut c = cluster(SMALL);
    let mut status = |support: VersionSupport| {
        c.facts.kubernetes_version = Some(VersionFact { version: "1.33".into(), support });
        let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
        let check = report.posture.iter().find(|p| p.id == "kubernetes-version").unwrap().clone();
        (check.status, check.details[0].clone())
    };
    assert_eq!(status(VersionSupport::Standard { until: "2026-07-29".into() }).0, Status::Pass);
    let (extended, detail) = status(VersionSupport::Extended { until: "2027-07-29".into(), cost: "more".into() });
    assert_eq!(extended, Status::Warn);
    assert!(detail.contains("extended support until 2027-07-29"), "{detail}");
    assert_eq!(status(VersionSupport::Ended { on: "2027-07-29".into() }).0, Status::Fail);
    assert_eq!(status(VersionSupport::Unknown).0, Status::Warn);
}

#[test]
fn a_narrow_node_to_node_rule_is_a_warning_for_a_discovered_cluster_and_a_finding_against_a_spec() {
    use eksharden_net::policy::NodePorts;
    let mut c = cluster(SMALL);
    // As terraform-aws-eks opens it: DNS and 1025-65535 between nodes, nothing else.
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    let own = Peer::Group("sg-nodes".into());
    nodes.ingress.retain(|r| r.peer != own);
    for (protocol, ports) in [
        (RuleProtocol::One(Protocol::Tcp), PortRange::single(53)),
        (RuleProtocol::One(Protocol::Udp), PortRange::single(53)),
        (RuleProtocol::One(Protocol::Tcp), PortRange::new(1025, 65535)),
    ] {
        nodes.ingress.push(SgRule { protocol, ports, peer: own.clone(), description: None });
    }
    c.input.node_ports = NodePorts::Essential;
    let discovered = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let status = |report: &eksharden_net::report::Report, id: &str| {
        report.flows.iter().filter(|f| f.id == id).map(|f| f.status).max().unwrap()
    };
    assert_eq!(status(&discovered, "node-to-node"), Status::Pass);
    assert!(discovered.flows.iter().any(|f| f.id == "node-to-node" && f.protocol == Protocol::Udp));
    assert_eq!(status(&discovered, "node-to-node-other-ports"), Status::Warn);
    assert_eq!(discovered.findings(), 0, "a narrower rule is no finding");

    c.input.node_ports = NodePorts::AllButSsh;
    let against_the_spec = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(status(&against_the_spec, "node-to-node"), Status::Fail);
}

#[test]
fn the_control_plane_reaching_every_node_port_is_discouraged_for_a_discovered_cluster_and_a_finding_against_a_spec() {
    use eksharden_net::policy::NodePorts;
    let mut c = cluster(SMALL);
    // As EKS's own cluster security group lets it: everything from the control plane.
    let all_with = |group: &str| SgRule {
        protocol: RuleProtocol::All,
        ports: PortRange::ALL,
        peer: Peer::Group(group.into()),
        description: None,
    };
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(all_with("sg-cp"));
    let cp = c.model.security_groups.iter_mut().find(|g| g.id == "sg-cp").unwrap();
    cp.egress.push(all_with("sg-nodes"));
    let status = |report: &eksharden_net::report::Report| {
        report.flows.iter().filter(|f| f.id == "control-plane-no-privileged-ports").map(|f| f.status).max().unwrap()
    };
    c.input.node_ports = NodePorts::Essential;
    let discovered = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(status(&discovered), Status::Warn);
    let cell = discovered
        .flows
        .iter()
        .filter(|f| f.id == "control-plane-no-privileged-ports")
        .flat_map(|f| &f.cells)
        .find(|c| c.status == Status::Warn)
        .unwrap();
    assert!(cell.explanation.last().unwrap().starts_with("discouraged, not forbidden: EKS's cluster security group"));
    let strict = verify(&c.model, &c.topology, &c.facts, &c.input, true, Vec::new());
    assert_eq!(status(&strict), Status::Fail);
    c.input.node_ports = NodePorts::AllButSsh;
    let against_the_spec = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(status(&against_the_spec), Status::Fail);
}

#[test]
fn what_turns_on_an_unread_layer_is_not_judged_and_the_rest_is() {
    use eksharden_net::model::Unread;
    let mut c = cluster(SMALL);
    c.model.network_acls.clear();
    c.model.unread.insert(Unread::NetworkAcls, "EC2.DescribeNetworkAcls: UnauthorizedOperation".into());
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let status = |id: &str| report.flows.iter().find(|f| f.id == id).unwrap().status;
    // Required flows that cross subnets meet ACL hops, which read as blocking: not judged.
    assert_eq!(status("nodes-to-api"), Status::Unknown);
    // SSH from other hosts must be blocked by the ACL on its own: not judged.
    assert_eq!(status("ssh-to-nodes-only-from-bastion"), Status::Unknown);
    // The internet to nodes: blocked by routes and addresses read in full, so judged.
    assert_eq!(status("no-internet-to-nodes"), Status::Pass);
    assert_eq!(failed(&report), Vec::<&str>::new());
    let flow = report.flows.iter().find(|f| f.id == "nodes-to-api").unwrap();
    let cell = flow.cells.iter().find(|c| c.status == Status::Unknown).unwrap();
    assert!(cell.explanation[0].contains("the network ACLs could not be read (EC2.DescribeNetworkAcls"), "{cell:?}");
    // An unread layer never hides a finding another layer shows: open SSH from the
    // internet on a node group is still judged.
    open_ssh_on_nodes(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert!(failed(&report).contains(&"open-ingress"), "{:?}", failed(&report));
}

/// Gives the synthetic cluster pods of their own: the pods group (in from the nodes and from
/// itself, out to the control plane, the kubelet and each other) on one interface in each of
/// the first three private subnets, as custom networking or security groups for pods would.
fn with_pods(c: &mut common::synthetic::Synthetic, interfaces: PodInterfaces) {
    let to = |peer: &str| common::rule((RuleProtocol::All, PortRange::ALL), Peer::Group(peer.into()));
    let tcp_to = |port: u16, peer: &str| common::rule(common::tcp(port, port), Peer::Group(peer.into()));
    c.model.security_groups.push(common::group(
        "sg-pods",
        vec![to("sg-nodes"), to("sg-pods")],
        vec![to("sg-pods"), tcp_to(443, "sg-cp"), tcp_to(10250, "sg-nodes")],
    ));
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(tcp_to(10250, "sg-pods"));
    nodes.egress.push(to("sg-pods"));
    let cp = c.model.security_groups.iter_mut().find(|g| g.id == "sg-cp").unwrap();
    cp.ingress.push(tcp_to(443, "sg-pods"));
    let mut enis = Vec::new();
    for (i, address) in ["10.1.15.250", "10.1.31.250", "10.1.47.250"].into_iter().enumerate() {
        c.model.enis.push(common::eni(&format!("eni-pod-{i}"), &format!("private-{i}"), address, &["sg-pods"]));
        enis.push(c.model.enis.len() - 1);
    }
    c.topology.roles.push(Role {
        kind: RoleKind::Pods { interfaces },
        name: "pods".into(),
        members: Members::Enis(enis),
    });
}

#[test]
fn pods_of_their_own_are_kept_from_nodes_on_22_by_the_groups_before_any_policy() {
    for interfaces in [PodInterfaces::PodSubnets, PodInterfaces::BranchInterfaces] {
        let mut c = cluster(SMALL);
        with_pods(&mut c, interfaces);
        let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
        let from_pods: Vec<_> =
            report.flows.iter().filter(|f| f.id == "pods-no-ssh-to-nodes" && f.title.starts_with("pods -> ")).collect();
        assert!(!from_pods.is_empty(), "{interfaces:?}");
        for flow in from_pods {
            assert_eq!(flow.status, Status::Pass, "{flow:#?}");
            let words = flow.cells.iter().flat_map(|c| c.explanation.clone()).collect::<Vec<_>>().join("\n");
            assert!(words.contains("no outbound rule of sg-pods matches"), "{words}");
        }
        // Custom networking leaves no pod on the node's interface; with branch interfaces the
        // pods no policy selects are still there, judged by network policies.
        let shared =
            report.flows.iter().filter(|f| f.id == "pods-no-ssh-to-nodes" && f.title.starts_with("node group"));
        assert_eq!(shared.count() > 0, interfaces == PodInterfaces::BranchInterfaces, "{interfaces:?}");
        for id in ["pods-to-api", "nodes-to-pods", "pods-to-kubelet", "pods-to-pods", "no-internet-to-pods"] {
            let flows: Vec<_> = report.flows.iter().filter(|f| f.id == id).collect();
            assert!(!flows.is_empty(), "{id}");
            assert!(flows.iter().all(|f| f.status == Status::Pass), "{id}: {flows:#?}");
        }
    }
    // A pods group that lets pods out to the nodes on 22, which the nodes admit from
    // everything of theirs: the node-subnet ACL is the layer left, and is named.
    let mut c = cluster(SMALL);
    with_pods(&mut c, PodInterfaces::PodSubnets);
    let pods = c.model.security_groups.iter_mut().find(|g| g.id == "sg-pods").unwrap();
    pods.egress.push(common::rule(common::tcp(22, 22), Peer::Group("sg-nodes".into())));
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(common::rule(common::tcp(22, 22), Peer::Group("sg-pods".into())));
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let flow = report.flows.iter().find(|f| f.id == "pods-no-ssh-to-nodes").unwrap();
    let words = flow.cells.iter().flat_map(|c| c.explanation.clone()).collect::<Vec<_>>().join("\n");
    assert!(words.contains("subnet ACL"), "{flow:#?}");
}

/// What decided the first failing pair of flow `id`, in the table's one line.
fn decisive(report: &eksharden_net::report::Report, id: &str) -> String {
    let flow = report.flows.iter().find(|f| f.id == id && f.status == Status::Fail).unwrap_or_else(|| panic!("{id}"));
    let cell = flow.cells.iter().find(|c| c.status == Status::Fail).unwrap();
    cell.decisive(&flow.expectation)
}

#[test]
fn the_one_line_names_the_rule_entry_or_hop_that_decided() {
    // A forbidden flow let through: the rule that lets it in, in few words.
    let mut c = cluster(SMALL);
    open_ssh_on_nodes(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(decisive(&report, "ssh-to-nodes-only-from-bastion"), "SGs let it in: sg-nodes: tcp 22 from 0.0.0.0/0");
    let privileged = decisive(&report, "control-plane-no-privileged-ports");
    assert!(privileged.ends_with("allowed by sg-nodes: tcp 22 from 0.0.0.0/0"), "{privileged}");

    // A required flow blocked: the first hop that blocks it.
    let mut c = cluster(SMALL);
    revoke_nodes_from_api(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let said = decisive(&report, "nodes-to-api");
    assert!(said.starts_with("443 blocked at destination security groups (inbound): no inbound rule of"), "{said}");

    // An ACL entry ahead of the deny: the security groups still block SSH, the ACL alone
    // does not, and the line names the entry.
    let mut c = cluster(SMALL);
    admit_ssh_ahead_of_the_deny(&mut c.model);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let said = decisive(&report, "ssh-to-nodes-only-from-bastion");
    assert!(said.starts_with("ACLs let it in: acl-nodes entry 105 allows 22"), "{said}");
}

#[test]
fn alike_interfaces_of_many_subnets_are_one_class_tried_within_a_subnet_and_across_two() {
    // Eight node subnets in three zones share a route table per zone and one ACL: their nodes
    // are classes by zone (and by the rule blocks that cut a subnet), each pair tried within
    // one subnet (no ACL crossed) and across two (the ACL applies), not a class per subnet.
    let mut c = cluster(Size { enis: 5_000, groups: 1_000, rules: 20_000 });
    assert_eq!(c.model.subnets.iter().filter(|s| s.network_acl == "acl-nodes").count(), 8);
    let acl = c.model.network_acls.iter_mut().find(|a| a.id == "acl-nodes").unwrap();
    acl.entries.push(AclEntry {
        number: 90,
        egress: false,
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(5000),
        cidr: "10.0.0.0/8".parse().unwrap(),
        allow: false,
    });
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let flow = report
        .flows
        .iter()
        .find(|f| f.id == "node-to-node" && f.title == "node group general -> node group general: tcp 23-65535")
        .unwrap();
    assert_eq!(flow.status, Status::Fail);
    let within = flow.cells.iter().find(|c| c.explanation.is_empty() || c.status == Status::Pass);
    let across = flow.cells.iter().find(|c| c.status == Status::Fail).unwrap();
    assert!(within.is_some(), "a pair within one subnet crosses no ACL and passes: {:#?}", flow.cells);
    assert!(across.explanation.iter().any(|e| e.contains("acl-nodes entry 90 denies 5000")), "{:#?}", across);
    assert!(flow.cells.len() < 8 * 8, "fewer pairs than a class per subnet gives: {}", flow.cells.len());
}

#[test]
fn classes_decide_every_flow_as_every_pair_of_members_would() {
    // The oracle for the classes: each required or forbidden flow between roles of interfaces,
    // judged from every pair of their members, comes out as the matrix judged it from its
    // classes; on a cluster whose ACL tells subnets apart and whose nodes admit SSH from part
    // of the VPC.
    let mut c = cluster(Size { enis: 1_500, groups: 300, rules: 3_000 });
    let acl = c.model.network_acls.iter_mut().find(|a| a.id == "acl-nodes").unwrap();
    acl.entries.push(AclEntry {
        number: 90,
        egress: false,
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::new(800, 900),
        cidr: "10.1.16.0/20".parse().unwrap(),
        allow: false,
    });
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(SgRule {
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(22),
        peer: Peer::Cidr("10.1.32.0/19".parse().unwrap()),
        description: None,
    });
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let engine = eksharden_net::Engine::new(&c.model);
    let requirements = eksharden_net::policy::requirements(&c.topology, &c.input);
    let (mut compared, mut failing) = (0, 0);
    for (requirement, flow) in requirements.iter().zip(&report.flows) {
        let required = match requirement.expectation {
            eksharden_net::policy::Expectation::Allowed => true,
            eksharden_net::policy::Expectation::Blocked => false,
            _ => continue,
        };
        let eksharden_net::policy::Target::Role(destination) = requirement.destination else { continue };
        let members = |role: usize| match &c.topology.roles[role].members {
            Members::Enis(enis) => enis.clone(),
            _ => Vec::new(),
        };
        let (sources, destinations) = (members(requirement.source), members(destination));
        if sources.is_empty() || destinations.is_empty() {
            continue;
        }
        let broken = sources.iter().any(|&s| {
            destinations.iter().filter(|&&d| d != s).any(|&d| {
                let pair = eksharden_net::Flow {
                    source: eksharden_net::Endpoint::Eni(s),
                    destination: eksharden_net::Endpoint::Eni(d),
                    protocol: requirement.protocol,
                    ports: requirement.ports,
                    family: c.topology.family,
                };
                let verdict = engine.evaluate(&pair).unwrap();
                verdict.segments.iter().any(|segment| segment.allowed != required)
            })
        });
        assert_eq!(flow.status == Status::Fail, broken, "{}: the classes and every pair disagree", flow.title);
        compared += 1;
        failing += usize::from(broken);
    }
    assert!(compared > 40, "only {compared} flows compared");
    assert!(failing > 0 && failing < compared, "{failing} of {compared} broken: the breaks are found, not everywhere");
}
