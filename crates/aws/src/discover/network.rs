//! The VPC as EC2 describes it, read with one filtered, paginated call per resource type
//! (so the number of calls does not grow with the number of nodes), and converted into
//! the net crate's model.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use aws_sdk_ec2::types::{self as ec2, Filter};
use eksharden_net::model::{
    AclEntry, Model, NatGateway, NetworkAcl, Peer, Route, RouteDestination, RouteTable, RouteTarget, SecurityGroup,
    SgRule, Subnet, Unread, VpcEndpoint, VpcEndpointKind,
};
use eksharden_net::{PortRange, Protocol, RuleProtocol};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use eksharden_discovery::{Instance, Network};

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// Collects every item of a paginated EC2 call.
macro_rules! all_pages {
    ($request:expr, $operation:literal, $items:ident) => {{
        let mut items = Vec::new();
        let mut pages = $request.into_paginator().send();
        while let Some(page) = pages.next().await {
            items.extend(page.map_err(aws_error($operation))?.$items().iter().cloned());
        }
        items
    }};
}

fn vpc_filter(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

fn tags(tags: &[ec2::Tag]) -> HashMap<String, String> {
    tags.iter().filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned()))).collect()
}

/// Reads the VPC `vpc` in a fixed number of calls. A call that fails leaves its part of
/// the model empty and marked unread ([`Model::unread`]); the rest is read as usual.
pub async fn read(aws: &Aws, vpc: &str) -> Network {
    let ec2 = &aws.ec2;
    let filter = vpc_filter(vpc);
    let (vpcs, subnets, tables, acls, groups, enis, reservations, nats, endpoints) = futures_util::join!(
        async { Ok::<_, AwsError>(all_pages!(ec2.describe_vpcs().vpc_ids(vpc), "EC2.DescribeVpcs", vpcs)) },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_subnets().filters(filter.clone()),
                "EC2.DescribeSubnets",
                subnets
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_route_tables().filters(filter.clone()),
                "EC2.DescribeRouteTables",
                route_tables
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_network_acls().filters(filter.clone()),
                "EC2.DescribeNetworkAcls",
                network_acls
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_security_groups().filters(filter.clone()).max_results(1000),
                "EC2.DescribeSecurityGroups",
                security_groups
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_network_interfaces().filters(filter.clone()).max_results(1000),
                "EC2.DescribeNetworkInterfaces",
                network_interfaces
            ))
        },
        async {
            let running = Filter::builder().name("instance-state-name").values("pending").values("running").build();
            Ok(all_pages!(
                ec2.describe_instances().filters(filter.clone()).filters(running).max_results(1000),
                "EC2.DescribeInstances",
                reservations
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_nat_gateways().filter(filter.clone()),
                "EC2.DescribeNatGateways",
                nat_gateways
            ))
        },
        async {
            Ok::<_, AwsError>(all_pages!(
                ec2.describe_vpc_endpoints().filters(filter.clone()),
                "EC2.DescribeVpcEndpoints",
                vpc_endpoints
            ))
        },
    );
    let mut notes = Vec::new();
    let mut model = Model { vpc_id: vpc.to_owned(), ..Model::default() };
    let (unread, n) = (&mut model.unread, &mut notes);
    let vpcs = kept(vpcs, Unread::Vpc, unread, n);
    let subnets = kept(subnets, Unread::Subnets, unread, n);
    let tables = kept(tables, Unread::RouteTables, unread, n);
    let acls = kept(acls, Unread::NetworkAcls, unread, n);
    let groups = kept(groups, Unread::SecurityGroups, unread, n);
    let enis = kept(enis, Unread::Interfaces, unread, n);
    let reservations = kept(reservations, Unread::Instances, unread, n);
    let nats = kept(nats, Unread::NatGateways, unread, n);
    let endpoints = kept(endpoints, Unread::VpcEndpoints, unread, n);
    model.vpc_cidrs = vpcs
        .iter()
        .flat_map(|v| v.cidr_block_association_set().iter().filter_map(|a| a.cidr_block()).chain(v.cidr_block()))
        .filter_map(|c| c.parse().ok())
        .collect();
    model.vpc_cidrs.sort_unstable();
    model.vpc_cidrs.dedup();
    model.vpc_ipv6_cidrs = vpcs
        .iter()
        .flat_map(|v| v.ipv6_cidr_block_association_set())
        .filter(|a| {
            a.ipv6_cidr_block_state().and_then(|s| s.state()) != Some(&ec2::VpcCidrBlockStateCode::Disassociated)
        })
        .filter_map(|a| a.ipv6_cidr_block()?.parse().ok())
        .collect();
    model.vpc_ipv6_cidrs.sort_unstable();
    model.vpc_ipv6_cidrs.dedup();
    let mut all_tags = HashMap::new();

    let (main_table, table_of) = associations(&tables);
    let acl_of: HashMap<String, String> = acls
        .iter()
        .flat_map(|a| {
            a.associations().iter().filter_map(|s| Some((s.subnet_id()?.to_owned(), a.network_acl_id()?.to_owned())))
        })
        .collect();
    for subnet in &subnets {
        let id = subnet.subnet_id().unwrap_or_default().to_owned();
        let subnet_tags = tags(subnet.tags());
        model.subnets.push(Subnet {
            name: subnet_tags.get("Name").cloned().unwrap_or_else(|| id.clone()),
            cidr: subnet.cidr_block().and_then(|c| c.parse().ok()).unwrap_or_default(),
            ipv6_cidr: subnet
                .ipv6_cidr_block_association_set()
                .iter()
                .filter(|a| {
                    a.ipv6_cidr_block_state().and_then(|s| s.state())
                        != Some(&ec2::SubnetCidrBlockStateCode::Disassociated)
                })
                .find_map(|a| a.ipv6_cidr_block()?.parse().ok()),
            assign_ipv6_on_creation: subnet.assign_ipv6_address_on_creation().unwrap_or(false),
            zone: subnet.availability_zone().unwrap_or_default().to_owned(),
            route_table: table_of.get(&id).cloned().or_else(|| main_table.clone()).unwrap_or_default(),
            network_acl: acl_of.get(&id).cloned().unwrap_or_default(),
            map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
            id: id.clone(),
        });
        all_tags.insert(id, subnet_tags);
    }
    model.route_tables = tables.iter().map(route_table).collect();
    model.network_acls = acls.iter().map(network_acl).collect();
    for group in &groups {
        let converted = security_group(group);
        all_tags.insert(converted.id.clone(), tags(group.tags()));
        model.security_groups.push(converted);
    }
    let mut descriptions = HashMap::new();
    for eni in &enis {
        let Some(private_ip) = eni.private_ip_address().and_then(|a| a.parse::<Ipv4Addr>().ok()) else { continue };
        let id = eni.network_interface_id().unwrap_or_default().to_owned();
        descriptions.insert(id.clone(), eni.description().unwrap_or_default().to_owned());
        model.enis.push(eksharden_net::model::Eni {
            label: eni.description().filter(|d| !d.is_empty()).unwrap_or("interface").to_owned(),
            subnet: eni.subnet_id().unwrap_or_default().to_owned(),
            private_ip,
            public_ip: eni.association().and_then(|a| a.public_ip()).and_then(|a| a.parse().ok()),
            ipv6: primary_ipv6(eni),
            groups: eni.groups().iter().filter_map(|g| g.group_id().map(str::to_owned)).collect(),
            origin: eksharden_net::model::Origin::Real,
            id,
        });
    }
    model.nat_gateways = nats
        .iter()
        .filter(|n| {
            n.state().is_some_and(|s| matches!(s, ec2::NatGatewayState::Available | ec2::NatGatewayState::Pending))
        })
        .map(|n| NatGateway {
            id: n.nat_gateway_id().unwrap_or_default().to_owned(),
            subnet: n.subnet_id().unwrap_or_default().to_owned(),
            private_ip: n
                .nat_gateway_addresses()
                .iter()
                .find_map(|a| a.private_ip().and_then(|p| p.parse().ok()))
                .unwrap_or(Ipv4Addr::UNSPECIFIED),
        })
        .collect();
    model.vpc_endpoints = endpoints.iter().map(|e| vpc_endpoint(e, &model.route_tables)).collect();
    read_prefix_lists(aws, &mut model, &mut notes).await;
    let instances = reservations.iter().flat_map(|r| r.instances()).map(instance).collect();
    Network { model, instances, tags: all_tags, descriptions, notes }
}

