//! A cluster made the way eksctl makes one, through CloudFormation on the emulator: the
//! stacks `eksctl-<cluster>-cluster` and `eksctl-<cluster>-nodegroup-<name>` with eksctl's
//! resources, logical ids, tags and defaults. The shapes are taken from eksctl's builder
//! (github.com/eksctl-io/eksctl): `pkg/cfn/builder/vpc_ipv4.go` (the VPC, its subnets, NAT
//! and routes, `vpc.autoAllocateIPv6`), `pkg/cfn/builder/cluster.go` and `vpc.go` (the
//! control-plane and shared node security groups and their rules, the cluster),
//! `pkg/cfn/builder/managed_launch_template.go` with its test data
//! `testdata/launch_template/ssh_enabled.json` (a managed group's launch template, named
//! after its stack and referenced without a version, IMDSv2 with hop limit 2, the
//! `remoteAccess` group open on 22 to `0.0.0.0/0` and `::/0`), and
//! `pkg/cfn/builder/nodegroup.go` (a self-managed group: its Auto Scaling group, launch
//! template, security group and rules, and the tags its instances get).
//! Facts carried over; no code.

use std::time::Duration;

use aws_sdk_cloudformation::types::{Capability, StackStatus, Tag};
use eksharden_aws::Aws;
use serde_json::{json, Value};

/// The eksctl version the stacks say made them.
const EKSCTL_VERSION: &str = "0.210.0";

/// What was built: the cluster and its node groups, by eksctl's names.
#[derive(Debug, Clone)]
pub struct EksctlCluster {
    /// The cluster's stack.
    pub cluster_stack: String,
    /// The stacks of the node groups: the managed one with SSH, the managed one without,
    /// the self-managed one.
    pub nodegroup_stacks: Vec<String>,
}

/// The node groups the test cluster has: a managed group in the public subnets with SSH
/// from anywhere, a managed group in the private subnets without, a self-managed group.
pub const NODE_GROUPS: [&str; 3] = ["ng-ssh", "ng-private", "ng-workers"];

/// Builds the cluster `name` in `aws`'s region as `eksctl create cluster` does with
/// `vpc.autoAllocateIPv6: true`, a single NAT gateway, the endpoint public only, no logging
/// and no secrets encryption (eksctl's defaults), and the node groups of [`NODE_GROUPS`].
pub async fn build(aws: &Aws, name: &str) -> Result<EksctlCluster, String> {
    let zones: Vec<String> = ["a", "b"].iter().map(|z| format!("{}{z}", aws.region)).collect();
    let cluster_stack = format!("eksctl-{name}-cluster");
    create_stack(aws, &cluster_stack, name, &cluster_template(name, &zones)).await?;
    let mut nodegroup_stacks = Vec::new();
    for (group, template) in [
        ("ng-ssh", managed_template(name, "ng-ssh", &cluster_stack, true)),
        ("ng-private", managed_template(name, "ng-private", &cluster_stack, false)),
        ("ng-workers", self_managed_template(name, "ng-workers", &cluster_stack)),
    ] {
        let stack = format!("eksctl-{name}-nodegroup-{group}");
        create_stack(aws, &stack, name, &template).await?;
        nodegroup_stacks.push(stack);
    }
    Ok(EksctlCluster { cluster_stack, nodegroup_stacks })
}

