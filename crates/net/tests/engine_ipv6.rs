//! One test per IPv6 rule of the engine: `::/0` in security groups, IPv6 ACL entries in
//! their shared order, the egress-only internet gateway, and IPv6 addresses that need no
//! translation at the internet gateway.

mod common;

use std::net::IpAddr;

use common::*;
use eksharden_net::model::{Family, Model, Peer, Route, RouteDestination, RouteTarget};
use eksharden_net::verdict::AclDecision;
use eksharden_net::{Endpoint, Engine, Flow, PortRange, Protocol, Reason, RuleProtocol, Step, Verdict};

const HOST: &str = "2a00:1450:4001::99";

/// The test VPC made dual-stack: a /56, a /64 per subnet, each interface an IPv6 address,
/// the public table sending `::/0` to the internet gateway and the private one to the
/// egress-only gateway, every ACL open to both families.
fn dual_stack() -> Model {
    let mut model = vpc();
    model.vpc_ipv6_cidrs = vec![net("2600:1f18:0:100::/56")];
    for (subnet, block) in
        model.subnets.iter_mut().zip(["2600:1f18:0:100::/64", "2600:1f18:0:101::/64", "2600:1f18:0:102::/64"])
    {
        subnet.ipv6_cidr = Some(net(block));
    }
    let v6 = |destination: &str, target: RouteTarget| Route {
        destination: RouteDestination::Cidr(net(destination)),
        target,
    };
    model.route_tables[0].routes.push(v6("2600:1f18:0:100::/56", RouteTarget::Local));
    model.route_tables[0].routes.push(v6("::/0", RouteTarget::InternetGateway("igw-1".into())));
    model.route_tables[1].routes.push(v6("2600:1f18:0:100::/56", RouteTarget::Local));
    model.route_tables[1].routes.push(v6("::/0", RouteTarget::EgressOnlyInternetGateway("eigw-1".into())));
    for acl in &mut model.network_acls {
        acl.entries.push(entry(101, false, RuleProtocol::All, PortRange::ALL, "::/0", true));
        acl.entries.push(entry(101, true, RuleProtocol::All, PortRange::ALL, "::/0", true));
    }
    model.security_groups.push(group(
        "sg-out",
        vec![],
        vec![all_to(cidr("0.0.0.0/0")), all_to(Peer::Cidr6(net("::/0")))],
    ));
    for (id, subnet, v4, v6) in [
        ("web", "public", "10.0.0.10", "2600:1f18:0:100::10"),
        ("node", "a", "10.0.1.10", "2600:1f18:0:101::10"),
        ("db", "b", "10.0.2.10", "2600:1f18:0:102::10"),
    ] {
        let mut interface = eni(id, subnet, v4, &["sg-out"]);
        interface.ipv6 = Some(ip(v6));
        model.enis.push(interface);
    }
    model
}

fn evaluate(model: &Model, source: Endpoint, destination: Endpoint, family: Family, port: u16) -> Verdict {
    let flow = Flow { source, destination, protocol: Protocol::Tcp, ports: PortRange::single(port), family };
    Engine::new(model).evaluate(&flow).unwrap()
}

fn at(model: &Model, id: &str) -> Endpoint {
    Endpoint::Eni(Engine::new(model).eni_index(id).unwrap())
}

fn internet(address: &str) -> Endpoint {
    Endpoint::Internet(ip::<IpAddr>(address))
}

fn hop(verdict: &Verdict, step: Step) -> (bool, Reason) {
    let segment = &verdict.segments[0];
    let hop = segment.hops.iter().find(|h| h.step == step).unwrap_or_else(|| panic!("no {step:?} hop in {segment:#?}"));
    (hop.allowed, hop.reason.clone())
}

fn open_to(model: &mut Model, id: &str, peer: Peer) {
    model.security_groups.push(group(&format!("sg-{id}"), vec![all_to(peer)], vec![]));
    let interface = model.enis.iter_mut().find(|e| e.id == id).unwrap();
    interface.groups.push(format!("sg-{id}"));
}

