//! Interfaces that no rule, entry or route can tell apart, grouped so the flow matrix
//! evaluates each kind once: same subnet, same groups, public address or not, and inside
//! the same blocks of every rule and entry of the model.

use std::collections::{HashMap, HashSet};

use ipnet::Ipv4Net;

use crate::model::{Model, RouteDestination};
use crate::topology::{Members, Topology};

/// Groups interfaces into classes of identical behaviour.
pub struct Classifier {
    /// For each prefix length in use, the networks of that length, each with a number.
    by_length: Vec<(u8, HashMap<u32, u32>)>,
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
        let mut blocks: Vec<Ipv4Net> = model.named_blocks(|g| carried.contains(g.id.as_str())).collect();
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
        let mut by_length: Vec<(u8, HashMap<u32, u32>)> = Vec::new();
        for (n, block) in blocks.iter().enumerate() {
            let length = block.prefix_len();
            let position = match by_length.iter().position(|(l, _)| *l == length) {
                Some(p) => p,
                None => {
                    by_length.push((length, HashMap::new()));
                    by_length.len() - 1
                }
            };
            by_length[position].1.insert(u32::from(block.network()), n as u32);
        }
        Self { by_length }
    }

    /// The numbers of the blocks holding `address`, in a stable order.
    fn blocks_holding(&self, address: std::net::Ipv4Addr, out: &mut Vec<u32>) {
        let address = u32::from(address);
        for (length, networks) in &self.by_length {
            let mask = u32::MAX << (32 - u32::from(*length));
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
            self.blocks_holding(eni.private_ip, &mut inside);
            if let Some(public) = eni.public_ip {
                inside.push(u32::MAX);
                self.blocks_holding(public, &mut inside);
            }
            let key = Key { subnet: &eni.subnet, groups, public: eni.public_ip.is_some(), inside };
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
