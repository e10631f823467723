//! The node-group replacement the node steps share: what only new nodes can fix (an SSH key,
//! public subnets or addresses, IMDS options) is fixed by a managed group made like the old
//! one, in private subnets; self-managed nodes are only reported.

use std::fmt;

use async_trait::async_trait;
use eksharden_aws::{changes, nodegroups};
use eksharden_discovery::Discovery;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::{Options, Target};

/// The change that replaces node group `name`: a managed group moves to its private
/// subnets, or the cluster's when it has none; self-managed nodes are only reported.
pub fn planned(found: &Discovery, name: &str, subnets: &[String], why: String) -> Change {
    if !found.managed_node_groups.iter().any(|g| g == name) {
        return Change::new(ReplaceInstances { name: name.to_owned(), why });
    }
    let mut chosen = private_subnets(found, subnets);
    if chosen.is_empty() {
        chosen = private_subnets(found, &found.cluster_subnets);
    }
    Change::new(ReplaceNodeGroup {
        name: name.to_owned(),
        why,
        subnets: chosen,
        security_groups: found.new_node_security_groups.clone(),
    })
}

/// Those of `ids` that do not route to the internet.
pub fn private_subnets(found: &Discovery, ids: &[String]) -> Vec<String> {
    let model = &found.model;
    model.subnets.iter().filter(|s| ids.contains(&s.id) && !model.routes_to_internet(s)).map(|s| s.id.clone()).collect()
}

/// A managed node group that only a replacement can fix: a new group like it, without
/// remote access, with IMDSv2 hop limit 1, in private subnets; then the old one deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplaceNodeGroup {
    /// The node group.
    pub name: String,
    /// Why.
    pub why: String,
    /// The private subnets the replacement goes to (none: there is nowhere to go).
    pub subnets: Vec<String>,
    /// Its security groups, when the old group's launch template names none.
    pub security_groups: Vec<String>,
}

impl fmt::Display for ReplaceNodeGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { name, why, subnets, security_groups } = self;
        write!(
            f,
            "replace node group {name}: {why}; {} in {} (which stop assigning public addresses) without remote access, IMDSv2 hop limit 1, its template's security groups or else {}, then {name} drained and deleted",
            nodegroups::replacement_name(name),
            if subnets.is_empty() { "(nowhere)".to_owned() } else { subnets.join(", ") },
            security_groups.join(", ")
        )
    }
}

#[async_trait]
impl Alteration for ReplaceNodeGroup {
    const KIND: &'static str = "replaceNodeGroup";

    /// Replaces the group; its new nodes must not come up with public addresses, whichever
    /// step asked, so the target subnets stop assigning them first.
    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        for subnet in &self.subnets {
            changes::stop_public_addresses(target.aws, subnet).await?;
        }
        let placement = nodegroups::Placement { subnets: &self.subnets, security_groups: &self.security_groups };
        nodegroups::replace(target.aws, target.cluster, &self.name, placement).await?;
        Ok(Vec::new())
    }

    fn not_applied(&self, options: &Options) -> Option<&'static str> {
        if self.subnets.is_empty() {
            Some("neither its subnets nor the cluster's include a private one to move it to")
        } else if !options.replace_node_groups {
            Some("it replaces the group's nodes; run with --replace-node-groups to do it")
        } else {
            None
        }
    }

    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        Some(&self.name)
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("managedNodeGroups[]: privateNetworking: true, ssh.allow: false, disableIMDSv1: true")
    }

    fn replaces(&self) -> Option<&str> {
        Some(&self.name)
    }
}

/// Self-managed nodes that only new instances can fix (eksharden replaces only managed
/// node groups).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplaceInstances {
    /// The group of nodes.
    pub name: String,
    /// Why.
    pub why: String,
}

/// Why self-managed nodes are reported, not replaced.
const SELF_MANAGED: &str = "self-managed nodes: replace them through their Auto Scaling group (instance refresh)";

impl fmt::Display for ReplaceInstances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replace the nodes of {}: {}", self.name, self.why)
    }
}

#[async_trait]
impl Alteration for ReplaceInstances {
    const KIND: &'static str = "replaceInstances";

    async fn make(&self, _target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        Err(HardenError::NotMine(SELF_MANAGED))
    }

    fn not_applied(&self, _options: &Options) -> Option<&'static str> {
        Some(SELF_MANAGED)
    }
}

#[cfg(test)]
mod tests {
    use super::{ReplaceInstances, ReplaceNodeGroup};
    use crate::change::Alteration;
    use crate::Options;

    fn replacement(subnets: &[&str]) -> ReplaceNodeGroup {
        ReplaceNodeGroup {
            name: "legacy".into(),
            why: "its nodes accept SSH key ops".into(),
            subnets: subnets.iter().map(|s| s.to_string()).collect(),
            security_groups: vec!["sg-1".into()],
        }
    }

    #[test]
    fn a_replacement_is_made_only_when_asked_for_and_only_with_somewhere_to_go() {
        let asked = Options { replace_node_groups: true, ..Options::default() };
        assert_eq!(replacement(&["subnet-a"]).not_applied(&asked), None);
        let not_asked = replacement(&["subnet-a"]).not_applied(&Options::default()).unwrap();
        assert!(not_asked.contains("--replace-node-groups"), "{not_asked}");
        let nowhere = replacement(&[]).not_applied(&asked).unwrap();
        assert!(nowhere.contains("private one"), "{nowhere}");
        let self_managed = ReplaceInstances { name: "workers".into(), why: "public".into() };
        assert!(self_managed.not_applied(&asked).unwrap().contains("Auto Scaling group"));
    }
}
