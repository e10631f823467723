//! The network ACL writes of the bastion step (STACKROX-EKS, "Create a dedicated subnet in the
//! VPC"): the bastion subnet with its own ACL, and node subnets moved to a copy of their ACL
//! with the SSH guard in front. Every write first looks for what an earlier run made (by its
//! tags), and entries are brought to the wanted list one by one, so a run cut short is
//! finished by the next.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    Filter, IcmpTypeCode, NetworkAcl, NetworkAclEntry, PortRange, ResourceType, RuleAction, Tag, TagSpecification,
};
use eksharden_plan::nacl::{self, Action, Entry};
use eksharden_plan::stacks::ROLE_TAG;
use eksharden_spec::model::CLUSTER_TAG;

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// The tag on an ACL copy naming the ACL it was copied from.
pub const COPIED_FROM_TAG: &str = "eksharden.dev/copied-from";

/// The `eksharden.dev/role` of the bastion subnet and of its ACL.
const BASTION_ROLE: &str = "bastion";
/// The `eksharden.dev/role` of a node-subnet ACL copy.
const NODE_ACL_ROLE: &str = "node-acl";
/// Rule numbers from here up are the `*` entries AWS puts in every ACL.
const DEFAULT_ENTRIES: i32 = 32767;

/// Where the bastion subnet goes.
pub struct BastionPlacement<'a> {
    /// The VPC.
    pub vpc: &'a str,
    /// The subnet's block.
    pub cidr: &'a str,
    /// Its availability zone.
    pub zone: &'a str,
    /// The route table it takes.
    pub route_table: &'a str,
}

/// Makes the cluster's bastion subnet (or takes the subnet with its block: the one an earlier
/// run made, or a bastion subnet that shared its ACL), routes it by `placement.route_table`
/// unless it has a table of its own, and gives it an ACL of its own with `entries`. Returns
/// its id.
pub async fn make_bastion_subnet(
    aws: &Aws,
    cluster: &str,
    placement: BastionPlacement<'_>,
    entries: &[Entry],
) -> Result<String, AwsError> {
    let name = format!("{cluster}-bastion");
    let found = aws
        .ec2
        .describe_subnets()
        .filters(filter("vpc-id", placement.vpc))
        .filters(filter("cidr-block", placement.cidr))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeSubnets"))?;
    let subnet = match found.subnets().first().and_then(|s| s.subnet_id()) {
        Some(id) => id.to_owned(),
        None => aws
            .ec2
            .create_subnet()
            .vpc_id(placement.vpc)
            .cidr_block(placement.cidr)
            .availability_zone(placement.zone)
            .tag_specifications(tags(ResourceType::Subnet, cluster, &name, BASTION_ROLE, None))
            .send()
            .await
            .map_err(aws_error("EC2.CreateSubnet"))?
            .subnet()
            .and_then(|s| s.subnet_id())
            .map(str::to_owned)
            .ok_or_else(|| missing("EC2.CreateSubnet", "a subnet id"))?,
    };
    route(aws, &subnet, placement.route_table).await?;
    let acl = find_or_create_acl(aws, cluster, placement.vpc, &name, BASTION_ROLE, None).await?;
    let wanted: Vec<RawEntry> = entries.iter().map(RawEntry::from_plan).collect();
    sync_entries(aws, &acl, &wanted).await?;
    associate(aws, &subnet, &acl).await?;
    Ok(subnet)
}

