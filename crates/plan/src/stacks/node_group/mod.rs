//! The `nodegroup-<name>` stacks: a launch template (no SSH key, IMDSv2 with the spec's hop
//! limit, encrypted root volume) and either an EKS managed node group or an Auto Scaling
//! group, in the private subnets only.

mod user_data;

use eksharden_spec::model::{
    is_graviton, AccessMode, AmiFamily, Capacity, IpFamily, NodeGroup, NodeGroupRole, NodeGroupType,
};
use serde_json::{json, Value};

use super::{Context, Inputs};
use crate::cfn::{get_att, reference, tag_list, tag_map, Template};
use crate::graph::{Stack, StackKind};
use crate::rules::Group;
use crate::stacks::{cluster, iam, network, security_groups};

/// The node group's stack.
pub fn stack(cx: &Context, group: &NodeGroup) -> Stack {
    let kind = StackKind::NodeGroup(group.name.clone());
    let self_managed = group.kind == NodeGroupType::SelfManaged;
    let mut t = Template::new(format!("eksharden {}: node group {}", cx.cluster(), group.name));
    let mut inputs = Inputs::default();
    let mut input = |t: &mut Template, name: &str, kind: &str, stack: StackKind, output: &str| {
        let description = format!("From the {stack} stack's {output} output");
        inputs.bind(t, name, kind, &description, stack, output);
    };
    input(&mut t, "ClusterName", "String", StackKind::Cluster, cluster::outputs::CLUSTER_NAME);
    input(
        &mut t,
        "PrivateSubnetIds",
        "List<AWS::EC2::Subnet::Id>",
        StackKind::Network,
        network::outputs::PRIVATE_SUBNET_IDS,
    );
    input(
        &mut t,
        "NodeGeneralSecurityGroupId",
        "AWS::EC2::SecurityGroup::Id",
        StackKind::SecurityGroups,
        &security_groups::output_name(Group::NodeGeneral),
    );
    let role_group = match group.role {
        NodeGroupRole::General => None,
        NodeGroupRole::Addon => Some(Group::Addon),
        NodeGroupRole::App => Some(Group::App),
    };
    if let Some(role_group) = role_group {
        input(
            &mut t,
            "RoleSecurityGroupId",
            "AWS::EC2::SecurityGroup::Id",
            StackKind::SecurityGroups,
            &security_groups::output_name(role_group),
        );
    }
    input(&mut t, "NodeRoleArn", "String", StackKind::Iam, &iam::outputs::node_role_arn(&group.name));
    if self_managed {
        input(&mut t, "InstanceProfileArn", "String", StackKind::Iam, &iam::outputs::instance_profile_arn(&group.name));
        input(&mut t, "ClusterEndpoint", "String", StackKind::Cluster, cluster::outputs::ENDPOINT);
        input(
            &mut t,
            "CertificateAuthorityData",
            "String",
            StackKind::Cluster,
            cluster::outputs::CERTIFICATE_AUTHORITY,
        );
        if cx.spec.vpc.ip_family == IpFamily::Ipv6 {
            input(&mut t, "ServiceCidr", "String", StackKind::Cluster, cluster::outputs::SERVICE_IPV6_CIDR);
        }
        image_parameter(cx, &mut t, group);
    }

    let mut security_groups = vec![reference("NodeGeneralSecurityGroupId")];
    if role_group.is_some() {
        security_groups.push(reference("RoleSecurityGroupId"));
    }
    security_groups.extend(group.extra_security_groups.iter().map(|id| Value::String(id.clone())));
    let mut instance_tags = group_tags(cx, group);
    instance_tags.push((super::NODE_GROUP_TAG.to_owned(), group.name.clone()));
    let mut data = json!({
        "MetadataOptions": {
            "HttpEndpoint": "enabled",
            "HttpTokens": if cx.spec.hardening.imds.tokens_required { "required" } else { "optional" },
            "HttpPutResponseHopLimit": cx.spec.hardening.imds.hop_limit,
        },
        "BlockDeviceMappings": block_devices(group),
        "SecurityGroupIds": security_groups,
        "TagSpecifications": [
            { "ResourceType": "instance", "Tags": tag_list(&instance_tags) },
            { "ResourceType": "volume", "Tags": tag_list(&instance_tags) },
        ],
    });
    if self_managed {
        data["ImageId"] = reference("ImageId");
        if !group.is_mixed() {
            data["InstanceType"] = group.instance_type.clone().into();
        }
        data["IamInstanceProfile"] = json!({ "Arn": reference("InstanceProfileArn") });
        data["UserData"] = json!({ "Fn::Base64": { "Fn::Sub": self_managed_user_data(cx, group) } });
    } else if let Some(user_data) = managed_user_data(group) {
        data["UserData"] = json!({ "Fn::Base64": user_data });
    }
    t.resource("LaunchTemplate", "AWS::EC2::LaunchTemplate", json!({
        "LaunchTemplateData": data,
        "TagSpecifications": [{ "ResourceType": "launch-template", "Tags": cx.tag_list(&format!("node-{}", group.name)) }],
    }));
    let launch_template = json!({ "Version": get_att("LaunchTemplate", "LatestVersionNumber") });
    if self_managed {
        auto_scaling_group(cx, &mut t, group, launch_template);
    } else {
        managed_node_group(cx, &mut t, group, launch_template);
    }
    Stack {
        stack_name: kind.stack_name(cx.cluster()),
        kind,
        template: t.build(),
        parameters: inputs.into_bindings(),
        service_role: None,
        named_iam: false,
    }
}

