//! The `eksharden.dev/v1alpha1` `Cluster` spec. What is not written is the safe choice.

mod access;
mod addons;
mod compute;
mod hardening;
mod identity;
mod network;
mod node_group;
mod pod_networking;
mod security_groups;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use access::{Access, AccessMode, CreatorRole, Principal};
pub use addons::{
    addon_namespace, known_service_account, network_policy_setting, network_policy_turned_on, with_network_policy,
    Addon, DEFAULT_ADDONS, NETWORK_POLICY_KEY, POD_IDENTITY_AGENT, VPC_CNI,
};
pub use compute::{AutoMode, AutoModeNodePool, FargateProfile, FargateSelector};
pub use hardening::{acl_can_guard, Hardening, Imds, LogType, SecretsEncryption, SshLockdown, GUARDED_PORTS};
pub use identity::{Identity, WorkloadRole};
pub use network::{
    Bastion, EndpointAccess, ExistingVpc, IpFamily, NatMode, ResolvedVpc, Subnets, Vpc, VpcEndpointService,
    ZONES_FROM_REGION, ZONE_IDS_NOT_FOR_EKS,
};
pub use node_group::{
    is_graviton, AmiFamily, Capacity, NodeGroup, NodeGroupRole, NodeGroupType, Taint, TaintEffect, UpdateConfig,
    VolumeType,
};
pub use pod_networking::{
    cni_env_setting, with_pod_networking, PodNetworking, PodNetworkingMode, CUSTOM_NETWORK_KEY, DEFAULT_POD_CIDR,
    ENI_CONFIG_LABEL_KEY, POD_ENI_KEY, TCP_EARLY_DEMUX_KEY, VPC_RESOURCE_CONTROLLER_POLICY, ZONE_LABEL,
};
pub use security_groups::{App, Cache, Database, LoadBalancer, SecurityGroupProfile, SecurityGroups};

/// The `apiVersion` of eksharden's own spec.
pub const API_VERSION: &str = "eksharden.dev/v1alpha1";

/// The Kubernetes version used when the spec names none: the newest EKS offers.
pub const DEFAULT_KUBERNETES_VERSION: &str = crate::versions::DEFAULT;

/// A cluster: network, security groups, access, node groups and hardening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "eksharden Cluster")]
pub struct ClusterSpec {
    /// Must be `eksharden.dev/v1alpha1`.
    pub api_version: String,
    /// Must be `Cluster`.
    pub kind: String,
    /// Name, region, Kubernetes version and tags.
    pub metadata: Metadata,
    /// The dedicated VPC.
    pub vpc: Vpc,
    /// Who can reach the Kubernetes API endpoint.
    #[serde(default)]
    pub endpoint_access: EndpointAccess,
    /// The security-group profile and the role-based groups of EKS-SG-ROLES.
    #[serde(default)]
    pub security_groups: SecurityGroups,
    /// Who administers and who views the cluster.
    #[serde(default)]
    pub access: Access,
    /// The node groups; each is its own stack.
    #[serde(default)]
    pub node_groups: Vec<NodeGroup>,
    /// Fargate profiles: pods that run on Fargate, in the private subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fargate_profiles: Vec<FargateProfile>,
    /// EKS Auto Mode: nodes EKS runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_mode: Option<AutoMode>,
    /// How pods get AWS credentials: IAM roles for service accounts and EKS Pod Identity.
    #[serde(default)]
    pub identity: Identity,
    /// EKS add-ons installed with the cluster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addons: Vec<Addon>,
    /// Whether the default add-ons come with the cluster (the VPC CNI with its network policy
    /// agent, kube-proxy, CoreDNS, the Pod Identity agent) besides those `addons` names. Off
    /// for a cluster whose networking is another's (Cilium, Calico as the CNI): what then
    /// enforces network policies is theirs, and `verify` says whether anything does.
    #[serde(default = "network::yes")]
    pub default_addons: bool,
    /// Where pods get their addresses and security groups: on the nodes' interfaces (the
    /// default), or apart from them, so that the nodes' groups decide what pods reach.
    #[serde(default, skip_serializing_if = "PodNetworking::is_default")]
    pub pod_networking: PodNetworking,
    /// The hardening settings.
    #[serde(default)]
    pub hardening: Hardening,
}

impl ClusterSpec {
    /// The AWS services the VPC reaches through endpoints: the spec's, and in a dedicated VPC
    /// without NAT also those Session Manager needs, so that nodes can be reached without
    /// SSH (STACKROX-EKS).
    pub fn vpc_endpoints(&self) -> Vec<VpcEndpointService> {
        let mut services = self.vpc.endpoints.clone();
        if self.vpc.nat == NatMode::None && self.vpc.existing.is_none() {
            for service in VpcEndpointService::SESSION_MANAGER {
                if !services.contains(&service) {
                    services.push(service);
                }
            }
        }
        services
    }

    /// The positions, among the cluster's node subnets, of those `group` uses: the ones its
    /// `subnets` name (zones, or entries of an existing VPC's node subnets), else all.
    pub fn node_subnet_indexes(&self, group: &NodeGroup) -> Vec<usize> {
        let names: &[String] = match &self.vpc.existing {
            Some(existing) => &existing.private_subnets,
            None => &self.vpc.availability_zones,
        };
        if group.subnets.is_empty() {
            return (0..names.len()).collect();
        }
        group.subnets.iter().filter_map(|wanted| names.iter().position(|name| name == wanted)).collect()
    }

    /// Whether EKS Auto Mode is on.
    pub fn auto_mode_on(&self) -> bool {
        self.auto_mode.as_ref().is_some_and(|a| a.enabled)
    }

    /// The add-ons to install: those the spec names, then the defaults it does not name
    /// ([`DEFAULT_ADDONS`], unless the spec turns them off or EKS Auto Mode runs them itself). The VPC CNI's
    /// configuration turns its network policy agent on unless the spec's says otherwise, and
    /// has the settings of the spec's pod networking.
    pub fn addons_to_install(&self) -> Vec<Addon> {
        let mut addons = self.addons.clone();
        if self.default_addons && !self.auto_mode_on() {
            for name in DEFAULT_ADDONS {
                if !addons.iter().any(|a| a.name == name) {
                    addons.push(Addon { name: name.to_owned(), ..Addon::default() });
                }
            }
        }
        for addon in addons.iter_mut().filter(|a| a.name == VPC_CNI) {
            let configuration = with_network_policy(addon.configuration_values.as_deref());
            // A configuration that is no JSON object stays as written: validation reports it.
            addon.configuration_values =
                with_pod_networking(configuration.as_deref(), self.pod_networking.mode).or(configuration);
        }
        addons
    }
}

/// The cluster's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// The EKS cluster name: letters, digits and hyphens, starting with a letter.
    pub name: String,
    /// The AWS region, like `eu-west-1`.
    pub region: String,
    /// The Kubernetes version, like `1.35`; the newest EKS offers when absent.
    #[serde(default = "default_version")]
    pub version: String,
    /// Tags put on every resource, besides `eksharden.dev/cluster`.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn default_version() -> String {
    DEFAULT_KUBERNETES_VERSION.to_owned()
}

/// The tag every resource of a cluster carries, so IAM policies can be scoped by it (STACKROX-EKS,
/// "Cluster Resource Tagging").
pub const CLUSTER_TAG: &str = "eksharden.dev/cluster";
