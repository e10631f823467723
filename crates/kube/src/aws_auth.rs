//! The aws-auth ConfigMap (kube-system), which maps IAM roles and users to Kubernetes
//! users and groups. eksharden adds or updates its own entries and keeps everything else:
//! other entries, fields it does not know, other data keys, labels and annotations. A
//! concurrent edit between read and write makes the write fail with 409; eksharden then
//! reads again and re-applies its entries on top, so both edits survive.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ObjectMeta, PostParams};
use kube::Client;
use serde_yaml::Value;

use crate::apply::retrying;
use crate::error::KubeError;

/// The ConfigMap's namespace and name.
pub const NAMESPACE: &str = "kube-system";
/// The ConfigMap's name.
pub const NAME: &str = "aws-auth";

/// One mapping of an IAM principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityMapping {
    /// The role or user ARN.
    pub arn: String,
    /// The Kubernetes user name.
    pub username: String,
    /// The Kubernetes groups.
    pub groups: Vec<String>,
}

/// What aws-auth maps, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsAuth {
    /// `mapRoles`.
    pub roles: Vec<IdentityMapping>,
    /// `mapUsers`.
    pub users: Vec<IdentityMapping>,
}

/// How an update went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Updated {
    /// Whether anything changed.
    pub changed: bool,
    /// How many writes were tried (more than one after a concurrent edit).
    pub attempts: usize,
}

fn api(client: &Client) -> Api<ConfigMap> {
    Api::namespaced(client.clone(), NAMESPACE)
}

/// Reads aws-auth; `None` when the cluster has none.
pub async fn read(client: &Client) -> Result<Option<AwsAuth>, KubeError> {
    let Some(map) = api(client).get_opt(NAME).await.map_err(|e| KubeError::new("read aws-auth", e))? else {
        return Ok(None);
    };
    let data = map.data.unwrap_or_default();
    let entries = |key: &str, arn_key: &str| -> Result<Vec<IdentityMapping>, KubeError> {
        Ok(sequence(&data, key)?.iter().filter_map(|entry| mapping_of(entry, arn_key)).collect())
    };
    Ok(Some(AwsAuth { roles: entries("mapRoles", "rolearn")?, users: entries("mapUsers", "userarn")? }))
}

/// Adds `wanted` to `mapRoles`, or updates the username and groups of the entries with the
/// same role ARN, keeping every other entry and field.
pub async fn map_roles(client: &Client, wanted: &[IdentityMapping]) -> Result<Updated, KubeError> {
    update(client, |data| {
        let mut roles = sequence(data, "mapRoles")?;
        let before = roles.clone();
        for mapping in wanted {
            upsert(&mut roles, mapping);
        }
        Ok((roles != before).then(|| vec![("mapRoles", roles)]))
    })
    .await
}

/// Removes every `mapRoles` and `mapUsers` entry that maps to `group`, keeping the rest.
pub async fn remove_group(client: &Client, group: &str) -> Result<Updated, KubeError> {
    update(client, |data| {
        let mut changed = Vec::new();
        for key in ["mapRoles", "mapUsers"] {
            let entries = sequence(data, key)?;
            let kept: Vec<Value> = entries
                .iter()
                .filter(|e| !e["groups"].as_sequence().is_some_and(|g| g.iter().any(|v| v.as_str() == Some(group))))
                .cloned()
                .collect();
            if kept.len() != entries.len() {
                changed.push((key, kept));
            }
        }
        Ok((!changed.is_empty()).then_some(changed))
    })
    .await
}

/// Reads aws-auth (or starts an empty one), lets `edit` compute the lists to write, and
/// writes them with the resourceVersion read; on a 409, reads again and re-applies.
async fn update<F>(client: &Client, edit: F) -> Result<Updated, KubeError>
where
    F: Fn(&BTreeMap<String, String>) -> Result<Option<Vec<(&'static str, Vec<Value>)>>, KubeError>,
{
    let api = &api(client);
    let edit = &edit;
    retrying("write aws-auth", |attempt| async move {
        let current = api.get_opt(NAME).await.map_err(|e| KubeError::new("read aws-auth", e))?;
        let mut map = current.clone().unwrap_or_else(|| ConfigMap {
            metadata: ObjectMeta {
                name: Some(NAME.into()),
                namespace: Some(NAMESPACE.into()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        });
        let mut data = map.data.clone().unwrap_or_default();
        let Some(lists) = edit(&data)? else { return Ok(Updated { changed: false, attempts: attempt }) };
        for (key, entries) in lists {
            let text = serde_yaml::to_string(&Value::Sequence(entries)).map_err(|e| KubeError {
                operation: "write aws-auth".into(),
                status: None,
                message: e.to_string(),
            })?;
            data.insert(key.into(), text);
        }
        map.data = Some(data);
        let written = match current {
            Some(_) => api.replace(NAME, &PostParams::default(), &map).await,
            None => api.create(&PostParams::default(), &map).await,
        };
        written.map(|_| Updated { changed: true, attempts: attempt }).map_err(|e| KubeError::new("write aws-auth", e))
    })
    .await
}

/// The YAML list under `key`, empty when absent.
fn sequence(data: &BTreeMap<String, String>, key: &str) -> Result<Vec<Value>, KubeError> {
    let Some(text) = data.get(key).filter(|t| !t.trim().is_empty()) else { return Ok(Vec::new()) };
    match serde_yaml::from_str(text) {
        Ok(Value::Sequence(entries)) => Ok(entries),
        Ok(Value::Null) => Ok(Vec::new()),
        Ok(_) | Err(_) => Err(KubeError {
            operation: "read aws-auth".into(),
            status: None,
            message: format!("{key} is not a YAML list; eksharden will not rewrite what it cannot read"),
        }),
    }
}

fn mapping_of(entry: &Value, arn_key: &str) -> Option<IdentityMapping> {
    let map = entry.as_mapping()?;
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(IdentityMapping {
        arn: text(arn_key)?,
        username: text("username").unwrap_or_default(),
        groups: map
            .get("groups")
            .and_then(Value::as_sequence)
            .map(|g| g.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
    })
}

fn upsert(roles: &mut Vec<Value>, wanted: &IdentityMapping) {
    let groups = Value::Sequence(wanted.groups.iter().map(|g| Value::from(g.as_str())).collect());
    let existing = roles
        .iter_mut()
        .filter_map(Value::as_mapping_mut)
        .find(|m| m.get("rolearn").and_then(Value::as_str) == Some(wanted.arn.as_str()));
    match existing {
        Some(entry) => {
            entry.insert("username".into(), wanted.username.as_str().into());
            entry.insert("groups".into(), groups);
        }
        None => {
            let mut entry = serde_yaml::Mapping::new();
            entry.insert("rolearn".into(), wanted.arn.as_str().into());
            entry.insert("username".into(), wanted.username.as_str().into());
            entry.insert("groups".into(), groups);
            roles.push(Value::Mapping(entry));
        }
    }
}
