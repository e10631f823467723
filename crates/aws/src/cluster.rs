//! Waiting for the cluster and its managed node groups to be active.

use std::time::Duration;

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// What `create` reports about a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSummary {
    /// The cluster name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// The API server endpoint.
    pub endpoint: String,
    /// The cluster CA, base64.
    pub certificate_authority: String,
    /// The Kubernetes version.
    pub version: String,
    /// Whether the private endpoint is on.
    pub private_endpoint: bool,
    /// Whether the public endpoint is on.
    pub public_endpoint: bool,
}

/// Waits until the cluster and each of `node_groups` is `ACTIVE`; fails if one ends
/// `FAILED`, or after `limit`.
pub async fn wait_active(
    aws: &Aws,
    cluster: &str,
    node_groups: &[String],
    limit: Duration,
) -> Result<ClusterSummary, AwsError> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut delay = Duration::from_millis(500);
    let summary = loop {
        let response =
            aws.eks.describe_cluster().name(cluster).send().await.map_err(aws_error("EKS.DescribeCluster"))?;
        let described = response.cluster();
        let status = described.and_then(|c| c.status()).map(|s| s.as_str().to_owned()).unwrap_or_default();
        if status == "ACTIVE" {
            let c = described.expect("a described cluster");
            let vpc = c.resources_vpc_config();
            break ClusterSummary {
                name: cluster.to_owned(),
                arn: c.arn().unwrap_or_default().to_owned(),
                endpoint: c.endpoint().unwrap_or_default().to_owned(),
                certificate_authority: c.certificate_authority().and_then(|a| a.data()).unwrap_or_default().to_owned(),
                version: c.version().unwrap_or_default().to_owned(),
                private_endpoint: vpc.is_some_and(|v| v.endpoint_private_access()),
                public_endpoint: vpc.is_some_and(|v| v.endpoint_public_access()),
            };
        }
        check(&status, &format!("cluster {cluster}"), deadline)?;
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    };
    for group in node_groups {
        let mut delay = Duration::from_millis(500);
        loop {
            let response = aws
                .eks
                .describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(group)
                .send()
                .await
                .map_err(aws_error("EKS.DescribeNodegroup"))?;
            let status =
                response.nodegroup().and_then(|n| n.status()).map(|s| s.as_str().to_owned()).unwrap_or_default();
            if status == "ACTIVE" {
                break;
            }
            check(&status, &format!("node group {group}"), deadline)?;
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(15));
        }
    }
    Ok(summary)
}

pub(crate) fn check(status: &str, what: &str, deadline: tokio::time::Instant) -> Result<(), AwsError> {
    let problem = if status.ends_with("FAILED") || status == "DEGRADED" {
        Some(format!("{what} is {status}"))
    } else if tokio::time::Instant::now() > deadline {
        Some(format!("{what} is still {status} after the time limit"))
    } else {
        None
    };
    match problem {
        Some(message) => Err(AwsError::local("EKS.wait", message)),
        None => Ok(()),
    }
}
