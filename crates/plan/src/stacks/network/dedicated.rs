//! A dedicated VPC: nodes live in private subnets with no route to the internet gateway and
//! no public IPs (STACKROX-EKS, "VPC Layout"); public subnets hold only load balancers and
//! NAT gateways.

use eksharden_spec::layout::{self, zone_subnets, ZoneSubnets};
use eksharden_spec::model::{IpFamily, NatMode, PodNetworkingMode};
use serde_json::{json, Value};

use super::{network_acl, outputs, vpc_ipv6_block, VpcRefs};
use crate::cfn::{get_att, reference, Template};
use crate::nacl;
use crate::stacks::{Context, POD_SUBNET_ROLE};

/// A dedicated VPC: its subnets, gateways, routes and network ACLs.
pub(super) fn build(cx: &Context, t: &mut Template) -> VpcRefs {
    let spec = cx.spec;
    let zones = zone_subnets(&spec.vpc).expect("a validated spec has a layout");

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
        dual_stack(t);
    }

    for (i, zone) in zones.iter().enumerate() {
        zone_resources(cx, t, i, zone);
    }
    if spec.pod_networking.mode == PodNetworkingMode::CustomNetworking {
        pod_subnets(cx, t);
    }
    if let Some(entries) = nacl::node_subnet_entries(spec) {
        network_acl(cx, t, "NodeNetworkAcl", "nodes", &entries, &reference("Vpc"));
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
            t,
            "BastionSubnet",
            json!({
                "VpcId": reference("Vpc"),
                "CidrBlock": bastion.cidr.to_string(),
                "AvailabilityZone": zones[0].zone,
                "MapPublicIpOnLaunch": false,
                "Tags": cx.tag_list_with("bastion", (crate::stacks::ROLE_TAG, "bastion")),
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
        network_acl(cx, t, "BastionNetworkAcl", "bastion", &entries, &reference("Vpc"));
        t.resource(
            "BastionSubnetNetworkAclAssociation",
            "AWS::EC2::SubnetNetworkAclAssociation",
            json!({
                "SubnetId": reference("BastionSubnet"), "NetworkAclId": reference("BastionNetworkAcl"),
            }),
        );
        t.output(outputs::BASTION_SUBNET_ID, reference("BastionSubnet"), "The bastion subnet");
    }
    let refs = |prefix: &str| (0..zones.len()).map(|i| reference(&format!("{prefix}{i}"))).collect::<Value>();
    let private_route_tables = if spec.vpc.nat == NatMode::HighlyAvailable {
        (0..zones.len()).map(|i| reference(&format!("PrivateRouteTable{i}"))).collect()
    } else {
        json!([reference("PrivateRouteTable0")])
    };
    VpcRefs {
        id: reference("Vpc"),
        private_subnets: refs("PrivateSubnet"),
        public_subnets: Some(refs("PublicSubnet")),
        private_route_tables,
    }
}

/// Custom networking's pod subnets (AWS-EKS-CUSTOM-NET): the VPC's secondary block for pods,
/// one subnet of it per zone tagged for the pods' role, each routed as its zone's node subnet.
/// They keep the VPC's default ACL: the node-subnet guard is for the nodes' ports (a pod may
/// serve on 22), and it still stops pods reaching the nodes on them.
fn pod_subnets(cx: &Context, t: &mut Template) {
    let spec = cx.spec;
    t.resource(
        "PodCidrBlock",
        "AWS::EC2::VPCCidrBlock",
        json!({ "VpcId": reference("Vpc"), "CidrBlock": spec.pod_networking.pod_cidr.to_string() }),
    );
    for (i, (zone, block)) in layout::pod_subnets(&spec.vpc, spec.pod_networking.pod_cidr).into_iter().enumerate() {
        let id = format!("PodSubnet{i}");
        t.resource_after(
            &id,
            "AWS::EC2::Subnet",
            json!({
                "VpcId": reference("Vpc"),
                "CidrBlock": block.to_string(),
                "AvailabilityZone": zone,
                "MapPublicIpOnLaunch": false,
                "Tags": cx.tag_list_with(&format!("pods-{zone}"), (crate::stacks::ROLE_TAG, POD_SUBNET_ROLE)),
            }),
            "PodCidrBlock",
        );
        let table = private_route_table(spec.vpc.nat, i);
        t.resource(
            &format!("{id}RouteTableAssociation"),
            "AWS::EC2::SubnetRouteTableAssociation",
            json!({ "SubnetId": reference(&id), "RouteTableId": reference(&table) }),
        );
    }
}

/// The logical id of the route table of zone `i`'s private subnets: one per zone for highly
/// available NAT, one shared otherwise.
fn private_route_table(nat: NatMode, i: usize) -> String {
    if nat == NatMode::HighlyAvailable {
        format!("PrivateRouteTable{i}")
    } else {
        "PrivateRouteTable0".to_owned()
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
    let table = private_route_table(nat, i);
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
