//! The ClusterRoleBindings of the admin and viewer groups (seed 004 steps 3-4): the
//! groups aws-auth or the access entries map to, bound to the built-in roles, never
//! `system:masters`.

use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::Api;
use kube::Client;
use serde::Deserialize;

use crate::apply::{apply, Applied};
use crate::error::KubeError;

/// Applies every ClusterRoleBinding of `manifest` (YAML documents), returning each name
/// with what was done (with `write` false: what would be done).
pub async fn apply_bindings(client: &Client, manifest: &str, write: bool) -> Result<Vec<(String, Applied)>, KubeError> {
    let api: Api<ClusterRoleBinding> = Api::all(client.clone());
    let mut done = Vec::new();
    for document in serde_yaml::Deserializer::from_str(manifest) {
        let binding = ClusterRoleBinding::deserialize(document).map_err(|e| KubeError {
            operation: "read the RBAC manifest".into(),
            status: None,
            message: e.to_string(),
        })?;
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
            write,
        )
        .await?;
        done.push((name, applied));
    }
    Ok(done)
}
