//! The node-group replacement the node steps share: what only new nodes can fix (an SSH key,
//! public subnets or addresses, IMDS options) is fixed by a managed group made like the old
//! one, in private subnets; self-managed nodes are only reported.

use eksharden_aws::discover::Discovery;
use eksharden_aws::{changes, nodegroups, Aws, AwsError};

use crate::change::Change;

/// The change that replaces node group `name`: a managed group moves to its private
/// subnets, or the cluster's when it has none; self-managed nodes are only reported.
pub fn planned(found: &Discovery, name: &str, subnets: &[String], why: String) -> Change {
    if !found.managed_node_groups.iter().any(|g| g == name) {
        return Change::ReplaceInstances { name: name.to_owned(), why };
    }
    let mut chosen = private_subnets(found, subnets);
    if chosen.is_empty() {
        chosen = private_subnets(found, &found.cluster_subnets);
    }
    Change::ReplaceNodeGroup {
        name: name.to_owned(),
        why,
        subnets: chosen,
        security_groups: found.new_node_security_groups.clone(),
    }
}

/// Those of `ids` that do not route to the internet.
pub fn private_subnets(found: &Discovery, ids: &[String]) -> Vec<String> {
    let model = &found.model;
    model.subnets.iter().filter(|s| ids.contains(&s.id) && !model.routes_to_internet(s)).map(|s| s.id.clone()).collect()
}

/// Replaces node group `name`; its new nodes must not come up with public addresses,
/// whichever step asked, so the target subnets stop assigning them first.
pub async fn make(
    aws: &Aws,
    cluster: &str,
    name: &str,
    subnets: &[String],
    security_groups: &[String],
) -> Result<(), AwsError> {
    for subnet in subnets {
        changes::stop_public_addresses(aws, subnet).await?;
    }
    nodegroups::replace(aws, cluster, name, nodegroups::Placement { subnets, security_groups }).await
}
