//! No node group takes an SSH key.

use crate::posture::fail_on;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "node-ssh-keys", title: "No SSH keys on node groups", citation: "STACKROX-EKS", judge };

fn judge(Input { facts, .. }: &Input) -> Judged {
    let keyed: Vec<String> = facts
        .node_groups
        .iter()
        .filter_map(|g| g.ssh_key.as_ref().map(|k| format!("node group {} accepts SSH key {k}", g.name)))
        .collect();
    let unread: Vec<String> = facts
        .node_groups
        .iter()
        .filter(|g| g.ssh_key.is_none() && !g.unread.is_empty())
        .map(|g| format!("node group {}: not judged: {}", g.name, g.unread.join("; ")))
        .collect();
    match fail_on(keyed, "no node group has an SSH key") {
        (Status::Pass, _) if !unread.is_empty() => (Status::Unknown, unread),
        (status, mut details) => {
            details.extend(unread);
            (status, details)
        }
    }
}
