//! The `iam` stack: the dedicated creator role, the cluster service role, node roles.
//!
//! STACKROX-EKS, "Dedicated IAM Role for EKS Cluster Creation": a role per cluster creates the
//! cluster (CloudFormation assumes it as the cluster stack's service role); afterwards its
//! permissions are removed and the right to assume it withdrawn, by the hardening steps.

use eksharden_spec::model::{
    addon_namespace, Addon, CreatorRole, IpFamily, NodeGroup, NodeGroupType, PodNetworkingMode, WorkloadRole,
    VPC_RESOURCE_CONTROLLER_POLICY,
};
use serde_json::{json, Value};

use super::Context;
use crate::cfn::{get_att, pascal_case, reference, sub, Template};
use crate::graph::{Stack, StackKind};
use crate::stacks::trust;

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

    /// The Fargate pod execution role's ARN.
    pub const FARGATE_POD_EXECUTION_ROLE_ARN: &str = "FargatePodExecutionRoleArn";
    /// The role of EKS Auto Mode's nodes.
    pub const AUTO_MODE_NODE_ROLE_ARN: &str = "AutoModeNodeRoleArn";

    /// The role ARN output of the `index`th Pod Identity association (one eksharden makes).
    pub fn pod_identity_role_arn(index: usize) -> String {
        format!("PodIdentityRole{index}Arn")
    }

    /// The role ARN output of an add-on's service account.
    pub fn addon_role_arn(addon: &str) -> String {
        format!("AddonRole{}Arn", crate::cfn::pascal_case(addon))
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
            "ManagedPolicyArns": cluster_policies(cx),
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
    workload_roles(cx, &mut t);
    compute_roles(cx, &mut t);
    Stack {
        kind: StackKind::Iam,
        stack_name: StackKind::Iam.stack_name(cx.cluster()),
        template: t.build(),
        parameters: Vec::new(),
        service_role: None,
        named_iam: true,
    }
}

/// The cluster role's policies: EKS's, and with Auto Mode the policies that let EKS run its
/// nodes, volumes, load balancers and their networking; with security groups for pods the
/// policy that lets EKS give pods branch interfaces (AWS-EKS-SGP).
fn cluster_policies(cx: &Context) -> Vec<Value> {
    let mut names = vec!["AmazonEKSClusterPolicy"];
    if cx.spec.auto_mode_on() {
        names.extend([
            "AmazonEKSComputePolicy",
            "AmazonEKSBlockStoragePolicy",
            "AmazonEKSLoadBalancingPolicy",
            "AmazonEKSNetworkingPolicy",
        ]);
    }
    if cx.spec.pod_networking.mode == PodNetworkingMode::SecurityGroupsForPods {
        names.push(VPC_RESOURCE_CONTROLLER_POLICY);
    }
    names.into_iter().map(aws_policy).collect()
}

/// The roles of Pod Identity associations and of add-ons' service accounts, each trusted by
/// its one service account.
fn workload_roles(cx: &Context, t: &mut Template) {
    let cluster = cx.cluster();
    for (i, role) in cx.spec.identity.pod_identity_associations.iter().enumerate().filter(|(_, r)| r.makes_role()) {
        let logical = format!("PodIdentityRole{i}");
        let trust = trust::pod_identity(cluster, &role.namespace, &role.service_account);
        let description = format!("EKS Pod Identity: {}/{}", role.namespace, role.service_account);
        t.resource(
            &logical,
            "AWS::IAM::Role",
            workload_role(cx, role, trust, &description, &format!("pod-identity-{i}")),
        );
        t.output(&outputs::pod_identity_role_arn(i), get_att(&logical, "Arn"), &description);
    }
    for addon in cx.spec.addons_to_install().iter().filter(|a| a.has_role()) {
        let Some(role) = addon_role(addon) else { continue };
        let logical = addon_role_id(&addon.name);
        let trust = trust::pod_identity(cluster, &role.namespace, &role.service_account);
        let description = format!("Add-on {}: {}/{}", addon.name, role.namespace, role.service_account);
        t.resource(
            &logical,
            "AWS::IAM::Role",
            workload_role(cx, &role, trust, &description, &format!("addon-{}", addon.name)),
        );
        t.output(&outputs::addon_role_arn(&addon.name), get_att(&logical, "Arn"), &description);
    }
}

/// The logical id of an add-on's role.
fn addon_role_id(addon: &str) -> String {
    format!("AddonRole{}", pascal_case(addon))
}

/// Whether EKS Auto Mode runs built-in node pools, whose nodes need a role.
pub fn auto_mode_nodes(cx: &Context) -> bool {
    cx.spec.auto_mode.as_ref().is_some_and(|a| a.enabled && !a.node_pools.is_empty())
}

