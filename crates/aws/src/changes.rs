//! The writes the hardening steps make outside CloudFormation, one function per kind of
//! change, each waiting until the change is visible.

use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
use aws_sdk_eks::types::{EncryptionConfig, LogSetup, LogType, Logging, Provider, VpcConfigRequest};
use aws_sdk_kms::types::Tag as KmsTag;
use eksharden_net::model::{Peer, SgRule};
use eksharden_net::{Protocol, RuleProtocol};
use eksharden_spec::model::CLUSTER_TAG;

use crate::client::Aws;
use crate::cluster::wait_active;
use crate::error::{absent_as_none, aws_error, AwsError};

/// How long EKS gets to finish a configuration update.
const UPDATE_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Sets the API endpoint's access: private on or off, public on or off and its blocks.
pub async fn set_endpoint_access(
    aws: &Aws,
    cluster: &str,
    private: bool,
    public: bool,
    cidrs: &[String],
) -> Result<(), AwsError> {
    let mut config = VpcConfigRequest::builder().endpoint_private_access(private).endpoint_public_access(public);
    if public {
        config = config.set_public_access_cidrs(Some(cidrs.to_vec()));
    }
    aws.eks
        .update_cluster_config()
        .name(cluster)
        .resources_vpc_config(config.build())
        .send()
        .await
        .map_err(aws_error("EKS.UpdateClusterConfig"))?;
    wait_active(aws, cluster, &[], UPDATE_LIMIT).await.map(|_| ())
}

/// Turns on the control-plane log `types`.
pub async fn enable_logging(aws: &Aws, cluster: &str, types: &[String]) -> Result<(), AwsError> {
    let setup = LogSetup::builder()
        .set_types(Some(types.iter().map(|t| LogType::from(t.as_str())).collect()))
        .enabled(true)
        .build();
    aws.eks
        .update_cluster_config()
        .name(cluster)
        .logging(Logging::builder().cluster_logging(setup).build())
        .send()
        .await
        .map_err(aws_error("EKS.UpdateClusterConfig"))?;
    wait_active(aws, cluster, &[], UPDATE_LIMIT).await.map(|_| ())
}

/// Whether a security-group rule is added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleChange {
    /// Add it (with its description).
    Authorize,
    /// Remove it.
    Revoke,
}

