//! The network model: what the AWS APIs say about a VPC, as plain data.
//!
//! Discovery (in `crates/aws`) fills it from describe calls; tests and benchmarks build it
//! by hand. Ids are AWS ids; the engine indexes them once.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::ports::{PortRange, RuleProtocol};
use crate::verdict::Layer;

/// A VPC and everything in it that decides reachability.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// The VPC's id.
    pub vpc_id: String,
    /// The VPC's address blocks; traffic between them takes the local route.
    pub vpc_cidrs: Vec<Ipv4Net>,
    /// The VPC's IPv6 blocks (a dual-stack VPC has one or more).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_ipv6_cidrs: Vec<Ipv6Net>,
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
    pub prefix_lists: BTreeMap<String, Vec<IpNet>>,
    /// The cluster's public API endpoint, when it has one.
    pub public_api: Option<PublicApi>,
    /// The parts of the VPC that could not be read, each with why (the call and its error).
    /// What is missing is absent from the model; the verdicts that depend on it are not
    /// judged.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unread: BTreeMap<Unread, String>,
}

/// A part of the VPC that discovery reads with one describe call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Unread {
    /// The VPC itself (its address blocks).
    Vpc,
    /// The subnets (and with them which route table and ACL each uses).
    Subnets,
    /// The route tables.
    RouteTables,
    /// The network ACLs.
    NetworkAcls,
    /// The security groups.
    SecurityGroups,
    /// The network interfaces (where each endpoint is, its groups, its public address).
    Interfaces,
    /// The running instances (which interfaces are nodes, and their settings).
    Instances,
    /// The NAT gateways.
    NatGateways,
    /// The VPC endpoints.
    VpcEndpoints,
}

impl Unread {
    /// The layers whose hops cannot be trusted without this part: what is missing reads as
    /// blocking there, so a block at such a hop proves nothing.
    pub fn layers(self) -> &'static [Layer] {
        match self {
            Self::Vpc | Self::Instances => &[],
            Self::Subnets => &[Layer::Route, Layer::NetworkAcl, Layer::PublicAddress, Layer::Addressing],
            Self::RouteTables | Self::NatGateways | Self::VpcEndpoints => &[Layer::Route],
            Self::NetworkAcls => &[Layer::NetworkAcl],
            Self::SecurityGroups => &[Layer::SecurityGroup],
            Self::Interfaces => &[Layer::SecurityGroup, Layer::PublicAddress, Layer::Addressing],
        }
    }
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Vpc => "the VPC",
            Self::Subnets => "the subnets",
            Self::RouteTables => "the route tables",
            Self::NetworkAcls => "the network ACLs",
            Self::SecurityGroups => "the security groups",
            Self::Interfaces => "the network interfaces",
            Self::Instances => "the instances",
            Self::NatGateways => "the NAT gateways",
            Self::VpcEndpoints => "the VPC endpoints",
        })
    }
}

impl Model {
    /// The layers some unread part leaves in doubt, each with what was not read and why.
    pub fn unread_layers(&self) -> BTreeMap<Layer, Vec<String>> {
        let mut layers: BTreeMap<Layer, Vec<String>> = BTreeMap::new();
        for (part, why) in &self.unread {
            for layer in part.layers() {
                layers.entry(*layer).or_default().push(unread_reason(*part, why));
            }
        }
        layers
    }

    /// Why `parts` could not be read, if any of them could not.
    pub fn unread_of(&self, parts: &[Unread]) -> Option<String> {
        let why: Vec<String> =
            parts.iter().filter_map(|&part| self.unread.get(&part).map(|why| unread_reason(part, why))).collect();
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// The address blocks, of both families, named by the rules of the groups `keep`
    /// accepts, by ACL entries and by the public endpoint's access list (with repeats).
    pub fn named_blocks<'a>(&'a self, keep: impl Fn(&SecurityGroup) -> bool + 'a) -> impl Iterator<Item = IpNet> + 'a {
        let rules = self
            .security_groups
            .iter()
            .filter(move |g| keep(g))
            .flat_map(|g| g.ingress.iter().chain(&g.egress))
            .filter_map(|r| match r.peer {
                Peer::Cidr(block) => Some(IpNet::V4(block)),
                Peer::Cidr6(block) => Some(IpNet::V6(block)),
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
                && r.destination == RouteDestination::Cidr(IpNet::V4(Ipv4Net::default()))
        })
    }
}

/// `part` could not be read, and why.
fn unread_reason(part: Unread, why: &str) -> String {
    format!("{part} could not be read ({why})")
}

/// An address family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Family {
    /// IPv4.
    #[default]
    #[serde(rename = "IPv4")]
    V4,
    /// IPv6.
    #[serde(rename = "IPv6")]
    V6,
}

impl Family {
    /// The family of `address`.
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => Self::V4,
            IpAddr::V6(_) => Self::V6,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V4 => "IPv4",
            Self::V6 => "IPv6",
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
    /// Its IPv6 block, in a dual-stack VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<Ipv6Net>,
    /// Its availability zone.
    pub zone: String,
    /// The route table it uses (its own association, else the VPC's main table).
    pub route_table: String,
    /// The network ACL it is associated with.
    pub network_acl: String,
    /// Whether instances launched here get a public IP.
    pub map_public_ip_on_launch: bool,
    /// Whether interfaces created here get an IPv6 address (which is public: it needs no
    /// translation at the internet gateway).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assign_ipv6_on_creation: bool,
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
    /// An address block, IPv4 or IPv6.
    Cidr(IpNet),
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
    /// An egress-only internet gateway (IPv6): connections out, and their replies, only.
    EgressOnlyInternetGateway(String),
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
    /// The peer address block, IPv4 or IPv6 (AWS numbers both kinds in one sequence).
    pub cidr: IpNet,
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
    /// An IPv6 address block (`::/0` is the whole IPv6 internet).
    Cidr6(Ipv6Net),
    /// The members of a group: the private IPs of the ENIs that carry it.
    Group(String),
    /// The blocks of a managed prefix list.
    PrefixList(String),
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
    /// The primary IPv6 address, if it has one (global: reachable without translation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6Addr>,
    /// The ids of its security groups.
    pub groups: Vec<String>,
    /// Whether it exists or stands in for interfaces that would.
    pub origin: Origin,
}

impl Eni {
    /// Its address in `family`: the primary private IPv4 address, or its IPv6 address.
    pub fn address(&self, family: Family) -> Option<IpAddr> {
        match family {
            Family::V4 => Some(IpAddr::V4(self.private_ip)),
            Family::V6 => self.ipv6.map(IpAddr::V6),
        }
    }
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
    pub cidrs: Vec<IpNet>,
}