/// The interface's primary IPv6 address, else its first one.
fn primary_ipv6(eni: &ec2::NetworkInterface) -> Option<std::net::Ipv6Addr> {
    let addresses = eni.ipv6_addresses();
    let primary = addresses.iter().find(|a| a.is_primary_ipv6() == Some(true));
    primary.or(addresses.first()).and_then(|a| a.ipv6_address()?.parse().ok())
}

/// What a read returned; or, when it failed, nothing, with the part marked unread and a
/// note saying so: discovery goes on with the rest.
fn kept<T>(
    read: Result<Vec<T>, AwsError>,
    part: Unread,
    unread: &mut BTreeMap<Unread, String>,
    notes: &mut Vec<String>,
) -> Vec<T> {
    read.unwrap_or_else(|error| {
        let why = error.to_string();
        notes.push(format!("{part} could not be read ({why}): the verdicts that depend on them are not judged"));
        unread.insert(part, why);
        Vec::new()
    })
}

/// The main route table, and each subnet's explicit one.
fn associations(tables: &[ec2::RouteTable]) -> (Option<String>, HashMap<String, String>) {
    let mut main = None;
    let mut explicit = HashMap::new();
    for table in tables {
        let id = table.route_table_id().unwrap_or_default().to_owned();
        for association in table.associations() {
            if association.main().unwrap_or(false) {
                main = Some(id.clone());
            }
            if let Some(subnet) = association.subnet_id() {
                explicit.insert(subnet.to_owned(), id.clone());
            }
        }
    }
    (main, explicit)
}

