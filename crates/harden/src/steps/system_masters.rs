//! Steps 2-3 (STACKROX-EKS, "For existing clusters" 3-4): nobody mapped to `system:masters` and
//! `cluster-admin` not bound to it (annotated so the API server does not put it back), but
//! only once every replacement admin is proven by acting as it: never lock the user out.

use std::fmt;

use async_trait::async_trait;
use eksharden_kube::{aws_auth, rbac, KubeError};
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The group that bypasses RBAC.
const MASTERS: &str = "system:masters";

/// The step.
pub struct SystemMasters;

/// The table's entry.
pub static STEP: SystemMasters = SystemMasters;

#[async_trait]
impl Step for SystemMasters {
    fn id(&self) -> &'static str {
        "system-masters"
    }

    fn title(&self) -> &'static str {
        "nobody in system:masters, once a replacement admin is proven"
    }

    fn needs_cluster_api(&self) -> bool {
        true
    }

    /// Who is mapped to `system:masters`, and whether `cluster-admin` binds it.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let client = &at.target.cluster_api()?.client;
        let auth = aws_auth::read(client).await?.unwrap_or_default();
        let mappings: Vec<String> = auth
            .roles
            .iter()
            .chain(&auth.users)
            .filter(|m| m.groups.iter().any(|g| g == MASTERS))
            .map(|m| m.arn.clone())
            .collect();
        let binding = rbac::binds_group(client, "cluster-admin", MASTERS).await?;
        let mut current: Vec<String> = mappings.iter().map(|m| format!("{m} is mapped to {MASTERS}")).collect();
        if binding {
            current.push(format!("cluster-admin is bound to {MASTERS}"));
        }
        let change = RemoveSystemMasters { mappings: mappings.clone(), binding };
        let changes = if mappings.is_empty() && !binding { Vec::new() } else { vec![Change::new(change)] };
        Ok(Inspected::new(current, changes))
    }
}

/// Remove `system:masters`: the aws-auth entries mapped to it and its subject in the
/// `cluster-admin` binding, once every replacement admin is proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveSystemMasters {
    /// The principals mapped to it.
    pub mappings: Vec<String>,
    /// Whether `cluster-admin` binds it (or lacks the autoupdate annotation).
    pub binding: bool,
}

impl fmt::Display for RemoveSystemMasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> =
            self.mappings.iter().map(|m| format!("the system:masters mapping of {m}")).collect();
        if self.binding {
            parts.push("system:masters from cluster-admin (annotated autoupdate: false)".into());
        }
        write!(f, "after proving the replacement admins, remove {}", parts.join(" and "))
    }
}

#[async_trait]
impl Alteration for RemoveSystemMasters {
    const KIND: &'static str = "removeSystemMasters";

    /// Proves the replacement admins, then removes `system:masters`; refuses, removing
    /// nothing, when any admin cannot be proven.
    async fn make(&self, target: &Target<'_>, options: &Options) -> Result<Vec<String>, HardenError> {
        let access = target.cluster_api()?;
        let proven =
            crate::proof::prove_admins(target, access, &options.admins).await.map_err(HardenError::Unproven)?;
        let after = |e: KubeError| KubeError {
            operation: format!("after proving {}: {}", proven.join(", "), e.operation),
            ..e
        };
        aws_auth::remove_group(&access.client, MASTERS).await.map_err(after)?;
        rbac::unbind_group(&access.client, "cluster-admin", MASTERS).await.map_err(after)?;
        Ok(Vec::new())
    }
}
