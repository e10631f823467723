//! Step 5 (STACKROX-EKS, "Create a dedicated subnet in the VPC"): a bastion subnet with its own
//! network ACL, and on the node subnets an ACL that admits the guarded ports ("sensitive
//! ports like ssh") below the ephemeral range (22; 3389 is left to the security groups, as
//! a deny of it would drop replies) only from the bastion subnet's block, each followed by an
//! explicit deny.
//!
//! The node subnets are those the node groups use and the cluster's private subnets (where
//! replacement node groups go). A node subnet's ACL may be shared with other subnets (the
//! VPC's default ACL usually is), so it is never edited: the subnet moves to a copy of it
//! with the guard entries in front, and every other entry kept. Whether an ACL guards SSH
//! is decided with the engine, from every other subnet of the VPC and from the internet,
//! the sources `verify` tries.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use async_trait::async_trait;
use eksharden_aws::acls;
use eksharden_discovery::Discovery;
use eksharden_net::model::{self, AclEntry, Model, Subnet, Unread, DEFAULT_ACL_ENTRY};
use eksharden_net::topology::{has_ipv6, last_usable, last_usable_v6, Topology};
use eksharden_net::{PortRange, Protocol, RuleProtocol};
use eksharden_plan::nacl;
use eksharden_spec::model::acl_can_guard;
use eksharden_spec::values::Cidr;
use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::replacement;
use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The size of the bastion subnet `harden` makes: the smallest AWS allows (it holds a few
/// bastion hosts at most).
const BASTION_PREFIX: u8 = 28;

/// An address on the internet, outside every private block, to try as a source.
const INTERNET_PROBE: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);

/// An IPv6 address on the internet, to try as a source in a dual-stack VPC.
const INTERNET_PROBE_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, 1);

/// The step: network-acl.
pub static STEP: AwsStep = AwsStep {
    id: "network-acl",
    title:
        "a bastion subnet with its own ACL; node subnets admit 22 (and the other guarded ports below 1024) only from it",
    after_create: false,
    reads: &[Unread::Vpc, Unread::Subnets, Unread::NetworkAcls],
    judge,
};

/// The bastion subnet and the node subnets' ACLs.
pub(super) fn judge(found: &Discovery, options: &Options) -> Inspected {
    let model = &found.model;
    let mut current = Vec::new();
    let mut changes = Vec::new();
    let bastion = model.subnets.iter().find(|s| found.bastion_subnets.contains(&s.id));
    let bastion_block = match bastion {
        Some(subnet) => {
            let sharing: Vec<&str> = model
                .subnets
                .iter()
                .filter(|s| s.id != subnet.id && s.network_acl == subnet.network_acl)
                .map(|s| s.id.as_str())
                .collect();
            if sharing.is_empty() {
                current.push(format!(
                    "bastion subnet {} ({}) has its own ACL {}",
                    subnet.id, subnet.cidr, subnet.network_acl
                ));
            } else {
                current.push(format!(
                    "bastion subnet {} ({}) shares ACL {} with {}",
                    subnet.id,
                    subnet.cidr,
                    subnet.network_acl,
                    sharing.join(", ")
                ));
                changes.extend(bastion_change(found, subnet.cidr, subnet));
            }
            Some(subnet.cidr)
        }
        None => match (free_block(&model.vpc_cidrs, model.subnets.iter().map(|s| s.cidr)), placement_subnet(found)) {
            (Some(block), Some(beside)) => {
                current.push("the VPC has no bastion subnet".to_owned());
                changes.extend(bastion_change(found, block, beside));
                Some(block)
            }
            (None, _) => {
                current.push(format!(
                    "the VPC has no bastion subnet and no free /{BASTION_PREFIX} for one: add a block to the VPC"
                ));
                None
            }
            (Some(_), None) => {
                current.push("the VPC has no bastion subnet, and the cluster names no subnet to place one by".into());
                None
            }
        },
    };
    let Some(bastion_block) = bastion_block else { return Inspected::new(current, changes) };
    let dual_stack = has_ipv6(model);
    let bastion_ipv6 = bastion.and_then(|b| b.ipv6_cidr);
    let from_bastion = |address: &IpAddr| match address {
        IpAddr::V4(a) => bastion_block.contains(a),
        IpAddr::V6(a) => bastion_ipv6.is_some_and(|b| b.contains(a)),
    };
    // Ports of the ephemeral range are the security groups' (an ACL deny would drop replies).
    let ports: Vec<u16> = options.guarded_ports().into_iter().filter(|&p| acl_can_guard(p)).collect();
    let listed = ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    for subnet in node_subnets(found) {
        let Some(acl) = model.network_acls.iter().find(|a| a.id == subnet.network_acl) else {
            current.push(format!("node subnet {}: its ACL {} was not read", subnet.id, subnet.network_acl));
            continue;
        };
        let mut admitted = Vec::new();
        for &port in &ports {
            let from: Vec<String> = probes(found, subnet, dual_stack)
                .filter(|(_, address)| !from_bastion(address))
                .filter(|(_, address)| acl.admits(false, *address, Protocol::Tcp, PortRange::single(port)))
                .map(|(label, _)| label)
                .collect();
            if !from.is_empty() {
                admitted.push(format!("{port} from {}", from.join(", ")));
            }
        }
        if admitted.is_empty() {
            current.push(format!("node subnet {}: ACL {} admits {listed} only from the bastion", subnet.id, acl.id));
        } else {
            current.push(format!("node subnet {}: ACL {} admits {}", subnet.id, acl.id, admitted.join("; ")));
            changes.push(Change::new(GuardNodeSubnet {
                subnet: subnet.id.clone(),
                acl: acl.id.clone(),
                bastion: Cidr(bastion_block),
                ports: ports.clone(),
                dual_stack,
                bastion_ipv6,
            }));
        }
    }
    Inspected::new(current, changes)
}

