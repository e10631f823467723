//! Discovery: from a cluster name to the network model, the roles of the flow policy and
//! the posture facts, read from the EKS and EC2 APIs.
//!
//! The calls: EKS DescribeCluster, ListNodegroups, DescribeNodegroup and one launch
//! template per managed node group, ListAccessEntries and DescribeAccessEntry per entry;
//! EC2 one filtered, paginated describe per resource type of the VPC (pages of 1,000), and
//! one read per prefix list a rule names; IAM GetRole, ListRolePolicies and
//! ListAttachedRolePolicies for the creator role. None of it grows with the number of nodes.

mod eks;
mod network;
mod roles;

use std::collections::HashMap;

use eksharden_net::model::Model;
use eksharden_net::posture::{ClusterFacts, CreatorRoleFact, VersionFact, VersionSupport};
use eksharden_net::topology::Topology;
use eksharden_spec::versions::Support;

use crate::client::Aws;
use crate::error::AwsError;

pub use network::Instance;

/// What discovery found.
#[derive(Debug, Clone)]
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

/// Reads everything `verify` needs about `cluster`.
pub async fn discover(aws: &Aws, cluster: &str) -> Result<Discovery, AwsError> {
    let info = eks::cluster(aws, cluster).await?;
    let (network, node_groups, access_entries, creator) = futures_util::join!(
        network::read(aws, &info.vpc),
        eks::node_groups(aws, cluster),
        eks::access_entries(aws, cluster),
        crate::creator::inspect(aws, cluster),
    );
    let mut notes = Vec::new();
    let (node_groups, node_groups_unread) = match node_groups {
        Ok(groups) => (groups, None),
        Err(error) => {
            notes.push(format!("the managed node groups could not be listed: {error}"));
            (Vec::new(), Some(error.to_string()))
        }
    };
    let access_entries = match access_entries {
        Ok(entries) => Some(entries),
        Err(error) => {
            notes.push(format!("access entries could not be read: {}: {}", error.operation, error.message));
            None
        }
    };
    let mut discovery = roles::build(cluster, &info, network, &node_groups, access_entries, notes);
    discovery.facts.creator_role = match creator {
        Ok(None) => CreatorRoleFact::Absent,
        Ok(Some(state)) => CreatorRoleFact::Found {
            permissions: state.inline.iter().chain(&state.attached).cloned().collect(),
            assumable: state.assumable,
            arn: state.arn,
        },
        Err(error) => CreatorRoleFact::Unreadable(format!("{}: {}", error.operation, error.message)),
    };
    discovery.facts.kubernetes_version = info.version.as_deref().map(version_fact);
    discovery.facts.node_groups_unread = node_groups_unread;
    Ok(discovery)
}

/// Where `version` stands in EKS's calendar today.
fn version_fact(version: &str) -> VersionFact {
    let support = match eksharden_spec::versions::release_of(version).map(|r| r.support(crate::clock::today())) {
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

/// The cluster's Kubernetes version and where it stands in EKS's calendar today (one
/// DescribeCluster call).
pub async fn kubernetes_version(aws: &Aws, cluster: &str) -> Result<Option<VersionFact>, AwsError> {
    Ok(eks::cluster(aws, cluster).await?.version.as_deref().map(version_fact))
}

/// The cluster's API endpoint and certificate authority (base64), for a Kubernetes client.
pub async fn cluster_endpoint(aws: &Aws, cluster: &str) -> Result<(String, String), AwsError> {
    eks::cluster(aws, cluster).await.map(|info| (info.endpoint, info.certificate_authority))
}
