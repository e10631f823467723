//! Systems Manager for a cluster's nodes (AWS-SSM), so that Session Manager replaces SSH:
//! the managed policy on the roles the nodes run as, and for a running instance without an
//! instance profile, one of eksharden's (a role trusted by EC2 with that policy alone),
//! associated without replacing the instance.

use std::time::Duration;

use aws_sdk_ec2::types::IamInstanceProfileSpecification;
use eksharden_net::posture::SESSION_MANAGER_POLICY;
use eksharden_spec::model::CLUSTER_TAG;
use eksharden_spec::values::partition_of;

use crate::client::Aws;
use crate::error::{absent_as_none, aws_error, AwsError};

/// How often an association is tried while IAM makes a new profile known to EC2.
const ATTEMPTS: u32 = 10;

/// The ARN of the Systems Manager policy in the clients' partition.
fn policy_arn(aws: &Aws) -> String {
    format!("arn:{}:iam::aws:policy/{SESSION_MANAGER_POLICY}", partition_of(&aws.region))
}

/// The name of eksharden's role and instance profile for `cluster`'s nodes (IAM allows 64
/// characters).
pub fn profile_name(cluster: &str) -> String {
    let mut name = format!("eksharden-{cluster}-ssm");
    name.truncate(64);
    name
}

/// Attaches the Systems Manager policy to `role` (attaching it again changes nothing).
pub async fn attach_policy(aws: &Aws, role: &str) -> Result<(), AwsError> {
    aws.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn(aws))
        .send()
        .await
        .map_err(aws_error("IAM.AttachRolePolicy"))?;
    Ok(())
}

/// Associates eksharden's instance profile for `cluster` (made on first use) with each of
/// `instances`.
pub async fn give_profile(aws: &Aws, cluster: &str, instances: &[String]) -> Result<(), AwsError> {
    let name = profile_name(cluster);
    ensure_profile(aws, cluster, &name).await?;
    for instance in instances {
        associate(aws, instance, &name).await?;
    }
    Ok(())
}

async fn ensure_profile(aws: &Aws, cluster: &str, name: &str) -> Result<(), AwsError> {
    let role = absent_as_none(aws.iam.get_role().role_name(name).send().await.map_err(aws_error("IAM.GetRole")))?;
    if role.is_none() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let tag = aws_sdk_iam::types::Tag::builder()
            .key(CLUSTER_TAG)
            .value(cluster)
            .build()
            .map_err(|e| AwsError::local("IAM.CreateRole", e.to_string()))?;
        aws.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .description(format!("Systems Manager for the nodes of EKS cluster {cluster} (eksharden)"))
            .tags(tag)
            .send()
            .await
            .map_err(aws_error("IAM.CreateRole"))?;
    }
    attach_policy(aws, name).await?;
    let profile = absent_as_none(
        aws.iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(aws_error("IAM.GetInstanceProfile")),
    )?;
    let has_role = match profile {
        Some(found) => found.instance_profile().is_some_and(|p| !p.roles().is_empty()),
        None => {
            aws.iam
                .create_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .map_err(aws_error("IAM.CreateInstanceProfile"))?;
            false
        }
    };
    if !has_role {
        aws.iam
            .add_role_to_instance_profile()
            .instance_profile_name(name)
            .role_name(name)
            .send()
            .await
            .map_err(aws_error("IAM.AddRoleToInstanceProfile"))?;
    }
    Ok(())
}

/// Associates profile `name` with `instance`, waiting for IAM to make a new profile known.
async fn associate(aws: &Aws, instance: &str, name: &str) -> Result<(), AwsError> {
    let mut attempt = 0;
    loop {
        let sent = aws
            .ec2
            .associate_iam_instance_profile()
            .instance_id(instance)
            .iam_instance_profile(IamInstanceProfileSpecification::builder().name(name).build())
            .send()
            .await
            .map_err(aws_error("EC2.AssociateIamInstanceProfile"));
        match sent {
            Ok(_) => return Ok(()),
            // A new profile takes a few seconds to reach EC2.
            Err(error) if error.code.as_deref() == Some("InvalidParameterValue") && attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            Err(error) => return Err(error),
        }
    }
}
