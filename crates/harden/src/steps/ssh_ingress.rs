//! Step 6 (STACKROX-EKS, "EC2 Security Groups for Nodes"): no inbound rule on the nodes' groups
//! admits port 22 from anything but the bastion, the control plane or the nodes themselves;
//! and no inbound rule on the control plane's groups admits anything from the whole internet
//! (the source tables give the control plane no inbound rule from outside the VPC; the public
//! endpoint is governed by its CIDR list, not by these groups).

use std::collections::BTreeSet;

use eksharden_aws::discover::Discovery;
use eksharden_net::model::Peer;
use eksharden_net::topology::RoleKind;
use eksharden_net::{Protocol, RuleProtocol};

use super::Inspected;
use crate::change::Change;

/// The inbound rules that admit SSH to nodes from outside, or anything to the control plane
/// from the internet.
pub fn inspect(found: &Discovery) -> Inspected {
    let groups_of = |kinds: fn(&RoleKind) -> bool| found.topology.groups_of(&found.model, kinds);
    let node_groups = groups_of(|k| matches!(k, RoleKind::NodeGroup { .. }));
    // The bastion's group is trusted by its tag too, before any interface carries it; and
    // the groups the cluster's own stacks made (eksctl's shared node group), which hold
    // nodes even while none runs (a self-managed group scaled to zero).
    let mut trusted: BTreeSet<String> =
        groups_of(|k| matches!(k, RoleKind::NodeGroup { .. } | RoleKind::Bastion | RoleKind::ControlPlane));
    trusted.extend(found.bastion_groups.iter().cloned());
    trusted.extend(made_by_the_cluster_stacks(found));
    let control_plane = groups_of(|k| matches!(k, RoleKind::ControlPlane));
    let mut current = Vec::new();
    let mut changes = Vec::new();
    let watched =
        |g: &&eksharden_net::model::SecurityGroup| node_groups.contains(&g.id) || control_plane.contains(&g.id);
    for group in found.model.security_groups.iter().filter(watched) {
        for rule in &group.ingress {
            let covers_ssh = match rule.protocol {
                RuleProtocol::All => true,
                RuleProtocol::One(Protocol::Tcp) => rule.ports.contains(22),
                _ => false,
            };
            let outside = match &rule.peer {
                Peer::Cidr(_) | Peer::Cidr6(_) | Peer::PrefixList(_) => true,
                Peer::Group(id) => !trusted.contains(id),
            };
            let from_internet = rule.peer.is_whole_internet();
            let ssh_to_nodes = node_groups.contains(&group.id) && covers_ssh && outside;
            if ssh_to_nodes || (control_plane.contains(&group.id) && from_internet) {
                let change = Change::RevokeIngress {
                    group: group.id.clone(),
                    group_name: group.name.clone(),
                    rule: rule.clone(),
                };
                current.push(change.to_string().replacen("revoke ", "", 1));
                changes.push(change);
            }
        }
    }
    (current, changes)
}

/// The security groups a stack of the cluster made: the stack that made the cluster or one
/// of its managed node groups, or for an eksctl cluster one of its `eksctl-<cluster>-`
/// stacks.
fn made_by_the_cluster_stacks(found: &Discovery) -> impl Iterator<Item = String> + '_ {
    let cluster = &found.facts.name;
    let stacks: BTreeSet<&str> = std::iter::once(cluster)
        .chain(&found.managed_node_groups)
        .filter_map(|owned| found.owners.get(owned).map(String::as_str))
        .collect();
    let eksctl_prefix = format!("eksctl-{cluster}-");
    found.model.security_groups.iter().filter_map(move |group| {
        let stack = found.owners.get(&group.id)?;
        let ours = stacks.contains(stack.as_str()) || (found.made_by_eksctl && stack.starts_with(&eksctl_prefix));
        ours.then(|| group.id.clone())
    })
}
