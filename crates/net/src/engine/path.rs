//! The hops of each kind of path, in the order the packets take them.

use std::net::IpAddr;

use crate::model::{Family, RouteTarget, Subnet, VpcEndpointKind};
use crate::ports::{PortRange, Protocol};
use crate::verdict::{Hop, Reason, Step};

use super::groups::{self, PeerAddress};
use super::{routes, Endpoint, Engine, Flow, UnsupportedFlow, AWS_SERVICE_ADDRESS, AWS_SERVICE_ADDRESS_V6};

/// A flow resolved to the interfaces and addresses it involves.
pub(super) enum Path {
    /// Between two interfaces of the VPC.
    InVpc { source: usize, destination: usize },
    /// From an interface to an address outside the VPC.
    Outbound { source: usize, address: IpAddr },
    /// From the internet to an interface.
    Inbound { address: IpAddr, destination: usize },
    /// From the internet to the public API endpoint.
    Api { address: IpAddr },
}

impl Path {
    pub(super) fn resolve(engine: &Engine<'_>, flow: &Flow) -> Result<Self, UnsupportedFlow> {
        let unsupported = || UnsupportedFlow(format!("{:?} -> {:?}", flow.source, flow.destination));
        for end in [&flow.source, &flow.destination] {
            if let Endpoint::Internet(address) = end {
                if Family::of(*address) != flow.family {
                    return Err(UnsupportedFlow(format!("{address} in an {} flow", flow.family)));
                }
            }
        }
        let path = match (&flow.source, &flow.destination) {
            (Endpoint::Eni(a), Endpoint::Eni(b)) if a != b => Self::InVpc { source: *a, destination: *b },
            (Endpoint::Eni(a), Endpoint::Internet(address)) => Self::Outbound { source: *a, address: *address },
            (Endpoint::Internet(address), Endpoint::Eni(b)) => Self::Inbound { address: *address, destination: *b },
            (Endpoint::Internet(address), Endpoint::PublicApi) => Self::Api { address: *address },
            (Endpoint::Eni(a), Endpoint::Service(service)) => service_path(engine, *a, service, flow.family),
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
    pub(super) fn hops(&self, engine: &Engine<'_>, family: Family, protocol: Protocol, port: u16) -> Vec<Hop> {
        let mut hops = Hops { engine, family, protocol, port, out: Vec::with_capacity(8) };
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
fn service_path(engine: &Engine<'_>, source: usize, service: &str, family: Family) -> Path {
    let model = engine.index.model;
    let zone = engine.subnet_of(source).map(|s| s.zone.as_str());
    for endpoint in model.vpc_endpoints.iter().filter(|e| e.service == service) {
        match &endpoint.kind {
            VpcEndpointKind::Interface { enis } => {
                let candidates: Vec<usize> = enis
                    .iter()
                    .filter_map(|id| engine.eni_index(id))
                    .filter(|&e| engine.eni(e).address(family).is_some())
                    .collect();
                let same_zone =
                    candidates.iter().copied().find(|&e| engine.subnet_of(e).map(|s| s.zone.as_str()) == zone);
                if let Some(destination) = same_zone.or(candidates.first().copied()) {
                    return Path::InVpc { source, destination };
                }
            }
            VpcEndpointKind::Gateway { prefix_list: Some(list) } => {
                let blocks = model.prefix_lists.get(list).into_iter().flatten();
                if let Some(block) = blocks.into_iter().find(|b| Family::of(b.network()) == family) {
                    let address = block.hosts().next().unwrap_or(block.network());
                    return Path::Outbound { source, address };
                }
            }
            VpcEndpointKind::Gateway { prefix_list: None } => {}
        }
    }
    let address = match family {
        Family::V4 => IpAddr::V4(AWS_SERVICE_ADDRESS),
        Family::V6 => IpAddr::V6(AWS_SERVICE_ADDRESS_V6),
    };
    Path::Outbound { source, address }
}

/// The NAT gateway's subnet when the source routes `address` through one. A NAT gateway
/// translates IPv4 only (NAT64 is not modelled).
fn nat_subnet<'m>(engine: &Engine<'m>, source: usize, address: IpAddr) -> Option<&'m Subnet> {
    if !address.is_ipv4() {
        return None;
    }
    let subnet = engine.subnet_of(source)?;
    let table = engine.route_table_of(subnet)?;
    let RouteTarget::NatGateway(id) = &routes::lookup(&engine.index, table, address)?.target else { return None };
    let nat = engine.index.model.nat_gateways.iter().find(|n| &n.id == id)?;
    engine.index.subnet.get(nat.subnet.as_str()).map(|&s| &engine.index.model.subnets[s])
}

struct Hops<'e, 'm> {
    engine: &'e Engine<'m>,
    family: Family,
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

    fn acl(&mut self, step: Step, subnet: &Subnet, egress: bool, peer: IpAddr, ports: PortRange) {
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

    /// The address `eni` uses in the flow's family; without one, the hop that says so is
    /// the path's only hop on that side.
    fn address(&mut self, eni: usize, step: Step) -> Option<IpAddr> {
        let interface = self.engine.eni(eni);
        let address = interface.address(self.family);
        if address.is_none() {
            self.push(step, (false, Reason::NoIpv6Address { eni: interface.id.clone() }));
        }
        address
    }

    fn in_vpc(&mut self, source: usize, destination: usize) {
        let a = self.address(source, Step::SourceAddress);
        let b = self.address(destination, Step::DestinationAddress);
        let (Some(a), Some(b)) = (a, b) else { return };
        self.security_groups(Step::SourceEgress, source, false, PeerAddress { address: b, eni: Some(destination) });
        let (from, to) = (self.subnet(source), self.subnet(destination));
        self.route(Step::SourceRoute, from, b, |target| matches!(target, RouteTarget::Local));
        if from.id == to.id {
            self.push(Step::SubnetBoundary, (true, Reason::SameSubnet { subnet: from.id.clone() }));
        } else {
            let ephemeral = self.engine.ephemeral;
            self.acl(Step::SourceSubnetOut, from, true, b, self.forward());
            self.acl(Step::DestinationSubnetIn, to, false, a, self.forward());
            self.acl(Step::ReturnDestinationSubnetOut, to, true, a, ephemeral);
            self.acl(Step::ReturnSourceSubnetIn, from, false, b, ephemeral);
        }
        self.security_groups(
            Step::DestinationIngress,
            destination,
            true,
            PeerAddress { address: a, eni: Some(source) },
        );
    }

    /// Whether `eni` has an address the internet gateway can carry: its public IPv4
    /// address (translated), or its IPv6 address (global, no translation).
    fn public_address(&mut self, eni: usize) {
        let interface = self.engine.eni(eni);
        let decision = match (self.family, interface.public_ip, interface.ipv6) {
            (Family::V4, Some(ip), _) => (true, Reason::PublicIp { eni: interface.id.clone(), address: ip }),
            (Family::V4, None, _) => (false, Reason::NoPublicIp { eni: interface.id.clone() }),
            (Family::V6, _, Some(ip)) => (true, Reason::Ipv6Address { eni: interface.id.clone(), address: ip }),
            (Family::V6, _, None) => (false, Reason::NoIpv6Address { eni: interface.id.clone() }),
        };
        self.push(Step::PublicAddress, decision);
    }

    fn outbound(&mut self, source: usize, address: IpAddr) {
        let Some(a) = self.address(source, Step::SourceAddress) else { return };
        let from = self.subnet(source);
        let ephemeral = self.engine.ephemeral;
        self.security_groups(Step::SourceEgress, source, false, PeerAddress { address, eni: None });
        let target = self.route(Step::SourceRoute, from, address, |target| {
            matches!(
                target,
                RouteTarget::InternetGateway(_)
                    | RouteTarget::EgressOnlyInternetGateway(_)
                    | RouteTarget::NatGateway(_)
                    | RouteTarget::VpcEndpoint(_)
            )
        });
        match target {
            Some(RouteTarget::InternetGateway(_) | RouteTarget::EgressOnlyInternetGateway(_)) => {
                self.public_address(source);
            }
            Some(RouteTarget::NatGateway(_)) => {
                if let Some(nat) = nat_subnet(self.engine, source, address) {
                    self.route(Step::NatRoute, nat, address, |t| matches!(t, RouteTarget::InternetGateway(_)));
                    if nat.id != from.id {
                        self.acl(Step::NatSubnetIn, nat, false, a, self.forward());
                        self.acl(Step::NatSubnetOut, nat, true, address, self.forward());
                        self.acl(Step::ReturnNatSubnetIn, nat, false, address, ephemeral);
                        self.acl(Step::ReturnNatSubnetOut, nat, true, a, ephemeral);
                    }
                } else {
                    let matched = if address.is_ipv4() {
                        "a NAT gateway not in the model"
                    } else {
                        "a NAT gateway, which carries no IPv6 (NAT64 is not modelled)"
                    };
                    let reason =
                        Reason::NoRoute { table: "NAT gateway".to_owned(), address, matched: Some(matched.to_owned()) };
                    self.push(Step::NatRoute, (false, reason));
                }
            }
            _ => {}
        }
        self.acl(Step::SourceSubnetOut, from, true, address, self.forward());
        self.acl(Step::ReturnSourceSubnetIn, from, false, address, ephemeral);
    }

    fn inbound(&mut self, address: IpAddr, destination: usize) {
        let to = self.subnet(destination);
        self.public_address(destination);
        // The reply must leave through the gateway the connection came in by: an internet
        // gateway. An egress-only gateway lets replies to connections from inside back in,
        // and no new connection from the internet.
        let egress_only = self
            .engine
            .route_table_of(to)
            .and_then(|table| routes::lookup(&self.engine.index, table, address))
            .and_then(|route| match &route.target {
                RouteTarget::EgressOnlyInternetGateway(gateway) => Some(gateway.clone()),
                _ => None,
            });
        match egress_only {
            Some(gateway) => self.push(Step::ReturnRoute, (false, Reason::EgressOnly { gateway })),
            None => {
                self.route(Step::ReturnRoute, to, address, |t| matches!(t, RouteTarget::InternetGateway(_)));
            }
        }
        self.acl(Step::DestinationSubnetIn, to, false, address, self.forward());
        self.acl(Step::ReturnDestinationSubnetOut, to, true, address, self.engine.ephemeral);
        self.security_groups(Step::DestinationIngress, destination, true, PeerAddress { address, eni: None });
    }

    fn api(&mut self, address: IpAddr) {
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
        address: IpAddr,
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
