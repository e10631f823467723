//! What discovery reads about a cluster beyond its network, and the facts the posture checks
//! and the hardening steps both judge (one definition each).

use ipnet::IpNet;
use serde::Serialize;

use super::audit::AuditFacts;
use super::cluster_group::ClusterGroupFact;
use super::pod_network::PodNetworkFacts;
use super::workloads::{Compute, WorkloadRole};
use crate::model::{Eni, Model, Origin, Subnet};

/// The control-plane log types STACKROX-EKS asks for (AWS-EKS-BP).
pub const LOG_TYPES: [&str; 5] = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/// What discovery read about a cluster beyond its network.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterFacts {
    /// The cluster's name.
    pub name: String,
    /// Whether the private endpoint is on.
    pub endpoint_private: bool,
    /// Whether the public endpoint is on.
    pub endpoint_public: bool,
    /// The blocks the public endpoint admits.
    pub public_access_cidrs: Vec<IpNet>,
    /// `CONFIG_MAP`, `API` or `API_AND_CONFIG_MAP`, when reported.
    pub authentication_mode: Option<String>,
    /// The access entries with their Kubernetes groups; `None` when they could not be read.
    pub access_entries: Option<Vec<AccessEntryFact>>,
    /// The enabled control-plane log types.
    pub logging: Vec<String>,
    /// The KMS key that encrypts secrets, if any.
    pub secrets_key: Option<String>,
    /// The node groups.
    pub node_groups: Vec<NodeGroupFacts>,
    /// Why the list of managed node groups could not be read, if it could not.
    pub node_groups_unread: Option<String>,
    /// The security groups on the control plane and the nodes (for the ingress audit).
    pub cluster_groups: Vec<String>,
    /// The dedicated creator role, as IAM reports it.
    pub creator_role: CreatorRoleFact,
    /// The cluster's Kubernetes version and where it stands in EKS's calendar.
    pub kubernetes_version: Option<VersionFact>,
    /// What runs pods besides node groups: EKS Auto Mode, Fargate.
    pub compute: Compute,
    /// The roles pods assume (Pod Identity associations, roles trusting the cluster's OIDC
    /// provider); `None` when they could not be read.
    pub workload_roles: Option<Vec<WorkloadRole>>,
    /// How pods are networked and what polices them.
    pub pod_network: PodNetworkFacts,
    /// Flow logs, trails, and the roles nodes run as.
    pub audit: AuditFacts,
    /// The security group EKS made for the cluster, if it has one.
    pub cluster_security_group: Option<ClusterGroupFact>,
}

/// A cluster's Kubernetes version and its support on the day it was read.
#[derive(Debug, Clone, Serialize)]
pub struct VersionFact {
    /// `1.33`.
    pub version: String,
    /// Where it stands.
    pub support: VersionSupport,
}

/// Where a Kubernetes version stands on EKS, with the dates that matter (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum VersionSupport {
    /// Standard support until the date.
    Standard {
        /// The last day.
        until: String,
    },
    /// Extended support, at extra cost, until the date.
    Extended {
        /// The last day.
        until: String,
        /// What it costs.
        cost: String,
    },
    /// Extended support ended on the date: EKS upgrades the cluster itself.
    Ended {
        /// The last day of extended support.
        on: String,
    },
    /// The version is not in eksharden's calendar.
    Unknown,
}

/// What IAM says of the cluster's dedicated creator role (STACKROX-EKS, "Dedicated IAM Role for
/// EKS Cluster Creation").
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum CreatorRoleFact {
    /// The cluster has none (it was not created through one).
    #[default]
    Absent,
    /// The role exists.
    Found {
        /// Its ARN.
        arn: String,
        /// Its inline and attached policies.
        permissions: Vec<String>,
        /// Whether its trust policy lets anyone assume it.
        assumable: bool,
    },
    /// It could not be read, and why.
    Unreadable(String),
}

/// One access entry.
#[derive(Debug, Clone, Serialize)]
pub struct AccessEntryFact {
    /// The IAM principal.
    pub principal: String,
    /// Its Kubernetes groups.
    pub groups: Vec<String>,
}

/// What discovery read about one node group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeGroupFacts {
    /// The node group's name.
    pub name: String,
    /// The SSH key its nodes accept, if any.
    pub ssh_key: Option<String>,
    /// The instance metadata settings, when known.
    pub imds: Option<Imds>,
    /// The node ENIs' ids (real or representative) in the model.
    pub enis: Vec<String>,
    /// The subnets it launches into.
    pub subnets: Vec<String>,
    /// The IAM roles its nodes run as (a managed group's node role, the roles of its
    /// instances' profiles), by name.
    pub roles: Vec<String>,
    /// The instance profiles of its instances, by ARN (discovery resolves them to `roles`).
    pub instance_profiles: Vec<String>,
    /// Its running instances that have no instance profile.
    pub without_profile: Vec<String>,
    /// What about it could not be read (its description, its launch template), and why:
    /// the checks that depend on it are not judged.
    pub unread: Vec<String>,
}

/// Instance metadata settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Imds {
    /// Whether IMDSv2 tokens are required.
    pub tokens_required: bool,
    /// The PUT response hop limit.
    pub hop_limit: Option<i32>,
}

impl Imds {
    /// Whether pods cannot take the node role's credentials (AWS-EKS-BP): IMDSv2 required,
    /// with a hop limit of 1.
    pub fn is_hardened(&self) -> bool {
        self.tokens_required && self.hop_limit == Some(1)
    }
}

/// The control-plane log types of [`LOG_TYPES`] that `enabled` lacks (AWS-EKS-BP wants all).
pub fn log_types_off(enabled: &[String]) -> Vec<&'static str> {
    LOG_TYPES.iter().copied().filter(|t| !enabled.iter().any(|e| e == t)).collect()
}

/// How a node group's nodes are exposed by address: its nodes that have a public address
/// (real interfaces only: a representative one carries what its subnet would give, and the
/// subnet is listed), and its subnets that give one to what launches there.
pub struct PublicExposure<'m> {
    /// The nodes' interfaces with a public address.
    pub interfaces: Vec<&'m Eni>,
    /// The group's subnets that assign public addresses.
    pub assigning_subnets: Vec<&'m Subnet>,
}

impl PublicExposure<'_> {
    /// Of `group`, in `model` (STACKROX-EKS, "VPC Layout").
    pub fn of<'m>(group: &NodeGroupFacts, model: &'m Model) -> PublicExposure<'m> {
        let members: std::collections::HashSet<&str> = group.enis.iter().map(String::as_str).collect();
        PublicExposure {
            interfaces: model
                .enis
                .iter()
                .filter(|e| e.origin == Origin::Real && e.public_ip.is_some() && members.contains(e.id.as_str()))
                .collect(),
            assigning_subnets: model
                .subnets
                .iter()
                .filter(|s| group.subnets.contains(&s.id) && s.map_public_ip_on_launch)
                .collect(),
        }
    }
}