/// The node subnets the group uses: all of them, or those its `subnets` name, picked from
/// the network stack's list by their position.
fn node_subnets(cx: &Context, group: &NodeGroup) -> Value {
    if group.subnets.is_empty() {
        return reference("PrivateSubnetIds");
    }
    let picked: Vec<Value> = cx
        .spec
        .node_subnet_indexes(group)
        .into_iter()
        .map(|i| json!({ "Fn::Select": [i, reference("PrivateSubnetIds")] }))
        .collect();
    Value::Array(picked)
}

/// The group's volumes: Amazon Linux boots from the spec's volume; Bottlerocket keeps its
/// small OS volume (encrypted too) and puts containers and images on a data volume, which is
/// the spec's.
fn block_devices(group: &NodeGroup) -> Value {
    match group.ami_family {
        AmiFamily::AmazonLinux2023 => json!([{ "DeviceName": "/dev/xvda", "Ebs": volume(group) }]),
        AmiFamily::Bottlerocket => json!([
            { "DeviceName": "/dev/xvda", "Ebs": { "Encrypted": true, "VolumeType": "gp3", "DeleteOnTermination": true } },
            { "DeviceName": "/dev/xvdb", "Ebs": volume(group) },
        ]),
    }
}

/// The spec's volume: encrypted always, of the group's type and performance.
fn volume(group: &NodeGroup) -> Value {
    let mut ebs = json!({
        "VolumeSize": group.volume_size,
        "VolumeType": group.volume_type.ec2_name(),
        "Encrypted": true,
        "DeleteOnTermination": true,
    });
    if let Some(iops) = group.volume_iops {
        ebs["Iops"] = iops.into();
    }
    if let Some(throughput) = group.volume_throughput {
        ebs["Throughput"] = throughput.into();
    }
    if let Some(key) = &group.volume_kms_key {
        ebs["KmsKeyId"] = key.clone().into();
    }
    ebs
}

