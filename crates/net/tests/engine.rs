//! One test per semantic rule of the engine, each asserting the verdict and its reason.

mod common;

use common::*;
use eksharden_net::model::{
    Family, Peer, Route, RouteDestination, RouteTarget, VpcEndpoint, VpcEndpointKind, DEFAULT_ACL_ENTRY,
};
use eksharden_net::verdict::AclDecision;
use eksharden_net::{Endpoint, Engine, Flow, Model, PortRange, Protocol, Reason, RuleProtocol, Step, Verdict};

fn flow(model: &Model, from: &str, to: Endpoint, port: u16) -> Verdict {
    let engine = Engine::new(model);
    let source = Endpoint::Eni(engine.eni_index(from).unwrap());
    engine
        .evaluate(&Flow {
            family: Family::V4,
            source,
            destination: to,
            protocol: Protocol::Tcp,
            ports: PortRange::single(port),
        })
        .unwrap()
}

fn eni_flow(model: &Model, from: &str, to: &str, port: u16) -> Verdict {
    let to = Endpoint::Eni(Engine::new(model).eni_index(to).unwrap());
    flow(model, from, to, port)
}

fn hop(verdict: &Verdict, step: Step) -> (bool, Reason) {
    let segment = &verdict.segments[0];
    let hop = segment.hops.iter().find(|h| h.step == step).unwrap_or_else(|| panic!("no {step:?} hop in {segment:#?}"));
    (hop.allowed, hop.reason.clone())
}

/// Client `c` in subnet a, server `s` in subnet b; `client` may send anything.
fn client_server(server_groups: &[&str]) -> Model {
    let mut model = vpc();
    model.security_groups.push(group("sg-client", vec![], vec![all_to(cidr("0.0.0.0/0"))]));
    model.enis.push(eni("c", "a", "10.0.1.10", &["sg-client"]));
    model.enis.push(eni("s", "b", "10.0.2.10", server_groups));
    model
}

#[test]
fn rules_of_all_groups_on_an_interface_are_unioned() {
    let mut model = client_server(&["sg-web", "sg-admin"]);
    model.security_groups.push(group("sg-web", vec![rule(tcp(443, 443), cidr("10.0.0.0/16"))], vec![]));
    model.security_groups.push(group("sg-admin", vec![rule(tcp(22, 22), cidr("10.0.1.0/24"))], vec![]));

    let https = eni_flow(&model, "c", "s", 443);
    assert!(https.all_allowed());
    assert!(matches!(hop(&https, Step::DestinationIngress).1, Reason::SgRule { ref group, .. } if group == "sg-web"));
    let ssh = eni_flow(&model, "c", "s", 22);
    assert!(ssh.all_allowed());
    assert!(matches!(hop(&ssh, Step::DestinationIngress).1, Reason::SgRule { ref group, .. } if group == "sg-admin"));
    let other = eni_flow(&model, "c", "s", 80);
    assert!(!other.any_allowed());
    assert_eq!(
        hop(&other, Step::DestinationIngress),
        (false, Reason::NoSgRule { groups: vec!["sg-web".into(), "sg-admin".into()], ingress: true })
    );
}

#[test]
fn a_group_reference_matches_the_members_private_addresses_only() {
    let mut model = vpc();
    model.security_groups.push(group("sg-nodes", vec![], vec![all_to(cidr("0.0.0.0/0"))]));
    model.security_groups.push(group("sg-stranger", vec![], vec![all_to(cidr("0.0.0.0/0"))]));
    model.security_groups.push(group("sg-api", vec![rule(tcp(443, 443), Peer::Group("sg-nodes".into()))], vec![]));
    model.enis.push(eni("node", "a", "10.0.1.10", &["sg-nodes"]));
    model.enis.push(eni("stranger", "a", "10.0.1.11", &["sg-stranger"]));
    model.enis.push(eni("api", "b", "10.0.2.10", &["sg-api"]));

    let member = eni_flow(&model, "node", "api", 443);
    assert!(member.all_allowed());
    assert!(matches!(hop(&member, Step::DestinationIngress).1,
        Reason::SgRule { ref rule, .. } if rule.peer == Peer::Group("sg-nodes".into())));
    let stranger = eni_flow(&model, "stranger", "api", 443);
    assert!(!stranger.any_allowed(), "same subnet, not a member: no match");
    // From the internet, even to a public address, a group reference never matches.
    model.enis[2].public_ip = Some(ip("54.1.2.3"));
    model.subnets[2].route_table = "rtb-public".into();
    let engine = Engine::new(&model);
    let verdict = engine
        .evaluate(&Flow {
            family: Family::V4,
            source: Endpoint::Internet(ip("54.9.9.9")),
            destination: Endpoint::Eni(2),
            protocol: Protocol::Tcp,
            ports: PortRange::single(443),
        })
        .unwrap();
    assert!(!hop(&verdict, Step::DestinationIngress).0);
}

