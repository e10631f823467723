//! The reachability engine: decides a flow with AWS semantics and says why.
//!
//! A flow goes from an endpoint to an endpoint over a protocol and a port range. The engine
//! splits the range where any rule or entry on the path changes, decides one port per piece,
//! and joins neighbouring pieces that were decided the same way.

mod acl;
mod groups;
mod path;
mod routes;

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::model::{Eni, Family, Model, RouteTable, Subnet};
use crate::ports::{PortRange, Protocol, RuleProtocol};
use crate::verdict::{Segment, Verdict};

use acl::SortedAcl;

/// One end of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Endpoint {
    /// A network interface, by its index in [`Model::enis`]. Pods under the VPC CNI share
    /// their node's interface, so a pod is its node's ENI.
    Eni(usize),
    /// A host on the internet, IPv4 or IPv6.
    Internet(IpAddr),
    /// The cluster's public API endpoint.
    PublicApi,
    /// An AWS service (`ecr.api`, `s3`): through its VPC endpoint if the VPC has one,
    /// else over the internet path to a public AWS address.
    Service(String),
}

/// A flow to decide.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Flow {
    /// Where the connection starts.
    pub source: Endpoint,
    /// Where it goes.
    pub destination: Endpoint,
    /// TCP or UDP.
    pub protocol: Protocol,
    /// The destination ports.
    pub ports: PortRange,
    /// The address family the interfaces use; an internet endpoint's address must be of it.
    pub family: Family,
}

/// A flow the engine has no path for (for example from the public endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedFlow(pub String);

impl fmt::Display for UnsupportedFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no path is modelled for {}", self.0)
    }
}

impl std::error::Error for UnsupportedFlow {}

/// A public AWS address that stands for a service reached over the internet path.
pub const AWS_SERVICE_ADDRESS: Ipv4Addr = Ipv4Addr::new(52, 94, 133, 131);

/// The IPv6 address that stands for a service's dual-stack endpoint.
pub const AWS_SERVICE_ADDRESS_V6: Ipv6Addr = Ipv6Addr::new(0x2600, 0x1f18, 0x4a3, 0x6d00, 0, 0, 0, 0x131);

/// The model with lookups built once.
pub(crate) struct Index<'m> {
    pub(crate) model: &'m Model,
    pub(crate) group: HashMap<&'m str, usize>,
    pub(crate) eni_groups: Vec<Vec<usize>>,
    subnet: HashMap<&'m str, usize>,
    route_table: HashMap<&'m str, usize>,
    acl: HashMap<&'m str, usize>,
    acls: Vec<SortedAcl>,
    eni: HashMap<&'m str, usize>,
}

/// Decides flows over one model.
pub struct Engine<'m> {
    index: Index<'m>,
    ephemeral: PortRange,
}

impl<'m> Engine<'m> {
    /// Indexes `model`. Replies go to the ephemeral ports 1024-65535.
    pub fn new(model: &'m Model) -> Self {
        let group: HashMap<&str, usize> =
            model.security_groups.iter().enumerate().map(|(i, g)| (g.id.as_str(), i)).collect();
        let eni_groups = model
            .enis
            .iter()
            .map(|eni| {
                let mut ids: Vec<usize> = eni.groups.iter().filter_map(|g| group.get(g.as_str()).copied()).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        let index = Index {
            model,
            group,
            eni_groups,
            subnet: model.subnets.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect(),
            route_table: model.route_tables.iter().enumerate().map(|(i, t)| (t.id.as_str(), i)).collect(),
            acl: model.network_acls.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect(),
            acls: model.network_acls.iter().map(SortedAcl::new).collect(),
            eni: model.enis.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect(),
        };
        Self { index, ephemeral: PortRange::EPHEMERAL }
    }

    /// Uses `ports` as the clients' ephemeral range for replies.
    pub fn with_ephemeral_ports(mut self, ports: PortRange) -> Self {
        self.ephemeral = ports;
        self
    }

    /// The model.
    pub fn model(&self) -> &'m Model {
        self.index.model
    }

    /// The index of the ENI with `id`.
    pub fn eni_index(&self, id: &str) -> Option<usize> {
        self.index.eni.get(id).copied()
    }

    /// Decides `flow` over its whole port range.
    pub fn evaluate(&self, flow: &Flow) -> Result<Verdict, UnsupportedFlow> {
        let path = path::Path::resolve(self, flow)?;
        let mut cuts = vec![flow.ports.from as u32, flow.ports.to as u32 + 1];
        path.breakpoints(self, &mut cuts);
        cuts.retain(|&c| c >= flow.ports.from as u32 && c <= flow.ports.to as u32 + 1);
        cuts.sort_unstable();
        cuts.dedup();
        let mut segments: Vec<Segment> = Vec::with_capacity(cuts.len());
        for pair in cuts.windows(2) {
            let ports = PortRange::new(pair[0] as u16, (pair[1] - 1) as u16);
            let hops = path.hops(self, flow.family, flow.protocol, ports.from);
            let allowed = hops.iter().all(|h| h.allowed);
            match segments.last_mut() {
                Some(last) if last.hops == hops => last.ports.to = ports.to,
                _ => segments.push(Segment { ports, allowed, hops }),
            }
        }
        Ok(Verdict { segments })
    }

    fn eni(&self, i: usize) -> &'m Eni {
        &self.index.model.enis[i]
    }

    fn subnet_of(&self, eni: usize) -> Option<&'m Subnet> {
        self.index.subnet.get(self.eni(eni).subnet.as_str()).map(|&s| &self.index.model.subnets[s])
    }

    fn route_table_of(&self, subnet: &Subnet) -> Option<&'m RouteTable> {
        self.index.route_table.get(subnet.route_table.as_str()).map(|&t| &self.index.model.route_tables[t])
    }

    fn acl_of(&self, subnet: &Subnet) -> Option<&SortedAcl> {
        self.index.acl.get(subnet.network_acl.as_str()).map(|&a| &self.index.acls[a])
    }

    fn push_rule_cuts(cuts: &mut Vec<u32>, protocol: RuleProtocol, ports: PortRange) {
        if let RuleProtocol::One(Protocol::Tcp | Protocol::Udp) = protocol {
            cuts.push(ports.from as u32);
            cuts.push(ports.to as u32 + 1);
        }
    }
}