/// Creates a stack with eksctl's stack tags and waits for it.
async fn create_stack(aws: &Aws, stack: &str, cluster: &str, template: &Value) -> Result<(), String> {
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    aws.cloudformation
        .create_stack()
        .stack_name(stack)
        .template_body(template.to_string())
        .capabilities(Capability::CapabilityIam)
        .tags(tag("alpha.eksctl.io/cluster-name", cluster))
        .tags(tag("eksctl.cluster.k8s.io/v1alpha1/cluster-name", cluster))
        .tags(tag("alpha.eksctl.io/eksctl-version", EKSCTL_VERSION))
        .send()
        .await
        .map_err(|e| format!("CreateStack {stack}: {e:?}"))?;
    for _ in 0..600 {
        let described = aws
            .cloudformation
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| format!("DescribeStacks {stack}: {e:?}"))?;
        match described.stacks().first().and_then(|s| s.stack_status()) {
            Some(StackStatus::CreateComplete) => return Ok(()),
            // The emulator finishes a stack within a few polls; nothing else runs meanwhile.
            Some(StackStatus::CreateInProgress) => std::thread::sleep(Duration::from_millis(100)),
            other => {
                let events = aws.cloudformation.describe_stack_events().stack_name(stack).send().await;
                return Err(format!("stack {stack}: {other:?}: {events:?}"));
            }
        }
    }
    Err(format!("stack {stack} did not finish"))
}

/// The zone in eksctl's resource names: `eu-west-1a` -> `EUWEST1A`.
fn alias(zone: &str) -> String {
    zone.replace('-', "").to_uppercase()
}

fn reference(id: &str) -> Value {
    json!({ "Ref": id })
}

fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

fn import(cluster_stack: &str, output: &str) -> Value {
    json!({ "Fn::ImportValue": format!("{cluster_stack}::{output}") })
}

fn named(stack_part: &str) -> Value {
    json!([{ "Key": "Name", "Value": { "Fn::Sub": format!("${{AWS::StackName}}/{stack_part}") } }])
}

/// A rule of one security group admitting another, on all ports or a TCP range.
fn ingress(group: Value, source: Value, ports: Option<(u16, u16)>, description: &str) -> Value {
    let mut rule = json!({
        "GroupId": group, "SourceSecurityGroupId": source, "Description": description,
    });
    match ports {
        Some((from, to)) => {
            rule["IpProtocol"] = json!("tcp");
            rule["FromPort"] = json!(from);
            rule["ToPort"] = json!(to);
        }
        None => {
            rule["IpProtocol"] = json!("-1");
            rule["FromPort"] = json!(0);
            rule["ToPort"] = json!(65535);
        }
    }
    json!({ "Type": "AWS::EC2::SecurityGroupIngress", "Properties": rule })
}

