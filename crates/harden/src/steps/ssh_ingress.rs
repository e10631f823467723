//! Step 6 (STACKROX-EKS, "EC2 Security Groups for Nodes"): no inbound rule on the nodes' groups
//! admits port 22 from anything but the bastion, the control plane or the nodes themselves;
//! and no inbound rule on the control plane's groups admits anything from the whole internet
//! (the source tables give the control plane no inbound rule from outside the VPC; the public
//! endpoint is governed by its CIDR list, not by these groups).

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use eksharden_aws::changes::RuleChange;
use eksharden_discovery::Discovery;
use eksharden_net::model::{Model, Peer, SgRule, Unread};
use eksharden_net::topology::{RoleKind, Topology};
use eksharden_net::{Protocol, Reason, RuleProtocol};
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: ssh-ingress.
pub static STEP: AwsStep = AwsStep {
    id: "ssh-ingress",
    title: "port 22 to nodes only from the bastion; nothing to the control plane from the internet",
    after_create: true,
    reads: &[Unread::SecurityGroups],
    judge,
};

/// The inbound rules that admit SSH to nodes from outside, or anything to the control
/// plane from the internet.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
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
                let change =
                    RevokeIngress { group: group.id.clone(), group_name: group.name.clone(), rule: rule.clone() };
                current.push(change.rule().to_string());
                changes.push(Change::new(change));
            }
        }
    }
    Inspected::new(current, changes)
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

/// Remove an inbound rule that admits SSH from outside the bastion, or anything to the
/// control plane from the internet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeIngress {
    /// The group.
    pub group: String,
    /// The group's name.
    pub group_name: String,
    /// The rule.
    pub rule: SgRule,
}

impl RevokeIngress {
    /// The rule, as a report names it.
    fn rule(&self) -> Reason {
        Reason::SgRule {
            group: self.group.clone(),
            group_name: self.group_name.clone(),
            ingress: true,
            rule: self.rule.clone(),
        }
    }
}

impl fmt::Display for RevokeIngress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "revoke {}", self.rule())
    }
}

#[async_trait]
impl Alteration for RevokeIngress {
    const KIND: &'static str = "revokeIngress";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::changes::change_rule(target.aws, &self.group, true, RuleChange::Revoke, &self.rule).await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        Some(&self.group)
    }

    /// eksctl opens nothing to the control plane from outside: such a rule was added by
    /// hand, and no field keeps it away.
    fn cluster_config_field(&self, found: &Discovery) -> Option<&'static str> {
        let control_plane = found.topology.groups_of(&found.model, |k| *k == RoleKind::ControlPlane);
        (!control_plane.contains(&self.group))
            .then_some("managedNodeGroups[].ssh.allow: false (nodeGroups[].ssh.allow for self-managed)")
    }

    fn on_model(&self, found: &Discovery, _moving: &[&str]) -> Option<(Model, Topology)> {
        let mut model = found.model.clone();
        let group = model.security_groups.iter_mut().find(|g| g.id == self.group)?;
        group.ingress.retain(|r| r != &self.rule);
        Some((model, found.topology.clone()))
    }
}