/// Moves `subnet` from ACL `source` to a copy of it (made once per source ACL and cluster)
/// whose entries are `guard` followed by `source`'s own, renumbered only if they would
/// collide. `source` itself is not changed: other subnets may share it.
pub async fn guard_subnet(
    aws: &Aws,
    cluster: &str,
    subnet: &str,
    source: &str,
    guard: &[Entry],
) -> Result<(), AwsError> {
    let source_acl = read_acl(aws, source).await?;
    let vpc = source_acl.vpc_id().ok_or_else(|| missing("EC2.DescribeNetworkAcls", "the ACL's VPC"))?;
    let own: Vec<RawEntry> =
        source_acl.entries().iter().map(RawEntry::from_ec2).filter(|e| e.number < DEFAULT_ENTRIES).collect();
    let front: Vec<RawEntry> = guard.iter().map(RawEntry::from_plan).collect();
    let shift = i32::from(nacl::guard_shift(guard, own.iter().filter_map(|e| u16::try_from(e.number).ok())));
    if own.iter().any(|e| e.number + shift >= DEFAULT_ENTRIES) {
        return Err(AwsError::local(
            "EC2.CreateNetworkAclEntry",
            format!("{source} has no room for the SSH guard in front of its entries"),
        ));
    }
    let mut wanted = front;
    wanted.extend(own.into_iter().map(|e| RawEntry { number: e.number + shift, ..e }));
    let name = format!("{cluster}-nodes-{source}");
    let copy = find_or_create_acl(aws, cluster, vpc, &name, NODE_ACL_ROLE, Some(source)).await?;
    sync_entries(aws, &copy, &wanted).await?;
    associate(aws, subnet, &copy).await
}

/// Undoes [`guard_subnet`] for a cluster that goes: every subnet on one of the cluster's ACL
/// copies moves back to the ACL the copy was made from (or, if that is gone, to the VPC's
/// default ACL), and the copy is deleted. Returns the subnets moved back. A run cut short is
/// finished by the next: what is already back is left as it is.
pub async fn restore_guarded_subnets(aws: &Aws, cluster: &str) -> Result<Vec<String>, AwsError> {
    let copies = aws
        .ec2
        .describe_network_acls()
        .filters(filter(&format!("tag:{ROLE_TAG}"), NODE_ACL_ROLE))
        .filters(filter(&format!("tag:{CLUSTER_TAG}"), cluster))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeNetworkAcls"))?;
    let mut moved = Vec::new();
    for copy in copies.network_acls() {
        let id = copy.network_acl_id().unwrap_or_default();
        let source = copy.tags().iter().find(|t| t.key() == Some(COPIED_FROM_TAG)).and_then(|t| t.value());
        let back = original_acl(aws, copy.vpc_id().unwrap_or_default(), source).await?;
        for subnet in copy.associations().iter().filter_map(|a| a.subnet_id()) {
            associate(aws, subnet, &back).await?;
            moved.push(subnet.to_owned());
        }
        aws.ec2.delete_network_acl().network_acl_id(id).send().await.map_err(aws_error("EC2.DeleteNetworkAcl"))?;
    }
    Ok(moved)
}

/// The ACL a copy goes back to: the one it was copied from, if `vpc` still has it, else the
/// VPC's default ACL.
async fn original_acl(aws: &Aws, vpc: &str, source: Option<&str>) -> Result<String, AwsError> {
    let found = aws
        .ec2
        .describe_network_acls()
        .filters(filter("vpc-id", vpc))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeNetworkAcls"))?;
    let acls = found.network_acls();
    let source = source.filter(|s| acls.iter().any(|a| a.network_acl_id() == Some(s)));
    let default = || acls.iter().find(|a| a.is_default() == Some(true)).and_then(|a| a.network_acl_id());
    source
        .or_else(default)
        .map(str::to_owned)
        .ok_or_else(|| missing("EC2.DescribeNetworkAcls", &format!("the default ACL of {vpc}")))
}

