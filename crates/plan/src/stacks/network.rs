//! The `network` stack: VPC, subnets, gateways, routes, network ACLs, VPC endpoints, flow logs.
//!
//! Nodes live in private subnets with no route to the internet gateway and no public IPs
//! (STACKROX-EKS, "VPC Layout"); public subnets hold only load balancers and NAT gateways.

use eksharden_spec::layout::{zone_subnets, ZoneSubnets};
use eksharden_spec::model::{IpFamily, NatMode};
use serde_json::{json, Value};

use super::Context;
use crate::cfn::{get_att, join_commas, reference, sub, Template};
use crate::graph::{Stack, StackKind};
use crate::nacl::{self, Action, Block, Entry};
use crate::rules::{has_interface_endpoints, Group};

/// Outputs other stacks read.
pub mod outputs {
    /// The VPC id.
    pub const VPC_ID: &str = "VpcId";
    /// The private (node) subnet ids, comma-separated.
    pub const PRIVATE_SUBNET_IDS: &str = "PrivateSubnetIds";
    /// The public subnet ids, comma-separated.
    pub const PUBLIC_SUBNET_IDS: &str = "PublicSubnetIds";
    /// The bastion subnet id.
    pub const BASTION_SUBNET_ID: &str = "BastionSubnetId";
    /// The VPC endpoint security group id.
    pub const ENDPOINT_SECURITY_GROUP_ID: &str = "VpcEndpointSecurityGroupId";
}

/// The network stack.
pub fn stack(cx: &Context) -> Stack {
    let spec = cx.spec;
    let zones = zone_subnets(&spec.vpc).expect("a validated spec has a layout");
    let mut t =
        Template::new(format!("eksharden {}: network (VPC, subnets, routes, network ACLs, endpoints)", cx.cluster()));
    // W3010 "avoid hardcoding availability zones": the spec names its zones on purpose.
    t.ignore_lint_check("W3010");

    t.resource(
        "Vpc",
        "AWS::EC2::VPC",
        json!({
            "CidrBlock": spec.vpc.cidr.to_string(),
            "EnableDnsSupport": true,
            "EnableDnsHostnames": true,
            "Tags": cx.tag_list("vpc"),
        }),
    );
    t.resource("InternetGateway", "AWS::EC2::InternetGateway", json!({ "Tags": cx.tag_list("igw") }));
    t.resource(
        "InternetGatewayAttachment",
        "AWS::EC2::VPCGatewayAttachment",
        json!({
            "VpcId": reference("Vpc"), "InternetGatewayId": reference("InternetGateway"),
        }),
    );
    t.resource(
        "PublicRouteTable",
        "AWS::EC2::RouteTable",
        json!({ "VpcId": reference("Vpc"), "Tags": cx.tag_list("public") }),
    );
    t.resource_after(
        "PublicDefaultRoute",
        "AWS::EC2::Route",
        json!({
            "RouteTableId": reference("PublicRouteTable"),
            "DestinationCidrBlock": "0.0.0.0/0",
            "GatewayId": reference("InternetGateway"),
        }),
        "InternetGatewayAttachment",
    );
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        dual_stack(&mut t);
    }

    for (i, zone) in zones.iter().enumerate() {
        zone_resources(cx, &mut t, i, zone);
    }
    if let Some(entries) = nacl::node_subnet_entries(spec) {
        network_acl(cx, &mut t, "NodeNetworkAcl", "nodes", &entries);
        for i in 0..zones.len() {
            t.resource(
                &format!("PrivateSubnet{i}NetworkAclAssociation"),
                "AWS::EC2::SubnetNetworkAclAssociation",
                json!({
                    "SubnetId": reference(&format!("PrivateSubnet{i}")), "NetworkAclId": reference("NodeNetworkAcl"),
                }),
            );
        }
    }
    if let Some(bastion) = &spec.vpc.bastion {
        subnet(
            cx,
            &mut t,
            "BastionSubnet",
            json!({
                "VpcId": reference("Vpc"),
                "CidrBlock": bastion.cidr.to_string(),
                "AvailabilityZone": zones[0].zone,
                "MapPublicIpOnLaunch": false,
                "Tags": cx.tag_list_with("bastion", (super::ROLE_TAG, "bastion")),
            }),
            2 * zones.len(),
        );
        t.resource(
            "BastionSubnetRouteTableAssociation",
            "AWS::EC2::SubnetRouteTableAssociation",
            json!({
                "SubnetId": reference("BastionSubnet"), "RouteTableId": reference("PublicRouteTable"),
            }),
        );
        let entries = nacl::bastion_subnet_entries(spec).expect("a bastion has entries");
        network_acl(cx, &mut t, "BastionNetworkAcl", "bastion", &entries);
        t.resource(
            "BastionSubnetNetworkAclAssociation",
            "AWS::EC2::SubnetNetworkAclAssociation",
            json!({
                "SubnetId": reference("BastionSubnet"), "NetworkAclId": reference("BastionNetworkAcl"),
            }),
        );
        t.output(outputs::BASTION_SUBNET_ID, reference("BastionSubnet"), "The bastion subnet");
    }
    vpc_endpoints(cx, &mut t, &zones);
    if spec.vpc.flow_logs {
        flow_logs(cx, &mut t);
    }

    let ids = |prefix: &str| join_commas((0..zones.len()).map(|i| reference(&format!("{prefix}{i}"))).collect());
    t.output(outputs::VPC_ID, reference("Vpc"), "The cluster VPC");
    t.output(outputs::PRIVATE_SUBNET_IDS, ids("PrivateSubnet"), "Node subnets, one per zone");
    t.output(outputs::PUBLIC_SUBNET_IDS, ids("PublicSubnet"), "Load-balancer and NAT subnets, one per zone");

    Stack {
        kind: StackKind::Network,
        stack_name: StackKind::Network.stack_name(cx.cluster()),
        template: t.build(),
        parameters: Vec::new(),
        service_role: None,
        named_iam: false,
    }
}