/// The group's tags: the cluster's, then its own (a key in both takes the group's value).
fn group_tags(cx: &Context, group: &NodeGroup) -> Vec<(String, String)> {
    let mut tags = cx.tags(&format!("node-{}", group.name));
    tags.retain(|(key, _)| !group.tags.contains_key(key));
    tags.extend(group.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    tags
}

/// The image of a self-managed group: the custom AMI, else the family's current EKS image,
/// read from its public SSM parameter when the stack is created.
fn image_parameter(cx: &Context, t: &mut Template, group: &NodeGroup) {
    let version = &cx.spec.metadata.version;
    let architecture = if is_graviton(&group.instance_type) { "arm64" } else { "x86_64" };
    let latest = "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>";
    let (kind, description, default) = match (&group.ami, group.ami_family) {
        (Some(ami), _) => ("AWS::EC2::Image::Id", "The custom AMI", ami.clone()),
        (None, AmiFamily::AmazonLinux2023) => (
            latest,
            "The EKS-optimized Amazon Linux 2023 AMI",
            format!("/aws/service/eks/optimized-ami/{version}/amazon-linux-2023/{architecture}/standard/recommended/image_id"),
        ),
        (None, AmiFamily::Bottlerocket) => (
            latest,
            "The Bottlerocket AMI for EKS",
            format!("/aws/service/bottlerocket/aws-k8s-{version}/{architecture}/latest/image_id"),
        ),
    };
    t.parameter_with_default("ImageId", kind, description, &default);
}

/// A managed group's AMI type: its family on its architecture (Graviton families such as
/// `m7g`, `c6gn`, `r7gd` are arm64).
fn ami_type(group: &NodeGroup) -> &'static str {
    match (group.ami_family, is_graviton(&group.instance_type)) {
        (AmiFamily::AmazonLinux2023, false) => "AL2023_x86_64_STANDARD",
        (AmiFamily::AmazonLinux2023, true) => "AL2023_ARM_64_STANDARD",
        (AmiFamily::Bottlerocket, false) => "BOTTLEROCKET_x86_64",
        (AmiFamily::Bottlerocket, true) => "BOTTLEROCKET_ARM_64",
    }
}

/// A self-managed node's user data, for `Fn::Sub`: nodeadm's `NodeConfig`, or Bottlerocket's
/// settings.
fn self_managed_user_data(cx: &Context, group: &NodeGroup) -> String {
    match (group.ami_family, cx.spec.vpc.ip_family) {
        // An IPv6 cluster's service block is EKS's choice, read from the cluster stack.
        (AmiFamily::AmazonLinux2023, IpFamily::Ipv6) => user_data::node_config(group, "${ServiceCidr}"),
        (AmiFamily::AmazonLinux2023, IpFamily::Ipv4) => {
            user_data::node_config(group, &cluster::service_cidr(cx.spec).to_string())
        }
        // Validation refuses self-managed Bottlerocket in an IPv6 cluster: its DNS address
        // would come from the block EKS assigns.
        (AmiFamily::Bottlerocket, _) => user_data::bottlerocket(group, &cluster_dns_ip(cx).to_string()),
    }
}

/// The cluster DNS service's address: the tenth of the service block, as EKS assigns it.
fn cluster_dns_ip(cx: &Context) -> std::net::Ipv4Addr {
    let block = cluster::service_cidr(cx.spec).net();
    std::net::Ipv4Addr::from(u32::from(block.network()) + 10)
}

/// A managed group's user data: what it adds to EKS's own, if anything.
fn managed_user_data(group: &NodeGroup) -> Option<String> {
    match group.ami_family {
        AmiFamily::AmazonLinux2023 => user_data::managed_al2023(group),
        AmiFamily::Bottlerocket => Some(user_data::BOTTLEROCKET_HARDENING.to_owned()),
    }
}