/// The cluster stack: the dual-stack VPC (public subnets that give public addresses, private
/// ones behind one NAT gateway), the control-plane and shared node groups, the service role
/// and the cluster, with eksctl's exports.
fn cluster_template(name: &str, zones: &[String]) -> Value {
    let mut resources = serde_json::Map::new();
    let mut add = |id: &str, resource: Value| {
        resources.insert(id.to_owned(), resource);
    };
    add(
        "VPC",
        json!({ "Type": "AWS::EC2::VPC", "Properties": {
            "CidrBlock": "192.168.0.0/16", "EnableDnsSupport": true, "EnableDnsHostnames": true, "Tags": named("VPC"),
        }}),
    );
    add(
        "AutoAllocatedCIDRv6",
        json!({ "Type": "AWS::EC2::VPCCidrBlock", "Properties": {
            "VpcId": reference("VPC"), "AmazonProvidedIpv6CidrBlock": true,
        }}),
    );
    add(
        "InternetGateway",
        json!({ "Type": "AWS::EC2::InternetGateway", "Properties": { "Tags": named("InternetGateway") } }),
    );
    add(
        "VPCGatewayAttachment",
        json!({ "Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {
            "InternetGatewayId": reference("InternetGateway"), "VpcId": reference("VPC"),
        }}),
    );
    add(
        "PublicRouteTable",
        json!({ "Type": "AWS::EC2::RouteTable", "Properties": { "VpcId": reference("VPC"), "Tags": named("PublicRouteTable") } }),
    );
    add(
        "PublicSubnetRoute",
        json!({ "Type": "AWS::EC2::Route", "DependsOn": "VPCGatewayAttachment", "Properties": {
            "RouteTableId": reference("PublicRouteTable"), "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": reference("InternetGateway"),
        }}),
    );
    add(
        "PublicSubnetIPv6DefaultRoute",
        json!({ "Type": "AWS::EC2::Route", "DependsOn": ["VPCGatewayAttachment", "AutoAllocatedCIDRv6"], "Properties": {
            "RouteTableId": reference("PublicRouteTable"), "DestinationIpv6CidrBlock": "::/0",
            "GatewayId": reference("InternetGateway"),
        }}),
    );
    let ipv6_blocks = json!({ "Fn::Cidr": [
        { "Fn::Select": [0, get_att("VPC", "Ipv6CidrBlocks")] }, 2 * zones.len() + 2, "64",
    ]});
    let first = alias(&zones[0]);
    add("NATIP", json!({ "Type": "AWS::EC2::EIP", "Properties": { "Domain": "vpc", "Tags": named("NATIP") } }));
    add(
        "NATGateway",
        json!({ "Type": "AWS::EC2::NatGateway", "Properties": {
            "AllocationId": get_att("NATIP", "AllocationId"), "SubnetId": reference(&format!("SubnetPublic{first}")),
            "Tags": named("NATGateway"),
        }}),
    );
    for (i, zone) in zones.iter().enumerate() {
        let z = alias(zone);
        for (topology, octet, index, role, table) in [
            ("Public", 32 * i, i, "kubernetes.io/role/elb", "PublicRouteTable".to_owned()),
            (
                "Private",
                32 * (i + zones.len()),
                i + zones.len(),
                "kubernetes.io/role/internal-elb",
                format!("PrivateRouteTable{z}"),
            ),
        ] {
            let subnet = format!("Subnet{topology}{z}");
            let mut properties = json!({
                "AvailabilityZone": zone, "CidrBlock": format!("192.168.{octet}.0/19"), "VpcId": reference("VPC"),
                "Tags": [{ "Key": role, "Value": "1" }, { "Key": "Name", "Value": { "Fn::Sub": format!("${{AWS::StackName}}/{subnet}") } }],
            });
            if topology == "Public" {
                properties["MapPublicIpOnLaunch"] = json!(true);
            }
            add(&subnet, json!({ "Type": "AWS::EC2::Subnet", "Properties": properties }));
            add(
                &format!("RouteTableAssociation{topology}{z}"),
                json!({ "Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {
                    "SubnetId": reference(&subnet), "RouteTableId": reference(&table),
                }}),
            );
            add(
                &format!("{topology}{z}CIDRv6"),
                json!({ "Type": "AWS::EC2::SubnetCidrBlock", "DependsOn": "AutoAllocatedCIDRv6", "Properties": {
                    "SubnetId": reference(&subnet), "Ipv6CidrBlock": { "Fn::Select": [index, ipv6_blocks.clone()] },
                }}),
            );
        }
        add(
            &format!("PrivateRouteTable{z}"),
            json!({ "Type": "AWS::EC2::RouteTable", "Properties": { "VpcId": reference("VPC"), "Tags": named(&format!("PrivateRouteTable{z}")) } }),
        );
        add(
            &format!("NATPrivateSubnetRoute{z}"),
            json!({ "Type": "AWS::EC2::Route", "Properties": {
                "RouteTableId": reference(&format!("PrivateRouteTable{z}")), "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": reference("NATGateway"),
            }}),
        );
    }
    add(
        "ControlPlaneSecurityGroup",
        json!({ "Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Communication between the control plane and worker nodegroups",
            "VpcId": reference("VPC"), "Tags": named("ControlPlaneSecurityGroup"),
        }}),
    );
    add(
        "ClusterSharedNodeSecurityGroup",
        json!({ "Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "Communication between all nodes in the cluster",
            "VpcId": reference("VPC"), "Tags": named("ClusterSharedNodeSecurityGroup"),
        }}),
    );
    let shared = reference("ClusterSharedNodeSecurityGroup");
    let eks_group = get_att("ControlPlane", "ClusterSecurityGroupId");
    add(
        "IngressInterNodeGroupSG",
        ingress(shared.clone(), shared.clone(), None, "Allow nodes to communicate with each other (all ports)"),
    );
    add(
        "IngressDefaultClusterToNodeSG",
        ingress(
            shared.clone(),
            eks_group.clone(),
            None,
            "Allow managed and unmanaged nodes to communicate with each other (all ports)",
        ),
    );
    add(
        "IngressNodeToDefaultClusterSG",
        ingress(eks_group.clone(), shared, None, "Allow unmanaged nodes to communicate with control plane (all ports)"),
    );
    add(
        "ServiceRole",
        json!({ "Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": { "Service": ["eks.amazonaws.com"] }, "Action": ["sts:AssumeRole", "sts:TagSession"],
            }]},
            "ManagedPolicyArns": [{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonEKSClusterPolicy" }],
            "Tags": named("ServiceRole"),
        }}),
    );
    let subnets: Vec<Value> = ["Public", "Private"]
        .iter()
        .flat_map(|t| zones.iter().map(move |z| reference(&format!("Subnet{t}{}", alias(z)))))
        .collect();
    add(
        "ControlPlane",
        json!({ "Type": "AWS::EKS::Cluster", "Properties": {
            "Name": name,
            "RoleArn": get_att("ServiceRole", "Arn"),
            "ResourcesVpcConfig": {
                "SecurityGroupIds": [reference("ControlPlaneSecurityGroup")], "SubnetIds": subnets,
                "EndpointPublicAccess": true, "EndpointPrivateAccess": false,
            },
            "KubernetesNetworkConfig": { "IpFamily": "ipv4" },
            "AccessConfig": { "AuthenticationMode": "API_AND_CONFIG_MAP", "BootstrapClusterCreatorAdminPermissions": true },
            "Tags": named("ControlPlane"),
        }}),
    );
    let public: Vec<Value> = zones.iter().map(|z| reference(&format!("SubnetPublic{}", alias(z)))).collect();
    let private: Vec<Value> = zones.iter().map(|z| reference(&format!("SubnetPrivate{}", alias(z)))).collect();
    let export = |value: Value, name: &str| json!({ "Value": value, "Export": { "Name": { "Fn::Sub": format!("${{AWS::StackName}}::{name}") } } });
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "EKS cluster (dedicated VPC: true, dedicated IAM: true) [created and managed by eksctl]",
        "Resources": resources,
        "Outputs": {
            "VPC": export(reference("VPC"), "VPC"),
            "SecurityGroup": export(reference("ControlPlaneSecurityGroup"), "SecurityGroup"),
            "SharedNodeSecurityGroup": export(reference("ClusterSharedNodeSecurityGroup"), "SharedNodeSecurityGroup"),
            "ClusterSecurityGroupId": export(get_att("ControlPlane", "ClusterSecurityGroupId"), "ClusterSecurityGroupId"),
            "SubnetsPublic": export(json!({ "Fn::Join": [",", public] }), "SubnetsPublic"),
            "SubnetsPrivate": export(json!({ "Fn::Join": [",", private] }), "SubnetsPrivate"),
            "ARN": export(get_att("ControlPlane", "Arn"), "ARN"),
            "Endpoint": export(get_att("ControlPlane", "Endpoint"), "Endpoint"),
            "CertificateAuthorityData": export(get_att("ControlPlane", "CertificateAuthorityData"), "CertificateAuthorityData"),
            "ServiceRoleARN": export(get_att("ServiceRole", "Arn"), "ServiceRoleARN"),
        },
    })
}