/// The number of /64s taken from the VPC's IPv6 block: one per public and private subnet,
/// and one for the bastion subnet.
fn ipv6_subnet_count(cx: &Context) -> usize {
    2 * cx.spec.vpc.availability_zones.len() + 1
}

/// The IPv6 part of a dual-stack VPC: an Amazon-provided /56, `::/0` from the public
/// subnets to the internet gateway, and an egress-only internet gateway for the private
/// subnets' IPv6 (their routes are made with the private route tables).
fn dual_stack(t: &mut Template) {
    t.resource(
        "VpcIpv6Block",
        "AWS::EC2::VPCCidrBlock",
        json!({ "VpcId": reference("Vpc"), "AmazonProvidedIpv6CidrBlock": true }),
    );
    t.resource(
        "EgressOnlyInternetGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
        json!({ "VpcId": reference("Vpc") }),
    );
    t.resource_after(
        "PublicDefaultIpv6Route",
        "AWS::EC2::Route",
        json!({
            "RouteTableId": reference("PublicRouteTable"),
            "DestinationIpv6CidrBlock": "::/0",
            "GatewayId": reference("InternetGateway"),
        }),
        "InternetGatewayAttachment",
    );
}

/// The VPC's Amazon-provided IPv6 block, as CloudFormation reads it.
fn vpc_ipv6_block() -> Value {
    get_att_first("Vpc", "Ipv6CidrBlocks")
}

/// The first item of a list attribute.
fn get_att_first(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::Select": [0, get_att(resource, attribute)] })
}

/// A subnet; in an IPv6 cluster also the `n`th /64 of the VPC's IPv6 block, handing IPv6
/// addresses to the interfaces made in it (made once the VPC has its block).
fn subnet(cx: &Context, t: &mut Template, id: &str, mut properties: Value, n: usize) {
    if cx.spec.vpc.ip_family == IpFamily::Ipv6 {
        let blocks = json!({ "Fn::Cidr": [vpc_ipv6_block(), ipv6_subnet_count(cx), "64"] });
        properties["Ipv6CidrBlock"] = json!({ "Fn::Select": [n, blocks] });
        properties["AssignIpv6AddressOnCreation"] = json!(true);
        t.resource_after(id, "AWS::EC2::Subnet", properties, "VpcIpv6Block");
    } else {
        t.resource(id, "AWS::EC2::Subnet", properties);
    }
}