#[test]
fn an_ipv6_block_admits_ipv6_traffic_only_and_the_ipv4_internet_rule_none_of_it() {
    let mut model = dual_stack();
    open_to(&mut model, "web", cidr("0.0.0.0/0"));
    let from_v6 = evaluate(&model, internet(HOST), at(&model, "web"), Family::V6, 22);
    assert_eq!(
        hop(&from_v6, Step::DestinationIngress),
        (false, Reason::NoSgRule { groups: vec!["sg-out".into(), "sg-web".into()], ingress: true }),
        "0.0.0.0/0 admits no IPv6 host"
    );
    open_to(&mut model, "web", Peer::Cidr6(net("::/0")));
    let from_v6 = evaluate(&model, internet(HOST), at(&model, "web"), Family::V6, 22);
    assert!(from_v6.all_allowed(), "{from_v6:#?}");
    assert!(matches!(hop(&from_v6, Step::DestinationIngress).1,
        Reason::SgRule { ref rule, .. } if rule.peer == Peer::Cidr6(net("::/0"))));
    // And ::/0 admits no IPv4 host.
    model.security_groups.retain(|g| g.id != "sg-web");
    model.enis[0].groups.retain(|g| g != "sg-web");
    open_to(&mut model, "web", Peer::Cidr6(net("::/0")));
    model.enis[0].public_ip = Some(ip("54.1.2.3"));
    let from_v4 = evaluate(&model, internet("93.184.216.34"), at(&model, "web"), Family::V4, 22);
    assert!(!hop(&from_v4, Step::DestinationIngress).0);
}

#[test]
fn a_group_reference_matches_a_members_ipv6_address() {
    let mut model = dual_stack();
    model.security_groups.push(group("sg-db", vec![all_to(Peer::Group("sg-out".into()))], vec![]));
    model.enis[2].groups = vec!["sg-db".into()];
    let verdict = evaluate(&model, at(&model, "node"), at(&model, "db"), Family::V6, 5432);
    assert!(verdict.all_allowed(), "{verdict:#?}");
    assert!(matches!(hop(&verdict, Step::DestinationIngress).1,
        Reason::SgRule { ref rule, .. } if rule.peer == Peer::Group("sg-out".into())));
}

#[test]
fn ipv6_acl_entries_share_the_rule_order_with_ipv4_ones_and_match_their_family_only() {
    let mut model = dual_stack();
    open_to(&mut model, "db", Peer::Cidr6(net("::/0")));
    model.security_groups.last_mut().unwrap().ingress.push(all_to(cidr("0.0.0.0/0")));
    // Inbound to subnet b: 50 denies SSH from the IPv4 VPC, 60 denies it from the IPv6 one;
    // the allow-all entries come later (100 and 101).
    let acl = acl_mut(&mut model, "acl-b");
    acl.entries.push(entry(60, false, tcp(22, 22).0, tcp(22, 22).1, "2600:1f18:0:100::/56", false));
    acl.entries.push(entry(50, false, tcp(22, 22).0, tcp(22, 22).1, "10.0.0.0/16", false));
    let v6 = evaluate(&model, at(&model, "node"), at(&model, "db"), Family::V6, 22);
    assert_eq!(
        hop(&v6, Step::DestinationSubnetIn),
        (
            false,
            Reason::Acl {
                acl: "acl-b".into(),
                decisions: vec![AclDecision { ports: PortRange::single(22), entry: 60, allow: false }]
            }
        ),
        "the IPv4 entry 50 does not match an IPv6 source; 60 does"
    );
    let v4 = evaluate(&model, at(&model, "node"), at(&model, "db"), Family::V4, 22);
    assert!(matches!(hop(&v4, Step::DestinationSubnetIn).1,
        Reason::Acl { ref decisions, .. } if decisions[0].entry == 50));
    // An IPv6 allow numbered before the deny wins.
    acl_mut(&mut model, "acl-b").entries.push(entry(
        55,
        false,
        tcp(22, 22).0,
        tcp(22, 22).1,
        "2600:1f18:0:101::/64",
        true,
    ));
    let v6 = evaluate(&model, at(&model, "node"), at(&model, "db"), Family::V6, 22);
    assert!(v6.all_allowed(), "{v6:#?}");
    // An ACL with IPv4 entries only denies all IPv6 traffic, by its `*` entry.
    acl_mut(&mut model, "acl-b").entries.retain(|e| e.cidr.network().is_ipv4());
    let v6 = evaluate(&model, at(&model, "node"), at(&model, "db"), Family::V6, 443);
    assert!(matches!(hop(&v6, Step::DestinationSubnetIn),
        (false, Reason::Acl { ref decisions, .. }) if decisions[0].entry == eksharden_net::model::DEFAULT_ACL_ENTRY));
}

