//! Step 3 (STACKROX-EKS, "For existing clusters" 2): ClusterRoleBindings for the admin and
//! viewer groups.

use eksharden_kube::apply::Applied;
use eksharden_kube::{Client, KubeError};
use eksharden_plan::manifests::RBAC_BINDINGS;

use super::{describe, Inspected};
use crate::change::Change;

/// The bindings against eksharden's manifest.
pub async fn inspect(client: &Client) -> Result<Inspected, KubeError> {
    let planned = apply(client, false).await?;
    let current = planned.iter().map(|(n, a)| format!("{n}: {}", describe(*a))).collect();
    let names: Vec<String> = planned.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(n, _)| n).collect();
    Ok((current, if names.is_empty() { Vec::new() } else { vec![Change::ApplyBindings { names }] }))
}

/// Applies the bindings (or, with `apply` false, says what applying would do).
pub async fn apply(client: &Client, apply: bool) -> Result<Vec<(String, Applied)>, KubeError> {
    eksharden_kube::rbac::apply_bindings(client, RBAC_BINDINGS.content, apply).await
}
