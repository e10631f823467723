//! What eksharden owns in an existing VPC: the bastion subnet with its network ACL, where
//! the spec asks for one. The VPC, its subnets and their route tables are the user's: the
//! template names them by parameters whose defaults are the ids `create` read, and changes
//! none of them (the node-subnet ACL guard is the `network-acl` hardening step's reported
//! change, which `create` makes after the stacks, not the stack's).

use eksharden_spec::model::{ExistingVpc, VpcEndpointService};
use serde_json::{json, Value};

use super::{network_acl, outputs, VpcRefs};
use crate::cfn::{reference, Template};
use crate::nacl;
use crate::stacks::Context;

/// The existing VPC's ids as parameters, and the bastion subnet.
pub(super) fn build(cx: &Context, t: &mut Template, existing: &ExistingVpc) -> VpcRefs {
    let resolved = existing.resolved.as_ref();
    let ids_given =
        |entries: &[String]| entries.iter().all(|e| ExistingVpc::is_subnet_id(e)).then(|| entries.join(","));
    parameter(t, "VpcId", "AWS::EC2::VPC::Id", "The existing VPC", Some(existing.id.clone()));
    let private = resolved.map(|r| r.private_subnet_ids.join(",")).or_else(|| ids_given(&existing.private_subnets));
    parameter(t, "PrivateSubnetIds", "List<AWS::EC2::Subnet::Id>", "The node subnets (private)", private);
    let public_subnets = (!existing.public_subnets.is_empty()).then(|| {
        let public = resolved.map(|r| r.public_subnet_ids.join(",")).or_else(|| ids_given(&existing.public_subnets));
        parameter(t, "PublicSubnetIds", "List<AWS::EC2::Subnet::Id>", "The load-balancer subnets", public);
        reference("PublicSubnetIds")
    });
    let gateway_endpoint = cx.spec.vpc.endpoints.iter().any(|s| VpcEndpointService::is_gateway(*s));
    if gateway_endpoint {
        let tables = resolved.map(|r| r.private_route_tables.join(","));
        parameter(t, "PrivateRouteTableIds", "CommaDelimitedList", "The node subnets' route tables", tables);
    }
    if cx.spec.vpc.bastion.is_some() {
        bastion(cx, t, existing);
    }
    VpcRefs {
        id: reference("VpcId"),
        private_subnets: reference("PrivateSubnetIds"),
        public_subnets,
        private_route_tables: if gateway_endpoint { reference("PrivateRouteTableIds") } else { json!([]) },
    }
}

/// A parameter, with its default when it is known.
fn parameter(t: &mut Template, name: &str, kind: &str, description: &str, default: Option<String>) {
    match default {
        Some(default) => t.parameter_with_default(name, kind, description, &default),
        None => t.parameter(name, kind, description),
    };
}

/// The bastion subnet of STACKROX-EKS in the first zone, with its own ACL; it routes like the
/// first public subnet (to the internet gateway, for SSH from `allowSshFrom`), or, without
/// public subnets, through a table of its own with no route out (Session Manager only).
fn bastion(cx: &Context, t: &mut Template, existing: &ExistingVpc) {
    let bastion = cx.spec.vpc.bastion.as_ref().expect("a bastion");
    t.resource(
        "BastionSubnet",
        "AWS::EC2::Subnet",
        json!({
            "VpcId": reference("VpcId"),
            "CidrBlock": bastion.cidr.to_string(),
            "AvailabilityZone": cx.spec.vpc.availability_zones[0],
            "MapPublicIpOnLaunch": false,
            "Tags": cx.tag_list_with("bastion", (crate::stacks::ROLE_TAG, "bastion")),
        }),
    );
    let table: Value = if existing.public_subnets.is_empty() {
        t.resource(
            "BastionRouteTable",
            "AWS::EC2::RouteTable",
            json!({ "VpcId": reference("VpcId"), "Tags": cx.tag_list("bastion") }),
        );
        reference("BastionRouteTable")
    } else {
        let table = existing.resolved.as_ref().and_then(|r| r.public_route_table.clone());
        parameter(t, "BastionRouteTableId", "String", "The first public subnet's route table", table);
        reference("BastionRouteTableId")
    };
    t.resource(
        "BastionSubnetRouteTableAssociation",
        "AWS::EC2::SubnetRouteTableAssociation",
        json!({ "SubnetId": reference("BastionSubnet"), "RouteTableId": table }),
    );
    let entries = nacl::bastion_subnet_entries(cx.spec).expect("a bastion has entries");
    network_acl(cx, t, "BastionNetworkAcl", "bastion", &entries, &reference("VpcId"));
    t.resource(
        "BastionSubnetNetworkAclAssociation",
        "AWS::EC2::SubnetNetworkAclAssociation",
        json!({ "SubnetId": reference("BastionSubnet"), "NetworkAclId": reference("BastionNetworkAcl") }),
    );
    t.output(outputs::BASTION_SUBNET_ID, reference("BastionSubnet"), "The bastion subnet");
}
