//! Step 2 (seed 004, "For existing clusters" 1): admins and viewers mapped to eksharden's
//! groups, never to `system:masters`: through access entries when the cluster's
//! authentication mode reads them (`API`, `API_AND_CONFIG_MAP`), else in aws-auth (EKS
//! ignores aws-auth in `API` mode, and access entries in `CONFIG_MAP` mode).

use eksharden_aws::discover::Discovery;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_kube::{Client, KubeError};

use super::Inspected;
use crate::change::Change;
use crate::Options;

/// The groups eksharden maps admins and viewers to (seed 004; never `system:masters`).
pub const ADMIN_GROUP: &str = "eksharden:admins";
/// See [`ADMIN_GROUP`].
pub const VIEWER_GROUP: &str = "eksharden:viewers";

/// Whether EKS reads the cluster's access entries (a cluster that reports no mode is in
/// `CONFIG_MAP`, the API's default).
pub fn uses_access_entries(found: &Discovery) -> bool {
    found.facts.authentication_mode.as_deref().is_some_and(|m| m.starts_with("API"))
}

/// The access entries against the wanted ones.
pub fn inspect_entries(found: &Discovery, options: &Options) -> Result<Inspected, String> {
    let entries =
        found.facts.access_entries.as_ref().ok_or("cannot inspect: the cluster's access entries could not be read")?;
    let missing: Vec<IdentityMapping> = wanted_mappings(options)
        .into_iter()
        .filter(|w| !entries.iter().any(|e| e.principal == w.arn && e.groups == w.groups))
        .collect();
    let mut current: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "access entry {} -> {}",
                e.principal,
                if e.groups.is_empty() { "no groups".to_owned() } else { e.groups.join(", ") }
            )
        })
        .collect();
    if current.is_empty() {
        current.push("no access entries".into());
    }
    let mut changes = Vec::new();
    if !missing.is_empty() {
        let arns = missing.iter().map(|m| m.arn.clone()).collect();
        changes.push(Change::CreateAccessEntries { arns, mappings: missing });
    }
    Ok((current, changes))
}

/// aws-auth's mappings against the wanted ones.
pub async fn inspect(client: &Client, options: &Options) -> Result<Inspected, KubeError> {
    let auth = aws_auth::read(client).await?.unwrap_or_default();
    let missing: Vec<IdentityMapping> = wanted_mappings(options)
        .into_iter()
        .filter(|w| !auth.roles.iter().any(|r| r.arn == w.arn && r.groups == w.groups && r.username == w.username))
        .collect();
    let mut current: Vec<String> =
        auth.roles.iter().chain(&auth.users).map(|m| format!("{} -> {}", m.arn, m.groups.join(", "))).collect();
    if current.is_empty() {
        current.push("aws-auth maps nobody".into());
    }
    let mut changes = Vec::new();
    if !missing.is_empty() {
        changes.push(Change::MapRoles { arns: missing.iter().map(|m| m.arn.clone()).collect(), mappings: missing });
    }
    Ok((current, changes))
}

/// The aws-auth entries the options ask for: admins and viewers, each named after its role.
fn wanted_mappings(options: &Options) -> Vec<IdentityMapping> {
    let mapping = |arn: &String, group: &str| IdentityMapping {
        arn: arn.clone(),
        username: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        groups: vec![group.to_owned()],
    };
    options
        .admins
        .iter()
        .map(|a| mapping(a, ADMIN_GROUP))
        .chain(options.viewers.iter().map(|v| mapping(v, VIEWER_GROUP)))
        .collect()
}
