//! The policies that block pod egress to port 22 (STACKROX-EKS, "Control SSH Access to Nodes"):
//! the Kubernetes NetworkPolicy in every namespace, and the Calico GlobalNetworkPolicy
//! where Calico's CRD is installed. Pods share their node's ENI under the VPC CNI, so this
//! is the only layer that stops a pod reaching SSH on a node of its own subnet.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::Client;
use serde::Deserialize;

use crate::apply::{apply, Applied, Mode};
use crate::error::KubeError;

/// The CRD of Calico's GlobalNetworkPolicy.
pub const CALICO_CRD: &str = "globalnetworkpolicies.crd.projectcalico.org";

/// What was applied where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applications {
    /// The NetworkPolicy, by namespace.
    pub namespaces: Vec<(String, Applied)>,
    /// The Calico policy, when its CRD exists.
    pub calico: Option<Applied>,
}

fn manifest_error(e: impl std::fmt::Display) -> KubeError {
    KubeError { operation: "read the NetworkPolicy manifest".into(), status: None, message: e.to_string() }
}

/// Applies `policy` (a NetworkPolicy manifest) in every namespace, and `calico` (a
/// GlobalNetworkPolicy manifest) when Calico's CRD is installed. In [`Mode::DryRun`], only
/// says what it would do.
pub async fn apply_ssh_egress_policies(
    client: &Client,
    policy: &str,
    calico: &str,
    mode: Mode,
) -> Result<Applications, KubeError> {
    let policy = NetworkPolicy::deserialize(serde_yaml::Deserializer::from_str(policy)).map_err(manifest_error)?;
    let name = policy.metadata.name.clone().unwrap_or_default();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let listed = namespaces.list(&ListParams::default()).await.map_err(|e| KubeError::new("list namespaces", e))?;
    let mut applied = Vec::new();
    for namespace in listed.items.iter().filter_map(|n| n.metadata.name.clone()) {
        let api: Api<NetworkPolicy> = Api::namespaced(client.clone(), &namespace);
        let mut wanted = policy.clone();
        wanted.metadata.namespace = Some(namespace.clone());
        let done = apply(&api, &name, &wanted, |current, wanted| current.spec == wanted.spec, mode).await?;
        applied.push((namespace, done));
    }
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let calico_applied = match crds.get_opt(CALICO_CRD).await.map_err(|e| KubeError::new("read the Calico CRD", e))? {
        None => None,
        Some(_) => {
            let mut object: DynamicObject = serde_yaml::from_str(calico).map_err(manifest_error)?;
            // Without Calico's API server the resource is served from its CRD's group.
            let gvk = GroupVersionKind::gvk("crd.projectcalico.org", "v1", "GlobalNetworkPolicy");
            let resource = ApiResource::from_gvk_with_plural(&gvk, "globalnetworkpolicies");
            object.types =
                Some(kube::api::TypeMeta { api_version: resource.api_version.clone(), kind: resource.kind.clone() });
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
            let name = object.metadata.name.clone().unwrap_or_default();
            Some(apply(&api, &name, &object, |current, wanted| current.data == wanted.data, mode).await?)
        }
    };
    Ok(Applications { namespaces: applied, calico: calico_applied })
}
