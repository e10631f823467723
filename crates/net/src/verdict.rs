//! What the engine says about a flow, and why.
//!
//! A verdict is a list of port segments; each segment carries the hops the traffic takes,
//! in order, and for each hop the rule, entry or route that allowed or blocked it (like the
//! explanation codes of AWS Reachability Analyzer). Every hop is evaluated even after one
//! blocks, so a report can say which layers block a forbidden flow, not only the first.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{Peer, SgRule, DEFAULT_ACL_ENTRY};
use crate::ports::{PortRange, RuleProtocol};

/// The layer a hop belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Layer {
    /// Security groups (stateful).
    SecurityGroup,
    /// Network ACLs (stateless).
    NetworkAcl,
    /// Route tables.
    Route,
    /// Public addressing (an internet gateway needs a public IPv4 address or an IPv6 one).
    PublicAddress,
    /// An interface's address in the flow's family (an IPv6 flow needs IPv6 at both ends).
    Addressing,
    /// The EKS public endpoint's allowed blocks.
    EndpointAccess,
    /// Kubernetes NetworkPolicies and Calico policies.
    NetworkPolicy,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SecurityGroup => "security groups",
            Self::NetworkAcl => "network ACLs",
            Self::Route => "routes",
            Self::PublicAddress => "public addressing",
            Self::Addressing => "addressing",
            Self::EndpointAccess => "endpoint access",
            Self::NetworkPolicy => "network policies",
        })
    }
}

/// Where on the path a hop is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    /// The source interface's address in the flow's family.
    SourceAddress,
    /// The destination interface's address in the flow's family.
    DestinationAddress,
    /// The source's security groups, outbound.
    SourceEgress,
    /// The route from the source's subnet.
    SourceRoute,
    /// The route from the NAT gateway's subnet.
    NatRoute,
    /// The route back from the destination's subnet (traffic from the internet).
    ReturnRoute,
    /// A public address for the internet gateway to translate.
    PublicAddress,
    /// Crossing from the source's subnet into the destination's (no ACL within one subnet).
    SubnetBoundary,
    /// The source subnet's ACL, outbound.
    SourceSubnetOut,
    /// The NAT subnet's ACL, inbound from the source.
    NatSubnetIn,
    /// The NAT subnet's ACL, outbound to the destination.
    NatSubnetOut,
    /// The destination subnet's ACL, inbound.
    DestinationSubnetIn,
    /// The destination subnet's ACL, outbound, for the reply to the client's ephemeral port.
    ReturnDestinationSubnetOut,
    /// The NAT subnet's ACL, inbound, for the reply.
    ReturnNatSubnetIn,
    /// The NAT subnet's ACL, outbound, for the reply to the client's ephemeral port.
    ReturnNatSubnetOut,
    /// The source subnet's ACL, inbound, for the reply.
    ReturnSourceSubnetIn,
    /// The destination's security groups, inbound.
    DestinationIngress,
    /// The EKS public endpoint's allowed blocks.
    ApiEndpoint,
}

impl Step {
    /// The layer the step belongs to.
    pub fn layer(self) -> Layer {
        match self {
            Self::SourceEgress | Self::DestinationIngress => Layer::SecurityGroup,
            Self::SourceRoute | Self::NatRoute | Self::ReturnRoute => Layer::Route,
            Self::PublicAddress => Layer::PublicAddress,
            Self::SourceAddress | Self::DestinationAddress => Layer::Addressing,
            Self::ApiEndpoint => Layer::EndpointAccess,
            Self::SubnetBoundary
            | Self::SourceSubnetOut
            | Self::NatSubnetIn
            | Self::NatSubnetOut
            | Self::DestinationSubnetIn
            | Self::ReturnDestinationSubnetOut
            | Self::ReturnNatSubnetIn
            | Self::ReturnNatSubnetOut
            | Self::ReturnSourceSubnetIn => Layer::NetworkAcl,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SourceAddress => "source address",
            Self::DestinationAddress => "destination address",
            Self::SourceEgress => "source security groups (outbound)",
            Self::SourceRoute => "source subnet route",
            Self::NatRoute => "NAT subnet route",
            Self::ReturnRoute => "return route",
            Self::PublicAddress => "public address",
            Self::SubnetBoundary => "subnet boundary",
            Self::SourceSubnetOut => "source subnet ACL (outbound)",
            Self::NatSubnetIn => "NAT subnet ACL (inbound)",
            Self::NatSubnetOut => "NAT subnet ACL (outbound)",
            Self::DestinationSubnetIn => "destination subnet ACL (inbound)",
            Self::ReturnDestinationSubnetOut => "destination subnet ACL (outbound, reply)",
            Self::ReturnNatSubnetIn => "NAT subnet ACL (inbound, reply)",
            Self::ReturnNatSubnetOut => "NAT subnet ACL (outbound, reply)",
            Self::ReturnSourceSubnetIn => "source subnet ACL (inbound, reply)",
            Self::DestinationIngress => "destination security groups (inbound)",
            Self::ApiEndpoint => "public API endpoint",
        })
    }
}

