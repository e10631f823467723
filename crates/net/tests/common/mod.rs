//! A small VPC to test the engine on: a public subnet with an internet gateway and a NAT
//! gateway, two private subnets routed through the NAT, every ACL open until a test
//! changes it.

#![allow(dead_code)]

pub mod dice;
pub mod synthetic;

use std::fmt::Debug;
use std::str::FromStr;

use eksharden_net::model::*;
use eksharden_net::ports::{PortRange, Protocol, RuleProtocol};

/// An address block of the type the place needs (`Ipv4Net`, `Ipv6Net` or `IpNet`).
pub fn net<T: FromStr<Err: Debug>>(s: &str) -> T {
    s.parse().unwrap()
}

/// An address of the type the place needs (`Ipv4Addr`, `Ipv6Addr` or `IpAddr`).
pub fn ip<T: FromStr<Err: Debug>>(s: &str) -> T {
    s.parse().unwrap()
}

pub fn open_acl(id: &str) -> NetworkAcl {
    NetworkAcl {
        id: id.to_owned(),
        entries: vec![
            entry(100, false, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
            entry(100, true, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
        ],
    }
}

pub fn entry(number: u16, egress: bool, protocol: RuleProtocol, ports: PortRange, cidr: &str, allow: bool) -> AclEntry {
    AclEntry { number, egress, protocol, ports, cidr: net(cidr), allow }
}

pub fn tcp(from: u16, to: u16) -> (RuleProtocol, PortRange) {
    (RuleProtocol::One(Protocol::Tcp), PortRange::new(from, to))
}

pub fn rule(ports: (RuleProtocol, PortRange), peer: Peer) -> SgRule {
    SgRule { protocol: ports.0, ports: ports.1, peer, description: None }
}

pub fn all_to(peer: Peer) -> SgRule {
    SgRule { protocol: RuleProtocol::All, ports: PortRange::ALL, peer, description: None }
}

pub fn cidr(s: &str) -> Peer {
    Peer::Cidr(net(s))
}

pub fn group(id: &str, ingress: Vec<SgRule>, egress: Vec<SgRule>) -> SecurityGroup {
    SecurityGroup { id: id.to_owned(), name: format!("{id}-name"), ingress, egress }
}

pub fn eni(id: &str, subnet: &str, private: &str, groups: &[&str]) -> Eni {
    Eni {
        id: id.to_owned(),
        label: id.to_owned(),
        subnet: subnet.to_owned(),
        private_ip: ip(private),
        public_ip: None,
        ipv6: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
        origin: Origin::Real,
    }
}

fn subnet(id: &str, cidr: &str, zone: &str, table: &str) -> Subnet {
    Subnet {
        id: id.to_owned(),
        name: id.to_owned(),
        cidr: net(cidr),
        zone: zone.to_owned(),
        route_table: table.to_owned(),
        network_acl: format!("acl-{id}"),
        map_public_ip_on_launch: false,
        ipv6_cidr: None,
        assign_ipv6_on_creation: false,
    }
}

fn route(destination: &str, target: RouteTarget) -> Route {
    Route { destination: RouteDestination::Cidr(net(destination)), target }
}

/// Subnets `public` (10.0.0.0/24, zone a), `a` (10.0.1.0/24, zone a) and `b` (10.0.2.0/24,
/// zone b); `rtb-public` sends 0/0 to `igw-1`, `rtb-private` to `nat-1` in `public`.
pub fn vpc() -> Model {
    Model {
        vpc_id: "vpc-1".to_owned(),
        vpc_cidrs: vec![net("10.0.0.0/16")],
        vpc_ipv6_cidrs: Vec::new(),
        subnets: vec![
            subnet("public", "10.0.0.0/24", "zone-a", "rtb-public"),
            subnet("a", "10.0.1.0/24", "zone-a", "rtb-private"),
            subnet("b", "10.0.2.0/24", "zone-b", "rtb-private"),
        ],
        route_tables: vec![
            RouteTable {
                id: "rtb-public".to_owned(),
                routes: vec![
                    route("10.0.0.0/16", RouteTarget::Local),
                    route("0.0.0.0/0", RouteTarget::InternetGateway("igw-1".into())),
                ],
            },
            RouteTable {
                id: "rtb-private".to_owned(),
                routes: vec![
                    route("10.0.0.0/16", RouteTarget::Local),
                    route("0.0.0.0/0", RouteTarget::NatGateway("nat-1".into())),
                ],
            },
        ],
        network_acls: vec![open_acl("acl-public"), open_acl("acl-a"), open_acl("acl-b")],
        security_groups: Vec::new(),
        enis: Vec::new(),
        nat_gateways: vec![NatGateway { id: "nat-1".into(), subnet: "public".into(), private_ip: ip("10.0.0.5") }],
        vpc_endpoints: Vec::new(),
        prefix_lists: Default::default(),
        public_api: None,
        unread: Default::default(),
    }
}

pub fn acl_mut<'m>(model: &'m mut Model, id: &str) -> &'m mut NetworkAcl {
    model.network_acls.iter_mut().find(|a| a.id == id).unwrap()
}