fn zone_resources(cx: &Context, t: &mut Template, i: usize, zone: &ZoneSubnets) {
    let nat = cx.spec.vpc.nat;
    let zones = cx.spec.vpc.availability_zones.len();
    let public = format!("PublicSubnet{i}");
    let private = format!("PrivateSubnet{i}");
    subnet(
        cx,
        t,
        &public,
        json!({
            "VpcId": reference("Vpc"),
            "CidrBlock": zone.public.to_string(),
            "AvailabilityZone": zone.zone,
            "MapPublicIpOnLaunch": false,
            "Tags": cx.tag_list_with(&format!("public-{}", zone.zone), ("kubernetes.io/role/elb", "1")),
        }),
        i,
    );
    t.resource(
        &format!("{public}RouteTableAssociation"),
        "AWS::EC2::SubnetRouteTableAssociation",
        json!({
            "SubnetId": reference(&public), "RouteTableId": reference("PublicRouteTable"),
        }),
    );
    subnet(
        cx,
        t,
        &private,
        json!({
            "VpcId": reference("Vpc"),
            "CidrBlock": zone.private.to_string(),
            "AvailabilityZone": zone.zone,
            "MapPublicIpOnLaunch": false,
            "Tags": cx.tag_list_with(&format!("private-{}", zone.zone), ("kubernetes.io/role/internal-elb", "1")),
        }),
        zones + i,
    );
    // One private route table per zone for highly available NAT; one shared otherwise.
    let per_zone = nat == NatMode::HighlyAvailable;
    let table = if per_zone { format!("PrivateRouteTable{i}") } else { "PrivateRouteTable0".to_owned() };
    if per_zone || i == 0 {
        t.resource(
            &table,
            "AWS::EC2::RouteTable",
            json!({ "VpcId": reference("Vpc"), "Tags": cx.tag_list(&format!("private-{}", zone.zone)) }),
        );
        if nat != NatMode::None {
            let gateway = format!("NatGateway{i}");
            t.resource_after(
                &format!("NatEip{i}"),
                "AWS::EC2::EIP",
                json!({ "Domain": "vpc", "Tags": cx.tag_list(&format!("nat-{}", zone.zone)) }),
                "InternetGatewayAttachment",
            );
            t.resource(
                &gateway,
                "AWS::EC2::NatGateway",
                json!({
                    "SubnetId": reference(&public),
                    "AllocationId": get_att(&format!("NatEip{i}"), "AllocationId"),
                    "Tags": cx.tag_list(&format!("nat-{}", zone.zone)),
                }),
            );
            t.resource(&format!("{table}NatRoute"), "AWS::EC2::Route", json!({
                "RouteTableId": reference(&table), "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": reference(&gateway),
            }));
            if cx.spec.vpc.ip_family == IpFamily::Ipv6 {
                // IPv6 out, and the replies in, never a connection from outside.
                t.resource(
                    &format!("{table}EgressOnlyRoute"),
                    "AWS::EC2::Route",
                    json!({
                        "RouteTableId": reference(&table),
                        "DestinationIpv6CidrBlock": "::/0",
                        "EgressOnlyInternetGatewayId": reference("EgressOnlyInternetGateway"),
                    }),
                );
            }
        }
    }
    t.resource(
        &format!("{private}RouteTableAssociation"),
        "AWS::EC2::SubnetRouteTableAssociation",
        json!({
            "SubnetId": reference(&private), "RouteTableId": reference(&table),
        }),
    );
}

