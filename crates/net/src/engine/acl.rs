//! Network ACLs: stateless, entries in ascending rule number, the first match decides.

use std::net::IpAddr;

use crate::model::{AclEntry, NetworkAcl, DEFAULT_ACL_ENTRY};
use crate::ports::{PortRange, Protocol};
use crate::verdict::{AclDecision, Reason};

/// An ACL with its entries split by direction and sorted by rule number.
pub(crate) struct SortedAcl {
    pub(crate) id: String,
    inbound: Vec<AclEntry>,
    outbound: Vec<AclEntry>,
}

impl SortedAcl {
    pub(crate) fn new(acl: &NetworkAcl) -> Self {
        let mut inbound: Vec<AclEntry> = acl.entries.iter().filter(|e| !e.egress).cloned().collect();
        let mut outbound: Vec<AclEntry> = acl.entries.iter().filter(|e| e.egress).cloned().collect();
        inbound.sort_by_key(|e| e.number);
        outbound.sort_by_key(|e| e.number);
        Self { id: acl.id.clone(), inbound, outbound }
    }

    /// Every entry, for the port breakpoints of a flow.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &AclEntry> {
        self.inbound.iter().chain(&self.outbound)
    }

    /// Decides every port of `ports` for traffic whose peer is `peer` (the source when
    /// inbound, the destination when outbound). Passes only if every port is allowed. An
    /// entry matches only addresses of its own family; IPv4 and IPv6 entries share one
    /// order.
    pub(crate) fn decide(&self, egress: bool, peer: IpAddr, protocol: Protocol, ports: PortRange) -> (bool, Reason) {
        let entries = if egress { &self.outbound } else { &self.inbound };
        let mut undecided = vec![ports];
        let mut decisions = Vec::new();
        for entry in entries {
            if undecided.is_empty() {
                break;
            }
            if !entry.cidr.contains(&peer) {
                continue;
            }
            let covered = coverage(entry, protocol);
            let mut rest = Vec::new();
            for range in undecided {
                match covered.and_then(|c| c.intersect(range)) {
                    Some(hit) => {
                        decisions.push(AclDecision { ports: hit, entry: entry.number, allow: entry.allow });
                        if range.from < hit.from {
                            rest.push(PortRange::new(range.from, hit.from - 1));
                        }
                        if hit.to < range.to {
                            rest.push(PortRange::new(hit.to + 1, range.to));
                        }
                    }
                    None => rest.push(range),
                }
            }
            undecided = rest;
        }
        // What no entry matched is denied, as by the `*` entry.
        decisions.extend(undecided.into_iter().map(|ports| AclDecision {
            ports,
            entry: DEFAULT_ACL_ENTRY,
            allow: false,
        }));
        decisions.sort_by_key(|d| d.ports.from);
        let allowed = decisions.iter().all(|d| d.allow);
        // Name the entries that decided the outcome: the denials when blocked.
        let shown: Vec<AclDecision> =
            if allowed { decisions } else { decisions.into_iter().filter(|d| !d.allow).collect() };
        (allowed, Reason::Acl { acl: self.id.clone(), decisions: merge(shown) })
    }
}

/// The ports of `protocol` an entry covers, if it covers the protocol at all.
fn coverage(entry: &AclEntry, protocol: Protocol) -> Option<PortRange> {
    use crate::ports::RuleProtocol;
    match entry.protocol {
        RuleProtocol::All => Some(PortRange::ALL),
        RuleProtocol::One(Protocol::Icmp) if protocol == Protocol::Icmp => Some(PortRange::ALL),
        RuleProtocol::One(p) if p == protocol && p != Protocol::Icmp => Some(entry.ports),
        _ => None,
    }
}

/// Joins adjacent decisions of the same entry.
fn merge(decisions: Vec<AclDecision>) -> Vec<AclDecision> {
    let mut out: Vec<AclDecision> = Vec::with_capacity(decisions.len());
    for d in decisions {
        match out.last_mut() {
            Some(last)
                if last.entry == d.entry
                    && last.allow == d.allow
                    && u32::from(last.ports.to) + 1 == u32::from(d.ports.from) =>
            {
                last.ports.to = d.ports.to;
            }
            _ => out.push(d),
        }
    }
    out
}

impl NetworkAcl {
    /// Whether the ACL lets every port of `ports` through in one direction for `peer` (the
    /// source when inbound, the destination when outbound).
    pub fn admits(&self, egress: bool, peer: IpAddr, protocol: Protocol, ports: PortRange) -> bool {
        SortedAcl::new(self).decide(egress, peer, protocol, ports).0
    }
}
