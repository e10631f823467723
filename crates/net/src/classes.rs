//! Interfaces that no rule, entry or route can tell apart, grouped so the flow matrix
//! evaluates each kind once: the same kind of subnet (route table, network ACL, zone, public
//! and IPv6 addressing; a subnet holding a NAT gateway or a VPC endpoint's interface is its
//! own kind), the same groups, public and IPv6 addresses or not, and inside the same blocks
//! (of both families) of every rule and entry of the model. Whether two interfaces share a
//! subnet still matters (no ACL between them), so a class keeps a member per subnet it spans:
//! the matrix tries a pair within one subnet and a pair across two where the members allow.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{Family, Model, RouteDestination, VpcEndpointKind};
use crate::topology::{Members, Topology};

/// Groups interfaces into classes of identical behaviour.
pub struct Classifier {
    /// For each family and prefix length in use, the networks of that length (as numbers),
    /// each with a number of its own.
    by_length: Vec<(Family, u8, HashMap<u128, u32>)>,
    /// The subnets that are a kind of their own: those holding a NAT gateway or an interface
    /// of a VPC endpoint (a flow from them to it crosses no ACL).
    own_kind: HashSet<String>,
}

/// A class: its members that stand for it, and how many it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The first member, by index in [`Model::enis`].
    pub representative: usize,
    /// How many interfaces behave the same way.
    pub size: usize,
    /// For each subnet the class spans, in order of first appearance: its first member there
    /// and a second one, if any.
    pub subnets: Vec<(usize, Option<usize>)>,
}

impl Class {
    /// The pairs of members (or of this class's and `other`'s members) that stand for every
    /// pair between the two: one within a subnet, one across two subnets, where the members
    /// allow them. `other` is `None` for flows within this class.
    pub fn pairs(&self, other: Option<&Class>, model: &Model) -> Vec<(usize, usize)> {
        let subnet = |i: usize| model.enis[i].subnet.as_str();
        let mut pairs = Vec::new();
        match other {
            None => {
                if let Some(&(first, Some(second))) = self.subnets.iter().find(|(_, second)| second.is_some()) {
                    pairs.push((first, second));
                }
                if let [(a, _), (b, _), ..] = self.subnets[..] {
                    pairs.push((a, b));
                }
            }
            Some(other) => {
                let shared = self.subnets.iter().find_map(|&(a, _)| {
                    other.subnets.iter().find(|&&(b, _)| subnet(a) == subnet(b)).map(|&(b, _)| (a, b))
                });
                pairs.extend(shared);
                let across = self.subnets.iter().find_map(|&(a, _)| {
                    other.subnets.iter().find(|&&(b, _)| subnet(a) != subnet(b)).map(|&(b, _)| (a, b))
                });
                pairs.extend(across);
            }
        }
        pairs
    }
}

#[derive(Hash, PartialEq, Eq)]
struct Key<'m> {
    place: Place<'m>,
    groups: Vec<&'m str>,
    public: bool,
    ipv6: bool,
    inside: Vec<u32>,
}

