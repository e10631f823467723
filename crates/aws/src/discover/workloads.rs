//! What runs pods besides node groups (Fargate profiles) and the roles pods assume: the
//! Pod Identity associations of the cluster and the roles that trust its OIDC provider.
//!
//! The calls: EKS ListFargateProfiles, ListPodIdentityAssociations and
//! DescribePodIdentityAssociation per association (one per service account, never per pod),
//! and IAM ListRoles (paginated), whose answer carries every role's trust policy.

use std::collections::HashMap;

use eksharden_discovery::trust_statements;
use eksharden_net::posture::{WorkloadAccess, WorkloadRole};

use crate::client::Aws;
use crate::creator::policy_text;
use crate::error::{aws_error, AwsError};

/// The cluster's Fargate profiles, by name.
pub async fn fargate_profiles(aws: &Aws, cluster: &str) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut pages = aws.eks.list_fargate_profiles().cluster_name(cluster).into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page.map_err(aws_error("EKS.ListFargateProfiles"))?.fargate_profile_names().iter().cloned());
    }
    Ok(names)
}

/// The roles pods of `cluster` assume: one per Pod Identity association, and every role
/// whose trust names the OIDC provider of `issuer` (the cluster's issuer URL), each with its
/// trust policy as IAM holds it.
pub async fn workload_roles(aws: &Aws, cluster: &str, issuer: Option<&str>) -> Result<Vec<WorkloadRole>, AwsError> {
    let trusts = trust_policies(aws).await?;
    let trust_of = |arn: &str| trusts.get(arn).and_then(|document| trust_statements(document));
    let mut roles = Vec::new();
    for id in association_ids(aws, cluster).await? {
        let response = aws
            .eks
            .describe_pod_identity_association()
            .cluster_name(cluster)
            .association_id(&id)
            .send()
            .await
            .map_err(aws_error("EKS.DescribePodIdentityAssociation"))?;
        let Some(association) = response.association() else { continue };
        let role_arn = association.role_arn().unwrap_or_default().to_owned();
        roles.push(WorkloadRole {
            trust: trust_of(&role_arn),
            role_arn,
            access: WorkloadAccess::PodIdentity {
                namespace: association.namespace().unwrap_or_default().to_owned(),
                service_account: association.service_account().unwrap_or_default().to_owned(),
                session_tags: !association.disable_session_tags().unwrap_or(false),
            },
        });
    }
    if let Some(issuer) = issuer.and_then(|url| url.strip_prefix("https://")) {
        let provider = format!(":oidc-provider/{issuer}");
        let mut trusting: Vec<(&String, &String)> =
            trusts.iter().filter(|(_, document)| document.contains(&provider)).collect();
        trusting.sort();
        for (arn, _) in trusting {
            roles.push(WorkloadRole {
                role_arn: arn.clone(),
                access: WorkloadAccess::ServiceAccountToken { issuer: issuer.to_owned() },
                trust: trust_of(arn),
            });
        }
    }
    Ok(roles)
}

/// The ids of the cluster's Pod Identity associations.
async fn association_ids(aws: &Aws, cluster: &str) -> Result<Vec<String>, AwsError> {
    let mut ids = Vec::new();
    let mut pages = aws.eks.list_pod_identity_associations().cluster_name(cluster).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws_error("EKS.ListPodIdentityAssociations"))?;
        ids.extend(page.associations().iter().filter_map(|a| a.association_id().map(str::to_owned)));
    }
    Ok(ids)
}

/// Every role's trust policy, decoded, by ARN.
async fn trust_policies(aws: &Aws) -> Result<HashMap<String, String>, AwsError> {
    let mut trusts = HashMap::new();
    let mut pages = aws.iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        for role in page.map_err(aws_error("IAM.ListRoles"))?.roles() {
            let document = policy_text(role.assume_role_policy_document().unwrap_or_default());
            trusts.insert(role.arn().to_owned(), document);
        }
    }
    Ok(trusts)
}
