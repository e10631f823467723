//! Interfaces that no rule, entry or route can tell apart, grouped so the flow matrix
//! evaluates each kind once: same subnet, same groups, public and IPv6 addresses or not,
//! and inside the same blocks (of both families) of every rule and entry of the model.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{Family, Model, RouteDestination};
use crate::topology::{Members, Topology};

/// Groups interfaces into classes of identical behaviour.
pub struct Classifier {
    /// For each family and prefix length in use, the networks of that length (as numbers),
    /// each with a number of its own.
    by_length: Vec<(Family, u8, HashMap<u128, u32>)>,
}

/// A class: its representative interface and how many it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The first member, by index in [`Model::enis`].
    pub representative: usize,
    /// Another member, for flows between two interfaces of one class.
    pub other: Option<usize>,
    /// How many interfaces behave the same way.
    pub size: usize,
}

#[derive(Hash, PartialEq, Eq)]
struct Key<'m> {
    subnet: &'m str,
    groups: Vec<&'m str>,
    public: bool,
    ipv6: bool,
    inside: Vec<u32>,
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
        Self { by_length }
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
            let key =
                Key { subnet: &eni.subnet, groups, public: eni.public_ip.is_some(), ipv6: eni.ipv6.is_some(), inside };
            match seen.get(&key) {
                Some(&c) => {
                    classes[c].size += 1;
                    classes[c].other.get_or_insert(i);
                }
                None => {
                    seen.insert(key, classes.len());
                    classes.push(Class { representative: i, other: None, size: 1 });
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