/// The role of an add-on's service account, when it has policies and a known account.
pub fn addon_role(addon: &Addon) -> Option<WorkloadRole> {
    Some(WorkloadRole {
        namespace: addon_namespace(&addon.name).to_owned(),
        service_account: addon.role_service_account()?.to_owned(),
        policy_arns: addon.policy_arns.clone(),
        policy: addon.policy.clone(),
        permissions_boundary: addon.permissions_boundary.clone(),
        ..WorkloadRole::default()
    })
}

/// The properties of a role eksharden makes for a service account: its trust, its managed
/// and inline policies, its boundary, and the right to assume a cross-account target role.
pub fn workload_role(cx: &Context, role: &WorkloadRole, trust: Value, description: &str, name: &str) -> Value {
    let mut properties = json!({
        "Description": description,
        "AssumeRolePolicyDocument": trust,
        "ManagedPolicyArns": role.policy_arns.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "Tags": cx.tag_list(name),
    });
    let mut inline = Vec::new();
    if let Some(policy) = &role.policy {
        inline.push(json!({ "PolicyName": "workload", "PolicyDocument": policy }));
    }
    if let Some(target) = &role.target_role_arn {
        inline.push(json!({
            "PolicyName": "assume-target-role",
            "PolicyDocument": { "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Resource": target.to_string(),
            }]},
        }));
    }
    if !inline.is_empty() {
        properties["Policies"] = Value::Array(inline);
    }
    if let Some(boundary) = &role.permissions_boundary {
        properties["PermissionsBoundary"] = boundary.to_string().into();
    }
    properties
}

/// The roles the cluster stack hands to EKS besides the cluster role: its add-ons', the
/// Fargate pod execution role, Auto Mode's node role.
fn roles_the_cluster_stack_passes(cx: &Context) -> Vec<Value> {
    let mut roles: Vec<Value> = cx
        .spec
        .addons_to_install()
        .iter()
        .filter(|a| a.has_role() && a.role_service_account().is_some())
        .map(|a| get_att(&addon_role_id(&a.name), "Arn"))
        .collect();
    if !cx.spec.fargate_profiles.is_empty() {
        roles.push(get_att("FargatePodExecutionRole", "Arn"));
    }
    if auto_mode_nodes(cx) {
        roles.push(get_att("AutoModeNodeRole", "Arn"));
    }
    roles
}

/// Fargate's pod execution role and Auto Mode's node role, when the spec has them.
fn compute_roles(cx: &Context, t: &mut Template) {
    if !cx.spec.fargate_profiles.is_empty() {
        t.resource(
            "FargatePodExecutionRole",
            "AWS::IAM::Role",
            json!({
                "Description": "Fargate pods of this cluster: pull images, write logs",
                "AssumeRolePolicyDocument": trust::fargate(cx.cluster()),
                "ManagedPolicyArns": [aws_policy("AmazonEKSFargatePodExecutionRolePolicy")],
                "Tags": cx.tag_list("fargate"),
            }),
        );
        t.output(
            outputs::FARGATE_POD_EXECUTION_ROLE_ARN,
            get_att("FargatePodExecutionRole", "Arn"),
            "The Fargate pod execution role",
        );
    }
    if auto_mode_nodes(cx) {
        t.resource("AutoModeNodeRole", "AWS::IAM::Role", json!({
            "Description": "Nodes of EKS Auto Mode",
            "AssumeRolePolicyDocument": trust("ec2.amazonaws.com", &["sts:AssumeRole"]),
            "ManagedPolicyArns": [aws_policy("AmazonEKSWorkerNodeMinimalPolicy"), aws_policy("AmazonEC2ContainerRegistryPullOnly")],
            "Tags": cx.tag_list("auto-mode-nodes"),
        }));
        t.output(outputs::AUTO_MODE_NODE_ROLE_ARN, get_att("AutoModeNodeRole", "Arn"), "The role of Auto Mode's nodes");
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
    let parts: Vec<Value> = ["addon", "fargateprofile", "podidentityassociation"]
        .iter()
        .map(|part| {
            sub(&format!("arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:{part}/{cluster}/*"))
        })
        .collect();
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
            "Sid": "ManageThisClustersParts",
            "Effect": "Allow",
            "Action": [
                "eks:CreateAddon", "eks:DescribeAddon", "eks:UpdateAddon", "eks:DeleteAddon",
                "eks:CreateFargateProfile", "eks:DescribeFargateProfile", "eks:DeleteFargateProfile",
                "eks:CreatePodIdentityAssociation", "eks:DescribePodIdentityAssociation",
                "eks:UpdatePodIdentityAssociation", "eks:DeletePodIdentityAssociation",
            ],
            "Resource": parts,
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
    let mut statements = statements;
    let passed = roles_the_cluster_stack_passes(cx);
    if !passed.is_empty() {
        statements.as_array_mut().expect("a list of statements").push(json!({
            "Sid": "PassTheRolesOfItsParts",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": passed,
        }));
    }
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
