//! VPC flow logs for a cluster `harden` found without them: the `flow-logs` stack (a key of
//! the cluster's logs, the encrypted log group, the delivery role and the flow log; see
//! `eksharden_plan::stacks::flow_logs`), deployed like every stack: created, or left as it is
//! when it matches, and tagged so that `delete` removes it.

use eksharden_plan::stacks::flow_logs;
use eksharden_plan::Plan;
use eksharden_spec::model::CLUSTER_TAG;

use crate::client::Aws;
use crate::error::AwsError;
use crate::progress::Silent;
use crate::stacks::{deploy, DeployOptions, StackOutcome};

/// Deploys the flow logs of `vpc`, the VPC of `cluster`.
pub async fn deploy_for(aws: &Aws, cluster: &str, vpc: &str) -> Result<(), AwsError> {
    let plan = Plan {
        cluster: cluster.to_owned(),
        region: aws.region.clone(),
        stacks: vec![flow_logs::stack(cluster, vpc)],
        manifests: Vec::new(),
    };
    let options =
        DeployOptions { tags: vec![(CLUSTER_TAG.to_owned(), cluster.to_owned())], ..DeployOptions::default() };
    let report = deploy(aws, &plan, &Silent, &options).await;
    match report.outcomes.into_iter().next() {
        Some((_, StackOutcome::Done { .. })) => Ok(()),
        Some((_, StackOutcome::Error(error))) => Err(error),
        Some((_, StackOutcome::Failed(failure))) => Err(AwsError::local("CloudFormation", failure.to_string())),
        Some((stack, StackOutcome::Skipped { needed })) => {
            Err(AwsError::local("CloudFormation", format!("stack {stack} needs {needed}")))
        }
        None => Err(AwsError::local("CloudFormation", "the flow-logs stack was not deployed")),
    }
}
