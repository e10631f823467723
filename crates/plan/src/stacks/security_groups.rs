//! The `security-groups` stack: the EKS-SG-ROLES groups and every rule of [`crate::rules`].
//!
//! Groups are created with one placeholder outbound rule (to 127.0.0.1/32), which makes
//! CloudFormation drop EC2's default allow-all egress: a group's outbound rules are then
//! exactly the ones listed. Rules are separate resources, because groups refer to each other.

use eksharden_spec::model::PodNetworkingMode;
use serde_json::{json, Value};

use super::Context;
use crate::cfn::{reference, Template};
use crate::graph::{OutputRef, ParameterBinding, Stack, StackKind};
use crate::rules::{self, Direction, Group, Peer, Protocol, Rule};
use crate::stacks::network;

/// The parameter that carries the VPC id.
const VPC_PARAMETER: &str = "VpcId";
/// The parameter that carries the endpoint group, which the network stack creates.
const ENDPOINT_GROUP_PARAMETER: &str = "VpcEndpointSecurityGroupId";

/// The output naming a group's id.
pub fn output_name(group: Group) -> String {
    format!("{}Id", group.logical_id())
}

/// The outbound rule that stands in for "no outbound traffic": loopback never leaves the ENI.
pub fn no_egress() -> Value {
    json!({ "IpProtocol": "-1", "CidrIp": "127.0.0.1/32", "Description": "no outbound rules: replaces the default allow-all egress" })
}

/// The security-groups stack.
pub fn stack(cx: &Context) -> Stack {
    let groups = rules::groups(cx.spec);
    let mut t = Template::new(format!("eksharden {}: security groups (AWS-EKS-SG and EKS-SG-ROLES)", cx.cluster()));
    t.parameter(VPC_PARAMETER, "AWS::EC2::VPC::Id", "The cluster VPC");
    let mut parameters = vec![binding(VPC_PARAMETER, network::outputs::VPC_ID)];
    if groups.contains(&Group::VpcEndpoint) {
        t.parameter(ENDPOINT_GROUP_PARAMETER, "AWS::EC2::SecurityGroup::Id", "The VPC endpoint security group");
        parameters.push(binding(ENDPOINT_GROUP_PARAMETER, network::outputs::ENDPOINT_SECURITY_GROUP_ID));
    }
    let namespaces = cx.spec.pod_networking.namespaces.join(" ");
    for &group in groups.iter().filter(|g| **g != Group::VpcEndpoint) {
        let mut tags = vec![(super::ROLE_TAG, group.role())];
        if group == Group::Pods && cx.spec.pod_networking.mode == PodNetworkingMode::SecurityGroupsForPods {
            tags.push((super::POD_NAMESPACES_TAG, namespaces.as_str()));
        }
        t.resource(
            group.logical_id(),
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!("eksharden {}: {} (EKS-SG-ROLES)", cx.cluster(), group.title()),
                "VpcId": reference(VPC_PARAMETER),
                "SecurityGroupEgress": [no_egress()],
                "Tags": cx.tag_list_with_all(&group.logical_id().replace("SecurityGroup", "").to_lowercase(), &tags),
            }),
        );
        t.output(&output_name(group), reference(group.logical_id()), &format!("The {} security group", group.title()));
    }
    let mut counters = std::collections::HashMap::new();
    for rule in rules::rules(cx.spec) {
        let direction = match rule.direction {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        };
        let n = counters.entry((rule.group, rule.direction)).and_modify(|n| *n += 1).or_insert(0);
        let id = format!("{}{direction}{n}", rule.group.logical_id());
        t.resource(&id, &format!("AWS::EC2::SecurityGroup{direction}"), rule_properties(&rule));
    }
    Stack {
        kind: StackKind::SecurityGroups,
        stack_name: StackKind::SecurityGroups.stack_name(cx.cluster()),
        template: t.build(),
        parameters,
        service_role: None,
        named_iam: false,
    }
}

fn binding(parameter: &str, output: &str) -> ParameterBinding {
    ParameterBinding {
        parameter: parameter.into(),
        from: OutputRef { stack: StackKind::Network, output: output.into() },
    }
}

/// A group's id inside this template: a resource, or the endpoint group's parameter.
fn group_ref(group: Group) -> Value {
    match group {
        Group::VpcEndpoint => reference(ENDPOINT_GROUP_PARAMETER),
        other => reference(other.logical_id()),
    }
}

fn rule_properties(rule: &Rule) -> Value {
    let mut properties = json!({
        "GroupId": group_ref(rule.group),
        "Description": rule.description,
    });
    properties["IpProtocol"] = rule.protocol.ip_protocol().into();
    if rule.protocol != Protocol::All {
        properties["FromPort"] = rule.ports.0.into();
        properties["ToPort"] = rule.ports.1.into();
    }
    let (group_key, prefix_list_key) = match rule.direction {
        Direction::Ingress => ("SourceSecurityGroupId", "SourcePrefixListId"),
        Direction::Egress => ("DestinationSecurityGroupId", "DestinationPrefixListId"),
    };
    match &rule.peer {
        Peer::Group(peer) => properties[group_key] = group_ref(*peer),
        Peer::Cidr(cidr) => properties["CidrIp"] = cidr.to_string().into(),
        Peer::Cidr6(cidr) => properties["CidrIpv6"] = cidr.to_string().into(),
        Peer::PrefixList(id) => properties[prefix_list_key] = id.clone().into(),
    }
    properties
}
