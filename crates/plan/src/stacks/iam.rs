//! The `iam` stack: the dedicated creator role, the cluster service role, node roles.
//!
//! STACKROX-EKS, "Dedicated IAM Role for EKS Cluster Creation": a role per cluster creates the
//! cluster (CloudFormation assumes it as the cluster stack's service role); afterwards its
//! permissions are removed and the right to assume it withdrawn, by the hardening steps.

use eksharden_spec::model::{CreatorRole, IpFamily, NodeGroup, NodeGroupType};
use serde_json::{json, Value};

use super::Context;
use crate::cfn::{get_att, pascal_case, reference, sub, Template};
use crate::graph::{Stack, StackKind};

/// Outputs other stacks read.
pub mod outputs {
    /// The dedicated creator role's ARN.
    pub const CREATOR_ROLE_ARN: &str = "CreatorRoleArn";
    /// The EKS cluster service role's ARN.
    pub const CLUSTER_ROLE_ARN: &str = "ClusterRoleArn";

    /// The node role ARN output of a node group.
    pub fn node_role_arn(node_group: &str) -> String {
        format!("NodeRole{}Arn", crate::cfn::pascal_case(node_group))
    }

    /// The instance profile ARN output of a self-managed node group.
    pub fn instance_profile_arn(node_group: &str) -> String {
        format!("NodeInstanceProfile{}Arn", crate::cfn::pascal_case(node_group))
    }
}

/// The name of a cluster's dedicated creator role.
pub fn creator_role_name(cluster: &str) -> String {
    format!("eksharden-{cluster}-creator")
}

/// The IAM stack.
pub fn stack(cx: &Context) -> Stack {
    let mut t = Template::new(format!("eksharden {}: IAM roles (creator, cluster, nodes)", cx.cluster()));
    t.resource(
        "ClusterRole",
        "AWS::IAM::Role",
        json!({
            "RoleName": format!("eksharden-{}-cluster", cx.cluster()),
            "Description": "EKS cluster service role",
            "AssumeRolePolicyDocument": trust("eks.amazonaws.com", &["sts:AssumeRole", "sts:TagSession"]),
            "ManagedPolicyArns": [aws_policy("AmazonEKSClusterPolicy")],
            "Tags": cx.tag_list("cluster-role"),
        }),
    );
    t.output(outputs::CLUSTER_ROLE_ARN, get_att("ClusterRole", "Arn"), "The EKS cluster service role");
    if cx.spec.access.creator_role == CreatorRole::Dedicated {
        creator_role(cx, &mut t);
    }
    for group in &cx.spec.node_groups {
        node_role(cx, &mut t, group);
    }
    Stack {
        kind: StackKind::Iam,
        stack_name: StackKind::Iam.stack_name(cx.cluster()),
        template: t.build(),
        parameters: Vec::new(),
        service_role: None,
        named_iam: true,
    }
}

fn trust(service: &str, actions: &[&str]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "Service": service }, "Action": actions }],
    })
}

fn aws_policy(name: &str) -> Value {
    sub(&format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}"))
}

