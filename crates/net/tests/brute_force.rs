//! The engine against a brute-force evaluator written separately here: port by port,
//! straight from the AWS rules, over 10,000 random small models.

mod common;

use std::net::Ipv4Addr;

use common::dice::Dice;
use common::*;
use eksharden_net::model::{AclEntry, Eni, Model, NetworkAcl, Peer, RouteTarget, SgRule};
use eksharden_net::{Endpoint, Engine, Flow, PortRange, Protocol, RuleProtocol};
use proptest::prelude::*;

/// Ports live in 0..64 so the brute force can try every one; replies use 40-63.
const PORTS: u16 = 64;
const EPHEMERAL: PortRange = PortRange::new(40, 63);
const INTERNET: [&str; 2] = ["93.184.216.34", "198.51.100.7"];

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
        ][self.roll(9)]
    }
}

fn random_model(seed: u64) -> Model {
    let mut dice = Dice(seed | 1);
    let mut model = vpc();
    for acl in &mut model.network_acls {
        acl.entries.clear();
        // Most real ACLs end in an allow-all entry after a few specific ones.
        for egress in [false, true] {
            if dice.roll(5) != 0 {
                acl.entries.push(AclEntry {
                    number: 200,
                    egress,
                    protocol: RuleProtocol::All,
                    ports: PortRange::ALL,
                    cidr: net("0.0.0.0/0"),
                    allow: true,
                });
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
    match dice.roll(3) {
        0 => {
            model.route_tables[1].routes.pop();
        }
        1 => model.route_tables[1].routes[1].target = RouteTarget::InternetGateway("igw-1".into()),
        _ => {}
    }
    if dice.roll(4) == 0 {
        model.route_tables[0].routes.pop();
    }
    let groups = ["sg-0", "sg-1", "sg-2"];
    for id in groups {
        let mut rules = || {
            (0..1 + dice.roll(4))
                .map(|_| {
                    let peer =
                        if dice.roll(3) == 0 { Peer::Group(groups[dice.roll(3)].into()) } else { cidr(dice.block()) };
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
        model.enis.push(e);
    }
    model
}

// ---- The brute force: the AWS rules, port by port, with nothing shared with the engine.

fn sg_allows(model: &Model, eni: &Eni, ingress: bool, peer: Ipv4Addr, peer_eni: Option<&Eni>, port: u16) -> bool {
    model.security_groups.iter().filter(|g| eni.groups.contains(&g.id)).any(|g| {
        let rules = if ingress { &g.ingress } else { &g.egress };
        rules.iter().any(|r| {
            let protocol = match r.protocol {
                RuleProtocol::All => true,
                RuleProtocol::One(Protocol::Tcp) => r.ports.from <= port && port <= r.ports.to,
                _ => false,
            };
            let peer_ok = match &r.peer {
                Peer::Cidr(c) => c.contains(&peer),
                Peer::Cidr6(_) => false,
                Peer::Group(id) => peer_eni.is_some_and(|p| p.groups.contains(id)),
                Peer::PrefixList(_) => false,
            };
            protocol && peer_ok
        })
    })
}

fn acl_allows(acl: &NetworkAcl, egress: bool, peer: Ipv4Addr, port: u16) -> bool {
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

fn acl_allows_replies(acl: &NetworkAcl, egress: bool, peer: Ipv4Addr) -> bool {
    (EPHEMERAL.from..=EPHEMERAL.to).all(|p| acl_allows(acl, egress, peer, p))
}

fn acl(model: &Model, subnet: &str) -> NetworkAcl {
    let id = &model.subnets.iter().find(|s| s.id == subnet).unwrap().network_acl;
    model.network_acls.iter().find(|a| &a.id == id).unwrap().clone()
}

fn default_target(model: &Model, subnet: &str) -> Option<RouteTarget> {
    let table = &model.subnets.iter().find(|s| s.id == subnet).unwrap().route_table;
    let table = model.route_tables.iter().find(|t| &t.id == table).unwrap();
    table
        .routes
        .iter()
        .find(|r| r.destination == eksharden_net::model::RouteDestination::Cidr(net("0.0.0.0/0")))
        .map(|r| r.target.clone())
}

fn crossing(model: &Model, from: &str, to: &str, a: Ipv4Addr, b: Ipv4Addr, port: u16) -> bool {
    from == to || {
        let (out, inn) = (acl(model, from), acl(model, to));
        acl_allows(&out, true, b, port)
            && acl_allows(&inn, false, a, port)
            && acl_allows_replies(&inn, true, a)
            && acl_allows_replies(&out, false, b)
    }
}

fn brute(model: &Model, source: &Endpoint, destination: &Endpoint, port: u16) -> bool {
    match (source, destination) {
        (Endpoint::Eni(a), Endpoint::Eni(b)) => {
            let (a, b) = (&model.enis[*a], &model.enis[*b]);
            sg_allows(model, a, false, b.private_ip, Some(b), port)
                && crossing(model, &a.subnet, &b.subnet, a.private_ip, b.private_ip, port)
                && sg_allows(model, b, true, a.private_ip, Some(a), port)
        }
        (Endpoint::Eni(a), Endpoint::Internet(x)) => {
            let a = &model.enis[*a];
            let own = acl(model, &a.subnet);
            let way_out = match default_target(model, &a.subnet) {
                Some(RouteTarget::InternetGateway(_)) => a.public_ip.is_some(),
                Some(RouteTarget::NatGateway(_)) => {
                    matches!(default_target(model, "public"), Some(RouteTarget::InternetGateway(_))) && {
                        let nat = acl(model, "public");
                        a.subnet == "public"
                            || (acl_allows(&nat, false, a.private_ip, port)
                                && acl_allows(&nat, true, *x, port)
                                && acl_allows_replies(&nat, false, *x)
                                && acl_allows_replies(&nat, true, a.private_ip))
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
            b.public_ip.is_some()
                && matches!(default_target(model, &b.subnet), Some(RouteTarget::InternetGateway(_)))
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_brute_force(seed in any::<u64>(), pairs in proptest::collection::vec((0u64..7, 0u64..7, 0u16..PORTS, 0u16..PORTS), 4)) {
        let model = random_model(seed);
        let engine = Engine::new(&model).with_ephemeral_ports(EPHEMERAL);
        for (s, d, p, q) in pairs {
            let (source, destination) = (endpoint(s), endpoint(d));
            if source == destination || matches!((&source, &destination), (Endpoint::Internet(_), Endpoint::Internet(_))) {
                continue;
            }
            let ports = PortRange::new(p.min(q), p.max(q));
            let verdict = engine.evaluate(&Flow { source: source.clone(), destination: destination.clone(), protocol: Protocol::Tcp, ports }).unwrap();
            // The segments tile the range.
            prop_assert_eq!(verdict.segments.first().unwrap().ports.from, ports.from);
            prop_assert_eq!(verdict.segments.last().unwrap().ports.to, ports.to);
            for pair in verdict.segments.windows(2) {
                prop_assert_eq!(pair[0].ports.to + 1, pair[1].ports.from);
            }
            for port in ports.from..=ports.to {
                let expected = brute(&model, &source, &destination, port);
                let segment = verdict.at(port).unwrap();
                prop_assert_eq!(segment.allowed, expected, "seed {} {:?} -> {:?} port {}: {:#?}", seed, source, destination, port, segment);
                // An allowed segment has no blocking hop; a blocked one names at least one.
                prop_assert_eq!(segment.blocking().count() == 0, expected);
            }
        }
    }
}

/// The random models must exercise both outcomes, else agreement would prove little.
#[test]
fn random_models_allow_and_block_in_fair_measure() {
    let (mut allowed, mut total) = (0u32, 0u32);
    for seed in 0..2000u64 {
        let model = random_model(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for (s, d) in [(1, 3), (0, 2), (1, 5), (5, 0), (2, 6), (3, 4)] {
            for port in 0..PORTS {
                total += 1;
                allowed += u32::from(brute(&model, &endpoint(s), &endpoint(d), port));
            }
        }
    }
    let share = f64::from(allowed) / f64::from(total);
    assert!((0.05..0.95).contains(&share), "allowed share {share}");
}
