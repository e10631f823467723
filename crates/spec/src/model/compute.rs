//! Compute that is not a node group: Fargate profiles and EKS Auto Mode, both in the
//! private subnets, both without SSH (AWS manages the hosts).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A Fargate profile: pods that match a selector run on Fargate, in the private subnets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FargateProfile {
    /// Unique within the cluster: letters, digits, hyphens and underscores.
    pub name: String,
    /// Which pods run on Fargate (one to five selectors).
    pub selectors: Vec<FargateSelector>,
    /// AWS tags of the profile, besides the cluster's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// Pods of a namespace, optionally with these labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FargateSelector {
    /// The namespace.
    pub namespace: String,
    /// Labels the pods must all have.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// EKS Auto Mode: EKS runs the nodes (compute, block storage and load balancing), in the
/// cluster's private subnets, with the cluster security group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoMode {
    /// Whether Auto Mode is on.
    #[serde(default)]
    pub enabled: bool,
    /// The built-in node pools: `general-purpose`, `system`, both (the default), or none
    /// (pools of your own are Kubernetes objects).
    #[serde(default = "default_node_pools")]
    pub node_pools: Vec<AutoModeNodePool>,
}

fn default_node_pools() -> Vec<AutoModeNodePool> {
    vec![AutoModeNodePool::GeneralPurpose, AutoModeNodePool::System]
}

/// A built-in node pool of EKS Auto Mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AutoModeNodePool {
    /// For most workloads.
    GeneralPurpose,
    /// For critical add-ons (tainted `CriticalAddonsOnly`).
    System,
}

impl AutoModeNodePool {
    /// The name EKS takes.
    pub fn eks_name(self) -> &'static str {
        match self {
            Self::GeneralPurpose => "general-purpose",
            Self::System => "system",
        }
    }
}
