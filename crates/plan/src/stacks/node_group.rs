//! The `nodegroup-<name>` stacks: a launch template (no SSH key, IMDSv2 with the spec's hop
//! limit, encrypted root volume) and either an EKS managed node group or an Auto Scaling
//! group, in the private subnets only.

use base64::Engine;
use eksharden_spec::model::{is_graviton, AccessMode, Capacity, IpFamily, NodeGroup, NodeGroupRole, NodeGroupType};
use serde_json::{json, Value};

use super::Context;
use crate::cfn::{get_att, reference, tag_list, tag_map, Template};
use crate::graph::{OutputRef, ParameterBinding, Stack, StackKind};
use crate::rules::Group;
use crate::stacks::{cluster, iam, network, security_groups};

/// The node group's stack.
pub fn stack(cx: &Context, group: &NodeGroup) -> Stack {
    let kind = StackKind::NodeGroup(group.name.clone());
    let self_managed = group.kind == NodeGroupType::SelfManaged;
    let mut t = Template::new(format!("eksharden {}: node group {}", cx.cluster(), group.name));
    let mut parameters = Vec::new();
    let mut input = |t: &mut Template, name: &str, kind: &str, stack: StackKind, output: &str| {
        t.parameter(name, kind, &format!("From the {stack} stack's {output} output"));
        parameters.push(ParameterBinding { parameter: name.into(), from: OutputRef { stack, output: output.into() } });
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
        t.parameter_with_default(
            "ImageId",
            "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "The EKS-optimized Amazon Linux 2023 AMI",
            &format!(
                "/aws/service/eks/optimized-ami/{}/amazon-linux-2023/{}/standard/recommended/image_id",
                cx.spec.metadata.version,
                architecture(group).ssm
            ),
        );
    }

    let mut security_groups = vec![reference("NodeGeneralSecurityGroupId")];
    if role_group.is_some() {
        security_groups.push(reference("RoleSecurityGroupId"));
    }
    let mut instance_tags = group_tags(cx, group);
    instance_tags.push((super::NODE_GROUP_TAG.to_owned(), group.name.clone()));
    let mut data = json!({
        "MetadataOptions": {
            "HttpEndpoint": "enabled",
            "HttpTokens": if cx.spec.hardening.imds.tokens_required { "required" } else { "optional" },
            "HttpPutResponseHopLimit": cx.spec.hardening.imds.hop_limit,
        },
        "BlockDeviceMappings": [{
            "DeviceName": "/dev/xvda",
            "Ebs": volume(group),
        }],
        "SecurityGroupIds": security_groups,
        "TagSpecifications": [
            { "ResourceType": "instance", "Tags": tag_list(&instance_tags) },
            { "ResourceType": "volume", "Tags": tag_list(&instance_tags) },
        ],
    });
    if self_managed {
        data["ImageId"] = reference("ImageId");
        data["InstanceType"] = group.instance_type.clone().into();
        data["IamInstanceProfile"] = json!({ "Arn": reference("InstanceProfileArn") });
        // An IPv6 cluster's service block is EKS's choice, read from the cluster stack.
        let service_cidr = match cx.spec.vpc.ip_family {
            IpFamily::Ipv4 => cluster::service_cidr(cx.spec).to_string(),
            IpFamily::Ipv6 => "${ServiceCidr}".to_owned(),
        };
        data["UserData"] = json!({ "Fn::Base64": { "Fn::Sub": node_config(group, &service_cidr) } });
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
        parameters,
        service_role: None,
        named_iam: false,
    }
}

/// The root volume: encrypted always, of the group's type and performance.
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

struct Architecture {
    ssm: &'static str,
    ami_type: &'static str,
}

/// Graviton families (`m7g`, `c6gn`, `r7gd`) run the arm64 AMI.
fn architecture(group: &NodeGroup) -> Architecture {
    if is_graviton(&group.instance_type) {
        Architecture { ssm: "arm64", ami_type: "AL2023_ARM_64_STANDARD" }
    } else {
        Architecture { ssm: "x86_64", ami_type: "AL2023_x86_64_STANDARD" }
    }
}

/// The nodeadm `NodeConfig` that joins a self-managed node to the cluster, with its labels
/// and taints, as a MIME multi-part user data document for `Fn::Sub`.
///
/// No spec value is pasted: each kubelet flag is a quoted YAML scalar (JSON's escapes, so a
/// newline cannot end the line or the MIME part) with `${` escaped for `Fn::Sub`. The spec's
/// validation already refuses such values; this keeps the document's shape even without it.
fn node_config(group: &NodeGroup, service_cidr: &str) -> String {
    let flags = kubelet_flags(group);
    let kubelet = if flags.is_empty() {
        String::new()
    } else {
        let quoted = flags.iter().map(|f| format!("      - {}\n", sub_literal(&yaml_quoted(f)))).collect::<String>();
        format!("  kubelet:\n    flags:\n{quoted}")
    };
    format!(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{USER_DATA_BOUNDARY}\"\n\n{}--{USER_DATA_BOUNDARY}\n\
         Content-Type: {NODE_CONFIG_TYPE}\n\n\
         ---\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: ${{ClusterName}}\n    \
         apiServerEndpoint: ${{ClusterEndpoint}}\n    certificateAuthority: ${{CertificateAuthorityData}}\n    cidr: {service_cidr}\n\
         {kubelet}\n--{USER_DATA_BOUNDARY}--\n",
        pre_bootstrap_part(group)
    )
}