/// The bastion subnet's change: in `beside`'s zone, routed by its route table.
fn bastion_change(found: &Discovery, block: Ipv4Net, beside: &Subnet) -> Option<Change> {
    Some(Change::new(MakeBastionSubnet {
        vpc: found.model.vpc_id.clone(),
        vpc_cidr: Cidr(*found.model.vpc_cidrs.first()?),
        cidr: Cidr(block),
        zone: beside.zone.clone(),
        route_table: beside.route_table.clone(),
    }))
}

/// The subnet a new bastion subnet copies its zone and routing from: the first private
/// subnet of the cluster, else its first subnet.
fn placement_subnet(found: &Discovery) -> Option<&Subnet> {
    let private = replacement::private_subnets(found, &found.cluster_subnets);
    let id = private.first().or(found.cluster_subnets.first())?;
    found.model.subnets.iter().find(|s| &s.id == id)
}

/// The subnets that hold nodes or may: the node groups' and the cluster's private ones,
/// never a bastion subnet.
fn node_subnets(found: &Discovery) -> Vec<&Subnet> {
    let mut ids: Vec<String> = found.facts.node_groups.iter().flat_map(|g| g.subnets.iter().cloned()).collect();
    ids.extend(replacement::private_subnets(found, &found.cluster_subnets));
    found.model.subnets.iter().filter(|s| ids.contains(&s.id) && !found.bastion_subnets.contains(&s.id)).collect()
}

/// The sources `verify` tries against a node subnet: a host at the top of every other
/// subnet, and the internet; in a dual-stack VPC, over IPv6 as well.
fn probes<'a>(
    found: &'a Discovery,
    subnet: &'a Subnet,
    dual_stack: bool,
) -> impl Iterator<Item = (String, IpAddr)> + 'a {
    let others = found.model.subnets.iter().filter(move |s| s.id != subnet.id);
    let v4 = others
        .clone()
        .map(|s| (format!("{} ({})", s.id, s.cidr), IpAddr::V4(last_usable(s.cidr))))
        .chain(std::iter::once(("the internet".to_owned(), IpAddr::V4(INTERNET_PROBE))));
    let v6 = others
        .filter_map(|s| Some((format!("{} ({})", s.id, s.ipv6_cidr?), IpAddr::V6(last_usable_v6(s.ipv6_cidr?)))))
        .chain(std::iter::once(("the IPv6 internet".to_owned(), IpAddr::V6(INTERNET_PROBE_V6))))
        .filter(move |_| dual_stack);
    v4.chain(v6)
}

/// The highest /28 of the VPC's first block that overlaps no subnet (subnets are usually
/// laid out from the bottom).
fn free_block(vpc: &[Ipv4Net], taken: impl Iterator<Item = Ipv4Net> + Clone) -> Option<Ipv4Net> {
    let first = vpc.first()?;
    let candidates: Vec<Ipv4Net> = first.subnets(BASTION_PREFIX).ok()?.collect();
    candidates
        .into_iter()
        .rev()
        .find(|block| !taken.clone().any(|t| t.contains(&block.network()) || block.contains(&t.network())))
}

/// Make the bastion subnet (STACKROX-EKS, "Create a dedicated subnet in the VPC"): a free
/// block of the VPC, routed like the cluster's private subnets, with its own network ACL;
/// or give the existing bastion subnet an ACL of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MakeBastionSubnet {
    /// The VPC.
    pub vpc: String,
    /// The VPC's block, which the bastion's ACL admits.
    pub vpc_cidr: Cidr,
    /// Its block.
    pub cidr: Cidr,
    /// Its availability zone.
    pub zone: String,
    /// The route table it takes.
    pub route_table: String,
}

impl fmt::Display for MakeBastionSubnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { vpc, cidr, zone, route_table, .. } = self;
        write!(
            f,
            "make the bastion subnet {cidr} in {zone} of {vpc} (routed by {route_table}, no public addresses) with its own network ACL: in, return traffic from the VPC; out, 22 and 443 to the VPC"
        )
    }
}

#[async_trait]
impl Alteration for MakeBastionSubnet {
    const KIND: &'static str = "makeBastionSubnet";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        let cidr = self.cidr.to_string();
        let placement =
            acls::BastionPlacement { vpc: &self.vpc, cidr: &cidr, zone: &self.zone, route_table: &self.route_table };
        let entries = nacl::bastion_entries(self.vpc_cidr, &[]);
        acls::make_bastion_subnet(target.aws, target.cluster, placement, &entries).await?;
        Ok(Vec::new())
    }
}

