//! How the cluster's pods are networked and policed: the VPC CNI add-on as EKS reports it,
//! and what the cluster API says about network policies and what enforces them.

use serde::Serialize;

use crate::pod_policy::PodPolicies;

/// The words for the VPC CNI's policy agent turned on through the EKS add-on.
pub const ADDON_AGENT: &str = "the VPC CNI's network policy agent (vpc-cni add-on, enableNetworkPolicy)";

/// The pod network's facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PodNetworkFacts {
    /// The `vpc-cni` add-on.
    pub vpc_cni: VpcCniAddon,
    /// What the cluster API says, or why it was not read.
    pub cluster_api: ClusterApiRead,
}

/// The `vpc-cni` EKS add-on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum VpcCniAddon {
    /// It was not read.
    #[default]
    NotRead,
    /// The cluster has no such add-on (the VPC CNI is self-managed, or another CNI runs).
    Absent,
    /// The add-on is installed.
    Installed {
        /// Whether its configuration turns the network policy agent on.
        network_policy: bool,
        /// Its configuration values (a JSON object), if it has any.
        configuration: Option<String>,
    },
    /// It could not be read, and why.
    Unreadable(String),
}

/// What the cluster API said about pod network policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum ClusterApiRead {
    /// It was not read, and why.
    NotRead(String),
    /// What it said.
    Read(PodPolicies),
}

impl Default for ClusterApiRead {
    fn default() -> Self {
        Self::NotRead("the cluster API was not read".to_owned())
    }
}

impl VpcCniAddon {
    /// Whether the add-on runs the network policy agent.
    pub fn agent_on(&self) -> bool {
        matches!(self, Self::Installed { network_policy: true, .. })
    }
}

impl PodNetworkFacts {
    /// The policies read, with every enforcer known: the add-on's agent as EKS reports it,
    /// and what the cluster API shows running. `None` when the cluster API was not read.
    pub fn policies(&self) -> Option<PodPolicies> {
        let ClusterApiRead::Read(read) = &self.cluster_api else { return None };
        let mut policies = read.clone();
        if self.vpc_cni.agent_on() {
            policies.enforcers.insert(0, ADDON_AGENT.to_owned());
        }
        Some(policies)
    }

    /// What enforces network policies, as far as what was read shows.
    pub fn enforcers(&self) -> Vec<String> {
        match self.policies() {
            Some(policies) => policies.enforcers,
            None if self.vpc_cni.agent_on() => vec![ADDON_AGENT.to_owned()],
            None => Vec::new(),
        }
    }
}