fn route_table(table: &ec2::RouteTable) -> RouteTable {
    let routes = table
        .routes()
        .iter()
        .filter_map(|r| {
            let block = r.destination_cidr_block().or(r.destination_ipv6_cidr_block());
            let destination = match (block, r.destination_prefix_list_id()) {
                (Some(cidr), _) => RouteDestination::Cidr(cidr.parse().ok()?),
                (None, Some(list)) => RouteDestination::PrefixList(list.to_owned()),
                (None, None) => return None,
            };
            let gateway = r.gateway_id().unwrap_or_default();
            let target = if r.state() == Some(&ec2::RouteState::Blackhole) {
                RouteTarget::Blackhole(gateway.to_owned())
            } else if gateway == "local" {
                RouteTarget::Local
            } else if gateway.starts_with("igw-") {
                RouteTarget::InternetGateway(gateway.to_owned())
            } else if let Some(eigw) = r.egress_only_internet_gateway_id() {
                RouteTarget::EgressOnlyInternetGateway(eigw.to_owned())
            } else if gateway.starts_with("eigw-") {
                RouteTarget::EgressOnlyInternetGateway(gateway.to_owned())
            } else if gateway.starts_with("vpce-") {
                RouteTarget::VpcEndpoint(gateway.to_owned())
            } else if let Some(nat) = r.nat_gateway_id() {
                RouteTarget::NatGateway(nat.to_owned())
            } else {
                let other =
                    [r.transit_gateway_id(), r.vpc_peering_connection_id(), r.network_interface_id(), r.instance_id()]
                        .into_iter()
                        .flatten()
                        .chain((!gateway.is_empty()).then_some(gateway))
                        .next()
                        .unwrap_or("unknown target");
                RouteTarget::Other(other.to_owned())
            };
            Some(Route { destination, target })
        })
        .collect();
    RouteTable { id: table.route_table_id().unwrap_or_default().to_owned(), routes }
}

fn protocol(name: Option<&str>) -> RuleProtocol {
    match name {
        Some("-1" | "all") => RuleProtocol::All,
        Some(name) => Protocol::from_number(name).map_or(RuleProtocol::Other, RuleProtocol::One),
        None => RuleProtocol::Other,
    }
}

fn ports(from: Option<i32>, to: Option<i32>) -> PortRange {
    match (from, to) {
        (Some(from @ 0..=65535), Some(to @ 0..=65535)) if from <= to => PortRange::new(from as u16, to as u16),
        _ => PortRange::ALL,
    }
}

fn network_acl(acl: &ec2::NetworkAcl) -> NetworkAcl {
    let entries = acl
        .entries()
        .iter()
        .filter_map(|e| {
            Some(AclEntry {
                number: u16::try_from(e.rule_number()?).ok()?,
                egress: e.egress().unwrap_or(false),
                protocol: protocol(e.protocol()),
                ports: e.port_range().map_or(PortRange::ALL, |p| ports(p.from(), p.to())),
                cidr: e.cidr_block().or(e.ipv6_cidr_block())?.parse().ok()?,
                allow: e.rule_action() == Some(&ec2::RuleAction::Allow),
            })
        })
        .collect();
    NetworkAcl { id: acl.network_acl_id().unwrap_or_default().to_owned(), entries }
}

