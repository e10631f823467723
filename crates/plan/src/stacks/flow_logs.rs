//! VPC flow logs (AWS-VPC-FLOWLOGS): every packet decision of the VPC, to a CloudWatch Logs
//! group kept 90 days and encrypted with a KMS key of the cluster's logs (rotated; usable by
//! CloudWatch Logs for this cluster's log groups only). The network stack adds them to the
//! VPC it makes or names; `harden` deploys them alone, as the `flow-logs` stack, for a VPC
//! that has none.
//!
//! The key is the logs' own rather than the secrets key: that one is made later, by the
//! cluster stack under the narrowly scoped creator role, and a user's secrets key's policy
//! is not eksharden's to widen.

use serde_json::{json, Value};

use crate::cfn::{get_att, reference, sub, tag_list, Template};
use crate::graph::{Stack, StackKind};
use eksharden_spec::model::CLUSTER_TAG;

/// The log group the flow logs go to.
pub fn log_group(cluster: &str) -> String {
    format!("/eksharden/{cluster}/vpc-flow-logs")
}

/// The alias of the key that encrypts the cluster's logs.
pub fn key_alias(cluster: &str) -> String {
    format!("alias/eksharden/{cluster}/logs")
}

/// Adds the key, the log group, the role VPC Flow Logs delivers with, and the flow log of
/// `vpc` (all traffic) to `t`; `tags` gives each resource's tags by its name.
pub fn add(t: &mut Template, cluster: &str, vpc: &Value, tags: &dyn Fn(&str) -> Value) {
    t.resource(
        "LogsKey",
        "AWS::KMS::Key",
        json!({
            "Description": format!("eksharden {cluster}: encryption of the cluster's logs"),
            "EnableKeyRotation": true,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministersTheKey",
                        "Effect": "Allow",
                        "Principal": { "AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
                        "Action": "kms:*",
                        "Resource": "*",
                    },
                    {
                        "Sid": "CloudWatchLogsEncryptsTheClustersLogGroups",
                        "Effect": "Allow",
                        "Principal": { "Service": sub("logs.${AWS::Region}.amazonaws.com") },
                        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                        "Resource": "*",
                        "Condition": { "ArnLike": { "kms:EncryptionContext:aws:logs:arn": sub(&format!(
                            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/eksharden/{cluster}/*"
                        )) } },
                    },
                ],
            },
            "Tags": tags("logs"),
        }),
    );
    t.resource(
        "LogsKeyAlias",
        "AWS::KMS::Alias",
        json!({ "AliasName": key_alias(cluster), "TargetKeyId": reference("LogsKey") }),
    );
    t.resource(
        "FlowLogGroup",
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": log_group(cluster),
            "RetentionInDays": 90,
            "KmsKeyId": get_att("LogsKey", "Arn"),
            "Tags": tags("flow-logs"),
        }),
    );
    t.resource("FlowLogRole", "AWS::IAM::Role", json!({
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "vpc-flow-logs.amazonaws.com" },
                "Action": "sts:AssumeRole",
                "Condition": { "StringEquals": { "aws:SourceAccount": reference("AWS::AccountId") } },
            }],
        },
        "Policies": [{
            "PolicyName": "deliver-flow-logs",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                    "Resource": get_att("FlowLogGroup", "Arn"),
                }],
            },
        }],
        "Tags": tags("flow-logs"),
    }));
    t.resource(
        "FlowLog",
        "AWS::EC2::FlowLog",
        json!({
            "ResourceId": vpc,
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": reference("FlowLogGroup"),
            "DeliverLogsPermissionArn": get_att("FlowLogRole", "Arn"),
            "Tags": tags("flow-logs"),
        }),
    );
}

/// The `flow-logs` stack `harden` deploys for the VPC `vpc` of `cluster`, tagged with the
/// cluster tag (so `delete` finds it).
pub fn stack(cluster: &str, vpc: &str) -> Stack {
    let mut t = Template::new(format!("eksharden {cluster}: VPC flow logs of {vpc}"));
    let tags = |name: &str| {
        tag_list(&[(CLUSTER_TAG.to_owned(), cluster.to_owned()), ("Name".to_owned(), format!("{cluster}-{name}"))])
    };
    add(&mut t, cluster, &Value::String(vpc.to_owned()), &tags);
    Stack {
        kind: StackKind::FlowLogs,
        stack_name: StackKind::FlowLogs.stack_name(cluster),
        template: t.build(),
        parameters: Vec::new(),
        service_role: None,
        named_iam: false,
    }
}
