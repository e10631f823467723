//! The picture of a deployed cluster, from what discovery read and what `verify` found: the
//! groups its roles carry and every rule of them; a rule is marked when a finding rests on it
//! (it lets a forbidden flow through, or admits the whole internet to the cluster's groups).

use std::collections::BTreeSet;

use eksharden_net::model::{Model, Peer, SgRule};
use eksharden_net::policy::Expectation;
use eksharden_net::report::{Report, Status};
use eksharden_net::topology::{Members, RoleKind, Topology};
use eksharden_net::{Reason, RuleProtocol};

use super::{block_label, Edge, EdgeKind, NodeKind, Picture};

/// The placeholder outbound rule that stands for "no outbound rules" (it opens nothing).
const NO_EGRESS: &str = "127.0.0.1/32";

/// A rule of a group, by the group, its direction and the rule.
type RuleOf = (String, bool, SgRule);

/// The picture of `cluster` as discovery read it (`cluster_groups`: its control plane's and
/// nodes' groups) and `report` judged it.
pub fn from_discovery(
    cluster: &str,
    model: &Model,
    topology: &Topology,
    cluster_groups: &[String],
    report: &Report,
) -> Picture {
    let marked = marked_rules(model, cluster_groups, report);
    let mut picture = Picture { title: format!("cluster {cluster}"), ..Picture::default() };
    let mut shown: BTreeSet<&str> = BTreeSet::new();
    for role in &topology.roles {
        let Members::Enis(enis) = &role.members else { continue };
        if matches!(role.kind, RoleKind::OtherHost) || enis.is_empty() {
            continue;
        }
        let node = picture.node(&format!("role {}", role.name), &role.name, NodeKind::Role);
        let first = &model.enis[enis[0]];
        if let Some(subnet) = model.subnets.iter().find(|s| s.id == first.subnet) {
            let label = format!("{} ({}), ACL {}", subnet.name, subnet.id, subnet.network_acl);
            picture.place(&subnet.id, &label, &node);
        }
        let groups: BTreeSet<&str> =
            enis.iter().flat_map(|&e| model.enis[e].groups.iter().map(String::as_str)).collect();
        for group in groups {
            let key = group_node(&mut picture, model, group);
            picture.edge(Edge {
                from: node.clone(),
                to: key,
                label: String::new(),
                kind: EdgeKind::Carries,
                marked: false,
            });
            shown.insert(group);
        }
    }
    for group in model.security_groups.iter().filter(|g| shown.contains(g.id.as_str())) {
        let own = group_node(&mut picture, model, &group.id);
        for (rules, ingress) in [(&group.ingress, true), (&group.egress, false)] {
            for rule in rules.iter().filter(|r| !matches!(&r.peer, Peer::Cidr(b) if b.to_string() == NO_EGRESS)) {
                let peer = peer_node(&mut picture, model, &rule.peer);
                let (from, to, kind) = if ingress {
                    (peer, own.clone(), EdgeKind::Inbound)
                } else {
                    (own.clone(), peer, EdgeKind::Outbound)
                };
                let marked = marked.contains(&(group.id.clone(), ingress, rule.clone()));
                picture.edge(Edge { from, to, label: rule_label(rule), kind, marked });
            }
        }
    }
    picture
}

/// The rules findings rest on: those that let a failing forbidden flow through at the
/// security-group layer, and those of the cluster's groups that admit the whole internet
/// when `open-ingress` failed.
fn marked_rules(model: &Model, cluster_groups: &[String], report: &Report) -> Vec<RuleOf> {
    let mut marked = Vec::new();
    let mut mark = |rule: RuleOf| {
        if !marked.contains(&rule) {
            marked.push(rule);
        }
    };
    for flow in report.flows.iter().filter(|f| f.status == Status::Fail) {
        if matches!(flow.expectation, Expectation::Allowed | Expectation::Advised(_)) {
            continue;
        }
        let hops = flow.cells.iter().filter(|c| c.status == Status::Fail).flat_map(|c| &c.verdict.segments);
        for hop in hops.flat_map(|s| &s.hops).filter(|h| h.allowed) {
            if let Reason::SgRule { group, ingress, rule, .. } = &hop.reason {
                mark((group.clone(), *ingress, rule.clone()));
            }
        }
    }
    if report.posture.iter().any(|p| p.id == "open-ingress" && p.status == Status::Fail) {
        for group in model.security_groups.iter().filter(|g| cluster_groups.contains(&g.id)) {
            for rule in group.ingress.iter().filter(|r| r.peer.is_whole_internet()) {
                mark((group.id.clone(), true, rule.clone()));
            }
        }
    }
    marked
}

/// The node of group `id`: its id and name.
fn group_node(picture: &mut Picture, model: &Model, id: &str) -> String {
    let name = model.security_groups.iter().find(|g| g.id == id).map(|g| g.name.as_str()).unwrap_or("not read");
    picture.node(id, &format!("{id}\n{name}"), NodeKind::Group)
}

/// The node of a rule's other side.
fn peer_node(picture: &mut Picture, model: &Model, peer: &Peer) -> String {
    match peer {
        Peer::Group(id) => group_node(picture, model, id),
        Peer::Cidr(block) => picture.node(&block.to_string(), &block_label(&block.to_string()), NodeKind::Outside),
        Peer::Cidr6(block) => picture.node(&block.to_string(), &block_label(&block.to_string()), NodeKind::Outside),
        Peer::PrefixList(id) => picture.node(id, &format!("prefix list {id}"), NodeKind::Outside),
    }
}

/// `tcp 443`, `all`, `other`.
fn rule_label(rule: &SgRule) -> String {
    match rule.protocol {
        RuleProtocol::All => "all".to_owned(),
        RuleProtocol::One(protocol) => format!("{protocol} {}", rule.ports),
        RuleProtocol::Other => "other protocol".to_owned(),
    }
}
