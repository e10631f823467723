//! Who else manages what a change touches: the CloudFormation stack that made the resource
//! (its template now differs from it, and an update of that stack may put it back), and for
//! a cluster eksctl made, the ClusterConfig field that makes the fix last through the next
//! `eksctl` run.

use eksharden_discovery::Discovery;
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
            let stack = change.touches(cluster).and_then(|id| found.owners.get(id)).cloned();
            let cluster_config = found.made_by_eksctl.then(|| change.cluster_config_field(found)).flatten();
            (stack.is_some() || cluster_config.is_some()).then(|| Ownership {
                change: change.clone(),
                stack,
                cluster_config,
            })
        })
        .collect()
}
