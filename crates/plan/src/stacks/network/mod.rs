//! The `network` stack: a dedicated VPC (subnets, gateways, routes, network ACLs), or what
//! eksharden owns in an existing one; VPC endpoints and flow logs either way.

mod dedicated;
mod existing;

use serde_json::{json, Value};

use super::Context;
use crate::cfn::{get_att, reference, sub, Template};
use crate::graph::{Stack, StackKind};
use crate::nacl::{Action, Block, Entry};
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
    let mut t =
        Template::new(format!("eksharden {}: network (VPC, subnets, routes, network ACLs, endpoints)", cx.cluster()));
    // W3010 "avoid hardcoding availability zones": the spec names its zones on purpose.
    t.ignore_lint_check("W3010");
    let vpc = match &cx.spec.vpc.existing {
        None => dedicated::build(cx, &mut t),
        Some(existing) => existing::build(cx, &mut t, existing),
    };
    vpc_endpoints(cx, &mut t, &vpc);
    if cx.spec.vpc.flow_logs {
        super::flow_logs::add(&mut t, cx.cluster(), &vpc.id, &|name| cx.tag_list(name));
    }
    t.output(outputs::VPC_ID, vpc.id.clone(), "The cluster VPC");
    t.output(outputs::PRIVATE_SUBNET_IDS, joined(vpc.private_subnets), "Node subnets, one per zone");
    if let Some(public) = vpc.public_subnets {
        t.output(outputs::PUBLIC_SUBNET_IDS, joined(public), "Load-balancer subnets");
    }
    Stack {
        kind: StackKind::Network,
        stack_name: StackKind::Network.stack_name(cx.cluster()),
        template: t.build(),
        parameters: Vec::new(),
        service_role: None,
        named_iam: false,
    }
}

/// A list as the comma-separated text of an output.
fn joined(list: Value) -> Value {
    json!({ "Fn::Join": [",", list] })
}

/// How the stack's resources name the VPC, its subnets and the node subnets' route tables:
/// resources of the stack for a dedicated VPC, the ids of an existing one.
struct VpcRefs {
    /// The VPC id.
    id: Value,
    /// The node subnets' ids, as a list.
    private_subnets: Value,
    /// The load-balancer subnets' ids, as a list, if there are any.
    public_subnets: Option<Value>,
    /// The node subnets' route tables, as a list.
    private_route_tables: Value,
}

/// The VPC's Amazon-provided IPv6 block, as CloudFormation reads it.
fn vpc_ipv6_block() -> Value {
    get_att_first("Vpc", "Ipv6CidrBlocks")
}

/// The first item of a list attribute.
fn get_att_first(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::Select": [0, get_att(resource, attribute)] })
}

fn network_acl(cx: &Context, t: &mut Template, id: &str, name: &str, entries: &[Entry], vpc: &Value) {
    t.resource(id, "AWS::EC2::NetworkAcl", json!({ "VpcId": vpc, "Tags": cx.tag_list(name) }));
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

fn vpc_endpoints(cx: &Context, t: &mut Template, vpc: &VpcRefs) {
    let spec = cx.spec;
    if has_interface_endpoints(spec) {
        // Rules are added by the security-groups stack, which knows the node groups; this
        // group starts with no outbound rule (EKS-SG-ROLES: the endpoint group's outbound table is empty).
        t.resource(
            Group::VpcEndpoint.logical_id(),
            "AWS::EC2::SecurityGroup",
            json!({
                "GroupDescription": format!("eksharden {}: VPC endpoints (EKS-SG-ROLES)", cx.cluster()),
                "VpcId": vpc.id,
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
    for service in &spec.vpc_endpoints() {
        let id = format!("{}Endpoint", crate::cfn::pascal_case(service.name()));
        let service_name = sub(&format!("com.amazonaws.${{AWS::Region}}.{}", service.name()));
        let properties = if service.is_gateway() {
            json!({ "VpcId": vpc.id, "ServiceName": service_name, "VpcEndpointType": "Gateway", "RouteTableIds": vpc.private_route_tables })
        } else {
            json!({
                "VpcId": vpc.id,
                "ServiceName": service_name,
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": true,
                "SubnetIds": vpc.private_subnets,
                "SecurityGroupIds": [reference(Group::VpcEndpoint.logical_id())],
            })
        };
        t.resource(&id, "AWS::EC2::VPCEndpoint", properties);
    }
}

#[cfg(test)]
mod tests {
    use eksharden_spec::{load, SourceFile};

    #[test]
    fn a_vpc_without_nat_gets_the_endpoints_session_manager_needs() {
        let text = "apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c, region: eu-west-1}\n\
            vpc: {cidr: 10.0.0.0/16, availabilityZones: [eu-west-1a, eu-west-1b], nat: none, vpnCidrs: [172.16.0.0/16], \
            endpoints: [ecr.api, ecr.dkr, s3, sts, ec2]}\naccess: {admins: [{arn: 'arn:aws:iam::111122223333:role/a'}]}\n";
        let spec = load(&SourceFile { name: "c.yaml".into(), text: text.into() }).unwrap().spec;
        let network = super::stack(&super::Context { spec: &spec });
        let resources = network.template["Resources"].as_object().unwrap();
        for service in ["Ssm", "Ssmmessages", "Ec2messages"] {
            let endpoint = &resources[&format!("{service}Endpoint")]["Properties"];
            assert_eq!(endpoint["VpcEndpointType"], "Interface", "{service}");
        }
        let with_nat = text.replace("nat: none, ", "");
        let spec = load(&SourceFile { name: "c.yaml".into(), text: with_nat }).unwrap().spec;
        let network = super::stack(&super::Context { spec: &spec });
        assert!(network.template["Resources"].get("SsmEndpoint").is_none(), "with NAT, nodes reach SSM through it");
    }
}