/// A node role as eksctl makes one.
fn node_role() -> Value {
    let policies: Vec<Value> = [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonSSMManagedInstanceCore",
    ]
    .iter()
    .map(|p| json!({ "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::aws:policy/{p}") }))
    .collect();
    json!({ "Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": { "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": { "Service": ["ec2.amazonaws.com"] }, "Action": ["sts:AssumeRole"],
        }]},
        "ManagedPolicyArns": policies,
        "Path": "/",
        "Tags": named("NodeInstanceRole"),
    }})
}

/// The tags a node group's instances, volumes and interfaces get.
fn instance_tags(cluster: &str, group: &str, kind: &str) -> Value {
    json!([
        { "Key": "Name", "Value": format!("{cluster}-{group}-Node") },
        { "Key": "alpha.eksctl.io/nodegroup-name", "Value": group },
        { "Key": "alpha.eksctl.io/nodegroup-type", "Value": kind },
    ])
}

/// A managed node group's stack: a launch template named after the stack (IMDSv2, hop limit
/// 2), referenced by id without a version; with `ssh`, the key `ops-key` and the
/// `remoteAccess` group open on 22 to the whole internet in both families, in the public
/// subnets; without, in the private subnets.
fn managed_template(cluster: &str, group: &str, cluster_stack: &str, ssh: bool) -> Value {
    let mut groups = vec![import(cluster_stack, "ClusterSecurityGroupId")];
    let tag_specifications: Vec<Value> = ["instance", "volume", "network-interface"]
        .iter()
        .map(|kind| json!({ "ResourceType": kind, "Tags": instance_tags(cluster, group, "managed") }))
        .collect();
    let mut data = json!({
        "BlockDeviceMappings": [{ "DeviceName": "/dev/xvda", "Ebs": { "Iops": 3000, "Throughput": 125, "VolumeSize": 80, "VolumeType": "gp3" } }],
        "MetadataOptions": { "HttpPutResponseHopLimit": 2, "HttpTokens": "required" },
        "TagSpecifications": tag_specifications,
    });
    let mut resources = serde_json::Map::new();
    if ssh {
        data["KeyName"] = json!("ops-key");
        groups.push(reference("SSH"));
        let description = format!("Allow SSH access to managed worker nodes in group {group}");
        resources.insert(
            "SSH".to_owned(),
            json!({ "Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "Allow SSH access",
                "GroupName": { "Fn::Sub": "${AWS::StackName}-remoteAccess" },
                "SecurityGroupIngress": [
                    { "CidrIp": "0.0.0.0/0", "FromPort": 22, "IpProtocol": "tcp", "ToPort": 22, "Description": description },
                    { "CidrIpv6": "::/0", "FromPort": 22, "IpProtocol": "tcp", "ToPort": 22, "Description": description },
                ],
                "Tags": named("SSH"),
                "VpcId": import(cluster_stack, "VPC"),
            }}),
        );
    }
    data["SecurityGroupIds"] = json!(groups);
    resources.insert(
        "LaunchTemplate".to_owned(),
        json!({ "Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": data, "LaunchTemplateName": { "Fn::Sub": "${AWS::StackName}" },
        }}),
    );
    let subnets = if ssh { "SubnetsPublic" } else { "SubnetsPrivate" };
    resources.insert(
        "ManagedNodeGroup".to_owned(),
        json!({ "Type": "AWS::EKS::Nodegroup", "Properties": {
            "AmiType": "AL2023_x86_64_STANDARD",
            "ClusterName": cluster,
            "Labels": { "alpha.eksctl.io/cluster-name": cluster, "alpha.eksctl.io/nodegroup-name": group },
            "InstanceTypes": ["m5.large"],
            "NodeRole": get_att("NodeInstanceRole", "Arn"),
            "NodegroupName": group,
            "ScalingConfig": { "DesiredSize": 2, "MaxSize": 2, "MinSize": 2 },
            "Subnets": { "Fn::Split": [",", import(cluster_stack, subnets)] },
            "Tags": { "alpha.eksctl.io/nodegroup-name": group, "alpha.eksctl.io/nodegroup-type": "managed" },
            "LaunchTemplate": { "Id": reference("LaunchTemplate") },
        }}),
    );
    resources.insert("NodeInstanceRole".to_owned(), node_role());
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("EKS Managed Nodes (SSH access: {ssh}) [created by eksctl]"),
        "Resources": resources,
    })
}