/// What of a subnet the engine can tell: its route table, ACL, zone and addressing (or the
/// subnet itself, where it is a kind of its own or not in the model).
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
enum Place<'m> {
    Kind { table: &'m str, acl: &'m str, zone: &'m str, public: bool, ipv6: bool },
    Own(&'m str),
}

impl Classifier {
    /// Collects every block that can tell the members of `topology` apart: those named by
    /// the rules of the groups they carry, and by entries, routes, prefix lists and the API.
    /// Rules of groups no member carries are never evaluated for the flow matrix.
    pub fn new(model: &Model, topology: &Topology) -> Self {
        let carried: HashSet<&str> = topology
            .roles
            .iter()
            .filter_map(|r| match &r.members {
                Members::Enis(enis) => Some(enis),
                _ => None,
            })
            .flatten()
            .flat_map(|&i| model.enis[i].groups.iter().map(String::as_str))
            .collect();
        let mut blocks: Vec<IpNet> = model.named_blocks(|g| carried.contains(g.id.as_str())).collect();
        for table in &model.route_tables {
            blocks.extend(table.routes.iter().filter_map(|r| match r.destination {
                RouteDestination::Cidr(block) => Some(block),
                RouteDestination::PrefixList(_) => None,
            }));
        }
        blocks.extend(model.prefix_lists.values().flatten().copied());
        blocks.retain(|b| b.prefix_len() > 0);
        blocks.sort_unstable();
        blocks.dedup();
        let mut by_length: Vec<(Family, u8, HashMap<u128, u32>)> = Vec::new();
        for (n, block) in blocks.iter().enumerate() {
            let (family, length) = (Family::of(block.network()), block.prefix_len());
            let position = match by_length.iter().position(|(f, l, _)| (*f, *l) == (family, length)) {
                Some(p) => p,
                None => {
                    by_length.push((family, length, HashMap::new()));
                    by_length.len() - 1
                }
            };
            by_length[position].2.insert(number(block.network()), n as u32);
        }
        let mut own_kind: HashSet<String> = model.nat_gateways.iter().map(|n| n.subnet.clone()).collect();
        let endpoint_enis: HashSet<&str> = model
            .vpc_endpoints
            .iter()
            .filter_map(|e| match &e.kind {
                VpcEndpointKind::Interface { enis } => Some(enis.iter().map(String::as_str)),
                _ => None,
            })
            .flatten()
            .collect();
        own_kind.extend(model.enis.iter().filter(|e| endpoint_enis.contains(e.id.as_str())).map(|e| e.subnet.clone()));
        Self { by_length, own_kind }
    }

    /// What of `subnet` tells its interfaces apart.
    fn place<'m>(&self, model: &'m Model, subnet: &'m str) -> Place<'m> {
        match model.subnets.iter().find(|s| s.id == subnet) {
            Some(s) if !self.own_kind.contains(subnet) => Place::Kind {
                table: &s.route_table,
                acl: &s.network_acl,
                zone: &s.zone,
                public: s.map_public_ip_on_launch,
                ipv6: s.assign_ipv6_on_creation,
            },
            _ => Place::Own(subnet),
        }
    }

    /// The numbers of the blocks holding `address`, in a stable order.
    fn blocks_holding(&self, address: IpAddr, out: &mut Vec<u32>) {
        let (family, bits) = (Family::of(address), if address.is_ipv4() { 32 } else { 128 });
        let address = number(address);
        for (_, length, networks) in self.by_length.iter().filter(|(f, _, _)| *f == family) {
            // The length is never 0 (blocks of length 0 hold everything and tell nothing).
            let mask = (u128::MAX >> (128 - bits)) & !((1u128 << (bits - u32::from(*length))) - 1);
            if let Some(&n) = networks.get(&(address & mask)) {
                out.push(n);
            }
        }
    }

    /// The classes of `members`, in order of first appearance.
    pub fn classes(&self, model: &Model, members: &[usize]) -> Vec<Class> {
        let places: HashMap<&str, Place<'_>> =
            members.iter().map(|&i| model.enis[i].subnet.as_str()).map(|s| (s, self.place(model, s))).collect();
        let mut seen: HashMap<Key<'_>, usize> = HashMap::new();
        let mut classes: Vec<Class> = Vec::new();
        for &i in members {
            let eni = &model.enis[i];
            let mut groups: Vec<&str> = eni.groups.iter().map(String::as_str).collect();
            groups.sort_unstable();
            groups.dedup();
            let mut inside = Vec::new();
            self.blocks_holding(IpAddr::V4(eni.private_ip), &mut inside);
            if let Some(public) = eni.public_ip {
                inside.push(u32::MAX);
                self.blocks_holding(IpAddr::V4(public), &mut inside);
            }
            if let Some(ipv6) = eni.ipv6 {
                inside.push(u32::MAX - 1);
                self.blocks_holding(IpAddr::V6(ipv6), &mut inside);
            }
            let place = places.get(eni.subnet.as_str()).copied().unwrap_or(Place::Own(&eni.subnet));
            let key = Key { place, groups, public: eni.public_ip.is_some(), ipv6: eni.ipv6.is_some(), inside };
            match seen.get(&key) {
                Some(&c) => {
                    let class = &mut classes[c];
                    class.size += 1;
                    let subnet = |m: &usize| model.enis[*m].subnet == eni.subnet;
                    match class.subnets.iter_mut().find(|(first, _)| subnet(first)) {
                        Some((_, second)) => {
                            second.get_or_insert(i);
                        }
                        None => class.subnets.push((i, None)),
                    }
                }
                None => {
                    seen.insert(key, classes.len());
                    classes.push(Class { representative: i, size: 1, subnets: vec![(i, None)] });
                }
            }
        }
        classes
    }
}

/// An address as a number of its family's width.
fn number(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}
