//! What discovery found about a cluster, as plain data, and how the roles of the flow policy
//! are placed in it. The aws crate reads the cluster through the EKS and EC2 APIs into the
//! types of `read` and calls [`build`]; everything here is pure, so what the hardening steps
//! and `verify` judge can be built by hand in a test.

mod read;
mod roles;
mod trust;

use std::collections::HashMap;

use eksharden_net::model::Model;
use eksharden_net::posture::{ClusterFacts, VersionFact, VersionSupport};
use eksharden_net::topology::Topology;
use eksharden_spec::versions::{Date, Support};

pub use read::{ClusterInfo, Instance, LaunchTemplate, ManagedNodeGroup, Network};
pub use roles::{build, name_in_arn};
pub use trust::trust_statements;

/// What discovery found.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The network model, with representative interfaces where none exist.
    pub model: Model,
    /// The roles of the flow policy and their endpoints.
    pub topology: Topology,
    /// The posture facts.
    pub facts: ClusterFacts,
    /// Which endpoints are real and which representative, and what could not be read.
    pub notes: Vec<String>,
    /// The subnets the cluster was given.
    pub cluster_subnets: Vec<String>,
    /// The subnets tagged as bastion subnets (STACKROX-EKS), which hold no node.
    pub bastion_subnets: Vec<String>,
    /// The security group tagged as the cluster's bastion group, whether or not an
    /// interface carries it yet.
    pub bastion_groups: Vec<String>,
    /// Custom networking's pod subnets eksharden made (tagged for the pods' role), with
    /// their zones.
    pub pod_subnets: Vec<PodSubnet>,
    /// The pods security group eksharden made, whether or not an interface carries it yet.
    pub pods_group: Option<String>,
    /// The namespaces whose pods get the pods group through security groups for pods (the
    /// group's tag says).
    pub pod_namespaces: Vec<String>,
    /// The managed node groups (the others in the facts are self-managed).
    pub managed_node_groups: Vec<String>,
    /// The security groups a node group added to the cluster takes: eksharden's node-general
    /// group where eksharden made the cluster, else the cluster security group (as EKS gives
    /// nodes whose launch template names none).
    pub new_node_security_groups: Vec<String>,
    /// The CloudFormation stack that owns each resource that one owns (by the tag
    /// CloudFormation puts on what it creates): the cluster (by its name), managed node
    /// groups (by name), security groups and subnets (by id).
    pub owners: HashMap<String, String>,
    /// Whether eksctl made the cluster (its tags say so): the ClusterConfig field that
    /// makes a fix last is then worth naming.
    pub made_by_eksctl: bool,
    /// The cluster's own resources (the cluster, its managed node groups, the security group
    /// EKS made for it, the groups only its control plane and nodes carry) and the value of
    /// the cluster tag on each.
    pub tagging: Vec<Tagging>,
}

/// A pod subnet and its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSubnet {
    /// The subnet id.
    pub id: String,
    /// Its availability zone.
    pub zone: String,
}

/// One of the cluster's own resources and its cluster tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagging {
    /// What it is, for people: `node group general`.
    pub label: String,
    /// Its ARN (EKS) or id (EC2), as tagging takes it.
    pub id: String,
    /// The value of the `eksharden.dev/cluster` tag, if it has one.
    pub value: Option<String>,
}

/// Where `version` stands in EKS's calendar on `today`.
pub fn version_fact(version: &str, today: Date) -> VersionFact {
    let support = match eksharden_spec::versions::release_of(version).map(|r| r.support(today)) {
        Some(Support::Standard(until)) => VersionSupport::Standard { until: until.to_string() },
        Some(Support::Extended(until)) => VersionSupport::Extended {
            until: until.to_string(),
            cost: eksharden_spec::versions::EXTENDED_COST.to_owned(),
        },
        Some(Support::Ended(on)) => VersionSupport::Ended { on: on.to_string() },
        None => match eksharden_spec::versions::older_than_calendar(version) {
            Some(oldest) => VersionSupport::Ended { on: format!("before {}", oldest.end_of_extended) },
            None => VersionSupport::Unknown,
        },
    };
    VersionFact { version: version.to_owned(), support }
}
