//! A synthetic hardened cluster in a busy VPC, of any size: the EKS-SG-ROLES groups with the
//! recommended rules, a node ACL that keeps SSH to the bastion, NAT and VPC endpoints, and
//! beside the cluster, other workloads with many groups and rules of their own. The flow
//! test checks it verifies clean; the benchmark times the flow matrix on it.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use eksharden_net::model::*;
use eksharden_net::policy::{NodePorts, PolicyInput, Profile};
use eksharden_net::posture::{
    AuditFacts, ClusterFacts, FlowLogDestination, FlowLogFact, Imds, NodeGroupFacts, TrailFact,
};
use eksharden_net::topology::{self, Members, NodePurpose, Role, RoleKind, Topology};
use eksharden_net::{PortRange, Protocol, RuleProtocol};
use ipnet::Ipv4Net;

use super::dice::Dice;

/// The size of a synthetic VPC.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Network interfaces.
    pub enis: usize,
    /// Security groups.
    pub groups: usize,
    /// Security-group rules.
    pub rules: usize,
}

/// A built cluster: everything `eksharden_net::verify` takes.
pub struct Synthetic {
    pub model: Model,
    pub topology: Topology,
    pub facts: ClusterFacts,
    pub input: PolicyInput,
}

fn net<T: std::str::FromStr<Err: std::fmt::Debug>>(s: &str) -> T {
    s.parse().unwrap()
}

fn tcp(from: u16, to: u16) -> (RuleProtocol, PortRange) {
    (RuleProtocol::One(Protocol::Tcp), PortRange::new(from, to))
}

const ALL: (RuleProtocol, PortRange) = (RuleProtocol::All, PortRange::ALL);

fn rule((protocol, ports): (RuleProtocol, PortRange), peer: Peer) -> SgRule {
    SgRule { protocol, ports, peer, description: None }
}

fn group(id: &str) -> Peer {
    Peer::Group(id.to_owned())
}

fn cidr(s: &str) -> Peer {
    Peer::Cidr(net(s))
}

fn entry(
    number: u16,
    egress: bool,
    (protocol, ports): (RuleProtocol, PortRange),
    block: &str,
    allow: bool,
) -> AclEntry {
    AclEntry { number, egress, protocol, ports, cidr: net(block), allow }
}

fn acl(id: &str, mut entries: Vec<AclEntry>) -> NetworkAcl {
    for egress in [false, true] {
        entries.push(entry(DEFAULT_ACL_ENTRY, egress, ALL, "0.0.0.0/0", false));
    }
    NetworkAcl { id: id.to_owned(), entries }
}

/// The /20 subnets of the VPC 10.0.0.0/12: three public, a bastion /24, and private ones.
fn subnet(id: &str, block: Ipv4Net, zone: usize, table: &str, acl: &str) -> Subnet {
    Subnet {
        id: id.to_owned(),
        name: id.to_owned(),
        cidr: block,
        zone: format!("zone-{zone}"),
        route_table: table.to_owned(),
        network_acl: acl.to_owned(),
        map_public_ip_on_launch: false,
        ipv6_cidr: None,
        assign_ipv6_on_creation: false,
    }
}

fn route(destination: RouteDestination, target: RouteTarget) -> Route {
    Route { destination, target }
}