/// A self-managed node group's stack: its own security group with the control-plane rules
/// (1025-65535 and 443 both ways), a launch template (IMDSv2, hop limit 2), and an Auto
/// Scaling group of one node in the private subnets whose tags reach the instance.
fn self_managed_template(cluster: &str, group: &str, cluster_stack: &str) -> Value {
    let control_plane = import(cluster_stack, "SecurityGroup");
    let sg = reference("SG");
    let egress = |from: u16, to: u16, description: &str| {
        json!({ "Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": control_plane.clone(), "DestinationSecurityGroupId": sg.clone(), "IpProtocol": "tcp",
            "FromPort": from, "ToPort": to, "Description": description,
        }})
    };
    let mut tags = vec![
        json!({ "Key": "Name", "Value": format!("{cluster}-{group}-Node"), "PropagateAtLaunch": "true" }),
        json!({ "Key": format!("kubernetes.io/cluster/{cluster}"), "Value": "owned", "PropagateAtLaunch": "true" }),
    ];
    tags.extend(
        [("alpha.eksctl.io/nodegroup-name", group), ("alpha.eksctl.io/nodegroup-type", "unmanaged")]
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v, "PropagateAtLaunch": "true" })),
    );
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "EKS nodes (AMI family: AmazonLinux2023, SSH access: false, private networking: true) [created and managed by eksctl]",
        "Resources": {
            "SG": { "Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": format!("Communication between the control plane and worker nodes in group {group}"),
                "VpcId": import(cluster_stack, "VPC"),
                "Tags": [
                    { "Key": format!("kubernetes.io/cluster/{cluster}"), "Value": "owned" },
                    { "Key": "Name", "Value": { "Fn::Sub": "${AWS::StackName}/SG" } },
                ],
            }},
            "IngressInterCluster": ingress(sg.clone(), control_plane.clone(), Some((1025, 65535)), &format!("Allow worker nodes in group {group} to communicate with control plane (kubelet and workload TCP ports)")),
            "IngressInterClusterAPI": ingress(sg.clone(), control_plane.clone(), Some((443, 443)), &format!("Allow worker nodes in group {group} to communicate with control plane (workloads using HTTPS port, commonly used with extension API servers)")),
            "IngressInterClusterCP": ingress(control_plane.clone(), sg.clone(), Some((443, 443)), &format!("Allow control plane to receive API requests from worker nodes in group {group}")),
            "EgressInterCluster": egress(1025, 65535, &format!("Allow control plane to communicate with worker nodes in group {group} (kubelet and workload TCP ports)")),
            "EgressInterClusterAPI": egress(443, 443, &format!("Allow control plane to communicate with worker nodes in group {group} (workloads using HTTPS port, commonly used with extension API servers)")),
            "NodeGroupLaunchTemplate": { "Type": "AWS::EC2::LaunchTemplate", "Properties": {
                "LaunchTemplateName": { "Fn::Sub": "${AWS::StackName}" },
                "LaunchTemplateData": {
                    "ImageId": "ami-12c6146b",
                    "InstanceType": "m5.large",
                    "IamInstanceProfile": { "Arn": get_att("NodeInstanceProfile", "Arn") },
                    "MetadataOptions": { "HttpPutResponseHopLimit": 2, "HttpTokens": "required" },
                    "SecurityGroupIds": [sg, import(cluster_stack, "SharedNodeSecurityGroup")],
                    "TagSpecifications": [{ "ResourceType": "volume", "Tags": instance_tags(cluster, group, "unmanaged") }],
                },
            }},
            "NodeGroup": { "Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
                "LaunchTemplate": {
                    "LaunchTemplateName": { "Fn::Sub": "${AWS::StackName}" },
                    "Version": get_att("NodeGroupLaunchTemplate", "LatestVersionNumber"),
                },
                "MinSize": "1", "MaxSize": "1", "DesiredCapacity": "1",
                "VPCZoneIdentifier": { "Fn::Split": [",", import(cluster_stack, "SubnetsPrivate")] },
                "Tags": tags,
            }, "DependsOn": "NodeGroupLaunchTemplate" },
            "NodeInstanceRole": node_role(),
            "NodeInstanceProfile": { "Type": "AWS::IAM::InstanceProfile", "Properties": {
                "Path": "/", "Roles": [reference("NodeInstanceRole")],
            }},
        },
    })
}
