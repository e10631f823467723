//! Discovery: from a cluster name to the network model, the roles of the flow policy and
//! the posture facts, read from the EKS and EC2 APIs.
//!
//! The calls: EKS DescribeCluster, ListNodegroups, DescribeNodegroup and one launch
//! template per managed node group, ListAccessEntries and DescribeAccessEntry per entry,
//! DescribeAddon for the VPC CNI;
//! EC2 one filtered, paginated describe per resource type of the VPC (pages of 1,000), and
//! one read per prefix list a rule names; IAM GetRole, ListRolePolicies and
//! ListAttachedRolePolicies for the creator role; the Fargate profiles, the Pod Identity
//! associations and IAM ListRoles for the roles pods assume (see `workloads`); the flow
//! logs, trails and node roles (see `audit`). None of it grows with the number of nodes.

mod audit;
mod eks;
mod network;
mod workloads;

use eksharden_discovery::version_fact;
pub use eksharden_discovery::{Discovery, Instance, Tagging};
use eksharden_net::posture::{CreatorRoleFact, VersionFact};

use crate::client::Aws;
use crate::error::AwsError;

/// Reads everything `verify` needs about `cluster`.
pub async fn discover(aws: &Aws, cluster: &str) -> Result<Discovery, AwsError> {
    let mut info = eks::cluster(aws, cluster).await?;
    let (network, node_groups, access_entries, creator, fargate, workload_roles, vpc_cni, flow_logs, trails) = futures_util::join!(
        network::read(aws, &info.vpc),
        eks::node_groups(aws, cluster),
        eks::access_entries(aws, cluster),
        crate::creator::inspect(aws, cluster),
        workloads::fargate_profiles(aws, cluster),
        workloads::workload_roles(aws, cluster, info.oidc_issuer.as_deref()),
        eks::vpc_cni(aws, cluster),
        audit::flow_logs(aws, &info.vpc),
        audit::trails(aws),
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
    info.vpc_cni = vpc_cni;
    let mut discovery = eksharden_discovery::build(cluster, &info, network, &node_groups, access_entries, notes);
    discovery.facts.creator_role = match creator {
        Ok(None) => CreatorRoleFact::Absent,
        Ok(Some(state)) => CreatorRoleFact::Found {
            permissions: state.inline.iter().chain(&state.attached).cloned().collect(),
            assumable: state.assumable,
            arn: state.arn,
        },
        Err(error) => CreatorRoleFact::Unreadable(format!("{}: {}", error.operation, error.message)),
    };
    discovery.facts.kubernetes_version = info.version.as_deref().map(|v| version_fact(v, crate::clock::today()));
    discovery.facts.node_groups_unread = node_groups_unread;
    let audit = &mut discovery.facts.audit;
    match flow_logs {
        Ok(logs) => audit.flow_logs = Some(logs),
        Err(error) => discovery.notes.push(format!("the VPC's flow logs could not be read: {error}")),
    }
    match trails {
        Ok(trails) => audit.trails = Some(trails),
        Err(error) => discovery.notes.push(format!("the CloudTrail trails could not be read: {error}")),
    }
    match audit::node_roles(aws, &mut discovery.facts.node_groups).await {
        Ok(roles) => discovery.facts.audit.node_roles = Some(roles),
        Err(error) => discovery.notes.push(format!("the roles the nodes run as could not be read: {error}")),
    }
    match fargate {
        Ok(profiles) => discovery.facts.compute.fargate_profiles = profiles,
        Err(error) => discovery.notes.push(format!("the Fargate profiles could not be listed: {error}")),
    }
    discovery.facts.workload_roles = match workload_roles {
        Ok(roles) => Some(roles),
        Err(error) => {
            discovery.notes.push(format!("the roles pods assume could not be read: {error}"));
            None
        }
    };
    Ok(discovery)
}

/// The cluster's Kubernetes version and where it stands in EKS's calendar today (one
/// DescribeCluster call).
pub async fn kubernetes_version(aws: &Aws, cluster: &str) -> Result<Option<VersionFact>, AwsError> {
    Ok(eks::cluster(aws, cluster).await?.version.as_deref().map(|v| version_fact(v, crate::clock::today())))
}

/// The cluster's API endpoint and certificate authority (base64), for a Kubernetes client.
pub async fn cluster_endpoint(aws: &Aws, cluster: &str) -> Result<(String, String), AwsError> {
    eks::cluster(aws, cluster).await.map(|info| (info.endpoint, info.certificate_authority))
}