/// Builds a cluster of `size`, the same for the same size.
pub fn cluster(size: Size) -> Synthetic {
    let mut dice = Dice(0x5eed_0000 + size.enis as u64);
    let mut model = Model { vpc_id: "vpc-synthetic".into(), vpc_cidrs: vec![net("10.0.0.0/12")], ..Model::default() };
    let private_count = 3 + size.enis / 1000;
    let public: Vec<Ipv4Net> =
        (0..3).map(|i| Ipv4Net::new(Ipv4Addr::new(10, 0, 16 * i as u8, 0), 20).unwrap()).collect();
    let bastion_block = net("10.0.48.0/24");
    let private: Vec<Ipv4Net> = (0..private_count)
        .map(|i| Ipv4Net::new(Ipv4Addr::new(10, 1 + (i / 16) as u8, (16 * (i % 16)) as u8, 0), 20).unwrap())
        .collect();
    for (i, block) in public.iter().enumerate() {
        model.subnets.push(subnet(&format!("public-{i}"), *block, i, "rtb-public", "acl-open"));
        model.nat_gateways.push(NatGateway {
            id: format!("nat-{i}"),
            subnet: format!("public-{i}"),
            private_ip: block.hosts().nth(10).unwrap(),
        });
    }
    model.subnets.push(subnet("bastion", bastion_block, 0, "rtb-public", "acl-open"));
    for (i, block) in private.iter().enumerate() {
        model.subnets.push(subnet(
            &format!("private-{i}"),
            *block,
            i % 3,
            &format!("rtb-private-{}", i % 3),
            "acl-nodes",
        ));
    }
    let local = route(RouteDestination::Cidr(net("10.0.0.0/12")), RouteTarget::Local);
    model.route_tables.push(RouteTable {
        id: "rtb-public".into(),
        routes: vec![
            local.clone(),
            route(RouteDestination::Cidr(net("0.0.0.0/0")), RouteTarget::InternetGateway("igw-1".into())),
        ],
    });
    for zone in 0..3 {
        model.route_tables.push(RouteTable {
            id: format!("rtb-private-{zone}"),
            routes: vec![
                local.clone(),
                route(RouteDestination::Cidr(net("0.0.0.0/0")), RouteTarget::NatGateway(format!("nat-{zone}"))),
                route(RouteDestination::PrefixList("pl-s3".into()), RouteTarget::VpcEndpoint("vpce-s3".into())),
            ],
        });
    }
    model.prefix_lists = BTreeMap::from([("pl-s3".to_owned(), vec![net("52.218.0.0/17")])]);
    let bastion_text = bastion_block.to_string();
    model.network_acls = vec![
        acl("acl-open", vec![entry(100, false, ALL, "0.0.0.0/0", true), entry(100, true, ALL, "0.0.0.0/0", true)]),
        // STACKROX-EKS: SSH only from the bastion subnet, then an explicit deny, then the rest.
        acl(
            "acl-nodes",
            vec![
                entry(100, false, tcp(22, 22), &bastion_text, true),
                entry(110, false, tcp(22, 22), "0.0.0.0/0", false),
                entry(200, false, ALL, "0.0.0.0/0", true),
                entry(200, true, ALL, "0.0.0.0/0", true),
            ],
        ),
    ];

    // The EKS-SG-ROLES groups, recommended profile.
    let cluster_groups: Vec<(&str, Vec<SgRule>, Vec<SgRule>)> = vec![
        ("sg-cluster", vec![rule(ALL, group("sg-cluster"))], vec![rule(ALL, cidr("0.0.0.0/0"))]),
        (
            "sg-cp",
            vec![rule(tcp(443, 443), group("sg-nodes")), rule(tcp(443, 443), group("sg-bastion"))],
            vec![rule(tcp(443, 443), group("sg-nodes")), rule(tcp(1025, 65535), group("sg-nodes"))],
        ),
        (
            "sg-nodes",
            vec![
                rule(ALL, group("sg-nodes")),
                rule(tcp(443, 443), group("sg-cp")),
                rule(tcp(1025, 65535), group("sg-cp")),
                rule(tcp(22, 22), group("sg-bastion")),
            ],
            vec![rule(ALL, cidr("0.0.0.0/0"))],
        ),
        ("sg-addon", vec![], vec![]),
        (
            "sg-app",
            vec![rule(tcp(8080, 8080), group("sg-lb"))],
            vec![rule(tcp(5432, 5432), group("sg-db")), rule(tcp(6379, 6379), group("sg-cache"))],
        ),
        ("sg-endpoint", vec![rule(tcp(443, 443), group("sg-nodes")), rule(tcp(443, 443), group("sg-bastion"))], vec![]),
        ("sg-lb", vec![rule(tcp(443, 443), cidr("0.0.0.0/0"))], vec![rule(tcp(8080, 8080), group("sg-app"))]),
        ("sg-db", vec![rule(tcp(5432, 5432), group("sg-app"))], vec![]),
        ("sg-cache", vec![rule(tcp(6379, 6379), group("sg-app"))], vec![]),
        (
            "sg-bastion",
            vec![rule(tcp(22, 22), cidr("203.0.113.0/24"))],
            vec![
                rule(tcp(443, 443), group("sg-cp")),
                rule(tcp(22, 22), group("sg-nodes")),
                rule(tcp(443, 443), group("sg-endpoint")),
            ],
        ),
    ];
    for (id, ingress, egress) in cluster_groups {
        model.security_groups.push(SecurityGroup { id: id.to_owned(), name: id.to_owned(), ingress, egress });
    }
    // Other workloads: the rest of the groups and rules.
    let blocks: Vec<Ipv4Net> = (0..200)
        .map(|_| {
            let length = 16 + dice.roll(13) as u8;
            let base = if dice.roll(4) == 0 {
                Ipv4Addr::new(54, dice.roll(256) as u8, dice.roll(256) as u8, 0)
            } else {
                Ipv4Addr::new(10, dice.roll(16) as u8, dice.roll(256) as u8, dice.roll(256) as u8)
            };
            Ipv4Net::new(base, length).unwrap().trunc()
        })
        .collect();
    let workload_groups = size.groups.saturating_sub(model.security_groups.len()).max(1);
    let per_group = (size.rules / size.groups).max(1);
    for g in 0..workload_groups {
        let rules = |dice: &mut Dice| {
            (0..per_group / 2)
                .map(|_| {
                    let from = dice.roll(65000) as u16;
                    let ports = if dice.roll(5) == 0 { ALL } else { tcp(from, from + dice.roll(100) as u16) };
                    let peer = if dice.roll(3) == 0 {
                        group(&format!("sg-work-{}", dice.roll(workload_groups)))
                    } else {
                        Peer::Cidr(blocks[dice.roll(blocks.len())])
                    };
                    rule(ports, peer)
                })
                .collect::<Vec<_>>()
        };
        let ingress = rules(&mut dice);
        let egress = rules(&mut dice);
        model.security_groups.push(SecurityGroup {
            id: format!("sg-work-{g}"),
            name: format!("workload {g}"),
            ingress,
            egress,
        });
    }

    // Interfaces.
    let mut next_host = vec![10u32; model.subnets.len()];
    let mut add_eni = |model: &mut Model, label: String, subnet: usize, groups: Vec<String>, origin: Origin| -> usize {
        let block = model.subnets[subnet].cidr;
        let address = Ipv4Addr::from(u32::from(block.network()) + next_host[subnet]);
        next_host[subnet] += 1;
        model.enis.push(Eni {
            id: format!("eni-{}", model.enis.len()),
            label,
            subnet: model.subnets[subnet].id.clone(),
            private_ip: address,
            public_ip: None,
            ipv6: None,
            groups,
            origin,
        });
        model.enis.len() - 1
    };
    let first_private = 4;
    let strings = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut roles = Vec::new();
    let cp: Vec<usize> = (0..2)
        .map(|i| {
            add_eni(
                &mut model,
                "control plane".into(),
                first_private + i,
                strings(&["sg-cluster", "sg-cp"]),
                Origin::Real,
            )
        })
        .collect();
    roles.push(Role { kind: RoleKind::ControlPlane, name: "control plane".into(), members: Members::Enis(cp) });
    for (service, _) in [("ecr.api", 0), ("ecr.dkr", 1), ("sts", 2), ("eks", 3)] {
        let enis: Vec<usize> = (0..3)
            .map(|z| {
                add_eni(
                    &mut model,
                    format!("VPC endpoint {service}"),
                    first_private + z,
                    strings(&["sg-endpoint"]),
                    Origin::Real,
                )
            })
            .collect();
        let ids = enis.iter().map(|&e| model.enis[e].id.clone()).collect();
        model.vpc_endpoints.push(VpcEndpoint {
            id: format!("vpce-{service}"),
            service: service.into(),
            kind: VpcEndpointKind::Interface { enis: ids },
        });
    }
    model.vpc_endpoints.push(VpcEndpoint {
        id: "vpce-s3".into(),
        service: "s3".into(),
        kind: VpcEndpointKind::Gateway { prefix_list: Some("pl-s3".into()) },
    });
    let node_groups = [
        ("general", None, NodePurpose::General),
        ("system", Some("sg-addon"), NodePurpose::Addon),
        ("apps", Some("sg-app"), NodePurpose::App),
        ("batch", None, NodePurpose::General),
    ];
    let nodes = size.enis * 6 / 10;
    let mut facts = ClusterFacts {
        name: "synthetic".into(),
        endpoint_private: true,
        endpoint_public: true,
        public_access_cidrs: vec![net("198.51.100.0/24")],
        authentication_mode: Some("API".into()),
        access_entries: Some(Vec::new()),
        logging: eksharden_net::posture::LOG_TYPES.iter().map(|t| t.to_string()).collect(),
        secrets_key: Some("arn:aws:kms:eu-west-1:111122223333:key/synthetic".into()),
        cluster_groups: strings(&["sg-cluster", "sg-cp", "sg-nodes", "sg-addon", "sg-app"]),
        audit: AuditFacts {
            flow_logs: Some(vec![FlowLogFact {
                id: "fl-synthetic".into(),
                traffic: "ALL".into(),
                active: true,
                destination: FlowLogDestination::LogGroup {
                    name: "/eksharden/synthetic/vpc-flow-logs".into(),
                    kms_key: Some("arn:aws:kms:eu-west-1:111122223333:key/logs".into()),
                },
            }]),
            trails: Some(vec![TrailFact {
                name: "account".into(),
                logging: true,
                management_events: true,
                multi_region: true,
            }]),
            node_roles: Some([("synthetic-nodes".to_owned(), Some(true))].into()),
        },
        ..ClusterFacts::default()
    };
    for (n, (name, extra, purpose)) in node_groups.iter().enumerate() {
        let mut groups = vec!["sg-nodes".to_owned()];
        groups.extend(extra.map(str::to_owned));
        let count = nodes / node_groups.len() + usize::from(n < nodes % node_groups.len());
        let enis: Vec<usize> = (0..count.max(1))
            .map(|i| {
                add_eni(
                    &mut model,
                    format!("node {name}-{i}"),
                    first_private + (i % private_count),
                    groups.clone(),
                    Origin::Real,
                )
            })
            .collect();
        facts.node_groups.push(NodeGroupFacts {
            name: name.to_string(),
            ssh_key: None,
            imds: Some(Imds { tokens_required: true, hop_limit: Some(1) }),
            enis: enis.iter().map(|&e| model.enis[e].id.clone()).collect(),
            subnets: (0..private_count).map(|i| format!("private-{i}")).collect(),
            roles: strings(&["synthetic-nodes"]),
            unread: Vec::new(),
            ..NodeGroupFacts::default()
        });
        roles.push(Role {
            kind: RoleKind::NodeGroup { purpose: Some(*purpose) },
            name: format!("node group {name}"),
            members: Members::Enis(enis),
        });
    }
    let representative = || Origin::Representative("synthetic".into());
    let bastion = add_eni(&mut model, "bastion".into(), 3, strings(&["sg-bastion"]), representative());
    roles.push(Role { kind: RoleKind::Bastion, name: "bastion".into(), members: Members::Enis(vec![bastion]) });
    let lbs =
        (0..3).map(|z| add_eni(&mut model, "load balancer".into(), z, strings(&["sg-lb"]), representative())).collect();
    roles.push(Role { kind: RoleKind::LoadBalancer, name: "load balancer".into(), members: Members::Enis(lbs) });
    for (kind, name, sg) in [(RoleKind::Database, "database", "sg-db"), (RoleKind::Cache, "cache", "sg-cache")] {
        let enis = (0..3)
            .map(|z| add_eni(&mut model, name.into(), first_private + z, strings(&[sg]), representative()))
            .collect();
        roles.push(Role { kind, name: name.into(), members: Members::Enis(enis) });
    }
    while model.enis.len() < size.enis {
        let subnet = dice.roll(model.subnets.len());
        let groups = (0..1 + dice.roll(3)).map(|_| format!("sg-work-{}", dice.roll(workload_groups))).collect();
        add_eni(&mut model, "workload".into(), subnet, groups, Origin::Real);
    }
    model.public_api = Some(PublicApi { cidrs: vec![net("198.51.100.0/24")] });
    roles.push(Role { kind: RoleKind::PublicApi, name: "public API endpoint".into(), members: Members::PublicApi });
    roles.push(topology::add_other_hosts(&mut model, &["bastion".to_owned()]));
    roles.extend(topology::internet_roles(&model));
    let input = PolicyInput {
        profile: Profile::Recommended,
        app_ports: vec![8080],
        database_port: Some(5432),
        cache_port: Some(6379),
        services: PolicyInput::default_services(),
        ssh_acl: true,
        guarded_ports: vec![22, 3389],
        node_groups: Vec::new(),
        node_ports: NodePorts::AllButSsh,
        closed_cluster_group: false,
    };
    Synthetic { model, topology: Topology { roles, family: Default::default() }, facts, input }
}