/// Adds or removes one rule of `group`, inbound when `ingress`. Adding a rule the group has,
/// or removing one it lacks, changes nothing (another run may have done it).
pub async fn change_rule(
    aws: &Aws,
    group: &str,
    ingress: bool,
    change: RuleChange,
    rule: &SgRule,
) -> Result<(), AwsError> {
    let operation = match (change, ingress) {
        (RuleChange::Authorize, true) => "EC2.AuthorizeSecurityGroupIngress",
        (RuleChange::Authorize, false) => "EC2.AuthorizeSecurityGroupEgress",
        (RuleChange::Revoke, true) => "EC2.RevokeSecurityGroupIngress",
        (RuleChange::Revoke, false) => "EC2.RevokeSecurityGroupEgress",
    };
    let protocol = match rule.protocol {
        RuleProtocol::All => "-1",
        RuleProtocol::One(Protocol::Tcp) => "tcp",
        RuleProtocol::One(Protocol::Udp) => "udp",
        RuleProtocol::One(Protocol::Icmp) => "icmp",
        RuleProtocol::Other => return Err(AwsError::local(operation, "a rule of an unmodelled protocol")),
    };
    let mut permission = IpPermission::builder().ip_protocol(protocol);
    if protocol != "-1" {
        permission = permission.from_port(i32::from(rule.ports.from)).to_port(i32::from(rule.ports.to));
    }
    let description = rule.description.clone();
    permission =
        match &rule.peer {
            Peer::Cidr(cidr) => {
                permission.ip_ranges(IpRange::builder().cidr_ip(cidr.to_string()).set_description(description).build())
            }
            Peer::Cidr6(cidr) => permission
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6(cidr.to_string()).set_description(description).build()),
            Peer::Group(id) => permission
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(id).set_description(description).build()),
            Peer::PrefixList(id) => permission
                .prefix_list_ids(PrefixListId::builder().prefix_list_id(id).set_description(description).build()),
        };
    let permission = permission.build();
    // The four calls take the same request; only the operation differs.
    macro_rules! send {
        ($call:ident) => {
            aws.ec2
                .$call()
                .group_id(group)
                .ip_permissions(permission)
                .send()
                .await
                .map(|_| ())
                .map_err(aws_error(operation))
        };
    }
    let sent = match (change, ingress) {
        (RuleChange::Authorize, true) => send!(authorize_security_group_ingress),
        (RuleChange::Authorize, false) => send!(authorize_security_group_egress),
        (RuleChange::Revoke, true) => send!(revoke_security_group_ingress),
        (RuleChange::Revoke, false) => send!(revoke_security_group_egress),
    };
    match sent {
        Err(error)
            if matches!(error.code.as_deref(), Some("InvalidPermission.Duplicate" | "InvalidPermission.NotFound")) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Puts `key` = `value` on EC2 resource `resource`.
pub async fn tag_ec2(aws: &Aws, resource: &str, key: &str, value: &str) -> Result<(), AwsError> {
    aws.ec2
        .create_tags()
        .resources(resource)
        .tags(aws_sdk_ec2::types::Tag::builder().key(key).value(value).build())
        .send()
        .await
        .map_err(aws_error("EC2.CreateTags"))?;
    Ok(())
}

/// Stops `subnet` from giving instances public addresses.
pub async fn stop_public_addresses(aws: &Aws, subnet: &str) -> Result<(), AwsError> {
    aws.ec2
        .modify_subnet_attribute()
        .subnet_id(subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .map_err(aws_error("EC2.ModifySubnetAttribute"))?;
    Ok(())
}

/// The key that encrypts a cluster's secrets, and a key this run made and gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsKey {
    /// The key's ARN.
    pub arn: String,
    /// What became of a key this run made but did not use: another run made the cluster's
    /// key at the same time and took the alias first, so ours was scheduled for deletion.
    pub discarded: Option<String>,
}

/// Encrypts the cluster's secrets with `key`, or with the cluster's own key (alias
/// `alias/eksharden/<cluster>`, made with rotation on when it does not exist yet). EKS
/// cannot undo this.
pub async fn encrypt_secrets(aws: &Aws, cluster: &str, key: Option<&str>) -> Result<SecretsKey, AwsError> {
    let key = match key {
        Some(key) => SecretsKey { arn: key.to_owned(), discarded: None },
        None => cluster_key(aws, cluster).await?,
    };
    // EKS now ignores which resources are named, but older API versions require "secrets".
    #[allow(deprecated)]
    let config = EncryptionConfig::builder()
        .resources("secrets")
        .provider(Provider::builder().key_arn(&key.arn).build())
        .build();
    let associated = aws
        .eks
        .associate_encryption_config()
        .cluster_name(cluster)
        .encryption_config(config)
        .send()
        .await
        .map_err(aws_error("EKS.AssociateEncryptionConfig"));
    if let Err(error) = associated {
        // Another run may have associated this same key since our look: that is done.
        if secrets_key(aws, cluster).await?.as_deref() != Some(key.arn.as_str()) {
            return Err(error);
        }
    }
    wait_active(aws, cluster, &[], UPDATE_LIMIT).await?;
    Ok(key)
}

/// The KMS key that encrypts the cluster's secrets now, if any.
async fn secrets_key(aws: &Aws, cluster: &str) -> Result<Option<String>, AwsError> {
    let described = aws.eks.describe_cluster().name(cluster).send().await.map_err(aws_error("EKS.DescribeCluster"))?;
    Ok(described
        .cluster()
        .and_then(|c| c.encryption_config().iter().find_map(|e| e.provider()?.key_arn().map(str::to_owned))))
}

/// How long a discarded key waits before KMS deletes it: the shortest KMS allows.
const DISCARDED_KEY_DAYS: i32 = 7;

/// The cluster's own KMS key, made on first use. Two runs may both make one; the alias
/// decides which is the cluster's, and the other run schedules its own for deletion.
async fn cluster_key(aws: &Aws, cluster: &str) -> Result<SecretsKey, AwsError> {
    let alias = format!("alias/eksharden/{cluster}");
    if let Some(arn) = key_of_alias(aws, &alias).await? {
        return Ok(SecretsKey { arn, discarded: None });
    }
    let created = aws
        .kms
        .create_key()
        .description(format!("Secrets of EKS cluster {cluster} (eksharden)"))
        .tags(KmsTag::builder().tag_key(CLUSTER_TAG).tag_value(cluster).build().map_err(invalid("KMS.CreateKey"))?)
        .send()
        .await
        .map_err(aws_error("KMS.CreateKey"))?;
    let Some(metadata) = created.key_metadata() else {
        return Err(AwsError::local("KMS.CreateKey", "no key metadata returned"));
    };
    let (id, arn) = (metadata.key_id().to_owned(), metadata.arn().unwrap_or_default().to_owned());
    aws.kms.enable_key_rotation().key_id(&id).send().await.map_err(aws_error("KMS.EnableKeyRotation"))?;
    let aliased = aws.kms.create_alias().alias_name(&alias).target_key_id(&id).send().await;
    match aliased.map_err(aws_error("KMS.CreateAlias")) {
        Ok(_) => Ok(SecretsKey { arn, discarded: None }),
        Err(error) if error.code.as_deref() == Some("AlreadyExistsException") => {
            let winner = key_of_alias(aws, &alias).await?.ok_or(error)?;
            aws.kms
                .schedule_key_deletion()
                .key_id(&id)
                .pending_window_in_days(DISCARDED_KEY_DAYS)
                .send()
                .await
                .map_err(aws_error("KMS.ScheduleKeyDeletion"))?;
            let discarded = format!(
                "another run made {alias} at the same time; the key this run made ({arn}) is scheduled for \
                 deletion in {DISCARDED_KEY_DAYS} days and {winner} is used"
            );
            Ok(SecretsKey { arn: winner, discarded: Some(discarded) })
        }
        Err(error) => Err(error),
    }
}

/// The ARN of the key `alias` names, if the alias exists.
async fn key_of_alias(aws: &Aws, alias: &str) -> Result<Option<String>, AwsError> {
    let existing = aws.kms.describe_key().key_id(alias).send().await.map_err(aws_error("KMS.DescribeKey"));
    Ok(absent_as_none(existing)?.and_then(|found| found.key_metadata()?.arn().map(str::to_owned)))
}

fn invalid(operation: &'static str) -> impl Fn(aws_sdk_kms::error::BuildError) -> AwsError {
    move |error| AwsError::local(operation, error.to_string())
}

/// Puts the cluster tag on `resource`: an EKS resource by ARN, an EC2 resource by id.
pub async fn tag_with_cluster(aws: &Aws, cluster: &str, resource: &str) -> Result<(), AwsError> {
    if resource.starts_with("arn:") {
        aws.eks
            .tag_resource()
            .resource_arn(resource)
            .tags(CLUSTER_TAG, cluster)
            .send()
            .await
            .map_err(aws_error("EKS.TagResource"))?;
    } else {
        tag_ec2(aws, resource, CLUSTER_TAG, cluster).await?;
    }
    Ok(())
}

/// Gives `principal` an access entry with these Kubernetes groups (and, when it is new, this
/// username): creates it, or sets the groups of the one it has.
pub async fn put_access_entry(
    aws: &Aws,
    cluster: &str,
    principal: &str,
    username: &str,
    groups: &[String],
) -> Result<(), AwsError> {
    let existing = absent_as_none(
        aws.eks
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal)
            .send()
            .await
            .map_err(aws_error("EKS.DescribeAccessEntry")),
    )?;
    if existing.is_some() {
        aws.eks
            .update_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal)
            .set_kubernetes_groups(Some(groups.to_vec()))
            .send()
            .await
            .map_err(aws_error("EKS.UpdateAccessEntry"))?;
    } else {
        aws.eks
            .create_access_entry()
            .cluster_name(cluster)
            .principal_arn(principal)
            .username(username)
            .set_kubernetes_groups(Some(groups.to_vec()))
            .tags(CLUSTER_TAG, cluster)
            .send()
            .await
            .map_err(aws_error("EKS.CreateAccessEntry"))?;
    }
    Ok(())
}
