//! Step 9 (STACKROX-EKS, "Cluster Resource Tagging"): the cluster, its managed node groups, the
//! security group EKS made and the groups only its control plane and nodes carry have the
//! cluster tag, so IAM policies can be scoped by it. The VPC, its subnets and groups other
//! hosts share may serve more than this cluster, and are left as they are.
//! A resource tagged for another cluster is shown and never retagged. One change per
//! resource: a node group replaced by an earlier step is not tagged by this one.

use eksharden_aws::discover::Discovery;

use super::Inspected;
use crate::change::Change;

/// The cluster's own resources and their cluster tag.
pub fn inspect(found: &Discovery) -> Inspected {
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for resource in &found.tagging {
        match &resource.value {
            Some(value) if value == &found.facts.name => current.push(format!("{}: tagged", resource.label)),
            Some(other) => current.push(format!("{}: tagged for cluster {other}, left alone", resource.label)),
            None => {
                current.push(format!("{}: no cluster tag", resource.label));
                changes.push(Change::TagWithCluster { label: resource.label.clone(), resource: resource.id.clone() });
            }
        }
    }
    (current, changes)
}
