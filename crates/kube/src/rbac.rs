//! The ClusterRoleBindings of the admin and viewer groups (STACKROX-EKS, "For existing clusters" 3-4): the
//! groups aws-auth or the access entries map to, bound to the built-in roles, never
//! `system:masters`.

use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, PostParams};
use kube::Client;
use serde::Deserialize;

use crate::apply::{apply, retrying, Applied, Mode};
use crate::error::KubeError;

/// Applies every ClusterRoleBinding of `manifest` (YAML documents), returning each name
/// with what was done (in [`Mode::DryRun`]: what would be done).
pub async fn apply_bindings(client: &Client, manifest: &str, mode: Mode) -> Result<Vec<(String, Applied)>, KubeError> {
    // Parsed before the first write: the parser is not Send, nor held across a call.
    let bindings = serde_yaml::Deserializer::from_str(manifest)
        .map(ClusterRoleBinding::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| KubeError { operation: "read the RBAC manifest".into(), status: None, message: e.to_string() })?;
    let api: Api<ClusterRoleBinding> = Api::all(client.clone());
    let mut done = Vec::new();
    for binding in bindings {
        let name = binding.metadata.name.clone().unwrap_or_default();
        let applied = apply(
            &api,
            &name,
            &binding,
            |current, wanted| {
                current.role_ref == wanted.role_ref
                    && current.subjects == wanted.subjects
                    && current.metadata.labels == wanted.metadata.labels
            },
            mode,
        )
        .await?;
        done.push((name, applied));
    }
    Ok(done)
}

/// The annotation that stops the API server from putting default subjects back.
pub const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// Whether the ClusterRoleBinding `name` binds the group `group`.
pub async fn binds_group(client: &Client, name: &str, group: &str) -> Result<bool, KubeError> {
    let api: Api<ClusterRoleBinding> = Api::all(client.clone());
    let binding = api.get_opt(name).await.map_err(|e| KubeError::new(format!("read {name}"), e))?;
    Ok(binding.is_some_and(|b| b.subjects.unwrap_or_default().iter().any(|s| s.kind == "Group" && s.name == group)))
}

/// Removes the group `group` from the ClusterRoleBinding `name` and annotates it
/// `autoupdate: "false"`, so that the API server does not put the subject back at its next
/// start. Returns whether anything changed.
pub async fn unbind_group(client: &Client, name: &str, group: &str) -> Result<bool, KubeError> {
    let api = &Api::<ClusterRoleBinding>::all(client.clone());
    retrying(&format!("write {name}"), |_| async move {
        let Some(mut binding) = api.get_opt(name).await.map_err(|e| KubeError::new(format!("read {name}"), e))? else {
            return Ok(false);
        };
        let subjects = binding.subjects.take().unwrap_or_default();
        let kept: Vec<_> = subjects.iter().filter(|s| !(s.kind == "Group" && s.name == group)).cloned().collect();
        let annotations = binding.metadata.annotations.get_or_insert_default();
        if kept.len() == subjects.len() && annotations.get(AUTOUPDATE).map(String::as_str) == Some("false") {
            return Ok(false);
        }
        annotations.insert(AUTOUPDATE.into(), "false".into());
        binding.subjects = Some(kept);
        let written = api.replace(name, &PostParams::default(), &binding).await;
        written.map(|_| true).map_err(|e| KubeError::new(format!("write {name}"), e))
    })
    .await
}