/// The same cluster as an EKS IPv6 cluster in a dual-stack VPC: a /56 on the VPC and a /64
/// on each subnet, an IPv6 address on every interface, `::/0` to the internet gateway from
/// the public subnets and to an egress-only gateway from the private ones, the ACLs' IPv6
/// twins of their IPv4 entries (SSH to nodes from the bastion's /64 only), and every rule
/// open to `0.0.0.0/0` open to `::/0` too. The cluster's own traffic is IPv6.
pub fn dual_stack(mut c: Synthetic) -> Synthetic {
    let model = &mut c.model;
    let vpc: ipnet::Ipv6Net = net("2600:1f18:4a3:6d00::/56");
    model.vpc_ipv6_cidrs = vec![vpc];
    let mut blocks = vpc.subnets(64).unwrap();
    for subnet in &mut model.subnets {
        subnet.ipv6_cidr = blocks.next();
        subnet.assign_ipv6_on_creation = true;
    }
    let block_of: BTreeMap<String, ipnet::Ipv6Net> =
        model.subnets.iter().map(|s| (s.id.clone(), s.ipv6_cidr.unwrap())).collect();
    for eni in &mut model.enis {
        let host = u32::from(eni.private_ip) & 0xffff;
        eni.ipv6 = Some(std::net::Ipv6Addr::from(u128::from(block_of[&eni.subnet].network()) + u128::from(host)));
    }
    for table in &mut model.route_tables {
        let default = if table.id == "rtb-public" {
            RouteTarget::InternetGateway("igw-1".into())
        } else {
            RouteTarget::EgressOnlyInternetGateway("eigw-1".into())
        };
        table.routes.push(route(RouteDestination::Cidr(ipnet::IpNet::V6(vpc)), RouteTarget::Local));
        table.routes.push(route(RouteDestination::Cidr(net("::/0")), default));
    }
    let bastion = block_of["bastion"].to_string();
    for acl in &mut model.network_acls {
        let twins: Vec<AclEntry> = if acl.id == "acl-nodes" {
            vec![
                entry(101, false, tcp(22, 22), &bastion, true),
                entry(111, false, tcp(22, 22), "::/0", false),
                entry(201, false, ALL, "::/0", true),
                entry(201, true, ALL, "::/0", true),
            ]
        } else {
            vec![entry(101, false, ALL, "::/0", true), entry(101, true, ALL, "::/0", true)]
        };
        acl.entries.extend(twins);
    }
    for group in &mut model.security_groups {
        for rules in [&mut group.ingress, &mut group.egress] {
            let twins: Vec<SgRule> = rules
                .iter()
                .filter(|r| r.peer == Peer::Cidr(Ipv4Net::default()))
                .map(|r| SgRule { peer: Peer::Cidr6(ipnet::Ipv6Net::default()), ..r.clone() })
                .collect();
            rules.extend(twins);
        }
    }
    c.topology.roles.retain(|r| !matches!(r.kind, RoleKind::Internet | RoleKind::ListedNetworks));
    c.topology.roles.extend(topology::internet_roles(&c.model));
    c.topology.family = Family::V6;
    c
}