/// The ACL tagged for this cluster, role and source, or a new one.
async fn find_or_create_acl(
    aws: &Aws,
    cluster: &str,
    vpc: &str,
    name: &str,
    role: &str,
    copied_from: Option<&str>,
) -> Result<String, AwsError> {
    let mut request = aws
        .ec2
        .describe_network_acls()
        .filters(filter("vpc-id", vpc))
        .filters(filter(&format!("tag:{ROLE_TAG}"), role))
        .filters(filter(&format!("tag:{CLUSTER_TAG}"), cluster));
    if let Some(source) = copied_from {
        request = request.filters(filter(&format!("tag:{COPIED_FROM_TAG}"), source));
    }
    let found = request.send().await.map_err(aws_error("EC2.DescribeNetworkAcls"))?;
    if let Some(id) = found.network_acls().first().and_then(|a| a.network_acl_id()) {
        return Ok(id.to_owned());
    }
    aws.ec2
        .create_network_acl()
        .vpc_id(vpc)
        .tag_specifications(tags(ResourceType::NetworkAcl, cluster, name, role, copied_from))
        .send()
        .await
        .map_err(aws_error("EC2.CreateNetworkAcl"))?
        .network_acl()
        .and_then(|a| a.network_acl_id())
        .map(str::to_owned)
        .ok_or_else(|| missing("EC2.CreateNetworkAcl", "an ACL id"))
}

