//! Network ACL entries, as data: the node-subnet ACL and the bastion-subnet ACL.
//!
//! STACKROX-EKS, "Create a dedicated subnet in the VPC": a bastion subnet with its own network
//! ACL, and on the node subnets' ACL a rule admitting SSH only from the bastion subnet's
//! block, followed by an explicit DENY. Rule numbers matter: the lowest match decides.

use eksharden_spec::model::{ClusterSpec, IpFamily};
use eksharden_spec::values::Cidr;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::rules::Ports;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Let the packet through.
    Allow,
    /// Drop it.
    Deny,
}

/// One network ACL entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Evaluated in ascending order; the first match decides.
    pub rule_number: u16,
    /// Outbound (`true`) or inbound.
    pub egress: bool,
    /// TCP (`Some(ports)`) or every protocol (`None`).
    pub tcp_ports: Option<Ports>,
    /// The remote block, IPv4 or IPv6 (the two share one order of rule numbers).
    pub cidr: Block,
    /// Allow or deny.
    pub action: Action,
}

/// An entry's remote block: known when planned, or an IPv6 block AWS assigns at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// A block known now.
    Net(IpNet),
    /// The VPC's Amazon-provided IPv6 block.
    VpcIpv6,
    /// The bastion subnet's IPv6 block (a /64 of the VPC's).
    BastionIpv6,
}

impl Block {
    /// The block, when it is known now (every block of [`ssh_guard_entries`] and
    /// [`bastion_entries`] is).
    pub fn known(self) -> Option<IpNet> {
        match self {
            Self::Net(net) => Some(net),
            Self::VpcIpv6 | Self::BastionIpv6 => None,
        }
    }
}

impl From<Ipv4Net> for Block {
    fn from(net: Ipv4Net) -> Self {
        Self::Net(IpNet::V4(net))
    }
}

impl From<Ipv6Net> for Block {
    fn from(net: Ipv6Net) -> Self {
        Self::Net(IpNet::V6(net))
    }
}

impl Entry {
    fn tcp(rule_number: u16, egress: bool, ports: Ports, cidr: impl Into<Block>, action: Action) -> Self {
        Self { rule_number, egress, tcp_ports: Some(ports), cidr: cidr.into(), action }
    }

    fn all(rule_number: u16, egress: bool, cidr: impl Into<Block>) -> Self {
        Self { rule_number, egress, tcp_ports: None, cidr: cidr.into(), action: Action::Allow }
    }
}

/// Ephemeral ports of clients, for return traffic through stateless ACLs.
pub const EPHEMERAL: Ports = (1024, 65535);

/// The node-subnet ACL, when `hardening.ssh.nacl` is on: SSH from the bastion block,
/// then an explicit deny of port 22 from everywhere, then everything else; in an IPv6
/// cluster the same again for IPv6 (101, 111, 201), from the bastion subnet's /64.
pub fn node_subnet_entries(spec: &ClusterSpec) -> Option<Vec<Entry>> {
    if !spec.hardening.ssh.nacl {
        return None;
    }
    let mut entries = Vec::new();
    if let Some(bastion) = &spec.vpc.bastion {
        entries.push(Entry::tcp(100, false, (22, 22), bastion.cidr.0, Action::Allow));
    }
    entries.push(Entry::tcp(110, false, (22, 22), anywhere(), Action::Deny));
    entries.push(Entry::all(200, false, anywhere()));
    entries.push(Entry::all(100, true, anywhere()));
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        if spec.vpc.bastion.is_some() {
            entries.push(Entry::tcp(101, false, (22, 22), Block::BastionIpv6, Action::Allow));
        }
        entries.push(Entry::tcp(111, false, (22, 22), Ipv6Net::default(), Action::Deny));
        entries.push(Entry::all(201, false, Ipv6Net::default()));
        entries.push(Entry::all(101, true, Ipv6Net::default()));
    }
    Some(entries)
}

/// The bastion-subnet ACL: SSH in from the operators, SSH and HTTPS out into the VPC, and
/// the return traffic of both on ephemeral ports.
pub fn bastion_subnet_entries(spec: &ClusterSpec) -> Option<Vec<Entry>> {
    let bastion = spec.vpc.bastion.as_ref()?;
    let mut entries = bastion_entries(spec.vpc.cidr, &bastion.allow_ssh_from);
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        // The bastion reaches the nodes and the API over IPv6 in an IPv6 cluster.
        entries.push(Entry::tcp(201, false, EPHEMERAL, Block::VpcIpv6, Action::Allow));
        entries.push(Entry::tcp(201, true, (22, 22), Block::VpcIpv6, Action::Allow));
        entries.push(Entry::tcp(211, true, (443, 443), Block::VpcIpv6, Action::Allow));
    }
    Some(entries)
}

/// The bastion-subnet ACL of a VPC with block `vpc`, for operators at `operators` (none: the
/// bastion is reached through SSM Session Manager, STACKROX-EKS).
pub fn bastion_entries(vpc: Cidr, operators: &[Cidr]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (i, cidr) in operators.iter().enumerate() {
        let number = 100 + u16::try_from(i).unwrap_or(u16::MAX - 100);
        entries.push(Entry::tcp(number, false, (22, 22), cidr.0, Action::Allow));
        entries.push(Entry::tcp(number, true, EPHEMERAL, cidr.0, Action::Allow));
    }
    entries.push(Entry::tcp(200, false, EPHEMERAL, vpc.0, Action::Allow));
    entries.push(Entry::tcp(200, true, (22, 22), vpc.0, Action::Allow));
    entries.push(Entry::tcp(210, true, (443, 443), vpc.0, Action::Allow));
    entries
}

/// The entries `harden` puts in front of a node subnet's existing ACL entries: SSH from the
/// bastion block, then an explicit deny of port 22 from everywhere (rules 1 and 2, so they
/// come before whatever the ACL had). In a dual-stack VPC (`ipv6`), the same for IPv6:
/// SSH from the bastion subnet's IPv6 block if it has one (3), then a deny from `::/0` (4).
pub fn ssh_guard_entries(bastion: Cidr, ipv6: Option<Option<Ipv6Net>>) -> Vec<Entry> {
    let mut entries = vec![
        Entry::tcp(1, false, (22, 22), bastion.0, Action::Allow),
        Entry::tcp(2, false, (22, 22), anywhere(), Action::Deny),
    ];
    if let Some(bastion_ipv6) = ipv6 {
        entries.extend(bastion_ipv6.map(|block| Entry::tcp(3, false, (22, 22), block, Action::Allow)));
        entries.push(Entry::tcp(4, false, (22, 22), Ipv6Net::default(), Action::Deny));
    }
    entries
}

/// How far an ACL's own entries (by rule number) move so that `guard`'s come first: not at
/// all when every own entry already follows the guard's last number, else by that number.
pub fn guard_shift(guard: &[Entry], own: impl IntoIterator<Item = u16>) -> u16 {
    let last = guard.iter().map(|e| e.rule_number).max().unwrap_or(0);
    if own.into_iter().any(|n| n <= last) {
        last
    } else {
        0
    }
}

fn anywhere() -> Ipv4Net {
    Ipv4Net::default()
}
