//! The objects that give pods interfaces of their own: custom networking's ENIConfigs, one per
//! zone, naming the zone's pod subnet and the pods' groups (AWS-EKS-CUSTOM-NET), and the
//! SecurityGroupPolicies of security groups for pods, one per namespace, selecting every pod
//! in it (AWS-EKS-SGP). Both are custom resources: the VPC CNI add-on installs the ENIConfig
//! CRD, EKS the SecurityGroupPolicy CRD.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ObjectMeta, TypeMeta};
use kube::Client;
use serde_json::json;

use crate::apply::{apply, Applied, Mode};
use crate::error::KubeError;

/// The name of the SecurityGroupPolicy eksharden applies in each namespace.
pub const SECURITY_GROUP_POLICY: &str = "eksharden-pods";

/// A custom resource eksharden applies.
struct Kind {
    crd: &'static str,
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    installed_by: &'static str,
}

const ENI_CONFIG: Kind = Kind {
    crd: "eniconfigs.crd.k8s.amazonaws.com",
    group: "crd.k8s.amazonaws.com",
    version: "v1alpha1",
    kind: "ENIConfig",
    plural: "eniconfigs",
    installed_by: "the vpc-cni add-on installs it",
};

const SECURITY_GROUP_POLICY_KIND: Kind = Kind {
    crd: "securitygrouppolicies.vpcresources.k8s.aws",
    group: "vpcresources.k8s.aws",
    version: "v1beta1",
    kind: "SecurityGroupPolicy",
    plural: "securitygrouppolicies",
    installed_by: "EKS installs it with the VPC resource controller",
};

impl Kind {
    fn resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(self.group, self.version, self.kind), self.plural)
    }

    fn object(&self, name: &str, namespace: Option<&str>, spec: serde_json::Value) -> DynamicObject {
        let resource = self.resource();
        DynamicObject {
            types: Some(TypeMeta { api_version: resource.api_version, kind: resource.kind }),
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                namespace: namespace.map(str::to_owned),
                labels: Some([("app.kubernetes.io/managed-by".to_owned(), "eksharden".to_owned())].into()),
                ..ObjectMeta::default()
            },
            data: json!({ "spec": spec }),
        }
    }

    /// Fails, saying what installs it, when the kind's CRD is not in the cluster.
    async fn require(&self, client: &Client) -> Result<(), KubeError> {
        let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
        let operation = format!("read the {} CRD", self.kind);
        match crds.get_opt(self.crd).await.map_err(|e| KubeError::new(operation.clone(), e))? {
            Some(_) => Ok(()),
            None => Err(KubeError {
                operation,
                status: None,
                message: format!("{} is not installed ({})", self.crd, self.installed_by),
            }),
        }
    }
}

/// A zone's ENIConfig: pods of nodes in `zone` get addresses from `subnet`, on interfaces
/// with `security_groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniConfig {
    /// The zone, which names the ENIConfig (the VPC CNI picks it by the node's zone label).
    pub zone: String,
    /// The pod subnet's id.
    pub subnet: String,
    /// The groups of the pods' interfaces.
    pub security_groups: Vec<String>,
}

/// A namespace whose pods get `security_groups` on branch interfaces of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodGroups {
    /// The namespace (made if missing).
    pub namespace: String,
    /// The groups.
    pub security_groups: Vec<String>,
}

/// Applies each ENIConfig (or, in a dry run, says what applying would do), by zone.
pub async fn apply_eni_configs(
    client: &Client,
    configs: &[EniConfig],
    mode: Mode,
) -> Result<Vec<(String, Applied)>, KubeError> {
    if configs.is_empty() {
        return Ok(Vec::new());
    }
    ENI_CONFIG.require(client).await?;
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ENI_CONFIG.resource());
    let mut applied = Vec::new();
    for config in configs {
        let spec = json!({ "subnet": config.subnet, "securityGroups": config.security_groups });
        let wanted = ENI_CONFIG.object(&config.zone, None, spec);
        applied.push((config.zone.clone(), apply(&api, &config.zone, &wanted, same_spec, mode).await?));
    }
    Ok(applied)
}

/// Applies the SecurityGroupPolicy of each namespace, making the namespaces that are missing
/// (or, in a dry run, says what applying would do), by namespace.
pub async fn apply_security_group_policies(
    client: &Client,
    selections: &[PodGroups],
    mode: Mode,
) -> Result<Vec<(String, Applied)>, KubeError> {
    if selections.is_empty() {
        return Ok(Vec::new());
    }
    SECURITY_GROUP_POLICY_KIND.require(client).await?;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let mut applied = Vec::new();
    for selection in selections {
        let namespace = &selection.namespace;
        if mode == Mode::Apply {
            let wanted = Namespace {
                metadata: ObjectMeta { name: Some(namespace.clone()), ..ObjectMeta::default() },
                ..Namespace::default()
            };
            // An existing namespace is left as it is.
            apply(&namespaces, namespace, &wanted, |_, _| true, mode).await?;
        }
        let api: Api<DynamicObject> =
            Api::namespaced_with(client.clone(), namespace, &SECURITY_GROUP_POLICY_KIND.resource());
        // An empty pod selector selects every pod of the namespace.
        let spec = json!({ "podSelector": {}, "securityGroups": { "groupIds": selection.security_groups } });
        let wanted = SECURITY_GROUP_POLICY_KIND.object(SECURITY_GROUP_POLICY, Some(namespace), spec);
        applied.push((namespace.clone(), apply(&api, SECURITY_GROUP_POLICY, &wanted, same_spec, mode).await?));
    }
    Ok(applied)
}

fn same_spec(current: &DynamicObject, wanted: &DynamicObject) -> bool {
    current.data.get("spec") == wanted.data.get("spec")
}
