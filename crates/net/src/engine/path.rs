//! The hops of each kind of path, in the order the packets take them.

use std::net::Ipv4Addr;

use crate::model::{RouteTarget, Subnet, VpcEndpointKind};
use crate::ports::{PortRange, Protocol};
use crate::verdict::{Hop, Reason, Step};

use super::groups::{self, PeerAddress};
use super::{routes, Endpoint, Engine, Flow, UnsupportedFlow, AWS_SERVICE_ADDRESS};

/// A flow resolved to the interfaces and addresses it involves.
pub(super) enum Path {
    /// Between two interfaces of the VPC.
    InVpc { source: usize, destination: usize },
    /// From an interface to an address outside the VPC.
    Outbound { source: usize, address: Ipv4Addr },
    /// From the internet to an interface.
    Inbound { address: Ipv4Addr, destination: usize },
    /// From the internet to the public API endpoint.
    Api { address: Ipv4Addr },
}

impl Path {
    pub(super) fn resolve(engine: &Engine<'_>, flow: &Flow) -> Result<Self, UnsupportedFlow> {
        let unsupported = || UnsupportedFlow(format!("{:?} -> {:?}", flow.source, flow.destination));
        let path = match (&flow.source, &flow.destination) {
            (Endpoint::Eni(a), Endpoint::Eni(b)) if a != b => Self::InVpc { source: *a, destination: *b },
            (Endpoint::Eni(a), Endpoint::Internet(address)) => Self::Outbound { source: *a, address: *address },
            (Endpoint::Internet(address), Endpoint::Eni(b)) => Self::Inbound { address: *address, destination: *b },
            (Endpoint::Internet(address), Endpoint::PublicApi) => Self::Api { address: *address },
            (Endpoint::Eni(a), Endpoint::Service(service)) => service_path(engine, *a, service),
            _ => return Err(unsupported()),
        };
        for eni in path.enis() {
            if eni >= engine.index.model.enis.len() || engine.subnet_of(eni).is_none() {
                return Err(UnsupportedFlow(format!("interface #{eni} is unknown or its subnet is not in the model")));
            }
        }
        Ok(path)
    }

    fn enis(&self) -> Vec<usize> {
        match *self {
            Self::InVpc { source, destination } => vec![source, destination],
            Self::Outbound { source, .. } => vec![source],
            Self::Inbound { destination, .. } => vec![destination],
            Self::Api { .. } => vec![],
        }
    }

    /// Adds the ports at which a rule or entry on this path starts or stops applying.
    pub(super) fn breakpoints(&self, engine: &Engine<'_>, cuts: &mut Vec<u32>) {
        let index = &engine.index;
        let mut subnets: Vec<&Subnet> = Vec::new();
        for (n, eni) in self.enis().into_iter().enumerate() {
            let outbound_side = matches!(self, Self::InVpc { .. } | Self::Outbound { .. }) && n == 0;
            for &g in &index.eni_groups[eni] {
                let group = &index.model.security_groups[g];
                for rule in if outbound_side { &group.egress } else { &group.ingress } {
                    Engine::push_rule_cuts(cuts, rule.protocol, rule.ports);
                }
            }
            subnets.extend(engine.subnet_of(eni));
        }
        if let Self::Outbound { source, address } = *self {
            subnets.extend(nat_subnet(engine, source, address));
        }
        for subnet in subnets {
            for entry in engine.acl_of(subnet).into_iter().flat_map(|acl| acl.entries()) {
                Engine::push_rule_cuts(cuts, entry.protocol, entry.ports);
            }
        }
    }

    /// Every hop for one port, in path order.
    pub(super) fn hops(&self, engine: &Engine<'_>, protocol: Protocol, port: u16) -> Vec<Hop> {
        let mut hops = Hops { engine, protocol, port, out: Vec::with_capacity(8) };
        match *self {
            Self::InVpc { source, destination } => hops.in_vpc(source, destination),
            Self::Outbound { source, address } => hops.outbound(source, address),
            Self::Inbound { address, destination } => hops.inbound(address, destination),
            Self::Api { address } => hops.api(address),
        }
        hops.out
    }
}