/// The group's pre-bootstrap commands as a user-data part of their own, before eksharden's:
/// a shell script that stops at the first failing command, base64-encoded, so that no
/// command can end the part, add one or reach `Fn::Sub` (its alphabet has no `-`, `$` or
/// line breaks but the encoding's own). Empty without commands.
fn pre_bootstrap_part(group: &NodeGroup) -> String {
    if group.pre_bootstrap_commands.is_empty() {
        return String::new();
    }
    let script = format!("#!/bin/bash\nset -o errexit\n{}\n", group.pre_bootstrap_commands.join("\n"));
    let encoded = base64::engine::general_purpose::STANDARD.encode(script);
    let lines: Vec<&str> =
        encoded.as_bytes().chunks(76).map(|l| std::str::from_utf8(l).expect("base64 is ASCII")).collect();
    format!(
        "--{USER_DATA_BOUNDARY}\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\nContent-Transfer-Encoding: base64\n\n{}\n\n",
        lines.join("\n")
    )
}

/// A managed group's user data: only its pre-bootstrap part (EKS adds its own NodeConfig),
/// or none.
fn managed_user_data(group: &NodeGroup) -> Option<String> {
    let part = pre_bootstrap_part(group);
    (!part.is_empty()).then(|| {
        format!(
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{USER_DATA_BOUNDARY}\"\n\n{part}--{USER_DATA_BOUNDARY}--\n"
        )
    })
}

/// The MIME boundary of a self-managed node's user data.
const USER_DATA_BOUNDARY: &str = "//";

/// The content type of the one part eksharden writes: nodeadm's `NodeConfig`.
const NODE_CONFIG_TYPE: &str = "application/node.eks.aws";

/// The kubelet flags that carry a group's labels and taints.
fn kubelet_flags(group: &NodeGroup) -> Vec<String> {
    let mut flags = Vec::new();
    if !group.labels.is_empty() {
        let labels: Vec<String> = group.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        flags.push(format!("--node-labels={}", labels.join(",")));
    }
    if !group.taints.is_empty() {
        let taints: Vec<String> =
            group.taints.iter().map(|t| format!("{}={}:{}", t.key, t.value, t.effect.kubernetes_name())).collect();
        flags.push(format!("--register-with-taints={}", taints.join(",")));
    }
    flags
}

/// `text` as a double-quoted YAML scalar on one line, in ASCII (a MIME part without a
/// charset is ASCII): `"` and `\\` escaped, every other character outside printable ASCII
/// (line breaks, control characters, anything non-ASCII) written as a `\\u` or `\\U` escape.
fn yaml_quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            ' '..='~' => quoted.push(c),
            _ if u32::from(c) <= 0xffff => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            _ => quoted.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    quoted.push('"');
    quoted
}

/// `text` as literal text inside an `Fn::Sub` string: `${` written `${!`.
fn sub_literal(text: &str) -> String {
    text.replace("${", "${!")
}

fn managed_node_group(cx: &Context, t: &mut Template, group: &NodeGroup, mut launch_template: Value) {
    launch_template["Id"] = reference("LaunchTemplate");
    let mut properties = json!({
        "ClusterName": reference("ClusterName"),
        "NodegroupName": group.name,
        "NodeRole": reference("NodeRoleArn"),
        "Subnets": reference("PrivateSubnetIds"),
        "ScalingConfig": { "MinSize": group.min_size, "MaxSize": group.max_size, "DesiredSize": group.desired() },
        "InstanceTypes": group.instance_types(),
        "AmiType": architecture(group).ami_type,
        "LaunchTemplate": launch_template,
        "Labels": group.labels,
        "Taints": group.taints.iter().map(|t| json!({ "Key": t.key, "Value": t.value, "Effect": t.effect.eks_name() })).collect::<Vec<_>>(),
        "Tags": tag_map(&group_tags(cx, group)),
    });
    // On demand is EKS's default; only spot is written.
    if group.capacity == Capacity::Spot {
        properties["CapacityType"] = group.capacity.eks_name().into();
    }
    t.resource("NodeGroup", "AWS::EKS::Nodegroup", properties);
    t.output("NodegroupName", json!({ "Fn::GetAtt": ["NodeGroup", "NodegroupName"] }), "The managed node group");
}

fn auto_scaling_group(cx: &Context, t: &mut Template, group: &NodeGroup, mut launch_template: Value) {
    launch_template["LaunchTemplateId"] = reference("LaunchTemplate");
    let mut tags: Vec<Value> = group_tags(cx, group)
        .into_iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v, "PropagateAtLaunch": true }))
        .collect();
    tags.push(json!({ "Key": format!("kubernetes.io/cluster/{}", cx.cluster()), "Value": "owned", "PropagateAtLaunch": true }));
    tags.push(json!({ "Key": super::NODE_GROUP_TAG, "Value": group.name, "PropagateAtLaunch": true }));
    t.resource(
        "AutoScalingGroup",
        "AWS::AutoScaling::AutoScalingGroup",
        json!({
            "LaunchTemplate": launch_template,
            "MinSize": group.min_size.to_string(),
            "MaxSize": group.max_size.to_string(),
            "DesiredCapacity": group.desired().to_string(),
            "VPCZoneIdentifier": reference("PrivateSubnetIds"),
            "Tags": tags,
        }),
    );
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