/// Give a node subnet an ACL that admits port 22 only from the bastion block: a copy of its
/// ACL with the guard entries in front (the ACL itself, perhaps shared, is left alone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardNodeSubnet {
    /// The node subnet.
    pub subnet: String,
    /// The ACL it has now.
    pub acl: String,
    /// The bastion subnet's block.
    pub bastion: Cidr,
    /// The ports guarded.
    pub ports: Vec<u16>,
    /// In a dual-stack VPC, the guard covers IPv6 too: SSH from the bastion subnet's IPv6
    /// block (if it has one), then a deny from `::/0`.
    pub dual_stack: bool,
    /// The bastion subnet's IPv6 block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bastion_ipv6: Option<Ipv6Net>,
}

impl GuardNodeSubnet {
    /// The entries the guard puts in front.
    fn entries(&self) -> Vec<nacl::Entry> {
        nacl::port_guard_entries(self.bastion, self.dual_stack.then_some(self.bastion_ipv6), &self.ports)
    }
}

impl fmt::Display for GuardNodeSubnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { subnet, acl, bastion, .. } = self;
        let ports = self.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let last = self.entries().iter().map(|e| e.rule_number).max().unwrap_or(0);
        if !self.dual_stack {
            return write!(
                f,
                "give {subnet} a copy of {acl} that admits {ports} only from the bastion subnet {bastion} (entries 1-{last} in front of {acl}'s; {acl} itself is left as it is)"
            );
        }
        let ipv6 = match self.bastion_ipv6 {
            Some(block) => format!("from {bastion} and {block}"),
            None => format!("from {bastion}, and over IPv6 from nowhere"),
        };
        write!(
            f,
            "give {subnet} a copy of {acl} that admits {ports} only from the bastion subnet, {ipv6} (entries 1-{last}, IPv4 and IPv6, in front of {acl}'s; {acl} itself is left as it is)"
        )
    }
}

#[async_trait]
impl Alteration for GuardNodeSubnet {
    const KIND: &'static str = "guardNodeSubnet";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        acls::guard_subnet(target.aws, target.cluster, &self.subnet, &self.acl, &self.entries()).await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        Some(&self.subnet)
    }

    /// The subnet moved to a copy of its ACL with the guard's entries in front, numbered as
    /// `harden` numbers them.
    fn on_model(&self, found: &Discovery, _moving: &[&str]) -> Option<(Model, Topology)> {
        let mut model = found.model.clone();
        let source = model.network_acls.iter().find(|a| a.id == self.acl)?.clone();
        let guard = self.entries();
        let own: Vec<&AclEntry> = source.entries.iter().filter(|e| e.number < DEFAULT_ACL_ENTRY).collect();
        let shift = nacl::guard_shift(&guard, own.iter().map(|e| e.number));
        let mut entries: Vec<AclEntry> = guard.iter().filter_map(acl_entry).collect();
        entries.extend(own.into_iter().map(|e| AclEntry { number: e.number + shift, ..e.clone() }));
        let copy = format!("what-if-{}-guarded", self.acl);
        model.network_acls.push(model::NetworkAcl { id: copy.clone(), entries });
        model.subnets.iter_mut().filter(|s| s.id == self.subnet).for_each(|s| s.network_acl = copy.clone());
        Some((model, found.topology.clone()))
    }
}

/// A planned ACL entry as the model holds it (the guard's blocks are all known).
fn acl_entry(entry: &nacl::Entry) -> Option<AclEntry> {
    let (protocol, ports) = match entry.tcp_ports {
        Some((from, to)) => (RuleProtocol::One(Protocol::Tcp), PortRange::new(from, to)),
        None => (RuleProtocol::All, PortRange::ALL),
    };
    Some(AclEntry {
        number: entry.rule_number,
        egress: entry.egress,
        protocol,
        ports,
        cidr: entry.cidr.known()?,
        allow: entry.action == nacl::Action::Allow,
    })
}

#[cfg(test)]
mod tests {
    use super::free_block;

    fn nets(blocks: &[&str]) -> Vec<ipnet::Ipv4Net> {
        blocks.iter().map(|b| b.parse().unwrap()).collect()
    }

    #[test]
    fn the_bastion_block_is_the_highest_free_slash_28() {
        let vpc = nets(&["10.0.0.0/16"]);
        let taken = nets(&["10.0.0.0/20", "10.0.255.240/28"]);
        assert_eq!(free_block(&vpc, taken.iter().copied()), Some("10.0.255.224/28".parse().unwrap()));
        let full = nets(&["10.0.0.0/16"]);
        assert_eq!(free_block(&vpc, full.iter().copied()), None);
        let inside = nets(&["10.0.255.0/24"]);
        assert_eq!(free_block(&vpc, inside.iter().copied()), Some("10.0.254.240/28".parse().unwrap()));
    }
}
