//! Steps 2-3 (STACKROX-EKS, "For existing clusters" 3-4): nobody mapped to `system:masters` and
//! `cluster-admin` not bound to it (annotated so the API server does not put it back), but
//! only once every replacement admin is proven by acting as it: never lock the user out.

use eksharden_kube::{aws_auth, rbac, Client, KubeError};

use super::Inspected;
use crate::change::Change;
use crate::{Options, Target};

/// The group that bypasses RBAC.
pub const MASTERS: &str = "system:masters";

/// Who is mapped to `system:masters`, and whether `cluster-admin` binds it.
pub async fn inspect(client: &Client) -> Result<Inspected, KubeError> {
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
    let change = Change::RemoveSystemMasters { mappings: mappings.clone(), binding };
    Ok((current, if mappings.is_empty() && !binding { Vec::new() } else { vec![change] }))
}

/// Proves the replacement admins, then removes `system:masters`; refuses, removing
/// nothing, when any admin cannot be proven.
pub async fn make(target: &Target<'_>, options: &Options) -> Result<(), String> {
    let access = super::cluster_api(target)?;
    let proven = crate::proof::prove_admins(target, access, &options.admins)
        .await
        .map_err(|why| format!("refused to remove {MASTERS}, nothing was removed: {why}"))?;
    let failed = |e: KubeError| format!("after proving {}: {e}", proven.join(", "));
    aws_auth::remove_group(&access.client, MASTERS).await.map_err(failed)?;
    rbac::unbind_group(&access.client, "cluster-admin", MASTERS).await.map_err(failed)?;
    Ok(())
}
