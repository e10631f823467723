//! Step 6 (STACKROX-EKS, "Control SSH Access to Nodes"): a NetworkPolicy in every namespace,
//! and a Calico GlobalNetworkPolicy where Calico runs, block pod egress to port 22.

use std::fmt;

use async_trait::async_trait;
use eksharden_kube::apply::{Applied, Mode};
use eksharden_kube::network_policy::{self, Applications};
use eksharden_kube::{Client, KubeError};
use eksharden_plan::manifests::{CALICO_DENY_SSH_EGRESS, DENY_POD_SSH_EGRESS};
use serde::Serialize;

use super::describe;
use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct SshEgressPolicy;

/// The table's entry.
pub static STEP: SshEgressPolicy = SshEgressPolicy;

#[async_trait]
impl Step for SshEgressPolicy {
    fn id(&self) -> &'static str {
        "ssh-egress-policy"
    }

    fn title(&self) -> &'static str {
        "pods cannot reach port 22 (NetworkPolicy, Calico)"
    }

    fn needs_cluster_api(&self) -> bool {
        true
    }

    /// Where the policies are missing or different.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let planned = apply(&at.target.cluster_api()?.client, Mode::DryRun).await?;
        let mut places: Vec<(String, Applied)> =
            planned.namespaces.into_iter().map(|(n, a)| (format!("namespace {n}"), a)).collect();
        places.extend(planned.calico.map(|a| ("Calico".to_owned(), a)));
        let current = places.iter().map(|(p, a)| format!("{p}: {}", describe(*a))).collect();
        let places: Vec<String> =
            places.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(p, _)| p).collect();
        let changes = if places.is_empty() { Vec::new() } else { vec![Change::new(ApplySshEgressPolicy { places })] };
        Ok(Inspected::new(current, changes))
    }
}

/// Applies the policies (or, in a dry run, says what applying would do).
async fn apply(client: &Client, mode: Mode) -> Result<Applications, KubeError> {
    network_policy::apply_ssh_egress_policies(client, DENY_POD_SSH_EGRESS.content, CALICO_DENY_SSH_EGRESS.content, mode)
        .await
}

/// Apply the SSH egress policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplySshEgressPolicy {
    /// Where they are missing or different.
    pub places: Vec<String>,
}

impl fmt::Display for ApplySshEgressPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "apply the SSH egress policy in {}", self.places.join(", "))
    }
}

#[async_trait]
impl Alteration for ApplySshEgressPolicy {
    const KIND: &'static str = "applySshEgressPolicy";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        apply(&target.cluster_api()?.client, Mode::Apply).await?;
        Ok(Vec::new())
    }
}
