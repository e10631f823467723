//! The picture of what `create` would make from a spec, without any AWS call: the groups of
//! the plan and their rules, the roles that would carry them, in the tiers of subnets they
//! would sit in with the tier's ACL. A rule admitting the whole internet to the control plane
//! or the nodes would be marked (the plan makes none).

use eksharden_plan::rules::{self, Direction, Group, Peer, Protocol, Rule};
use eksharden_spec::model::{ClusterSpec, NodeGroupRole};

use super::{block_label, Edge, EdgeKind, NodeKind, Picture};

/// The tiers of a dedicated or existing VPC's subnets, by the role tag of their ACL.
const PRIVATE: (&str, &str) = ("private", "node subnets (private), the node-subnet ACL");
const PUBLIC: (&str, &str) = ("public", "load-balancer subnets (public)");
const BASTION: (&str, &str) = ("bastion", "the bastion subnet, its own ACL");

/// The picture of what `spec` would make.
pub fn from_spec(spec: &ClusterSpec) -> Picture {
    let mut picture = Picture { title: format!("cluster {} (planned)", spec.metadata.name), ..Picture::default() };
    for group in rules::groups(spec) {
        picture.node(group.logical_id(), &format!("{}\n{}", group.logical_id(), group.title()), NodeKind::Group);
    }
    let mut roles: Vec<(String, Vec<Group>, (&str, &str))> =
        vec![("control plane".to_owned(), vec![Group::ControlPlane], PRIVATE)];
    for node_group in &spec.node_groups {
        let mut groups = vec![Group::NodeGeneral];
        groups.extend(match node_group.role {
            NodeGroupRole::General => None,
            NodeGroupRole::Addon => Some(Group::Addon),
            NodeGroupRole::App => Some(Group::App),
        });
        roles.push((format!("node group {}", node_group.name), groups, PRIVATE));
    }
    let present = rules::groups(spec);
    let role_groups = [
        ("bastion", Group::Bastion, BASTION),
        ("load balancer", Group::LoadBalancer, PUBLIC),
        ("database", Group::Database, PRIVATE),
        ("cache", Group::Cache, PRIVATE),
        ("VPC endpoints", Group::VpcEndpoint, PRIVATE),
        ("pods", Group::Pods, PRIVATE),
    ];
    for (name, group, tier) in role_groups.into_iter().filter(|(_, g, _)| present.contains(g)) {
        roles.push((name.to_owned(), vec![group], tier));
    }
    for (name, groups, (tier, label)) in roles {
        let node = picture.node(&format!("role {name}"), &name, NodeKind::Role);
        picture.place(tier, label, &node);
        for group in groups {
            let to = super::key_of(group.logical_id());
            picture.edge(Edge { from: node.clone(), to, label: String::new(), kind: EdgeKind::Carries, marked: false });
        }
    }
    for rule in rules::rules(spec) {
        let own = super::key_of(rule.group.logical_id());
        let peer = peer_node(&mut picture, &rule.peer);
        let marked = rule.direction == Direction::Ingress
            && matches!(rule.group, Group::ControlPlane | Group::NodeGeneral | Group::Addon | Group::App)
            && matches!(&rule.peer, Peer::Cidr(block) if block.is_anywhere());
        let (from, to, kind) = match rule.direction {
            Direction::Ingress => (peer, own, EdgeKind::Inbound),
            Direction::Egress => (own, peer, EdgeKind::Outbound),
        };
        picture.edge(Edge { from, to, label: rule_label(&rule), kind, marked });
    }
    picture
}

/// The node of a rule's other side.
fn peer_node(picture: &mut Picture, peer: &Peer) -> String {
    match peer {
        Peer::Group(group) => super::key_of(group.logical_id()),
        Peer::Cidr(block) => picture.node(&block.to_string(), &block_label(&block.to_string()), NodeKind::Outside),
        Peer::Cidr6(block) => picture.node(&block.to_string(), &block_label(&block.to_string()), NodeKind::Outside),
        Peer::PrefixList(id) => picture.node(id, &format!("prefix list {id}"), NodeKind::Outside),
    }
}

/// `tcp 443`, `udp 53`, `all`.
fn rule_label(rule: &Rule) -> String {
    let ports = match rule.ports {
        (from, to) if from == to => from.to_string(),
        (from, to) => format!("{from}-{to}"),
    };
    match rule.protocol {
        Protocol::All => "all".to_owned(),
        protocol => format!("{} {ports}", protocol.ip_protocol()),
    }
}