/// The group with its rules of both families.
fn security_group(group: &ec2::SecurityGroup) -> SecurityGroup {
    let rules = |permissions: &[ec2::IpPermission]| {
        let mut out = Vec::new();
        for p in permissions {
            let (protocol, ports) = (protocol(p.ip_protocol()), ports(p.from_port(), p.to_port()));
            let rule = |peer, description: Option<&str>| SgRule {
                protocol,
                ports,
                peer,
                description: description.map(str::to_owned),
            };
            for range in p.ip_ranges() {
                if let Some(cidr) = range.cidr_ip().and_then(|c| c.parse::<Ipv4Net>().ok()) {
                    out.push(rule(Peer::Cidr(cidr), range.description()));
                }
            }
            for pair in p.user_id_group_pairs() {
                if let Some(id) = pair.group_id() {
                    out.push(rule(Peer::Group(id.to_owned()), pair.description()));
                }
            }
            for list in p.prefix_list_ids() {
                if let Some(id) = list.prefix_list_id() {
                    out.push(rule(Peer::PrefixList(id.to_owned()), list.description()));
                }
            }
            for range in p.ipv6_ranges() {
                if let Some(cidr) = range.cidr_ipv6().and_then(|c| c.parse::<Ipv6Net>().ok()) {
                    out.push(rule(Peer::Cidr6(cidr), range.description()));
                }
            }
        }
        out
    };
    let ingress = rules(group.ip_permissions());
    let egress = rules(group.ip_permissions_egress());
    SecurityGroup {
        id: group.group_id().unwrap_or_default().to_owned(),
        name: group.group_name().unwrap_or_default().to_owned(),
        ingress,
        egress,
    }
}

fn vpc_endpoint(endpoint: &ec2::VpcEndpoint, tables: &[RouteTable]) -> VpcEndpoint {
    let id = endpoint.vpc_endpoint_id().unwrap_or_default().to_owned();
    let service = endpoint.service_name().unwrap_or_default();
    // `com.amazonaws.eu-west-1.ecr.api` -> `ecr.api`
    let short = service.splitn(4, '.').nth(3).unwrap_or(service).to_owned();
    let kind = if endpoint.vpc_endpoint_type() == Some(&ec2::VpcEndpointType::Interface) {
        VpcEndpointKind::Interface { enis: endpoint.network_interface_ids().to_vec() }
    } else {
        let prefix_list = tables.iter().flat_map(|t| &t.routes).find_map(|r| match (&r.destination, &r.target) {
            (RouteDestination::PrefixList(list), RouteTarget::VpcEndpoint(target)) if *target == id => {
                Some(list.clone())
            }
            _ => None,
        });
        VpcEndpointKind::Gateway { prefix_list }
    };
    VpcEndpoint { id, service: short, kind }
}

/// Reads the blocks of every prefix list a rule or route names (one call per list).
async fn read_prefix_lists(aws: &Aws, model: &mut Model, notes: &mut Vec<String>) {
    let mut lists: Vec<String> = model
        .security_groups
        .iter()
        .flat_map(|g| g.ingress.iter().chain(&g.egress))
        .filter_map(|r| match &r.peer {
            Peer::PrefixList(id) => Some(id.clone()),
            _ => None,
        })
        .chain(model.route_tables.iter().flat_map(|t| &t.routes).filter_map(|r| match &r.destination {
            RouteDestination::PrefixList(id) => Some(id.clone()),
            RouteDestination::Cidr(_) => None,
        }))
        .collect();
    lists.sort();
    lists.dedup();
    let mut blocks = BTreeMap::new();
    for list in lists {
        match aws.ec2.get_managed_prefix_list_entries().prefix_list_id(&list).send().await {
            Ok(response) => {
                let entries: Vec<IpNet> = response.entries().iter().filter_map(|e| e.cidr()?.parse().ok()).collect();
                blocks.insert(list, entries);
            }
            Err(error) => {
                let error = AwsError::new("EC2.GetManagedPrefixListEntries", error);
                notes
                    .push(format!("prefix list {list} could not be read ({}): its rules match nothing", error.message));
            }
        }
    }
    model.prefix_lists = blocks;
}

fn instance(instance: &ec2::Instance) -> Instance {
    Instance {
        id: instance.instance_id().unwrap_or_default().to_owned(),
        tags: tags(instance.tags()),
        key_name: instance.key_name().map(str::to_owned),
        imds: instance.metadata_options().map(|m| eksharden_net::posture::Imds {
            tokens_required: m.http_tokens() == Some(&ec2::HttpTokensState::Required),
            hop_limit: m.http_put_response_hop_limit(),
        }),
        // The primary interface first: custom networking's pod interfaces are the others.
        enis: {
            let mut interfaces: Vec<(i32, String)> = instance
                .network_interfaces()
                .iter()
                .filter_map(|n| {
                    let index = n.attachment().and_then(|a| a.device_index()).unwrap_or(i32::MAX);
                    Some((index, n.network_interface_id()?.to_owned()))
                })
                .collect();
            interfaces.sort();
            interfaces.into_iter().map(|(_, id)| id).collect()
        },
        instance_profile: instance.iam_instance_profile().and_then(|p| p.arn()).map(str::to_owned),
    }
}
