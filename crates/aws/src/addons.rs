//! EKS add-on writes of the hardening steps: the VPC CNI's configuration, updated in place
//! (keeping what was changed in the cluster: `PRESERVE`), or the add-on made where the VPC
//! CNI is self-managed (failing rather than overwriting its settings: `NONE`). Each waits
//! until EKS reports the add-on ACTIVE.

use std::time::Duration;

use aws_sdk_eks::types::ResolveConflicts;
use eksharden_spec::model::VPC_CNI;

use crate::client::Aws;
use crate::cluster::check;
use crate::error::{aws_error, AwsError};

/// How long an add-on may take to become ACTIVE.
const LIMIT: Duration = Duration::from_secs(20 * 60);

/// Gives the `vpc-cni` add-on of `cluster` the configuration values `configuration`, making
/// the add-on when `exists` is false.
pub async fn configure_vpc_cni(aws: &Aws, cluster: &str, configuration: &str, exists: bool) -> Result<(), AwsError> {
    if exists {
        aws.eks
            .update_addon()
            .cluster_name(cluster)
            .addon_name(VPC_CNI)
            .configuration_values(configuration)
            .resolve_conflicts(ResolveConflicts::Preserve)
            .send()
            .await
            .map_err(aws_error("EKS.UpdateAddon"))?;
    } else {
        aws.eks
            .create_addon()
            .cluster_name(cluster)
            .addon_name(VPC_CNI)
            .configuration_values(configuration)
            .resolve_conflicts(ResolveConflicts::None)
            .send()
            .await
            .map_err(aws_error("EKS.CreateAddon"))?;
    }
    wait_active(aws, cluster, VPC_CNI).await
}

async fn wait_active(aws: &Aws, cluster: &str, addon: &str) -> Result<(), AwsError> {
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut delay = Duration::from_millis(500);
    loop {
        let described = aws
            .eks
            .describe_addon()
            .cluster_name(cluster)
            .addon_name(addon)
            .send()
            .await
            .map_err(aws_error("EKS.DescribeAddon"))?;
        let status = described.addon().and_then(|a| a.status()).map(|s| s.as_str().to_owned()).unwrap_or_default();
        if status == "ACTIVE" {
            return Ok(());
        }
        check(&status, &format!("add-on {addon}"), deadline)?;
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
}
