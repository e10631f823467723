//! The network model: what the AWS APIs say about a VPC, as plain data.
//!
//! Discovery (in `crates/aws`) fills it from describe calls; tests and benchmarks build it
//! by hand. Ids are AWS ids; the engine indexes them once.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::ports::{PortRange, RuleProtocol};

/// A VPC and everything in it that decides reachability.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// The VPC's id.
    pub vpc_id: String,
    /// The VPC's address blocks; traffic between them takes the local route.
    pub vpc_cidrs: Vec<Ipv4Net>,
    /// The subnets.
    pub subnets: Vec<Subnet>,
    /// The route tables.
    pub route_tables: Vec<RouteTable>,
    /// The network ACLs.
    pub network_acls: Vec<NetworkAcl>,
    /// The security groups.
    pub security_groups: Vec<SecurityGroup>,
    /// The network interfaces, real and representative.
    pub enis: Vec<Eni>,
    /// The NAT gateways.
    pub nat_gateways: Vec<NatGateway>,
    /// The VPC endpoints.
    pub vpc_endpoints: Vec<VpcEndpoint>,
    /// The address blocks of the managed prefix lists that rules and routes name.
    pub prefix_lists: BTreeMap<String, Vec<Ipv4Net>>,
    /// The cluster's public API endpoint, when it has one.
    pub public_api: Option<PublicApi>,
}

impl Peer {
    /// Whether the peer is the whole internet, IPv4 (`0.0.0.0/0`) or IPv6 (`::/0`).
    pub fn is_whole_internet(&self) -> bool {
        match self {
            Self::Cidr(block) => block.prefix_len() == 0,
            Self::Cidr6(block) => block.prefix_len() == 0,
            Self::Group(_) | Self::PrefixList(_) => false,
        }
    }
}

impl Model {
    /// The address blocks named by the rules of the groups `keep` accepts, by ACL entries
    /// and by the public endpoint's access list (with repeats).
    pub fn named_blocks<'a>(
        &'a self,
        keep: impl Fn(&SecurityGroup) -> bool + 'a,
    ) -> impl Iterator<Item = Ipv4Net> + 'a {
        let rules = self
            .security_groups
            .iter()
            .filter(move |g| keep(g))
            .flat_map(|g| g.ingress.iter().chain(&g.egress))
            .filter_map(|r| match r.peer {
                Peer::Cidr(block) => Some(block),
                _ => None,
            });
        let entries = self.network_acls.iter().flat_map(|a| a.entries.iter().map(|e| e.cidr));
        let api = self.public_api.iter().flat_map(|a| a.cidrs.iter().copied());
        rules.chain(entries).chain(api)
    }

    /// Whether `subnet`'s route table sends the default route to an internet gateway (a
    /// public subnet).
    pub fn routes_to_internet(&self, subnet: &Subnet) -> bool {
        self.route_tables.iter().filter(|t| t.id == subnet.route_table).flat_map(|t| &t.routes).any(|r| {
            matches!(r.target, RouteTarget::InternetGateway(_))
                && r.destination == RouteDestination::Cidr(Ipv4Net::default())
        })
    }
}

/// A subnet.
#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    /// The subnet id.
    pub id: String,
    /// Its `Name` tag, or the id.
    pub name: String,
    /// Its address block.
    pub cidr: Ipv4Net,
    /// Its availability zone.
    pub zone: String,
    /// The route table it uses (its own association, else the VPC's main table).
    pub route_table: String,
    /// The network ACL it is associated with.
    pub network_acl: String,
    /// Whether instances launched here get a public IP.
    pub map_public_ip_on_launch: bool,
}

/// A route table.
#[derive(Debug, Clone, Serialize)]
pub struct RouteTable {
    /// The route table id.
    pub id: String,
    /// Its routes.
    pub routes: Vec<Route>,
}

/// One route.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    /// Where the route leads.
    pub destination: RouteDestination,
    /// What it leads to.
    pub target: RouteTarget,
}

/// A route's destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RouteDestination {
    /// An address block.
    Cidr(Ipv4Net),
    /// A managed prefix list (gateway endpoints).
    PrefixList(String),
}

