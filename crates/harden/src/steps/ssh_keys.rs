//! Step 6 (STACKROX-EKS, "Control SSH Access to Nodes"): no node group takes an SSH key. EKS
//! cannot take remote access off a group, so the fix is a replacement.

use eksharden_aws::discover::Discovery;

use super::{replacement, Inspected};

/// Node groups whose nodes accept a key.
pub fn inspect(found: &Discovery) -> Inspected {
    let keyed: Vec<_> = found.facts.node_groups.iter().filter_map(|g| g.ssh_key.as_ref().map(|k| (g, k))).collect();
    let current = keyed.iter().map(|(g, k)| format!("node group {} accepts SSH key {k}", g.name)).collect();
    let changes = keyed
        .iter()
        .map(|(g, k)| replacement::planned(found, &g.name, &g.subnets, format!("its nodes accept SSH key {k}")))
        .collect();
    (current, changes)
}
