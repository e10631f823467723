//! Step 2 (STACKROX-EKS, "For existing clusters" 1): admins and viewers mapped to eksharden's
//! groups, never to `system:masters`: through access entries when the cluster's
//! authentication mode reads them (`API`, `API_AND_CONFIG_MAP`), else in aws-auth (EKS
//! ignores aws-auth in `API` mode, and access entries in `CONFIG_MAP` mode).

use eksharden_aws::discover::Discovery;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_kube::{Client, KubeError};

use super::Inspected;
use crate::change::{Change, IdentityStore};
use crate::Options;

/// The groups eksharden maps admins and viewers to (STACKROX-EKS; never `system:masters`).
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
    let current = entries
        .iter()
        .map(|e| {
            let groups = if e.groups.is_empty() { "no groups".to_owned() } else { e.groups.join(", ") };
            format!("access entry {} -> {groups}", e.principal)
        })
        .collect();
    let present = |w: &IdentityMapping| entries.iter().any(|e| e.principal == w.arn && e.groups == w.groups);
    Ok(planned(current, "no access entries", options, IdentityStore::AccessEntries, present))
}

/// aws-auth's mappings against the wanted ones.
pub async fn inspect(client: &Client, options: &Options) -> Result<Inspected, KubeError> {
    let auth = aws_auth::read(client).await?.unwrap_or_default();
    let current =
        auth.roles.iter().chain(&auth.users).map(|m| format!("{} -> {}", m.arn, m.groups.join(", "))).collect();
    let present = |w: &IdentityMapping| {
        auth.roles.iter().any(|r| r.arn == w.arn && r.groups == w.groups && r.username == w.username)
    };
    Ok(planned(current, "aws-auth maps nobody", options, IdentityStore::AwsAuth, present))
}

/// The mappings the options ask for that `present` does not find, as one change.
fn planned(
    mut current: Vec<String>,
    nobody: &str,
    options: &Options,
    through: IdentityStore,
    present: impl Fn(&IdentityMapping) -> bool,
) -> Inspected {
    if current.is_empty() {
        current.push(nobody.to_owned());
    }
    let missing: Vec<IdentityMapping> = wanted_mappings(options).into_iter().filter(|w| !present(w)).collect();
    if missing.is_empty() {
        return (current, Vec::new());
    }
    let arns = missing.iter().map(|m| m.arn.clone()).collect();
    (current, vec![Change::MapIdentities { through, arns, mappings: missing }])
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