fn creator_role(cx: &Context, t: &mut Template) {
    let cluster = cx.cluster();
    let cluster_arn = format!("arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{cluster}");
    let entries_arn =
        format!("arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:access-entry/{cluster}/*");
    let statements = json!([
        {
            "Sid": "ManageThisCluster",
            "Effect": "Allow",
            "Action": [
                "eks:CreateCluster", "eks:DescribeCluster", "eks:UpdateClusterConfig", "eks:UpdateClusterVersion",
                "eks:DeleteCluster", "eks:DescribeUpdate", "eks:TagResource", "eks:UntagResource", "eks:ListTagsForResource",
                "eks:CreateAccessEntry", "eks:DescribeAccessEntry", "eks:UpdateAccessEntry", "eks:DeleteAccessEntry",
                "eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy", "eks:ListAssociatedAccessPolicies",
            ],
            "Resource": [sub(&cluster_arn), sub(&entries_arn)],
        },
        {
            "Sid": "PassTheClusterRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": get_att("ClusterRole", "Arn"),
            "Condition": { "StringEquals": { "iam:PassedToService": "eks.amazonaws.com" } },
        },
        {
            "Sid": "EksServiceLinkedRole",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": { "StringEquals": { "iam:AWSServiceName": "eks.amazonaws.com" } },
        },
        {
            "Sid": "ReadTheNetwork",
            "Effect": "Allow",
            "Action": ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces", "ec2:DescribeAvailabilityZones"],
            "Resource": "*",
        },
        {
            "Sid": "TrimTheClusterSecurityGroup",
            "Effect": "Allow",
            "Action": ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:ResourceTag/aws:eks:cluster-name": cluster } },
        },
        {
            "Sid": "SecretsEncryptionKey",
            "Effect": "Allow",
            "Action": [
                "kms:CreateKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
                "kms:GetKeyRotationStatus", "kms:TagResource", "kms:ListResourceTags", "kms:CreateGrant",
                "kms:ScheduleKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases",
            ],
            "Resource": "*",
        },
    ]);
    t.resource("CreatorRole", "AWS::IAM::Role", json!({
        "RoleName": creator_role_name(cluster),
        "Description": "Dedicated creator of the EKS cluster (STACKROX-EKS); stripped after creation",
        "AssumeRolePolicyDocument": trust("cloudformation.amazonaws.com", &["sts:AssumeRole"]),
        "Policies": [{ "PolicyName": "create-cluster", "PolicyDocument": { "Version": "2012-10-17", "Statement": statements } }],
        "Tags": cx.tag_list("creator"),
    }));
    t.output(outputs::CREATOR_ROLE_ARN, get_att("CreatorRole", "Arn"), "The dedicated creator role");
}

/// What the VPC CNI needs in an IPv6 cluster (the EKS User Guide's IPv6 CNI policy): IPv6
/// addresses for pods, never the IPv4 address management of `AmazonEKS_CNI_Policy`.
fn cni_ipv6_policy() -> Value {
    json!({
        "PolicyName": "vpc-cni-ipv6",
        "PolicyDocument": { "Version": "2012-10-17", "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:AssignIpv6Addresses", "ec2:DescribeInstances", "ec2:DescribeTags",
                    "ec2:DescribeNetworkInterfaces", "ec2:DescribeInstanceTypes",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["ec2:CreateTags"],
                "Resource": { "Fn::Sub": "arn:${AWS::Partition}:ec2:*:*:network-interface/*" },
            },
        ]},
    })
}

fn node_role(cx: &Context, t: &mut Template, group: &NodeGroup) {
    let role = format!("NodeRole{}", pascal_case(&group.name));
    let ipv6 = cx.spec.vpc.ip_family == IpFamily::Ipv6;
    let mut managed = vec![aws_policy("AmazonEKSWorkerNodePolicy")];
    if !ipv6 {
        managed.push(aws_policy("AmazonEKS_CNI_Policy"));
    }
    managed.push(aws_policy("AmazonEC2ContainerRegistryReadOnly"));
    // STACKROX-EKS: SSM Session Manager is the access path to nodes instead of SSH.
    managed.push(aws_policy("AmazonSSMManagedInstanceCore"));
    let mut properties = json!({
        "Description": format!("Nodes of node group {}", group.name),
        "AssumeRolePolicyDocument": trust("ec2.amazonaws.com", &["sts:AssumeRole"]),
        "ManagedPolicyArns": managed,
        "Tags": cx.tag_list(&format!("node-{}", group.name)),
    });
    if ipv6 {
        properties["Policies"] = json!([cni_ipv6_policy()]);
    }
    t.resource(&role, "AWS::IAM::Role", properties);
    t.output(&outputs::node_role_arn(&group.name), get_att(&role, "Arn"), &format!("Node role of {}", group.name));
    if group.kind == NodeGroupType::SelfManaged {
        let profile = format!("NodeInstanceProfile{}", pascal_case(&group.name));
        t.resource(&profile, "AWS::IAM::InstanceProfile", json!({ "Roles": [reference(&role)] }));
        t.output(
            &outputs::instance_profile_arn(&group.name),
            get_att(&profile, "Arn"),
            &format!("Instance profile of {}", group.name),
        );
    }
}
