//! Step 2 (STACKROX-EKS, "For existing clusters" 1): admins and viewers mapped to eksharden's
//! groups, never to `system:masters`: through access entries when the cluster's
//! authentication mode reads them (`API`, `API_AND_CONFIG_MAP`), else in aws-auth (EKS
//! ignores aws-auth in `API` mode, and access entries in `CONFIG_MAP` mode).

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_kube::Client;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The groups eksharden maps admins and viewers to (STACKROX-EKS; never `system:masters`).
pub const ADMIN_GROUP: &str = "eksharden:admins";
/// See [`ADMIN_GROUP`].
pub const VIEWER_GROUP: &str = "eksharden:viewers";

/// The step.
pub struct AccessMapping;

/// The table's entry.
pub static STEP: AccessMapping = AccessMapping;

#[async_trait]
impl Step for AccessMapping {
    fn id(&self) -> &'static str {
        "access-mapping"
    }

    fn title(&self) -> &'static str {
        "admins and viewers mapped to eksharden's groups"
    }

    fn needs_cluster_api(&self) -> bool {
        true
    }

    /// The access entries, or aws-auth's mappings, against the wanted ones.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let options = at.options;
        let found = at.discovery(&[]).await?;
        if uses_access_entries(found) {
            return inspect_entries(found, options);
        }
        inspect_aws_auth(&at.target.cluster_api()?.client, options).await
    }
}

/// Whether EKS reads the cluster's access entries (a cluster that reports no mode is in
/// `CONFIG_MAP`, the API's default).
fn uses_access_entries(found: &Discovery) -> bool {
    found.facts.authentication_mode.as_deref().is_some_and(|m| m.starts_with("API"))
}

/// The access entries against the wanted ones.
fn inspect_entries(found: &Discovery, options: &Options) -> Result<Inspected, HardenError> {
    let entries = found
        .facts
        .access_entries
        .as_ref()
        .ok_or_else(|| HardenError::Unread("the cluster's access entries could not be read".into()))?;
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
async fn inspect_aws_auth(client: &Client, options: &Options) -> Result<Inspected, HardenError> {
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
        return Inspected::new(current, Vec::new());
    }
    let arns = missing.iter().map(|m| m.arn.clone()).collect();
    Inspected::new(current, vec![Change::new(MapIdentities { through, arns, mappings: missing })])
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

/// Where EKS looks up which Kubernetes user and groups an IAM principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityStore {
    /// The aws-auth ConfigMap (authentication modes `CONFIG_MAP`).
    AwsAuth,
    /// EKS access entries (authentication modes `API`).
    AccessEntries,
}

/// Map IAM roles to eksharden's groups, where the cluster's authentication mode reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapIdentities {
    /// Where: aws-auth, or access entries.
    pub through: IdentityStore,
    /// The principals, their usernames and groups.
    #[serde(skip)]
    pub mappings: Vec<IdentityMapping>,
    /// Their ARNs, for the report.
    pub arns: Vec<String>,
}

impl fmt::Display for MapIdentities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.through {
            IdentityStore::AwsAuth => write!(f, "map in aws-auth: {}", self.arns.join(", ")),
            IdentityStore::AccessEntries => {
                write!(f, "give access entries in eksharden's groups to: {}", self.arns.join(", "))
            }
        }
    }
}

#[async_trait]
impl Alteration for MapIdentities {
    const KIND: &'static str = "mapIdentities";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        match self.through {
            IdentityStore::AwsAuth => {
                aws_auth::map_roles(&target.cluster_api()?.client, &self.mappings).await?;
            }
            IdentityStore::AccessEntries => {
                for m in &self.mappings {
                    eksharden_aws::changes::put_access_entry(
                        target.aws,
                        target.cluster,
                        &m.arn,
                        &m.username,
                        &m.groups,
                    )
                    .await?;
                }
            }
        }
        Ok(Vec::new())
    }
}