#[test]
fn an_egress_only_gateway_lets_connections_out_and_replies_in_but_no_connection_in() {
    let mut model = dual_stack();
    open_to(&mut model, "node", Peer::Cidr6(net("::/0")));
    let out = evaluate(&model, at(&model, "node"), internet(HOST), Family::V6, 443);
    assert!(out.all_allowed(), "{out:#?}");
    assert!(matches!(hop(&out, Step::SourceRoute).1, Reason::Route { ref target, .. } if target == "eigw-1"));
    // The reply comes back in through the same ACL (checked as the return hop).
    assert!(hop(&out, Step::ReturnSourceSubnetIn).0);
    // The group admits anything from ::/0, the ACL too, and the node has a global address:
    // only the gateway stops a connection from the internet.
    let inbound = evaluate(&model, internet(HOST), at(&model, "node"), Family::V6, 443);
    let blocking: Vec<_> = inbound.segments[0].blocking().collect();
    assert_eq!(blocking.len(), 1, "{inbound:#?}");
    assert_eq!(blocking[0].step, Step::ReturnRoute);
    assert_eq!(blocking[0].reason, Reason::EgressOnly { gateway: "eigw-1".into() });
}

#[test]
fn ipv6_through_an_internet_gateway_needs_no_public_ipv4_address() {
    let mut model = dual_stack();
    open_to(&mut model, "web", Peer::Cidr6(net("::/0")));
    assert_eq!(model.enis[0].public_ip, None);
    let out = evaluate(&model, at(&model, "web"), internet(HOST), Family::V6, 443);
    assert!(out.all_allowed(), "{out:#?}");
    assert_eq!(
        hop(&out, Step::PublicAddress),
        (true, Reason::Ipv6Address { eni: "web".into(), address: ip("2600:1f18:0:100::10") })
    );
    let inbound = evaluate(&model, internet(HOST), at(&model, "web"), Family::V6, 443);
    assert!(inbound.all_allowed(), "an IPv6 address is reachable from the internet through the gateway: {inbound:#?}");
    // The same interface over IPv4 has no way out: it has no public IPv4 address.
    let out4 = evaluate(&model, at(&model, "web"), internet("93.184.216.34"), Family::V4, 443);
    assert_eq!(hop(&out4, Step::PublicAddress), (false, Reason::NoPublicIp { eni: "web".into() }));
}

#[test]
fn an_interface_without_an_ipv6_address_takes_no_part_in_ipv6_traffic() {
    let mut model = dual_stack();
    open_to(&mut model, "web", Peer::Cidr6(net("::/0")));
    model.enis[0].ipv6 = None;
    let inbound = evaluate(&model, internet(HOST), at(&model, "web"), Family::V6, 443);
    assert_eq!(hop(&inbound, Step::PublicAddress), (false, Reason::NoIpv6Address { eni: "web".into() }));
    let within = evaluate(&model, at(&model, "node"), at(&model, "web"), Family::V6, 443);
    assert_eq!(within.segments[0].hops.len(), 1, "nothing else can be judged: {within:#?}");
    assert_eq!(hop(&within, Step::DestinationAddress), (false, Reason::NoIpv6Address { eni: "web".into() }));
}

#[test]
fn ipv6_is_never_translated_by_a_nat_gateway() {
    let mut model = dual_stack();
    model.route_tables[1].routes.retain(|r| r.destination != RouteDestination::Cidr(net("::/0")));
    model.route_tables[1].routes.push(Route {
        destination: RouteDestination::Cidr(net("::/0")),
        target: RouteTarget::NatGateway("nat-1".into()),
    });
    let out = evaluate(&model, at(&model, "node"), internet(HOST), Family::V6, 443);
    assert!(!out.any_allowed());
    assert!(
        matches!(hop(&out, Step::NatRoute), (false, Reason::NoRoute { matched: Some(ref m), .. }) if m.contains("NAT64"))
    );
}

#[test]
fn an_internet_address_of_the_other_family_is_not_a_flow() {
    let model = dual_stack();
    let flow = Flow {
        source: internet(HOST),
        destination: at(&model, "web"),
        protocol: Protocol::Tcp,
        ports: PortRange::single(443),
        family: Family::V4,
    };
    let error = Engine::new(&model).evaluate(&flow).unwrap_err();
    assert!(error.to_string().contains("in an IPv4 flow"), "{error}");
}
