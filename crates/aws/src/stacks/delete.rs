//! Deleting a cluster's stacks, found by their cluster tag, in reverse dependency order:
//! node groups, then the cluster, then security groups and IAM, then the network.

use aws_sdk_cloudformation::types::StackStatus;
use futures_util::future::join_all;

use super::deploy::set_termination_protection;
use super::state::{describe, StackInfo};
use super::wait::{Polling, Watcher};
use super::StackFailure;
use crate::client::Aws;
use crate::error::{aws_error, AwsError};
use crate::progress::{Progress, StackAction};

/// What a deletion did.
#[derive(Debug, Default)]
pub struct DeleteReport {
    /// Stacks deleted, by short name.
    pub deleted: Vec<String>,
    /// Stacks that could not be deleted, and why.
    pub failures: Vec<StackFailure>,
    /// Calls that failed.
    pub errors: Vec<(String, AwsError)>,
}

impl DeleteReport {
    /// Whether every stack is gone.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty() && self.errors.is_empty()
    }
}

/// Deletes every stack tagged for `cluster` whose name is `eksharden-<cluster>-…`.
pub async fn delete(
    aws: &Aws,
    cluster: &str,
    cluster_tag: (&str, &str),
    progress: &dyn Progress,
    polling: Polling,
) -> Result<DeleteReport, AwsError> {
    let stacks = find(aws, cluster, cluster_tag).await?;
    let mut report = DeleteReport::default();
    // Stacks of one rank do not need each other; each rank needs the ranks before it gone.
    for rank in 0..=3 {
        let batch: Vec<&(String, StackInfo)> = stacks.iter().filter(|(short, _)| rank_of(short) == rank).collect();
        let results = join_all(batch.iter().map(|(short, info)| delete_one(aws, short, info, progress, polling))).await;
        for ((short, _), result) in batch.iter().zip(results) {
            match result {
                Ok(()) => report.deleted.push(short.clone()),
                Err(Ok(failure)) => report.failures.push(failure),
                Err(Err(error)) => report.errors.push((short.clone(), error)),
            }
        }
        if !report.is_complete() {
            // What is left still needs the stacks of the later ranks.
            break;
        }
    }
    Ok(report)
}

/// Node groups first, the network last.
fn rank_of(short: &str) -> usize {
    match short {
        s if s.starts_with("nodegroup-") => 0,
        "cluster" => 1,
        "security-groups" | "iam" => 2,
        _ => 3,
    }
}

/// The cluster's stacks that exist, by short name.
async fn find(
    aws: &Aws,
    cluster: &str,
    (tag_key, tag_value): (&str, &str),
) -> Result<Vec<(String, StackInfo)>, AwsError> {
    let prefix = format!("eksharden-{cluster}-");
    let mut found = Vec::new();
    let mut pages = aws.cloudformation.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws_error("CloudFormation.DescribeStacks"))?;
        for stack in page.stacks() {
            let name = stack.stack_name().unwrap_or_default();
            let tagged = stack.tags().iter().any(|t| t.key() == Some(tag_key) && t.value() == Some(tag_value));
            let live = stack.stack_status() != Some(&StackStatus::DeleteComplete);
            if let (true, true, Some(short)) = (tagged, live, name.strip_prefix(&prefix)) {
                if let Some(info) = describe(aws, stack.stack_id().unwrap_or(name)).await? {
                    found.push((short.to_owned(), info));
                }
            }
        }
    }
    Ok(found)
}

async fn delete_one(
    aws: &Aws,
    short: &str,
    info: &StackInfo,
    progress: &dyn Progress,
    polling: Polling,
) -> Result<(), Result<StackFailure, AwsError>> {
    progress.started(short, StackAction::Delete);
    let mut watcher = Watcher::new(aws, progress, short, polling);
    let result = async {
        if info.termination_protection {
            set_termination_protection(aws, &info.id, false).await.map_err(Err)?;
        }
        watcher.skip_past_events(&info.id).await.map_err(Err)?;
        aws.cloudformation
            .delete_stack()
            .stack_name(&info.id)
            .send()
            .await
            .map_err(|e| Err(AwsError::new("CloudFormation.DeleteStack", e)))?;
        match watcher.wait(&info.id).await.map_err(Err)? {
            None => Ok(()),
            Some(left) => Err(Ok(watcher.failure(&info.id, &left.status).await)),
        }
    }
    .await;
    let status = match &result {
        Ok(()) => "DELETE_COMPLETE".to_owned(),
        Err(Ok(failure)) => failure.status.clone(),
        Err(Err(error)) => error.to_string(),
    };
    progress.finished(short, StackAction::Delete, &status, result.is_ok());
    result
}