/// How a network ACL decided a range of ports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclDecision {
    /// The ports this entry decided.
    pub ports: PortRange,
    /// The deciding entry's rule number ([`DEFAULT_ACL_ENTRY`] for `*`, also when the
    /// ACL lists no `*` entry: AWS denies what no entry matches).
    pub entry: u16,
    /// Allowed or denied.
    pub allow: bool,
}

/// Why a hop allowed or blocked the traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "code")]
pub enum Reason {
    /// A security-group rule matched.
    #[serde(rename_all = "camelCase")]
    SgRule {
        /// The group's id.
        group: String,
        /// The group's name.
        group_name: String,
        /// Whether the rule is inbound.
        ingress: bool,
        /// The rule.
        rule: SgRule,
    },
    /// No rule of the interface's groups matched (security groups deny by default).
    #[serde(rename_all = "camelCase")]
    NoSgRule {
        /// The groups that were searched.
        groups: Vec<String>,
        /// Whether they were searched inbound.
        ingress: bool,
    },
    /// A network ACL decided, entry by entry over the ports concerned.
    #[serde(rename_all = "camelCase")]
    Acl {
        /// The ACL id.
        acl: String,
        /// The deciding entries, by port range.
        decisions: Vec<AclDecision>,
    },
    /// Source and destination share a subnet: no network ACL is crossed.
    #[serde(rename_all = "camelCase")]
    SameSubnet {
        /// The subnet id.
        subnet: String,
    },
    /// A route matched.
    #[serde(rename_all = "camelCase")]
    Route {
        /// The route table id.
        table: String,
        /// The route's destination.
        destination: String,
        /// The route's target.
        target: String,
    },
    /// No route matched, or the matching route cannot carry the traffic.
    #[serde(rename_all = "camelCase")]
    NoRoute {
        /// The route table id.
        table: String,
        /// The address looked up.
        address: IpAddr,
        /// The route that matched but cannot carry it, if any.
        matched: Option<String>,
    },
    /// The interface has a public address.
    #[serde(rename_all = "camelCase")]
    PublicIp {
        /// The interface.
        eni: String,
        /// Its public address.
        address: Ipv4Addr,
    },
    /// The interface has no public address, so the internet gateway cannot translate it.
    #[serde(rename_all = "camelCase")]
    NoPublicIp {
        /// The interface.
        eni: String,
    },
    /// The interface has an IPv6 address, global and reachable without translation.
    #[serde(rename_all = "camelCase")]
    Ipv6Address {
        /// The interface.
        eni: String,
        /// Its IPv6 address.
        address: Ipv6Addr,
    },
    /// The interface has no IPv6 address, so it takes no part in IPv6 traffic.
    #[serde(rename_all = "camelCase")]
    NoIpv6Address {
        /// The interface.
        eni: String,
    },
    /// The route back to the internet leads to an egress-only internet gateway, which
    /// passes the replies to connections from inside and no connection from outside.
    #[serde(rename_all = "camelCase")]
    EgressOnly {
        /// The gateway's id.
        gateway: String,
    },
    /// The public endpoint admits the source through a listed block.
    #[serde(rename_all = "camelCase")]
    ApiCidr {
        /// The block.
        cidr: IpNet,
    },
    /// The public endpoint is on, but no listed block holds the source.
    #[serde(rename_all = "camelCase")]
    ApiNotListed {
        /// The source address.
        address: IpAddr,
    },
    /// The public endpoint is off.
    ApiPublicOff,
}

impl Reason {
    /// A network ACL reason with one decision.
    pub fn acl_entry(acl: &str, ports: PortRange, entry: u16, allow: bool) -> Self {
        Self::Acl { acl: acl.to_owned(), decisions: vec![AclDecision { ports, entry, allow }] }
    }

