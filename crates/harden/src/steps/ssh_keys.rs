//! Step 6 (STACKROX-EKS, "Control SSH Access to Nodes"): no node group takes an SSH key. EKS
//! cannot take remote access off a group, so the fix is a replacement.

use eksharden_discovery::Discovery;

use super::{replacement, unread_node_groups};
use crate::step::{AwsStep, Inspected};
use crate::Options;

/// The step: ssh-keys.
pub static STEP: AwsStep =
    AwsStep { id: "ssh-keys", title: "no SSH keys on node groups", after_create: true, reads: &[], judge };

/// Node groups whose nodes accept a key.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let keyed: Vec<_> = found.facts.node_groups.iter().filter_map(|g| g.ssh_key.as_ref().map(|k| (g, k))).collect();
    let current = keyed.iter().map(|(g, k)| format!("node group {} accepts SSH key {k}", g.name)).collect();
    let changes = keyed
        .iter()
        .map(|(g, k)| replacement::planned(found, &g.name, &g.subnets, format!("its nodes accept SSH key {k}")))
        .collect();
    Inspected { current, changes, unread: unread_node_groups(found) }
}
