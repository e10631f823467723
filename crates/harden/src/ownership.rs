//! Who else manages what a change touches: the CloudFormation stack that made the resource
//! (its template now differs from it, and an update of that stack may put it back), and for
//! a cluster eksctl made, the ClusterConfig field that makes the fix last through the next
//! `eksctl` run.

use eksharden_aws::discover::Discovery;
use eksharden_net::topology::RoleKind;
use serde::Serialize;

use crate::change::Change;

/// What is said of one planned change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ownership {
    /// The change.
    pub change: Change,
    /// The stack that owns the resource it touches, if one does.
    pub stack: Option<String>,
    /// The eksctl ClusterConfig field that keeps the fix, for a cluster eksctl made.
    pub cluster_config: Option<&'static str>,
}

/// What is known of who else manages what each of `changes` touches.
pub fn of(found: &Discovery, cluster: &str, changes: &[Change]) -> Vec<Ownership> {
    changes
        .iter()
        .filter_map(|change| {
            let stack = resource(change, cluster).and_then(|id| found.owners.get(id)).cloned();
            let cluster_config = found.made_by_eksctl.then(|| cluster_config_field(found, change)).flatten();
            (stack.is_some() || cluster_config.is_some()).then(|| Ownership {
                change: change.clone(),
                stack,
                cluster_config,
            })
        })
        .collect()
}

/// The id of the resource `change` touches, as discovery keys owners: the cluster's name,
/// a node group's name, a security group's or subnet's id.
fn resource<'c>(change: &'c Change, cluster: &'c str) -> Option<&'c str> {
    match change {
        Change::EndpointAccess { .. } | Change::EnableLogging { .. } | Change::EncryptSecrets { .. } => Some(cluster),
        Change::RevokeIngress { group, .. } => Some(group),
        Change::StopPublicAddresses { subnet } | Change::GuardNodeSubnet { subnet, .. } => Some(subnet),
        Change::ReplaceNodeGroup { name, .. } => Some(name),
        _ => None,
    }
}

/// The ClusterConfig field (eksctl's schema) that asks eksctl for what `change` makes.
fn cluster_config_field(found: &Discovery, change: &Change) -> Option<&'static str> {
    Some(match change {
        // eksctl opens nothing to the control plane from outside: such a rule was added by
        // hand, and no field keeps it away.
        Change::RevokeIngress { group, .. }
            if found.topology.groups_of(&found.model, |k| *k == RoleKind::ControlPlane).contains(group) =>
        {
            return None
        }
        Change::EndpointAccess { .. } => {
            "vpc.clusterEndpoints (privateAccess: true, publicAccess: false) and vpc.publicAccessCIDRs"
        }
        Change::EnableLogging { .. } => "cloudWatch.clusterLogging.enableTypes: [\"*\"]",
        Change::EncryptSecrets { .. } => "secretsEncryption.keyARN",
        Change::RevokeIngress { .. } => {
            "managedNodeGroups[].ssh.allow: false (nodeGroups[].ssh.allow for self-managed)"
        }
        Change::StopPublicAddresses { .. } => "managedNodeGroups[].privateNetworking: true",
        Change::ReplaceNodeGroup { .. } => {
            "managedNodeGroups[]: privateNetworking: true, ssh.allow: false, disableIMDSv1: true"
        }
        Change::TagWithCluster { .. } => "metadata.tags",
        _ => return None,
    })
}
