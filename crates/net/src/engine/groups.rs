//! Security groups: stateful, allow-only, the rules of all an interface's groups unioned.

use std::net::IpAddr;

use crate::model::{Family, Peer, SecurityGroup};
use crate::ports::Protocol;
use crate::verdict::Reason;

use super::Index;

/// The other end of the traffic as a security group sees it.
#[derive(Clone, Copy)]
pub(crate) struct PeerAddress {
    /// The address the packet carries.
    pub(crate) address: IpAddr,
    /// The interface behind it, when inside the VPC (for group references, which match
    /// the private addresses of the groups' members).
    pub(crate) eni: Option<usize>,
}

/// Whether any rule of `eni`'s groups in the direction admits the traffic.
pub(crate) fn check(
    index: &Index<'_>,
    eni: usize,
    ingress: bool,
    peer: PeerAddress,
    protocol: Protocol,
    port: u16,
) -> (bool, Reason) {
    for &g in &index.eni_groups[eni] {
        let group: &SecurityGroup = &index.model.security_groups[g];
        let rules = if ingress { &group.ingress } else { &group.egress };
        for rule in rules {
            if rule.protocol.matches(rule.ports, protocol, port) && peer_matches(index, &rule.peer, peer) {
                return (
                    true,
                    Reason::SgRule {
                        group: group.id.clone(),
                        group_name: group.name.clone(),
                        ingress,
                        rule: rule.clone(),
                    },
                );
            }
        }
    }
    let groups = index.eni_groups[eni].iter().map(|&g| index.model.security_groups[g].id.clone()).collect();
    (false, Reason::NoSgRule { groups, ingress })
}

fn peer_matches(index: &Index<'_>, rule_peer: &Peer, peer: PeerAddress) -> bool {
    match rule_peer {
        Peer::Cidr(cidr) => matches!(peer.address, IpAddr::V4(address) if cidr.contains(&address)),
        Peer::Cidr6(cidr) => matches!(peer.address, IpAddr::V6(address) if cidr.contains(&address)),
        // A group reference matches its members' private addresses, IPv4 and IPv6 alike.
        Peer::Group(id) => match (peer.eni, index.group.get(id.as_str())) {
            (Some(eni), Some(g)) => {
                let member = &index.model.enis[eni];
                index.eni_groups[eni].binary_search(g).is_ok()
                    && member.address(Family::of(peer.address)) == Some(peer.address)
            }
            _ => false,
        },
        Peer::PrefixList(id) => {
            index.model.prefix_lists.get(id).is_some_and(|blocks| blocks.iter().any(|b| b.contains(&peer.address)))
        }
    }
}
