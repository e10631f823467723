//! Step 3 (STACKROX-EKS, "For existing clusters" 2): ClusterRoleBindings for the admin and
//! viewer groups.

use std::fmt;

use async_trait::async_trait;
use eksharden_kube::apply::{Applied, Mode};
use eksharden_kube::{Client, KubeError};
use eksharden_plan::manifests::RBAC_BINDINGS;
use serde::Serialize;

use super::describe;
use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct RbacBindings;

/// The table's entry.
pub static STEP: RbacBindings = RbacBindings;

#[async_trait]
impl Step for RbacBindings {
    fn id(&self) -> &'static str {
        "rbac-bindings"
    }

    fn title(&self) -> &'static str {
        "ClusterRoleBindings for the admin and viewer groups"
    }

    fn needs_cluster_api(&self) -> bool {
        true
    }

    /// The bindings against eksharden's manifest.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let planned = apply(&at.target.cluster_api()?.client, Mode::DryRun).await?;
        let current = planned.iter().map(|(n, a)| format!("{n}: {}", describe(*a))).collect();
        let names: Vec<String> =
            planned.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(n, _)| n).collect();
        let changes = if names.is_empty() { Vec::new() } else { vec![Change::new(ApplyBindings { names })] };
        Ok(Inspected::new(current, changes))
    }
}

/// Applies the bindings (or, in a dry run, says what applying would do).
async fn apply(client: &Client, mode: Mode) -> Result<Vec<(String, Applied)>, KubeError> {
    eksharden_kube::rbac::apply_bindings(client, RBAC_BINDINGS.content, mode).await
}

/// Apply the admin and viewer ClusterRoleBindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyBindings {
    /// The bindings that are missing or different.
    pub names: Vec<String>,
}

impl fmt::Display for ApplyBindings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "apply ClusterRoleBindings {}", self.names.join(", "))
    }
}

#[async_trait]
impl Alteration for ApplyBindings {
    const KIND: &'static str = "applyBindings";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        apply(&target.cluster_api()?.client, Mode::Apply).await?;
        Ok(Vec::new())
    }
}
