//! The engine against a brute-force evaluator written separately here: port by port,
//! straight from the AWS rules, over 10,000 random small dual-stack models.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::dice::Dice;
use common::*;
use eksharden_net::model::{
    AclEntry, Eni, Family, Model, NetworkAcl, Peer, Route, RouteDestination, RouteTarget, SgRule,
};
use eksharden_net::{Endpoint, Engine, Flow, PortRange, Protocol, RuleProtocol};
use proptest::prelude::*;

/// Ports live in 0..64 so the brute force can try every one; replies use 40-63.
const PORTS: u16 = 64;
const EPHEMERAL: PortRange = PortRange::new(40, 63);
const INTERNET: [&str; 4] = ["93.184.216.34", "198.51.100.7", "2001:db8:5::7", "2a00:1450::1"];
const VPC6: &str = "2600:1f18:0:100::/56";
/// The subnets of `vpc()` and their IPv6 blocks.
const SUBNETS6: [(&str, &str); 3] =
    [("public", "2600:1f18:0:100::/64"), ("a", "2600:1f18:0:101::/64"), ("b", "2600:1f18:0:102::/64")];

/// The rolls these models need, on the shared generator.
impl Dice {
    fn coin(&mut self) -> bool {
        self.roll(2) == 0
    }
    fn ports(&mut self) -> (RuleProtocol, PortRange) {
        match self.roll(4) {
            0 => (RuleProtocol::All, PortRange::ALL),
            1 => (RuleProtocol::One(Protocol::Udp), PortRange::new(0, PORTS - 1)),
            _ => {
                let a = self.roll(PORTS as usize) as u16;
                let b = self.roll(PORTS as usize) as u16;
                (RuleProtocol::One(Protocol::Tcp), PortRange::new(a.min(b), a.max(b)))
            }
        }
    }
    /// A block of either family: the whole internet, the VPC, subnets, one host, an
    /// internet network.
    fn block(&mut self) -> &'static str {
        [
            "0.0.0.0/0",
            "0.0.0.0/0",
            "10.0.0.0/16",
            "10.0.0.0/16",
            "10.0.1.0/24",
            "10.0.2.0/24",
            "10.0.0.0/24",
            "93.184.216.0/24",
            "10.0.1.10/32",
            "::/0",
            "::/0",
            VPC6,
            "2600:1f18:0:101::/64",
            "2600:1f18:0:100::/64",
            "2001:db8::/32",
            "2600:1f18:0:101::10/128",
        ][self.roll(16)]
    }
}

fn peer_of(block: &str) -> Peer {
    if block.contains(':') {
        Peer::Cidr6(net(block))
    } else {
        Peer::Cidr(net(block))
    }
}

fn route(destination: &str, target: RouteTarget) -> Route {
    Route { destination: RouteDestination::Cidr(net(destination)), target }
}