#[test]
fn security_groups_are_stateful_so_replies_need_no_rule() {
    // The server has no outbound rule at all, the client no inbound rule: the reply
    // still passes, because security groups track connections.
    let mut model = client_server(&["sg-server"]);
    model.security_groups.push(group("sg-server", vec![rule(tcp(8080, 8080), cidr("10.0.1.0/24"))], vec![]));
    let verdict = eni_flow(&model, "c", "s", 8080);
    assert!(verdict.all_allowed(), "{verdict:#?}");
    assert!(verdict.segments[0].hops.iter().all(|h| h.step != Step::SourceEgress || h.allowed));
    // Outbound rules decide the way out.
    model.security_groups[0].egress = vec![rule(tcp(443, 443), cidr("0.0.0.0/0"))];
    let verdict = eni_flow(&model, "c", "s", 8080);
    assert_eq!(
        hop(&verdict, Step::SourceEgress),
        (false, Reason::NoSgRule { groups: vec!["sg-client".into()], ingress: false })
    );
}

fn open_server() -> Model {
    let mut model = client_server(&["sg-server"]);
    model.security_groups.push(group("sg-server", vec![all_to(cidr("0.0.0.0/0"))], vec![]));
    model
}

#[test]
fn acl_entries_are_evaluated_in_rule_number_order_whatever_the_list_order() {
    let mut model = open_server();
    // Listed allow-first, but the deny has the lower number.
    acl_mut(&mut model, "acl-b").entries = vec![
        entry(200, false, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
        entry(110, false, tcp(22, 22).0, tcp(22, 22).1, "0.0.0.0/0", false),
        entry(100, true, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
    ];
    let verdict = eni_flow(&model, "c", "s", 22);
    assert_eq!(
        hop(&verdict, Step::DestinationSubnetIn),
        (false, Reason::acl_entry("acl-b", PortRange::single(22), 110, false))
    );
    assert!(eni_flow(&model, "c", "s", 23).all_allowed());
}

#[test]
fn a_lower_numbered_allow_wins_over_a_later_deny() {
    let mut model = open_server();
    acl_mut(&mut model, "acl-b").entries = vec![
        entry(100, false, tcp(22, 22).0, tcp(22, 22).1, "10.0.1.0/24", true),
        entry(110, false, tcp(22, 22).0, tcp(22, 22).1, "0.0.0.0/0", false),
        entry(200, false, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
        entry(100, true, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
    ];
    let verdict = eni_flow(&model, "c", "s", 22);
    assert_eq!(
        hop(&verdict, Step::DestinationSubnetIn),
        (true, Reason::acl_entry("acl-b", PortRange::single(22), 100, true))
    );
    // From a source the allow does not cover, the deny decides.
    model.enis[0].subnet = "public".into();
    model.enis[0].private_ip = ip("10.0.0.10");
    let verdict = eni_flow(&model, "c", "s", 22);
    assert_eq!(
        hop(&verdict, Step::DestinationSubnetIn),
        (false, Reason::acl_entry("acl-b", PortRange::single(22), 110, false))
    );
}

#[test]
fn what_no_entry_matches_is_denied_by_the_star_entry() {
    let mut model = open_server();
    acl_mut(&mut model, "acl-b").entries = vec![
        entry(100, false, tcp(443, 443).0, tcp(443, 443).1, "0.0.0.0/0", true),
        entry(100, true, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
        entry(DEFAULT_ACL_ENTRY, false, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", false),
    ];
    let verdict = eni_flow(&model, "c", "s", 80);
    assert_eq!(
        hop(&verdict, Step::DestinationSubnetIn),
        (false, Reason::acl_entry("acl-b", PortRange::single(80), DEFAULT_ACL_ENTRY, false))
    );
    assert!(eni_flow(&model, "c", "s", 443).all_allowed());
    // Without the explicit `*` entry the outcome and the reason are the same.
    acl_mut(&mut model, "acl-b").entries.pop();
    let verdict = eni_flow(&model, "c", "s", 80);
    assert_eq!(
        hop(&verdict, Step::DestinationSubnetIn),
        (false, Reason::acl_entry("acl-b", PortRange::single(80), DEFAULT_ACL_ENTRY, false))
    );
}

#[test]
fn the_reply_must_pass_both_acls_on_the_clients_ephemeral_ports() {
    let mut model = open_server();
    // The server's subnet lets 443 in but only 443 out: the reply to the client's
    // ephemeral port is denied by `*`.
    acl_mut(&mut model, "acl-b").entries = vec![
        entry(100, false, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true),
        entry(100, true, tcp(443, 443).0, tcp(443, 443).1, "0.0.0.0/0", true),
    ];
    let verdict = eni_flow(&model, "c", "s", 443);
    assert!(!verdict.any_allowed());
    assert_eq!(
        hop(&verdict, Step::ReturnDestinationSubnetOut),
        (
            false,
            Reason::Acl {
                acl: "acl-b".into(),
                decisions: vec![AclDecision {
                    ports: PortRange::new(1024, 65535),
                    entry: DEFAULT_ACL_ENTRY,
                    allow: false
                }]
            }
        )
    );
    // A deny over part of the ephemeral range in the client's subnet blocks too, named.
    acl_mut(&mut model, "acl-b").entries.push(entry(110, true, RuleProtocol::All, PortRange::ALL, "0.0.0.0/0", true));
    acl_mut(&mut model, "acl-a")
        .entries
        .insert(0, entry(90, false, tcp(1024, 2047).0, tcp(1024, 2047).1, "10.0.2.0/24", false));
    let verdict = eni_flow(&model, "c", "s", 443);
    assert!(hop(&verdict, Step::ReturnDestinationSubnetOut).0);
    assert_eq!(
        hop(&verdict, Step::ReturnSourceSubnetIn),
        (
            false,
            Reason::Acl {
                acl: "acl-a".into(),
                decisions: vec![AclDecision { ports: PortRange::new(1024, 2047), entry: 90, allow: false }]
            }
        )
    );
    // Told that clients use 32768-60999, the partial deny no longer matters.
    let engine = Engine::new(&model).with_ephemeral_ports(PortRange::new(32768, 60999));
    let verdict = engine
        .evaluate(&Flow {
            family: Family::V4,
            source: Endpoint::Eni(0),
            destination: Endpoint::Eni(1),
            protocol: Protocol::Tcp,
            ports: PortRange::single(443),
        })
        .unwrap();
    assert!(verdict.all_allowed());
}

#[test]
fn traffic_within_one_subnet_crosses_no_acl() {
    let mut model = open_server();
    model.enis[1].subnet = "a".into();
    model.enis[1].private_ip = ip("10.0.1.20");
    acl_mut(&mut model, "acl-a").entries.clear();
    let verdict = eni_flow(&model, "c", "s", 22);
    assert!(verdict.all_allowed());
    assert_eq!(hop(&verdict, Step::SubnetBoundary), (true, Reason::SameSubnet { subnet: "a".into() }));
    // The same ACL between two subnets is crossed.
    model.subnets[2].network_acl = "acl-a".into();
    model.enis[1].subnet = "b".into();
    model.enis[1].private_ip = ip("10.0.2.20");
    assert!(!eni_flow(&model, "c", "s", 22).any_allowed());
}

#[test]
fn the_internet_gateway_needs_a_public_address() {
    let mut model = vpc();
    model.security_groups.push(group("sg-out", vec![], vec![all_to(cidr("0.0.0.0/0"))]));
    model.enis.push(eni("web", "public", "10.0.0.20", &["sg-out"]));
    let internet = Endpoint::Internet(ip("93.184.216.34"));
    let verdict = flow(&model, "web", internet.clone(), 443);
    assert!(!verdict.any_allowed());
    assert!(hop(&verdict, Step::SourceRoute).0);
    assert_eq!(hop(&verdict, Step::PublicAddress), (false, Reason::NoPublicIp { eni: "web".into() }));
    model.enis[0].public_ip = Some(ip("54.1.2.3"));
    let verdict = flow(&model, "web", internet, 443);
    assert!(verdict.all_allowed());
    assert_eq!(
        hop(&verdict, Step::PublicAddress),
        (true, Reason::PublicIp { eni: "web".into(), address: ip("54.1.2.3") })
    );
    // Inbound from the internet needs the address and a route back through the gateway.
    model.security_groups[0].ingress.push(rule(tcp(443, 443), cidr("0.0.0.0/0")));
    let engine = Engine::new(&model);
    let inbound = Flow {
        family: Family::V4,
        source: Endpoint::Internet(ip("93.184.216.34")),
        destination: Endpoint::Eni(0),
        protocol: Protocol::Tcp,
        ports: PortRange::single(443),
    };
    assert!(engine.evaluate(&inbound).unwrap().all_allowed());
    model.subnets[0].route_table = "rtb-private".into();
    let verdict = Engine::new(&model).evaluate(&inbound).unwrap();
    assert!(
        matches!(hop(&verdict, Step::ReturnRoute), (false, Reason::NoRoute { matched: Some(ref m), .. }) if m.contains("nat-1"))
    );
}

#[test]
fn private_interfaces_reach_the_internet_through_nat() {
    let mut model = vpc();
    model.security_groups.push(group("sg-out", vec![], vec![all_to(cidr("0.0.0.0/0"))]));
    model.enis.push(eni("node", "a", "10.0.1.30", &["sg-out"]));
    let internet = Endpoint::Internet(ip("93.184.216.34"));
    let verdict = flow(&model, "node", internet.clone(), 443);
    assert!(verdict.all_allowed(), "{verdict:#?}");
    assert_eq!(
        hop(&verdict, Step::SourceRoute),
        (true, Reason::Route { table: "rtb-private".into(), destination: "0.0.0.0/0".into(), target: "nat-1".into() })
    );
    assert!(matches!(hop(&verdict, Step::NatRoute), (true, Reason::Route { ref target, .. }) if target == "igw-1"));
    // The NAT subnet's ACL is crossed both ways.
    acl_mut(&mut model, "acl-public")
        .entries
        .insert(0, entry(50, false, tcp(443, 443).0, tcp(443, 443).1, "10.0.1.0/24", false));
    let verdict = flow(&model, "node", internet.clone(), 443);
    assert_eq!(
        hop(&verdict, Step::NatSubnetIn),
        (false, Reason::acl_entry("acl-public", PortRange::single(443), 50, false))
    );
    // Without a route from the NAT's subnet to the internet gateway there is no way out.
    acl_mut(&mut model, "acl-public").entries.remove(0);
    model.route_tables[0].routes.pop();
    let verdict = flow(&model, "node", internet, 443);
    assert!(matches!(hop(&verdict, Step::NatRoute), (false, Reason::NoRoute { matched: None, .. })));
}

#[test]
fn vpc_endpoints_carry_service_traffic_without_the_internet() {
    let mut model = vpc();
    // No way to the internet from the private subnets.
    model.route_tables[1].routes.pop();
    model.route_tables[1].routes.push(Route {
        destination: RouteDestination::PrefixList("pl-s3".into()),
        target: RouteTarget::VpcEndpoint("vpce-s3".into()),
    });
    model.prefix_lists.insert("pl-s3".into(), vec![net("52.218.0.0/17")]);
    model.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-s3".into(),
        service: "s3".into(),
        kind: VpcEndpointKind::Gateway { prefix_list: Some("pl-s3".into()) },
    });
    model.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-ecr".into(),
        service: "ecr.api".into(),
        kind: VpcEndpointKind::Interface { enis: vec!["eni-ecr-b".into(), "eni-ecr-a".into()] },
    });
    model.security_groups.push(group("sg-node", vec![], vec![rule(tcp(443, 443), cidr("0.0.0.0/0"))]));
    model.security_groups.push(group("sg-endpoint", vec![rule(tcp(443, 443), cidr("10.0.2.0/24"))], vec![]));
    model.enis.push(eni("node", "a", "10.0.1.30", &["sg-node"]));
    model.enis.push(eni("eni-ecr-b", "b", "10.0.2.50", &["sg-endpoint"]));
    model.enis.push(eni("eni-ecr-a", "a", "10.0.1.50", &["sg-endpoint"]));

    let s3 = flow(&model, "node", Endpoint::Service("s3".into()), 443);
    assert!(s3.all_allowed(), "{s3:#?}");
    assert_eq!(
        hop(&s3, Step::SourceRoute),
        (true, Reason::Route { table: "rtb-private".into(), destination: "pl-s3".into(), target: "vpce-s3".into() })
    );
    // The interface endpoint in the node's zone is used; its group does not admit zone a.
    let ecr = flow(&model, "node", Endpoint::Service("ecr.api".into()), 443);
    assert!(!ecr.any_allowed());
    assert_eq!(
        hop(&ecr, Step::DestinationIngress),
        (false, Reason::NoSgRule { groups: vec!["sg-endpoint".into()], ingress: true })
    );
    // A service with no endpoint goes to the internet path, which has no route here.
    let sts = flow(&model, "node", Endpoint::Service("sts".into()), 443);
    assert!(matches!(hop(&sts, Step::SourceRoute), (false, Reason::NoRoute { matched: None, .. })));
}

#[test]
fn a_port_range_is_split_where_a_rule_or_entry_changes() {
    let mut model = client_server(&["sg-server"]);
    model.security_groups.push(group("sg-server", vec![rule(tcp(1025, 65535), cidr("10.0.1.0/24"))], vec![]));
    acl_mut(&mut model, "acl-b")
        .entries
        .insert(0, entry(90, false, tcp(3000, 3999).0, tcp(3000, 3999).1, "0.0.0.0/0", false));
    let engine = Engine::new(&model);
    let verdict = engine
        .evaluate(&Flow {
            family: Family::V4,
            source: Endpoint::Eni(0),
            destination: Endpoint::Eni(1),
            protocol: Protocol::Tcp,
            ports: PortRange::new(1, 65535),
        })
        .unwrap();
    let pieces: Vec<(PortRange, bool)> = verdict.segments.iter().map(|s| (s.ports, s.allowed)).collect();
    assert_eq!(
        pieces,
        vec![
            (PortRange::new(1, 1024), false),
            (PortRange::new(1025, 2999), true),
            (PortRange::new(3000, 3999), false),
            (PortRange::new(4000, 65535), true),
        ]
    );
}

#[test]
fn the_public_api_endpoint_admits_only_its_listed_blocks() {
    let mut model = vpc();
    let engine = Engine::new(&model);
    let api = |e: &Engine<'_>, from: &str| {
        e.evaluate(&Flow {
            family: Family::V4,
            source: Endpoint::Internet(ip(from)),
            destination: Endpoint::PublicApi,
            protocol: Protocol::Tcp,
            ports: PortRange::single(443),
        })
        .unwrap()
    };
    assert_eq!(hop(&api(&engine, "1.2.3.4"), Step::ApiEndpoint), (false, Reason::ApiPublicOff));
    model.public_api = Some(eksharden_net::model::PublicApi { cidrs: vec![net("198.51.100.0/24")] });
    let engine = Engine::new(&model);
    assert_eq!(
        hop(&api(&engine, "198.51.100.9"), Step::ApiEndpoint),
        (true, Reason::ApiCidr { cidr: net("198.51.100.0/24") })
    );
    assert_eq!(
        hop(&api(&engine, "1.2.3.4"), Step::ApiEndpoint),
        (false, Reason::ApiNotListed { address: ip("1.2.3.4") })
    );
}

#[test]
fn an_ipv6_block_admits_no_ipv4_flow_but_counts_as_the_whole_internet() {
    let mut model = client_server(&["sg-v6"]);
    let everyone6 = Peer::Cidr6("::/0".parse().unwrap());
    model.security_groups.push(group("sg-v6", vec![rule(tcp(22, 22), everyone6.clone())], vec![]));
    let ssh = eni_flow(&model, "c", "s", 22);
    assert!(!ssh.any_allowed(), "an IPv4 client is not in ::/0");
    assert!(everyone6.is_whole_internet());
    assert!(!Peer::Cidr6("2001:db8::/32".parse().unwrap()).is_whole_internet());
    assert!(cidr("0.0.0.0/0").is_whole_internet());
}
