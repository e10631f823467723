//! Step 2 (seed 004, "For existing clusters" 1): admins and viewers mapped in aws-auth to
//! eksharden's groups, never to `system:masters`.

use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_kube::{Client, KubeError};

use super::Inspected;
use crate::change::Change;
use crate::Options;

/// The groups eksharden maps admins and viewers to (seed 004; never `system:masters`).
pub const ADMIN_GROUP: &str = "eksharden:admins";
/// See [`ADMIN_GROUP`].
pub const VIEWER_GROUP: &str = "eksharden:viewers";

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