/// Fills a create or replace entry request (the two take the same fields) from a [`RawEntry`].
macro_rules! entry_request {
    ($request:expr, $acl:expr, $entry:expr) => {
        $request
            .network_acl_id($acl)
            .rule_number($entry.number)
            .egress($entry.egress)
            .protocol(&$entry.protocol)
            .rule_action(if $entry.allow { RuleAction::Allow } else { RuleAction::Deny })
            .set_cidr_block($entry.cidr.clone())
            .set_ipv6_cidr_block($entry.ipv6_cidr.clone())
            .set_port_range($entry.ports.map(|(from, to)| PortRange::builder().from(from).to(to).build()))
            .set_icmp_type_code($entry.icmp.map(|(t, c)| IcmpTypeCode::builder().r#type(t).code(c).build()))
    };
}

/// Brings `acl`'s entries (but the `*` ones) to exactly `wanted`.
async fn sync_entries(aws: &Aws, acl: &str, wanted: &[RawEntry]) -> Result<(), AwsError> {
    let mut present: BTreeMap<(i32, bool), RawEntry> = read_acl(aws, acl)
        .await?
        .entries()
        .iter()
        .map(RawEntry::from_ec2)
        .filter(|e| e.number < DEFAULT_ENTRIES)
        .map(|e| ((e.number, e.egress), e))
        .collect();
    for entry in wanted {
        match present.remove(&(entry.number, entry.egress)) {
            Some(existing) if &existing == entry => {}
            Some(_) => {
                entry_request!(aws.ec2.replace_network_acl_entry(), acl, entry)
                    .send()
                    .await
                    .map_err(aws_error("EC2.ReplaceNetworkAclEntry"))?;
            }
            None => {
                entry_request!(aws.ec2.create_network_acl_entry(), acl, entry)
                    .send()
                    .await
                    .map_err(aws_error("EC2.CreateNetworkAclEntry"))?;
            }
        }
    }
    for (number, egress) in present.into_keys() {
        aws.ec2
            .delete_network_acl_entry()
            .network_acl_id(acl)
            .rule_number(number)
            .egress(egress)
            .send()
            .await
            .map_err(aws_error("EC2.DeleteNetworkAclEntry"))?;
    }
    Ok(())
}

/// The ACL `id`, read back.
async fn read_acl(aws: &Aws, id: &str) -> Result<NetworkAcl, AwsError> {
    let described = aws
        .ec2
        .describe_network_acls()
        .network_acl_ids(id)
        .send()
        .await
        .map_err(aws_error("EC2.DescribeNetworkAcls"))?;
    described.network_acls().first().cloned().ok_or_else(|| missing("EC2.DescribeNetworkAcls", id))
}

/// Associates `subnet` with `acl` (every subnet has an ACL association; it is replaced).
async fn associate(aws: &Aws, subnet: &str, acl: &str) -> Result<(), AwsError> {
    let described = aws
        .ec2
        .describe_network_acls()
        .filters(filter("association.subnet-id", subnet))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeNetworkAcls"))?;
    let association = described
        .network_acls()
        .iter()
        .flat_map(|a| a.associations().iter().map(move |s| (a.network_acl_id(), s)))
        .find(|(_, s)| s.subnet_id() == Some(subnet))
        .ok_or_else(|| missing("EC2.DescribeNetworkAcls", &format!("the ACL association of {subnet}")))?;
    if association.0 == Some(acl) {
        return Ok(());
    }
    let id = association.1.network_acl_association_id().unwrap_or_default();
    aws.ec2
        .replace_network_acl_association()
        .association_id(id)
        .network_acl_id(acl)
        .send()
        .await
        .map_err(aws_error("EC2.ReplaceNetworkAclAssociation"))?;
    Ok(())
}

/// Routes `subnet` by `table`, unless it already has a table of its own.
async fn route(aws: &Aws, subnet: &str, table: &str) -> Result<(), AwsError> {
    let described = aws
        .ec2
        .describe_route_tables()
        .filters(filter("association.subnet-id", subnet))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeRouteTables"))?;
    if !described.route_tables().is_empty() {
        return Ok(());
    }
    aws.ec2
        .associate_route_table()
        .subnet_id(subnet)
        .route_table_id(table)
        .send()
        .await
        .map_err(aws_error("EC2.AssociateRouteTable"))?;
    Ok(())
}

/// One ACL entry in the terms EC2 writes it, so entries read back compare with wanted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawEntry {
    number: i32,
    egress: bool,
    /// The protocol number as EC2 gives it (`-1` for all).
    protocol: String,
    allow: bool,
    cidr: Option<String>,
    ipv6_cidr: Option<String>,
    ports: Option<(i32, i32)>,
    icmp: Option<(i32, i32)>,
}

impl RawEntry {
    fn from_plan(entry: &Entry) -> Self {
        let known = entry.cidr.known();
        debug_assert!(known.is_some(), "harden's ACL entries name blocks known when planned");
        Self {
            number: i32::from(entry.rule_number),
            egress: entry.egress,
            protocol: if entry.tcp_ports.is_some() { "6" } else { "-1" }.to_owned(),
            allow: entry.action == Action::Allow,
            cidr: known.filter(|b| b.network().is_ipv4()).map(|b| b.to_string()),
            ipv6_cidr: known.filter(|b| b.network().is_ipv6()).map(|b| b.to_string()),
            ports: entry.tcp_ports.map(|(from, to)| (i32::from(from), i32::from(to))),
            icmp: None,
        }
    }

    fn from_ec2(entry: &NetworkAclEntry) -> Self {
        let protocol = entry.protocol().unwrap_or("-1").to_owned();
        let ported = protocol == "6" || protocol == "17";
        Self {
            number: entry.rule_number().unwrap_or(DEFAULT_ENTRIES),
            egress: entry.egress().unwrap_or(false),
            allow: entry.rule_action() == Some(&RuleAction::Allow),
            cidr: entry.cidr_block().map(str::to_owned),
            ipv6_cidr: entry.ipv6_cidr_block().map(str::to_owned),
            ports: entry.port_range().filter(|_| ported).map(|p| (p.from().unwrap_or(0), p.to().unwrap_or(65535))),
            icmp: entry
                .icmp_type_code()
                .filter(|_| protocol == "1" || protocol == "58")
                .map(|i| (i.r#type().unwrap_or(-1), i.code().unwrap_or(-1))),
            protocol,
        }
    }
}

fn tags(kind: ResourceType, cluster: &str, name: &str, role: &str, copied_from: Option<&str>) -> TagSpecification {
    let tag = |key: &str, value: &str| Tag::builder().key(key).value(value).build();
    let mut spec = TagSpecification::builder()
        .resource_type(kind)
        .tags(tag("Name", name))
        .tags(tag(CLUSTER_TAG, cluster))
        .tags(tag(ROLE_TAG, role));
    if let Some(source) = copied_from {
        spec = spec.tags(tag(COPIED_FROM_TAG, source));
    }
    spec.build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn missing(operation: &'static str, what: &str) -> AwsError {
    AwsError::local(operation, format!("the answer lacks {what}"))
}
