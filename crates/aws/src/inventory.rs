//! What exists in AWS for a cluster: its stacks, tagged EC2 resources, its IAM roles and the
//! EKS cluster. `delete` lists it afterwards, so nothing is left behind unnoticed.

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// One resource that belongs to the cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Resource {
    /// What it is (`vpc`, `security-group`, `iam-role`, `stack`, `eks-cluster`).
    pub kind: String,
    /// Its id or name.
    pub id: String,
}

/// Everything that carries the cluster tag or the cluster's names.
pub async fn cluster_resources(
    aws: &Aws,
    cluster: &str,
    (tag_key, tag_value): (&str, &str),
) -> Result<Vec<Resource>, AwsError> {
    let mut found = Vec::new();
    let filters = [
        aws_sdk_ec2::types::Filter::builder().name("key").values(tag_key).build(),
        aws_sdk_ec2::types::Filter::builder().name("value").values(tag_value).build(),
    ];
    let mut tags = aws.ec2.describe_tags().set_filters(Some(filters.to_vec())).into_paginator().send();
    while let Some(page) = tags.next().await {
        for tag in page.map_err(aws_error("EC2.DescribeTags"))?.tags() {
            let kind = tag.resource_type().map(|t| t.as_str().to_owned()).unwrap_or_default();
            found.push(Resource { kind, id: tag.resource_id().unwrap_or_default().to_owned() });
        }
    }
    drop_terminated_instances(aws, &mut found).await?;
    let prefix = format!("eksharden-{cluster}-");
    let mut roles = aws.iam.list_roles().into_paginator().send();
    while let Some(page) = roles.next().await {
        for role in page.map_err(aws_error("IAM.ListRoles"))?.roles() {
            if role.role_name().starts_with(&prefix) {
                found.push(Resource { kind: "iam-role".into(), id: role.role_name().to_owned() });
            }
        }
    }
    let mut stacks = aws.cloudformation.describe_stacks().into_paginator().send();
    while let Some(page) = stacks.next().await {
        for stack in page.map_err(aws_error("CloudFormation.DescribeStacks"))?.stacks() {
            let name = stack.stack_name().unwrap_or_default();
            let deleted = stack.stack_status().is_some_and(|s| s.as_str() == "DELETE_COMPLETE");
            if name.starts_with(&prefix) && !deleted {
                found.push(Resource { kind: "stack".into(), id: name.to_owned() });
            }
        }
    }
    match aws.eks.describe_cluster().name(cluster).send().await.map_err(aws_error("EKS.DescribeCluster")) {
        Ok(_) => found.push(Resource { kind: "eks-cluster".into(), id: cluster.to_owned() }),
        Err(error) if error.is_not_found() => {}
        Err(error) => return Err(error),
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Terminated instances stay visible, with their tags, for a while after they are gone;
/// they are not left over.
async fn drop_terminated_instances(aws: &Aws, found: &mut Vec<Resource>) -> Result<(), AwsError> {
    let ids: Vec<String> = found.iter().filter(|r| r.kind == "instance").map(|r| r.id.clone()).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut gone = Vec::new();
    let mut pages = aws.ec2.describe_instances().set_instance_ids(Some(ids)).into_paginator().send();
    while let Some(page) = pages.next().await {
        for reservation in page.map_err(aws_error("EC2.DescribeInstances"))?.reservations() {
            for instance in reservation.instances() {
                let state = instance.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()).unwrap_or_default();
                if state == "terminated" || state == "shutting-down" {
                    gone.extend(instance.instance_id().map(str::to_owned));
                }
            }
        }
    }
    found.retain(|r| !(r.kind == "instance" && gone.contains(&r.id)));
    Ok(())
}

/// Every EKS cluster of the clients' account and region, by name (ListClusters, paginated).
pub async fn clusters(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut pages = aws.eks.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page.map_err(aws_error("EKS.ListClusters"))?.clusters().iter().cloned());
    }
    names.sort();
    Ok(names)
}

/// The active accounts of the caller's AWS Organization, by id (ListAccounts, paginated; the
/// caller must be in the management account or a delegated administrator).
pub async fn organization_accounts(aws: &Aws) -> Result<Vec<String>, AwsError> {
    let mut ids = Vec::new();
    let mut pages = aws.organizations.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws_error("Organizations.ListAccounts"))?;
        let active = page.accounts().iter().filter(|a| a.state().is_none_or(|s| s.as_str() == "ACTIVE"));
        ids.extend(active.filter_map(|a| a.id().map(str::to_owned)));
    }
    ids.sort();
    Ok(ids)
}