/// The path to an AWS service: its interface endpoint in the source's zone (or any zone),
/// the address of its gateway endpoint's prefix list, or the internet.
fn service_path(engine: &Engine<'_>, source: usize, service: &str) -> Path {
    let model = engine.index.model;
    let zone = engine.subnet_of(source).map(|s| s.zone.as_str());
    for endpoint in model.vpc_endpoints.iter().filter(|e| e.service == service) {
        match &endpoint.kind {
            VpcEndpointKind::Interface { enis } => {
                let candidates: Vec<usize> = enis.iter().filter_map(|id| engine.eni_index(id)).collect();
                let same_zone =
                    candidates.iter().copied().find(|&e| engine.subnet_of(e).map(|s| s.zone.as_str()) == zone);
                if let Some(destination) = same_zone.or(candidates.first().copied()) {
                    return Path::InVpc { source, destination };
                }
            }
            VpcEndpointKind::Gateway { prefix_list: Some(list) } => {
                if let Some(block) = model.prefix_lists.get(list).and_then(|blocks| blocks.first()) {
                    let address = block.hosts().next().unwrap_or(block.network());
                    return Path::Outbound { source, address };
                }
            }
            VpcEndpointKind::Gateway { prefix_list: None } => {}
        }
    }
    Path::Outbound { source, address: AWS_SERVICE_ADDRESS }
}

/// The NAT gateway's subnet when the source routes `address` through one.
fn nat_subnet<'m>(engine: &Engine<'m>, source: usize, address: Ipv4Addr) -> Option<&'m Subnet> {
    let subnet = engine.subnet_of(source)?;
    let table = engine.route_table_of(subnet)?;
    let RouteTarget::NatGateway(id) = &routes::lookup(&engine.index, table, address)?.target else { return None };
    let nat = engine.index.model.nat_gateways.iter().find(|n| &n.id == id)?;
    engine.index.subnet.get(nat.subnet.as_str()).map(|&s| &engine.index.model.subnets[s])
}

struct Hops<'e, 'm> {
    engine: &'e Engine<'m>,
    protocol: Protocol,
    port: u16,
    out: Vec<Hop>,
}