fn random_model(seed: u64) -> Model {
    let mut dice = Dice(seed | 1);
    let mut model = vpc();
    for acl in &mut model.network_acls {
        acl.entries.clear();
        // Most real ACLs end in an allow-all entry per family after a few specific ones.
        for egress in [false, true] {
            for (number, block) in [(200, "0.0.0.0/0"), (201, "::/0")] {
                if dice.roll(5) != 0 {
                    acl.entries.push(AclEntry {
                        number,
                        egress,
                        protocol: RuleProtocol::All,
                        ports: PortRange::ALL,
                        cidr: net(block),
                        allow: true,
                    });
                }
            }
        }
        for _ in 0..dice.roll(5) {
            let (protocol, ports) = dice.ports();
            acl.entries.push(AclEntry {
                number: 1 + dice.roll(250) as u16,
                egress: dice.coin(),
                protocol,
                ports,
                cidr: net(dice.block()),
                allow: dice.roll(3) != 0,
            });
        }
        // Entries with the same number and direction cannot exist in AWS.
        acl.entries.sort_by_key(|e| (e.egress, e.number));
        acl.entries.dedup_by_key(|e| (e.egress, e.number));
        // ... and AWS lists them in any order.
        for i in (1..acl.entries.len()).rev() {
            acl.entries.swap(i, dice.roll(i + 1));
        }
    }
    model.vpc_ipv6_cidrs = vec![net(VPC6)];
    for subnet in &mut model.subnets {
        subnet.ipv6_cidr = SUBNETS6.iter().find(|(id, _)| *id == subnet.id).map(|(_, block)| net(block));
    }
    // Each table: the local routes, then a default route per family (or none).
    let igw = || RouteTarget::InternetGateway("igw-1".into());
    let eigw = || RouteTarget::EgressOnlyInternetGateway("eigw-1".into());
    for (table, private) in [(0, false), (1, true)] {
        let mut routes = vec![route("10.0.0.0/16", RouteTarget::Local), route(VPC6, RouteTarget::Local)];
        let v4 = match (private, dice.roll(3)) {
            (_, 0) => None,
            (true, 1) => Some(RouteTarget::NatGateway("nat-1".into())),
            _ => Some(igw()),
        };
        routes.extend(v4.map(|target| route("0.0.0.0/0", target)));
        let v6 = [None, Some(igw()), Some(eigw())][dice.roll(3)].clone();
        routes.extend(v6.map(|target| route("::/0", target)));
        model.route_tables[table].routes = routes;
    }
    let groups = ["sg-0", "sg-1", "sg-2"];
    for id in groups {
        let mut rules = || {
            (0..1 + dice.roll(4))
                .map(|_| {
                    let peer = if dice.roll(3) == 0 {
                        Peer::Group(groups[dice.roll(3)].into())
                    } else {
                        peer_of(dice.block())
                    };
                    rule(dice.ports(), peer)
                })
                .collect::<Vec<SgRule>>()
        };
        let ingress = rules();
        let egress = rules();
        model.security_groups.push(group(id, ingress, egress));
    }
    let places =
        [("public", "10.0.0.10"), ("a", "10.0.1.10"), ("a", "10.0.1.11"), ("b", "10.0.2.10"), ("public", "10.0.0.11")];
    for (n, (subnet, address)) in places.iter().enumerate() {
        let mut e = eni(&format!("eni-{n}"), subnet, address, &[]);
        e.groups = groups.iter().filter(|_| dice.roll(3) != 0).map(|g| g.to_string()).collect();
        if dice.coin() {
            e.public_ip = Some(Ipv4Addr::new(54, 0, 0, n as u8));
        }
        if dice.roll(4) != 0 {
            let (_, block) = SUBNETS6.iter().find(|(id, _)| id == subnet).unwrap();
            let network: Ipv6Addr = net::<ipnet::Ipv6Net>(block).network();
            e.ipv6 = Some(Ipv6Addr::from(u128::from(network) + 0x10 + n as u128));
        }
        model.enis.push(e);
    }
    model
}

// ---- The brute force: the AWS rules, port by port, with nothing shared with the engine.

fn address(eni: &Eni, family: Family) -> Option<IpAddr> {
    match family {
        Family::V4 => Some(IpAddr::V4(eni.private_ip)),
        Family::V6 => eni.ipv6.map(IpAddr::V6),
    }
}

fn sg_allows(model: &Model, eni: &Eni, ingress: bool, peer: IpAddr, peer_eni: Option<&Eni>, port: u16) -> bool {
    model.security_groups.iter().filter(|g| eni.groups.contains(&g.id)).any(|g| {
        let rules = if ingress { &g.ingress } else { &g.egress };
        rules.iter().any(|r| {
            let protocol = match r.protocol {
                RuleProtocol::All => true,
                RuleProtocol::One(Protocol::Tcp) => r.ports.from <= port && port <= r.ports.to,
                _ => false,
            };
            let peer_ok = match (&r.peer, peer) {
                (Peer::Cidr(c), IpAddr::V4(p)) => c.contains(&p),
                (Peer::Cidr6(c), IpAddr::V6(p)) => c.contains(&p),
                (Peer::Group(id), _) => peer_eni.is_some_and(|p| p.groups.contains(id)),
                _ => false,
            };
            protocol && peer_ok
        })
    })
}