/// A route's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RouteTarget {
    /// The VPC's local route.
    Local,
    /// An internet gateway.
    InternetGateway(String),
    /// A NAT gateway.
    NatGateway(String),
    /// A gateway VPC endpoint.
    VpcEndpoint(String),
    /// A target that drops traffic (a deleted gateway).
    Blackhole(String),
    /// Anything else (peering, transit gateway, appliance): not followed.
    Other(String),
}

/// A network ACL.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkAcl {
    /// The ACL id.
    pub id: String,
    /// Its entries, in any order; the engine sorts them by rule number.
    pub entries: Vec<AclEntry>,
}

/// One network ACL entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclEntry {
    /// The rule number; the `*` entry is 32767.
    pub number: u16,
    /// Outbound (true) or inbound (false).
    pub egress: bool,
    /// The protocol it matches.
    pub protocol: RuleProtocol,
    /// The ports it matches (for TCP and UDP).
    pub ports: PortRange,
    /// The peer address block.
    pub cidr: Ipv4Net,
    /// Allow (true) or deny (false).
    pub allow: bool,
}

/// The rule number AWS gives the final `*` entry.
pub const DEFAULT_ACL_ENTRY: u16 = 32767;

/// A security group.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    /// The group id.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// Inbound rules.
    pub ingress: Vec<SgRule>,
    /// Outbound rules.
    pub egress: Vec<SgRule>,
}

/// One security-group rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SgRule {
    /// The protocol it matches.
    pub protocol: RuleProtocol,
    /// The ports it matches (for TCP and UDP).
    pub ports: PortRange,
    /// The source (inbound) or destination (outbound).
    pub peer: Peer,
    /// The rule's description, if it has one.
    pub description: Option<String>,
}

/// The other side of a security-group rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Peer {
    /// An address block.
    Cidr(Ipv4Net),
    /// An IPv6 address block. The flow verdicts are IPv4's, so it matches no flow; the
    /// posture checks and `harden` judge it (`::/0` is the whole IPv6 internet).
    Cidr6(Ipv6Net),
    /// The members of a group: the private IPs of the ENIs that carry it.
    Group(String),
    /// The blocks of a managed prefix list.
    PrefixList(String),
}

/// A network interface.
#[derive(Debug, Clone, Serialize)]
pub struct Eni {
    /// The ENI id (or a made-up id for a representative one).
    pub id: String,
    /// What the interface belongs to, for the report (`node i-0abc`, `control plane`, ...).
    pub label: String,
    /// The subnet id.
    pub subnet: String,
    /// The primary private address.
    pub private_ip: Ipv4Addr,
    /// The public address, if one is associated.
    pub public_ip: Option<Ipv4Addr>,
    /// The ids of its security groups.
    pub groups: Vec<String>,
    /// Whether it exists or stands in for interfaces that would.
    pub origin: Origin,
}

/// Whether an endpoint is real.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "why")]
pub enum Origin {
    /// An interface read from EC2.
    Real,
    /// Built from configuration because no interface exists (the reason says which).
    Representative(String),
}

/// A NAT gateway.
#[derive(Debug, Clone, Serialize)]
pub struct NatGateway {
    /// The gateway id.
    pub id: String,
    /// The subnet it sits in.
    pub subnet: String,
    /// Its private address.
    pub private_ip: Ipv4Addr,
}

/// A VPC endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct VpcEndpoint {
    /// The endpoint id.
    pub id: String,
    /// The short service name (`ecr.api`, `s3`).
    pub service: String,
    /// How it is reached.
    pub kind: VpcEndpointKind,
}

/// How a VPC endpoint is reached.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum VpcEndpointKind {
    /// Through its network interfaces (ids in [`Model::enis`]), with private DNS.
    Interface {
        /// The ids of its ENIs.
        enis: Vec<String>,
    },
    /// Through routes to a prefix list.
    Gateway {
        /// The service's prefix list, when known.
        prefix_list: Option<String>,
    },
}

/// The cluster's public API endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct PublicApi {
    /// The blocks allowed to reach it.
    pub cidrs: Vec<Ipv4Net>,
}