    /// The reason in few words: a security-group rule by its group id and what it admits
    /// (`sg-0abc: tcp 22 from itself`; `from` inbound, `to` outbound), without the group's
    /// name or the rule's description (the full words are `Display`'s).
    pub fn brief(&self) -> String {
        match self {
            Self::SgRule { group, ingress, rule, .. } => {
                let bare = SgRule { description: None, ..rule.clone() };
                let words = DisplayRule(&bare, *ingress).to_string();
                let words = match words.strip_suffix(group.as_str()) {
                    Some(rest) if rule.peer == Peer::Group(group.clone()) => format!("{rest}itself"),
                    _ => words,
                };
                format!("{group}: {words}")
            }
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SgRule { group, group_name, ingress, rule } => {
                write!(
                    f,
                    "{group} ({group_name}) {} rule {}",
                    if *ingress { "inbound" } else { "outbound" },
                    DisplayRule(rule, *ingress)
                )
            }
            Self::NoSgRule { groups, ingress } => write!(
                f,
                "no {} rule of {} matches",
                if *ingress { "inbound" } else { "outbound" },
                if groups.is_empty() { "its (no) groups".to_owned() } else { groups.join(", ") }
            ),
            Self::Acl { acl, decisions } => {
                write!(f, "{acl} ")?;
                for (i, d) in decisions.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let entry = if d.entry == DEFAULT_ACL_ENTRY { "*".to_owned() } else { d.entry.to_string() };
                    write!(f, "entry {entry} {} {}", if d.allow { "allows" } else { "denies" }, d.ports)?;
                }
                Ok(())
            }
            Self::SameSubnet { subnet } => write!(f, "same subnet {subnet}: no network ACL crossed"),
            Self::Route { table, destination, target } => write!(f, "{table} route {destination} -> {target}"),
            Self::NoRoute { table, address, matched: None } => write!(f, "{table} has no route to {address}"),
            Self::NoRoute { table, address, matched: Some(route) } => {
                write!(f, "{table} routes {address} via {route}, which cannot carry it")
            }
            Self::PublicIp { eni, address } => write!(f, "{eni} has public address {address}"),
            Self::NoPublicIp { eni } => write!(f, "{eni} has no public address"),
            Self::Ipv6Address { eni, address } => write!(f, "{eni} has IPv6 address {address}"),
            Self::NoIpv6Address { eni } => write!(f, "{eni} has no IPv6 address"),
            Self::EgressOnly { gateway } => {
                write!(f, "{gateway} is an egress-only internet gateway: replies only, no connection from outside")
            }
            Self::ApiCidr { cidr } => write!(f, "public access allowed from {cidr}"),
            Self::ApiNotListed { address } => write!(f, "{address} is in no public-access block"),
            Self::ApiPublicOff => f.write_str("public endpoint access is off"),
        }
    }
}

/// A rule as `tcp 443 from sg-0abc`.
struct DisplayRule<'a>(&'a SgRule, bool);

impl fmt::Display for DisplayRule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = self.0;
        match rule.protocol {
            RuleProtocol::All => f.write_str("all traffic")?,
            RuleProtocol::One(p) => write!(f, "{p} {}", rule.ports)?,
            RuleProtocol::Other => f.write_str("other protocol")?,
        }
        f.write_str(if self.1 { " from " } else { " to " })?;
        match &rule.peer {
            Peer::Cidr(c) => write!(f, "{c}")?,
            Peer::Cidr6(c) => write!(f, "{c}")?,
            Peer::Group(g) => write!(f, "{g}")?,
            Peer::PrefixList(p) => write!(f, "{p}")?,
        }
        if let Some(description) = &rule.description {
            write!(f, " ({description:?})")?;
        }
        Ok(())
    }
}

/// One checked hop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Where on the path.
    pub step: Step,
    /// Whether the traffic passes here.
    pub allowed: bool,
    /// Why.
    pub reason: Reason,
}

/// The verdict for a range of ports on which every hop decides the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The ports.
    pub ports: PortRange,
    /// Whether every hop passes.
    pub allowed: bool,
    /// The hops, in path order.
    pub hops: Vec<Hop>,
}

impl Segment {
    /// Whether a hop of `layer` blocks the traffic.
    pub fn blocked_by(&self, layer: Layer) -> bool {
        self.hops.iter().any(|h| h.step.layer() == layer && !h.allowed)
    }

    /// The hops that block.
    pub fn blocking(&self) -> impl Iterator<Item = &Hop> {
        self.hops.iter().filter(|h| !h.allowed)
    }
}

/// What the engine predicts for a flow over its port range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Consecutive segments covering the flow's ports.
    pub segments: Vec<Segment>,
}

impl Verdict {
    /// Whether every port is allowed.
    pub fn all_allowed(&self) -> bool {
        self.segments.iter().all(|s| s.allowed)
    }

    /// Whether some port is allowed.
    pub fn any_allowed(&self) -> bool {
        self.segments.iter().any(|s| s.allowed)
    }

    /// The verdict for one port, if the flow covers it.
    pub fn at(&self, port: u16) -> Option<&Segment> {
        self.segments.iter().find(|s| s.ports.contains(port))
    }
}
