//! How pods get their addresses and security groups: on the node's interfaces (the VPC CNI's
//! default), or apart from the nodes, so that the nodes' security groups decide what pods
//! reach on them (STACKROX-EKS, "Customize the AWS VPC CNI networking configuration";
//! AWS-EKS-CUSTOM-NET; AWS-EKS-SGP).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Cidr;

/// Pod networking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodNetworking {
    /// Where pods get their addresses and groups.
    #[serde(default)]
    pub mode: PodNetworkingMode,
    /// With `customNetworking`: the VPC's secondary block for pods, split into one pod subnet
    /// per zone (AWS-EKS-CUSTOM-NET suggests the carrier-grade block 100.64.0.0/10).
    #[serde(default = "default_pod_cidr")]
    pub pod_cidr: Cidr,
    /// With `securityGroupsForPods`: the namespaces whose pods get the pods security group on
    /// their own branch interfaces (a `SecurityGroupPolicy` selecting every pod of each).
    #[serde(default = "default_namespaces")]
    pub namespaces: Vec<String>,
}

impl Default for PodNetworking {
    fn default() -> Self {
        Self { mode: PodNetworkingMode::default(), pod_cidr: default_pod_cidr(), namespaces: default_namespaces() }
    }
}

impl PodNetworking {
    /// Whether pods are apart from the nodes' interfaces (either mode but `nodeShared`).
    pub fn separates_pods(&self) -> bool {
        self.mode != PodNetworkingMode::NodeShared
    }

    /// Whether this is the VPC CNI's default, which the spec need not write out.
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// Where pods get their addresses and security groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PodNetworkingMode {
    /// The VPC CNI's default: pods share the node's interfaces and security groups; only a
    /// network policy keeps them from the node's ports (STACKROX-EKS).
    #[default]
    NodeShared,
    /// Custom networking (AWS-EKS-CUSTOM-NET): pods get addresses from pod subnets in a
    /// secondary block, on interfaces with the pods security group; the node's own interface
    /// keeps the node groups.
    CustomNetworking,
    /// Security groups for pods (AWS-EKS-SGP): the pods of the listed namespaces get branch
    /// interfaces with the pods security group alone.
    SecurityGroupsForPods,
}

/// The block pods get in custom networking when the spec names none.
pub const DEFAULT_POD_CIDR: &str = "100.64.0.0/16";

/// The VPC CNI setting that turns custom networking on (AWS-EKS-CUSTOM-NET).
pub const CUSTOM_NETWORK_KEY: &str = "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG";

/// The VPC CNI setting that names the node label choosing a node's ENIConfig: ENIConfigs
/// named after zones are picked by the zone label every node carries.
pub const ENI_CONFIG_LABEL_KEY: &str = "ENI_CONFIG_LABEL_DEF";

/// The node label custom networking picks an ENIConfig by.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// The VPC CNI setting that turns security groups for pods on (AWS-EKS-SGP).
pub const POD_ENI_KEY: &str = "ENABLE_POD_ENI";

/// The VPC CNI init container's setting that kubelet's TCP probes to pods with their own
/// groups need (AWS-EKS-SGP).
pub const TCP_EARLY_DEMUX_KEY: &str = "DISABLE_TCP_EARLY_DEMUX";

/// The managed policy that lets EKS attach branch interfaces for security groups for pods,
/// on the cluster role (AWS-EKS-SGP).
pub const VPC_RESOURCE_CONTROLLER_POLICY: &str = "AmazonEKSVPCResourceController";

/// A VPC CNI environment setting: its name and value.
type Setting = (&'static str, &'static str);

/// `configuration` (the VPC CNI add-on's, a JSON object, or none) with the settings `mode`
/// needs, over what it says of them (the ENIConfigs eksharden applies are named after zones,
/// so the label is the zone's), and the rest kept. `None` when it is no JSON object.
pub fn with_pod_networking(configuration: Option<&str>, mode: PodNetworkingMode) -> Option<String> {
    let (env, init_env): (&[Setting], &[Setting]) = match mode {
        PodNetworkingMode::NodeShared => return configuration.map(str::to_owned),
        PodNetworkingMode::CustomNetworking => {
            (&[(CUSTOM_NETWORK_KEY, "true"), (ENI_CONFIG_LABEL_KEY, ZONE_LABEL)], &[])
        }
        PodNetworkingMode::SecurityGroupsForPods => (&[(POD_ENI_KEY, "true")], &[(TCP_EARLY_DEMUX_KEY, "true")]),
    };
    let mut object = match configuration {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            _ => return None,
        },
    };
    set_env(&mut object, env)?;
    if !init_env.is_empty() {
        let init = object.entry("init").or_insert_with(|| serde_json::json!({}));
        set_env(init.as_object_mut()?, init_env)?;
    }
    Some(serde_json::Value::Object(object).to_string())
}

/// Sets each of `settings` in the `env` object of `object`; `None` when `env` is no object.
fn set_env(object: &mut serde_json::Map<String, serde_json::Value>, settings: &[Setting]) -> Option<()> {
    let env = object.entry("env").or_insert_with(|| serde_json::json!({})).as_object_mut()?;
    for (key, value) in settings {
        env.insert((*key).to_owned(), (*value).into());
    }
    Some(())
}

/// The value a VPC CNI configuration gives `key` in its `env` (custom networking and
/// security groups for pods are turned on there), if any.
pub fn cni_env_setting(configuration: &str, key: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(configuration).ok()?;
    value.get("env")?.get(key)?.as_str().map(str::to_owned)
}

fn default_pod_cidr() -> Cidr {
    DEFAULT_POD_CIDR.parse().expect("a valid block")
}

fn default_namespaces() -> Vec<String> {
    vec!["default".to_owned()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_sets_its_cni_settings_and_keeps_the_others() {
        let custom = with_pod_networking(None, PodNetworkingMode::CustomNetworking).unwrap();
        assert_eq!(cni_env_setting(&custom, CUSTOM_NETWORK_KEY).as_deref(), Some("true"));
        assert_eq!(cni_env_setting(&custom, ENI_CONFIG_LABEL_KEY).as_deref(), Some(ZONE_LABEL));
        let own =
            r#"{"env":{"ENI_CONFIG_LABEL_DEF":"example.com/eni","WARM_IP_TARGET":"2"},"enableNetworkPolicy":"true"}"#;
        let kept = with_pod_networking(Some(own), PodNetworkingMode::CustomNetworking).unwrap();
        assert_eq!(cni_env_setting(&kept, ENI_CONFIG_LABEL_KEY).as_deref(), Some(ZONE_LABEL));
        assert_eq!(cni_env_setting(&kept, "WARM_IP_TARGET").as_deref(), Some("2"));
        assert!(kept.contains(r#""enableNetworkPolicy":"true""#));
        let pods = with_pod_networking(None, PodNetworkingMode::SecurityGroupsForPods).unwrap();
        assert_eq!(pods, r#"{"env":{"ENABLE_POD_ENI":"true"},"init":{"env":{"DISABLE_TCP_EARLY_DEMUX":"true"}}}"#);
        assert_eq!(with_pod_networking(Some("[1]"), PodNetworkingMode::CustomNetworking), None);
        assert_eq!(with_pod_networking(Some(r#"{"env":"x"}"#), PodNetworkingMode::CustomNetworking), None);
        assert_eq!(with_pod_networking(Some(own), PodNetworkingMode::NodeShared).as_deref(), Some(own));
    }
}