impl<'m> Hops<'_, 'm> {
    fn push(&mut self, step: Step, (allowed, reason): (bool, Reason)) {
        self.out.push(Hop { step, allowed, reason });
    }

    fn security_groups(&mut self, step: Step, eni: usize, ingress: bool, peer: PeerAddress) {
        let decision = groups::check(&self.engine.index, eni, ingress, peer, self.protocol, self.port);
        self.push(step, decision);
    }

    fn acl(&mut self, step: Step, subnet: &Subnet, egress: bool, peer: Ipv4Addr, ports: PortRange) {
        let decision = match self.engine.acl_of(subnet) {
            Some(acl) => acl.decide(egress, peer, self.protocol, ports),
            None => (false, Reason::acl_entry(&subnet.network_acl, ports, crate::model::DEFAULT_ACL_ENTRY, false)),
        };
        self.push(step, decision);
    }

    fn forward(&self) -> PortRange {
        PortRange::single(self.port)
    }

    fn subnet(&self, eni: usize) -> &'m Subnet {
        self.engine.subnet_of(eni).expect("resolve checked every interface's subnet")
    }

    fn in_vpc(&mut self, source: usize, destination: usize) {
        let (a, b) = (self.engine.eni(source), self.engine.eni(destination));
        self.security_groups(
            Step::SourceEgress,
            source,
            false,
            PeerAddress { address: b.private_ip, eni: Some(destination) },
        );
        let (from, to) = (self.subnet(source), self.subnet(destination));
        self.route(Step::SourceRoute, from, b.private_ip, |target| matches!(target, RouteTarget::Local));
        if from.id == to.id {
            self.push(Step::SubnetBoundary, (true, Reason::SameSubnet { subnet: from.id.clone() }));
        } else {
            let ephemeral = self.engine.ephemeral;
            self.acl(Step::SourceSubnetOut, from, true, b.private_ip, self.forward());
            self.acl(Step::DestinationSubnetIn, to, false, a.private_ip, self.forward());
            self.acl(Step::ReturnDestinationSubnetOut, to, true, a.private_ip, ephemeral);
            self.acl(Step::ReturnSourceSubnetIn, from, false, b.private_ip, ephemeral);
        }
        self.security_groups(
            Step::DestinationIngress,
            destination,
            true,
            PeerAddress { address: a.private_ip, eni: Some(source) },
        );
    }

    fn outbound(&mut self, source: usize, address: Ipv4Addr) {
        let a = self.engine.eni(source);
        let from = self.subnet(source);
        let ephemeral = self.engine.ephemeral;
        self.security_groups(Step::SourceEgress, source, false, PeerAddress { address, eni: None });
        let target = self.route(Step::SourceRoute, from, address, |target| {
            matches!(target, RouteTarget::InternetGateway(_) | RouteTarget::NatGateway(_) | RouteTarget::VpcEndpoint(_))
        });
        match target {
            Some(RouteTarget::InternetGateway(_)) => {
                let decision = match a.public_ip {
                    Some(ip) => (true, Reason::PublicIp { eni: a.id.clone(), address: ip }),
                    None => (false, Reason::NoPublicIp { eni: a.id.clone() }),
                };
                self.push(Step::PublicAddress, decision);
            }
            Some(RouteTarget::NatGateway(_)) => {
                if let Some(nat) = nat_subnet(self.engine, source, address) {
                    self.route(Step::NatRoute, nat, address, |t| matches!(t, RouteTarget::InternetGateway(_)));
                    if nat.id != from.id {
                        self.acl(Step::NatSubnetIn, nat, false, a.private_ip, self.forward());
                        self.acl(Step::NatSubnetOut, nat, true, address, self.forward());
                        self.acl(Step::ReturnNatSubnetIn, nat, false, address, ephemeral);
                        self.acl(Step::ReturnNatSubnetOut, nat, true, a.private_ip, ephemeral);
                    }
                } else {
                    let reason = Reason::NoRoute {
                        table: "NAT gateway".to_owned(),
                        address,
                        matched: Some("a NAT gateway not in the model".to_owned()),
                    };
                    self.push(Step::NatRoute, (false, reason));
                }
            }
            _ => {}
        }
        self.acl(Step::SourceSubnetOut, from, true, address, self.forward());
        self.acl(Step::ReturnSourceSubnetIn, from, false, address, ephemeral);
    }

    fn inbound(&mut self, address: Ipv4Addr, destination: usize) {
        let b = self.engine.eni(destination);
        let to = self.subnet(destination);
        let decision = match b.public_ip {
            Some(ip) => (true, Reason::PublicIp { eni: b.id.clone(), address: ip }),
            None => (false, Reason::NoPublicIp { eni: b.id.clone() }),
        };
        self.push(Step::PublicAddress, decision);
        self.route(Step::ReturnRoute, to, address, |t| matches!(t, RouteTarget::InternetGateway(_)));
        self.acl(Step::DestinationSubnetIn, to, false, address, self.forward());
        self.acl(Step::ReturnDestinationSubnetOut, to, true, address, self.engine.ephemeral);
        self.security_groups(Step::DestinationIngress, destination, true, PeerAddress { address, eni: None });
    }

    fn api(&mut self, address: Ipv4Addr) {
        let decision = match &self.engine.index.model.public_api {
            None => (false, Reason::ApiPublicOff),
            Some(api) => match api.cidrs.iter().find(|c| c.contains(&address)) {
                Some(cidr) => (true, Reason::ApiCidr { cidr: *cidr }),
                None => (false, Reason::ApiNotListed { address }),
            },
        };
        self.push(Step::ApiEndpoint, decision);
    }

    /// Looks `address` up in `subnet`'s table; the hop passes when the chosen target is
    /// one `usable` accepts. Returns the chosen target.
    fn route(
        &mut self,
        step: Step,
        subnet: &Subnet,
        address: Ipv4Addr,
        usable: impl Fn(&RouteTarget) -> bool,
    ) -> Option<RouteTarget> {
        let Some(table) = self.engine.route_table_of(subnet) else {
            let reason = Reason::NoRoute { table: subnet.route_table.clone(), address, matched: None };
            self.push(step, (false, reason));
            return None;
        };
        let (decision, chosen) = match routes::lookup(&self.engine.index, table, address) {
            Some(route) if usable(&route.target) => {
                let reason = Reason::Route {
                    table: table.id.clone(),
                    destination: routes::destination(route),
                    target: routes::target(route),
                };
                ((true, reason), Some(route.target.clone()))
            }
            Some(route) => {
                let matched = Some(format!("{} -> {}", routes::destination(route), routes::target(route)));
                ((false, Reason::NoRoute { table: table.id.clone(), address, matched }), None)
            }
            None => ((false, Reason::NoRoute { table: table.id.clone(), address, matched: None }), None),
        };
        self.push(step, decision);
        chosen
    }
}