fn acl_allows(acl: &NetworkAcl, egress: bool, peer: IpAddr, port: u16) -> bool {
    let mut entries: Vec<&AclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.number);
    for e in entries {
        let protocol = match e.protocol {
            RuleProtocol::All => true,
            RuleProtocol::One(Protocol::Tcp) => e.ports.from <= port && port <= e.ports.to,
            _ => false,
        };
        if protocol && e.cidr.contains(&peer) {
            return e.allow;
        }
    }
    false
}

fn acl_allows_replies(acl: &NetworkAcl, egress: bool, peer: IpAddr) -> bool {
    (EPHEMERAL.from..=EPHEMERAL.to).all(|p| acl_allows(acl, egress, peer, p))
}

fn acl(model: &Model, subnet: &str) -> NetworkAcl {
    let id = &model.subnets.iter().find(|s| s.id == subnet).unwrap().network_acl;
    model.network_acls.iter().find(|a| &a.id == id).unwrap().clone()
}

/// The target of the subnet's default route for `family` (every other route is local).
fn default_target(model: &Model, subnet: &str, family: Family) -> Option<RouteTarget> {
    let table = &model.subnets.iter().find(|s| s.id == subnet).unwrap().route_table;
    let table = model.route_tables.iter().find(|t| &t.id == table).unwrap();
    let default = if family == Family::V4 { "0.0.0.0/0" } else { "::/0" };
    table.routes.iter().find(|r| r.destination == RouteDestination::Cidr(net(default))).map(|r| r.target.clone())
}

fn crossing(model: &Model, from: &str, to: &str, a: IpAddr, b: IpAddr, port: u16) -> bool {
    from == to || {
        let (out, inn) = (acl(model, from), acl(model, to));
        acl_allows(&out, true, b, port)
            && acl_allows(&inn, false, a, port)
            && acl_allows_replies(&inn, true, a)
            && acl_allows_replies(&out, false, b)
    }
}

fn brute(model: &Model, source: &Endpoint, destination: &Endpoint, family: Family, port: u16) -> bool {
    match (source, destination) {
        (Endpoint::Eni(a), Endpoint::Eni(b)) => {
            let (a, b) = (&model.enis[*a], &model.enis[*b]);
            let (Some(x), Some(y)) = (address(a, family), address(b, family)) else { return false };
            sg_allows(model, a, false, y, Some(b), port)
                && crossing(model, &a.subnet, &b.subnet, x, y, port)
                && sg_allows(model, b, true, x, Some(a), port)
        }
        (Endpoint::Eni(a), Endpoint::Internet(x)) => {
            let a = &model.enis[*a];
            let Some(own_address) = address(a, family) else { return false };
            let own = acl(model, &a.subnet);
            let way_out = match (default_target(model, &a.subnet, family), family) {
                (Some(RouteTarget::InternetGateway(_)), Family::V4) => a.public_ip.is_some(),
                (Some(RouteTarget::InternetGateway(_) | RouteTarget::EgressOnlyInternetGateway(_)), Family::V6) => true,
                (Some(RouteTarget::NatGateway(_)), Family::V4) => {
                    matches!(default_target(model, "public", family), Some(RouteTarget::InternetGateway(_))) && {
                        let nat = acl(model, "public");
                        a.subnet == "public"
                            || (acl_allows(&nat, false, own_address, port)
                                && acl_allows(&nat, true, *x, port)
                                && acl_allows_replies(&nat, false, *x)
                                && acl_allows_replies(&nat, true, own_address))
                    }
                }
                _ => false,
            };
            sg_allows(model, a, false, *x, None, port)
                && way_out
                && acl_allows(&own, true, *x, port)
                && acl_allows_replies(&own, false, *x)
        }
        (Endpoint::Internet(x), Endpoint::Eni(b)) => {
            let b = &model.enis[*b];
            let own = acl(model, &b.subnet);
            // IPv4 needs a public address to translate; IPv6 addresses are global. Only an
            // internet gateway takes connections in (an egress-only one takes replies).
            let addressed = if family == Family::V4 { b.public_ip.is_some() } else { b.ipv6.is_some() };
            addressed
                && matches!(default_target(model, &b.subnet, family), Some(RouteTarget::InternetGateway(_)))
                && acl_allows(&own, false, *x, port)
                && acl_allows_replies(&own, true, *x)
                && sg_allows(model, b, true, *x, None, port)
        }
        _ => unreachable!(),
    }
}

