//! Step 6 (STACKROX-EKS, "Control SSH Access to Nodes"): no node group takes an SSH key. EKS
//! cannot take remote access off a group, so the fix is a replacement.

use async_trait::async_trait;
use eksharden_discovery::Discovery;

use super::{replacement, unread_node_groups};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::Options;

/// The step.
pub struct SshKeys;

/// The table's entry.
pub static STEP: SshKeys = SshKeys;

#[async_trait]
impl Step for SshKeys {
    fn id(&self) -> &'static str {
        "ssh-keys"
    }

    fn title(&self) -> &'static str {
        "no SSH keys on node groups"
    }

    fn after_create(&self) -> bool {
        true
    }

    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let options = at.options;
        Ok(judge(at.discovery(&[]).await?, options))
    }
}

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
