//! Protocols and port ranges, as security groups and network ACLs write them.

use std::fmt;

use serde::Serialize;

/// A transport protocol a rule or a flow names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP (1); ports do not apply.
    Icmp,
}

impl Protocol {
    /// The protocol with an IANA number, if eksharden models it (`-1`, "all", is not a protocol).
    pub fn from_number(number: &str) -> Option<Self> {
        match number.to_ascii_lowercase().as_str() {
            "6" | "tcp" => Some(Self::Tcp),
            "17" | "udp" => Some(Self::Udp),
            "1" | "icmp" => Some(Self::Icmp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
        })
    }
}

/// What a rule matches: every protocol (`-1`), or one protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleProtocol {
    /// Every protocol and port.
    All,
    /// One protocol (with the rule's ports, for TCP and UDP).
    One(Protocol),
    /// A protocol eksharden does not model (GRE, ESP, ...): it matches no modelled flow.
    Other,
}

impl RuleProtocol {
    /// Whether a rule with this protocol and `ports` covers `protocol` on `port`.
    pub fn matches(self, ports: PortRange, protocol: Protocol, port: u16) -> bool {
        match self {
            Self::All => true,
            Self::One(Protocol::Icmp) => protocol == Protocol::Icmp,
            Self::One(p) => p == protocol && ports.contains(port),
            Self::Other => false,
        }
    }
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    /// The first port.
    pub from: u16,
    /// The last port.
    pub to: u16,
}

impl PortRange {
    /// Every port.
    pub const ALL: Self = Self { from: 0, to: 65535 };
    /// The client's ephemeral ports that return traffic goes to (1024-65535
    /// unless told otherwise: it covers Linux, Windows and the NAT gateway).
    pub const EPHEMERAL: Self = Self { from: 1024, to: 65535 };

    /// A range; `from` must not exceed `to`.
    pub const fn new(from: u16, to: u16) -> Self {
        Self { from, to }
    }

    /// One port.
    pub const fn single(port: u16) -> Self {
        Self { from: port, to: port }
    }

    /// Every port but `ports`, as the fewest ranges, in order.
    pub fn all_but(ports: &[u16]) -> Vec<Self> {
        let mut left = Vec::new();
        let mut from = 0u32;
        let mut sorted = ports.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for port in sorted {
            if u32::from(port) > from {
                left.push(Self::new(from as u16, port - 1));
            }
            from = u32::from(port) + 1;
        }
        if from <= 65535 {
            left.push(Self::new(from as u16, 65535));
        }
        left
    }

    /// Whether the range holds `port`.
    pub fn contains(self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// The ports both ranges hold.
    pub fn intersect(self, other: Self) -> Option<Self> {
        let from = self.from.max(other.from);
        let to = self.to.min(other.to);
        (from <= to).then_some(Self { from, to })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ALL {
            f.write_str("all ports")
        } else if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_but_leaves_the_ports_out_in_the_fewest_ranges() {
        assert_eq!(PortRange::all_but(&[]), vec![PortRange::ALL]);
        assert_eq!(
            PortRange::all_but(&[3389, 22, 22]),
            vec![PortRange::new(0, 21), PortRange::new(23, 3388), PortRange::new(3390, 65535)]
        );
        assert_eq!(PortRange::all_but(&[0, 65535]), vec![PortRange::new(1, 65534)]);
    }
}
