//! Network ACL entries, as data: the node-subnet ACL and the bastion-subnet ACL.
//!
//! STACKROX-EKS, "Create a dedicated subnet in the VPC": a bastion subnet with its own network
//! ACL, and on the node subnets' ACL a rule admitting SSH only from the bastion subnet's
//! block, followed by an explicit DENY. Rule numbers matter: the lowest match decides.

use eksharden_spec::model::{acl_can_guard, ClusterSpec, IpFamily};
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
    /// The block, when it is known now (every block of [`port_guard_entries`] and
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

/// The node-subnet ACL, when `hardening.ssh.nacl` is on: each guarded port below the
/// ephemeral range ([`acl_can_guard`]: 22 of the default 22 and 3389, STACKROX-EKS's
/// "sensitive ports like ssh") from the bastion block, then an explicit deny of it from
/// everywhere (numbered by [`node_rule_numbers`]), then everything else (200); in an IPv6
/// cluster the same again for IPv6 (then 201), from the bastion subnet's /64.
pub fn node_subnet_entries(spec: &ClusterSpec) -> Option<Vec<Entry>> {
    if !spec.hardening.ssh.nacl {
        return None;
    }
    let bastion = spec.vpc.bastion.as_ref();
    let ipv6 = spec.vpc.ip_family == IpFamily::Ipv6;
    let mut entries = Vec::new();
    let guarded: Vec<u16> =
        spec.hardening.ssh.guarded_ports.iter().map(|p| p.get()).filter(|&p| acl_can_guard(p)).collect();
    for (k, &port) in guarded.iter().enumerate() {
        let numbers = node_rule_numbers(k);
        if let Some(bastion) = bastion {
            entries.push(Entry::tcp(numbers.allow, false, (port, port), bastion.cidr.0, Action::Allow));
        }
        entries.push(Entry::tcp(numbers.deny, false, (port, port), anywhere(), Action::Deny));
    }
    entries.push(Entry::all(200, false, anywhere()));
    entries.push(Entry::all(100, true, anywhere()));
    if ipv6 {
        for (k, &port) in guarded.iter().enumerate() {
            let numbers = node_rule_numbers(k);
            if bastion.is_some() {
                entries.push(Entry::tcp(numbers.allow_v6, false, (port, port), Block::BastionIpv6, Action::Allow));
            }
            entries.push(Entry::tcp(numbers.deny_v6, false, (port, port), Ipv6Net::default(), Action::Deny));
        }
        entries.push(Entry::all(201, false, Ipv6Net::default()));
        entries.push(Entry::all(101, true, Ipv6Net::default()));
    }
    Some(entries)
}

/// The rule numbers of the node-subnet ACL's entries for one guarded port.
struct RuleNumbers {
    allow: u16,
    deny: u16,
    allow_v6: u16,
    deny_v6: u16,
}

/// The `k`th guarded port's numbers: the first at 100 and 110 (IPv6 101 and 111), the others
/// from 150 up, four apart; all below the 200 that lets the rest through (the ACL's quota of
/// 20 entries, which validation checks, allows nine ports at most).
fn node_rule_numbers(k: usize) -> RuleNumbers {
    if k == 0 {
        return RuleNumbers { allow: 100, deny: 110, allow_v6: 101, deny_v6: 111 };
    }
    // Validation keeps k below nine, so the numbers stay apart and below 200.
    let base = u16::try_from(k - 1).map_or(u16::MAX, |k| 150u16.saturating_add(k.saturating_mul(4)));
    RuleNumbers {
        allow: base,
        deny: base.saturating_add(2),
        allow_v6: base.saturating_add(1),
        deny_v6: base.saturating_add(3),
    }
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

/// The entries `harden` puts in front of a node subnet's existing ACL entries: for the `k`th
/// of `ports` an ACL can guard ([`acl_can_guard`]), the port from the bastion block (rule 1 + 4k), then an explicit deny of it
/// from everywhere (2 + 4k), so they come before whatever the ACL had. In a dual-stack VPC
/// (`ipv6`), the same for IPv6: from the bastion subnet's IPv6 block if it has one (3 + 4k),
/// then a deny from `::/0` (4 + 4k).
pub fn port_guard_entries(bastion: Cidr, ipv6: Option<Option<Ipv6Net>>, ports: &[u16]) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (k, &port) in ports.iter().filter(|&&p| acl_can_guard(p)).enumerate() {
        let base = 1 + 4 * u16::try_from(k).unwrap_or(u16::MAX / 8);
        entries.push(Entry::tcp(base, false, (port, port), bastion.0, Action::Allow));
        entries.push(Entry::tcp(base + 1, false, (port, port), anywhere(), Action::Deny));
        if let Some(bastion_ipv6) = ipv6 {
            entries.extend(bastion_ipv6.map(|block| Entry::tcp(base + 2, false, (port, port), block, Action::Allow)));
            entries.push(Entry::tcp(base + 3, false, (port, port), Ipv6Net::default(), Action::Deny));
        }
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

#[cfg(test)]
mod tests {
    use eksharden_spec::values::Port;
    use eksharden_spec::{load, SourceFile};

    use super::*;

    #[test]
    fn each_guarded_port_below_the_ephemeral_range_gets_its_allow_and_deny() {
        let text = "apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c, region: eu-west-1}\n\
            vpc: {cidr: 10.0.0.0/16, availabilityZones: [eu-west-1a, eu-west-1b], bastion: {cidr: 10.0.250.0/24}}\n\
            access: {admins: [{arn: 'arn:aws:iam::111122223333:role/a'}]}\n";
        let mut spec = load(&SourceFile { name: "c.yaml".into(), text: text.into() }).unwrap().spec.into_inner();
        spec.hardening.ssh.guarded_ports = vec![Port(22), Port(3389), Port(23)];
        let rows: Vec<(u16, Option<Ports>, Action)> = node_subnet_entries(&spec)
            .unwrap()
            .into_iter()
            .filter(|e| !e.egress)
            .map(|e| (e.rule_number, e.tcp_ports, e.action))
            .collect();
        assert_eq!(
            rows,
            [
                (100, Some((22, 22)), Action::Allow),
                (110, Some((22, 22)), Action::Deny),
                (150, Some((23, 23)), Action::Allow),
                (152, Some((23, 23)), Action::Deny),
                (200, None, Action::Allow),
            ],
            "3389 is in the ephemeral range: a deny would drop replies"
        );
        let guard = port_guard_entries("10.0.250.0/24".parse().unwrap(), Some(None), &[22, 3389, 23]);
        let numbers: Vec<(u16, u16)> = guard.iter().map(|e| (e.rule_number, e.tcp_ports.unwrap().0)).collect();
        assert_eq!(numbers, [(1, 22), (2, 22), (4, 22), (5, 23), (6, 23), (8, 23)]);
    }
}