fn managed_node_group(cx: &Context, t: &mut Template, group: &NodeGroup, mut launch_template: Value) {
    launch_template["Id"] = reference("LaunchTemplate");
    let mut properties = json!({
        "ClusterName": reference("ClusterName"),
        "NodegroupName": group.name,
        "NodeRole": reference("NodeRoleArn"),
        "Subnets": node_subnets(cx, group),
        "ScalingConfig": { "MinSize": group.min_size, "MaxSize": group.max_size, "DesiredSize": group.desired() },
        "InstanceTypes": group.instance_types(),
        "AmiType": ami_type(group),
        "LaunchTemplate": launch_template,
        "Labels": group.labels,
        "Taints": group.taints.iter().map(|t| json!({ "Key": t.key, "Value": t.value, "Effect": t.effect.eks_name() })).collect::<Vec<_>>(),
        "Tags": tag_map(&group_tags(cx, group)),
    });
    // On demand is EKS's default; only spot is written.
    if group.capacity == Capacity::Spot {
        properties["CapacityType"] = group.capacity.eks_name().into();
    }
    if let Some(update) = group.update {
        properties["UpdateConfig"] = match (update.max_unavailable, update.max_unavailable_percentage) {
            (Some(n), _) => json!({ "MaxUnavailable": n }),
            (None, p) => json!({ "MaxUnavailablePercentage": p }),
        };
    }
    t.resource("NodeGroup", "AWS::EKS::Nodegroup", properties);
    t.output("NodegroupName", json!({ "Fn::GetAtt": ["NodeGroup", "NodegroupName"] }), "The managed node group");
}

/// Several instance types, spot capacity, or both: the group's types as overrides of its
/// launch template, the on-demand base and share above it (without spot capacity, all on
/// demand), spot bought from the pools least likely to be reclaimed at the lowest price.
fn mixed_instances_policy(group: &NodeGroup, launch_template: Value) -> Value {
    let spot = group.capacity == Capacity::Spot;
    let mut distribution = json!({
        "OnDemandBaseCapacity": group.on_demand_base_capacity.unwrap_or(0),
        "OnDemandPercentageAboveBaseCapacity": group.on_demand_percentage_above_base.unwrap_or(if spot { 0 } else { 100 }),
    });
    if spot {
        distribution["SpotAllocationStrategy"] = "price-capacity-optimized".into();
    }
    json!({
        "LaunchTemplate": {
            "LaunchTemplateSpecification": launch_template,
            "Overrides": group.instance_types().iter().map(|t| json!({ "InstanceType": t })).collect::<Vec<_>>(),
        },
        "InstancesDistribution": distribution,
    })
}

fn auto_scaling_group(cx: &Context, t: &mut Template, group: &NodeGroup, mut launch_template: Value) {
    launch_template["LaunchTemplateId"] = reference("LaunchTemplate");
    let mut tags: Vec<Value> = group_tags(cx, group)
        .into_iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v, "PropagateAtLaunch": true }))
        .collect();
    tags.push(json!({ "Key": format!("kubernetes.io/cluster/{}", cx.cluster()), "Value": "owned", "PropagateAtLaunch": true }));
    tags.push(json!({ "Key": super::NODE_GROUP_TAG, "Value": group.name, "PropagateAtLaunch": true }));
    let mut properties = json!({
        "MinSize": group.min_size.to_string(),
        "MaxSize": group.max_size.to_string(),
        "DesiredCapacity": group.desired().to_string(),
        "VPCZoneIdentifier": node_subnets(cx, group),
        "Tags": tags,
    });
    if group.is_mixed() {
        properties["MixedInstancesPolicy"] = mixed_instances_policy(group, launch_template);
        // Spot instances get a warning before they are reclaimed; rebalancing replaces them early.
        properties["CapacityRebalance"] = (group.capacity == Capacity::Spot).into();
    } else {
        properties["LaunchTemplate"] = launch_template;
    }
    t.resource("AutoScalingGroup", "AWS::AutoScaling::AutoScalingGroup", properties);
    t.output("AutoScalingGroupName", reference("AutoScalingGroup"), "The Auto Scaling group");
    if cx.spec.access.mode != AccessMode::AwsAuth {
        // Managed node groups get their access entry from EKS; self-managed nodes need one.
        t.resource(
            "NodeAccessEntry",
            "AWS::EKS::AccessEntry",
            json!({
                "ClusterName": reference("ClusterName"),
                "PrincipalArn": reference("NodeRoleArn"),
                "Type": "EC2_LINUX",
                "Tags": cx.tag_list(&format!("node-{}", group.name)),
            }),
        );
    }
}
