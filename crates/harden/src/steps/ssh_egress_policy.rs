//! Step 6 (STACKROX-EKS, "Control SSH Access to Nodes"): a NetworkPolicy in every namespace,
//! and a Calico GlobalNetworkPolicy where Calico runs, block pod egress to port 22.

use eksharden_kube::apply::Applied;
use eksharden_kube::network_policy::{self, Applications};
use eksharden_kube::{Client, KubeError};
use eksharden_plan::manifests::{CALICO_DENY_SSH_EGRESS, DENY_POD_SSH_EGRESS};

use super::{describe, Inspected};
use crate::change::Change;

/// Where the policies are missing or different.
pub async fn inspect(client: &Client) -> Result<Inspected, KubeError> {
    let planned = apply(client, false).await?;
    let mut places: Vec<(String, Applied)> =
        planned.namespaces.into_iter().map(|(n, a)| (format!("namespace {n}"), a)).collect();
    places.extend(planned.calico.map(|a| ("Calico".to_owned(), a)));
    let current = places.iter().map(|(p, a)| format!("{p}: {}", describe(*a))).collect();
    let places: Vec<String> = places.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(p, _)| p).collect();
    Ok((current, if places.is_empty() { Vec::new() } else { vec![Change::ApplySshEgressPolicy { places }] }))
}

/// Applies the policies (or, with `apply` false, says what applying would do).
pub async fn apply(client: &Client, apply: bool) -> Result<Applications, KubeError> {
    network_policy::apply_ssh_egress_policies(
        client,
        DENY_POD_SSH_EGRESS.content,
        CALICO_DENY_SSH_EGRESS.content,
        apply,
    )
    .await
}