fn endpoint(n: u64) -> Endpoint {
    match n {
        0..=4 => Endpoint::Eni(n as usize),
        n => Endpoint::Internet(ip(INTERNET[(n - 5) as usize])),
    }
}

/// The family of a flow between `source` and `destination`: an internet address's own,
/// else the one rolled.
fn family(source: &Endpoint, destination: &Endpoint, v6: bool) -> Family {
    match (source, destination) {
        (Endpoint::Internet(a), _) | (_, Endpoint::Internet(a)) => Family::of(*a),
        _ if v6 => Family::V6,
        _ => Family::V4,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_brute_force(seed in any::<u64>(), pairs in proptest::collection::vec((0u64..9, 0u64..9, 0u16..PORTS, 0u16..PORTS, any::<bool>()), 4)) {
        let model = random_model(seed);
        let engine = Engine::new(&model).with_ephemeral_ports(EPHEMERAL);
        for (s, d, p, q, v6) in pairs {
            let (source, destination) = (endpoint(s), endpoint(d));
            let family = family(&source, &destination, v6);
            if source == destination || matches!((&source, &destination), (Endpoint::Internet(_), Endpoint::Internet(_))) {
                continue;
            }
            let ports = PortRange::new(p.min(q), p.max(q));
            let flow = Flow { source: source.clone(), destination: destination.clone(), protocol: Protocol::Tcp, ports, family };
            let verdict = engine.evaluate(&flow).unwrap();
            // The segments tile the range.
            prop_assert_eq!(verdict.segments.first().unwrap().ports.from, ports.from);
            prop_assert_eq!(verdict.segments.last().unwrap().ports.to, ports.to);
            for pair in verdict.segments.windows(2) {
                prop_assert_eq!(pair[0].ports.to + 1, pair[1].ports.from);
            }
            for port in ports.from..=ports.to {
                let expected = brute(&model, &source, &destination, family, port);
                let segment = verdict.at(port).unwrap();
                prop_assert_eq!(segment.allowed, expected, "seed {} {:?} -> {:?} {} port {}: {:#?}", seed, source, destination, family, port, segment);
                // An allowed segment has no blocking hop; a blocked one names at least one.
                prop_assert_eq!(segment.blocking().count() == 0, expected);
            }
        }
    }
}

/// The random models must exercise both outcomes in both families, else agreement would
/// prove little.
#[test]
fn random_models_allow_and_block_in_fair_measure() {
    for v6 in [false, true] {
        let (mut allowed, mut total) = (0u32, 0u32);
        let pairs = if v6 {
            [(1, 3), (0, 2), (1, 7), (7, 0), (2, 8), (3, 4)]
        } else {
            [(1, 3), (0, 2), (1, 5), (5, 0), (2, 6), (3, 4)]
        };
        for seed in 0..2000u64 {
            let model = random_model(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            for (s, d) in pairs {
                let (source, destination) = (endpoint(s), endpoint(d));
                let family = family(&source, &destination, v6);
                for port in 0..PORTS {
                    total += 1;
                    allowed += u32::from(brute(&model, &source, &destination, family, port));
                }
            }
        }
        let share = f64::from(allowed) / f64::from(total);
        assert!((0.05..0.95).contains(&share), "allowed share {share} (IPv6: {v6})");
    }
}