fn network_acl(cx: &Context, t: &mut Template, id: &str, name: &str, entries: &[Entry]) {
    t.resource(id, "AWS::EC2::NetworkAcl", json!({ "VpcId": reference("Vpc"), "Tags": cx.tag_list(name) }));
    for entry in entries {
        let direction = if entry.egress { "Egress" } else { "Ingress" };
        let mut properties = json!({
            "NetworkAclId": reference(id),
            "RuleNumber": entry.rule_number,
            "Egress": entry.egress,
            "Protocol": if entry.tcp_ports.is_some() { 6 } else { -1 },
            "RuleAction": match entry.action { Action::Allow => "allow", Action::Deny => "deny" },
        });
        let (key, block) = match entry.cidr {
            Block::Net(net) if net.network().is_ipv4() => ("CidrBlock", json!(net.to_string())),
            Block::Net(net) => ("Ipv6CidrBlock", json!(net.to_string())),
            Block::VpcIpv6 => ("Ipv6CidrBlock", vpc_ipv6_block()),
            Block::BastionIpv6 => ("Ipv6CidrBlock", get_att_first("BastionSubnet", "Ipv6CidrBlocks")),
        };
        properties[key] = block;
        if let Some((from, to)) = entry.tcp_ports {
            properties["PortRange"] = json!({ "From": from, "To": to });
        }
        t.resource(&format!("{id}{direction}{}", entry.rule_number), "AWS::EC2::NetworkAclEntry", properties);
    }
}

fn vpc_endpoints(cx: &Context, t: &mut Template, zones: &[ZoneSubnets]) {
    let spec = cx.spec;
    if has_interface_endpoints(spec) {
        // Rules are added by the security-groups stack, which knows the node groups; this
        // group starts with no outbound rule (EKS-SG-ROLES: the endpoint group's outbound table is empty).
        t.resource(
            Group::VpcEndpoint.logical_id(),
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!("eksharden {}: VPC endpoints (EKS-SG-ROLES)", cx.cluster()),
                "VpcId": reference("Vpc"),
                "SecurityGroupEgress": [crate::stacks::security_groups::no_egress()],
                "Tags": cx.tag_list_with("vpc-endpoints", (super::ROLE_TAG, Group::VpcEndpoint.role())),
            }),
        );
        t.output(
            outputs::ENDPOINT_SECURITY_GROUP_ID,
            reference(Group::VpcEndpoint.logical_id()),
            "The VPC endpoint security group",
        );
    }
    let route_tables: Vec<Value> = if spec.vpc.nat == NatMode::HighlyAvailable {
        (0..zones.len()).map(|i| reference(&format!("PrivateRouteTable{i}"))).collect()
    } else {
        vec![reference("PrivateRouteTable0")]
    };
    for service in &spec.vpc.endpoints {
        let id = format!("{}Endpoint", crate::cfn::pascal_case(service.name()));
        let service_name = sub(&format!("com.amazonaws.${{AWS::Region}}.{}", service.name()));
        let properties = if service.is_gateway() {
            json!({ "VpcId": reference("Vpc"), "ServiceName": service_name, "VpcEndpointType": "Gateway", "RouteTableIds": route_tables })
        } else {
            json!({
                "VpcId": reference("Vpc"),
                "ServiceName": service_name,
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": true,
                "SubnetIds": (0..zones.len()).map(|i| reference(&format!("PrivateSubnet{i}"))).collect::<Vec<_>>(),
                "SecurityGroupIds": [reference(Group::VpcEndpoint.logical_id())],
            })
        };
        t.resource(&id, "AWS::EC2::VPCEndpoint", properties);
    }
}

fn flow_logs(cx: &Context, t: &mut Template) {
    t.resource(
        "FlowLogGroup",
        "AWS::Logs::LogGroup",
        json!({
            "LogGroupName": format!("/eksharden/{}/vpc-flow-logs", cx.cluster()),
            "RetentionInDays": 90,
            "Tags": cx.tag_list("flow-logs"),
        }),
    );
    t.resource("FlowLogRole", "AWS::IAM::Role", json!({
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Principal": { "Service": "vpc-flow-logs.amazonaws.com" }, "Action": "sts:AssumeRole" }],
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
        "Tags": cx.tag_list("flow-logs"),
    }));
    t.resource(
        "FlowLog",
        "AWS::EC2::FlowLog",
        json!({
            "ResourceId": reference("Vpc"),
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": reference("FlowLogGroup"),
            "DeliverLogsPermissionArn": get_att("FlowLogRole", "Arn"),
            "Tags": cx.tag_list("flow-logs"),
        }),
    );
}
