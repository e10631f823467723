//! Reading a cluster's real state back through the EC2, EKS and IAM APIs: never the stack
//! status, always the resources.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, IpPermission};
use eksharden_aws::Aws;
use eksharden_spec::model::CLUSTER_TAG;

/// A security-group rule as EC2 reports it, with peers by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RuleRow {
    pub egress: bool,
    pub protocol: String,
    pub ports: (i32, i32),
    pub peer: String,
}

/// A network ACL entry as EC2 reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AclRow {
    pub egress: bool,
    pub rule_number: i32,
    pub protocol: String,
    pub ports: Option<(i32, i32)>,
    pub cidr: String,
    pub allow: bool,
}

fn tag_filter(cluster: &str) -> Filter {
    Filter::builder().name(format!("tag:{CLUSTER_TAG}")).values(cluster).build()
}

/// The rules of a group, flattened: one row per peer.
pub async fn group_rules(aws: &Aws, group_id: &str) -> BTreeSet<RuleRow> {
    let response = aws.ec2.describe_security_groups().group_ids(group_id).send().await.expect("DescribeSecurityGroups");
    let group = &response.security_groups()[0];
    let mut rows = BTreeSet::new();
    for (egress, permissions) in [(false, group.ip_permissions()), (true, group.ip_permissions_egress())] {
        for p in permissions {
            rows.extend(rule_rows(egress, p));
        }
    }
    rows
}

fn rule_rows(egress: bool, p: &IpPermission) -> Vec<RuleRow> {
    let protocol = p.ip_protocol().unwrap_or_default().to_owned();
    let ports = if protocol == "-1" { (0, 65535) } else { (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1)) };
    let peers = p
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip().map(str::to_owned))
        .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6().map(str::to_owned)))
        .chain(p.user_id_group_pairs().iter().filter_map(|g| g.group_id().map(str::to_owned)))
        .chain(p.prefix_list_ids().iter().filter_map(|l| l.prefix_list_id().map(str::to_owned)));
    peers.map(|peer| RuleRow { egress, protocol: protocol.clone(), ports, peer }).collect()
}

/// The entries of a network ACL and the subnets associated with it.
pub async fn acl(aws: &Aws, acl_id: &str) -> (Vec<AclRow>, BTreeSet<String>) {
    let response = aws.ec2.describe_network_acls().network_acl_ids(acl_id).send().await.expect("DescribeNetworkAcls");
    let acl = &response.network_acls()[0];
    let mut rows: Vec<AclRow> = acl
        .entries()
        .iter()
        .map(|e| AclRow {
            egress: e.egress().unwrap_or(false),
            rule_number: e.rule_number().unwrap_or_default(),
            protocol: e.protocol().unwrap_or_default().to_owned(),
            ports: e.port_range().map(|r| (r.from().unwrap_or_default(), r.to().unwrap_or_default())),
            cidr: e.cidr_block().or(e.ipv6_cidr_block()).unwrap_or_default().to_owned(),
            allow: e.rule_action().map(|a| a.as_str() == "allow").unwrap_or(false),
        })
        .collect();
    rows.sort();
    let subnets = acl.associations().iter().filter_map(|a| a.subnet_id().map(str::to_owned)).collect();
    (rows, subnets)
}

/// A description of everything the cluster has in AWS with the random ids replaced by names
/// (the `Name` tag), so the states of two runs can be compared.
pub async fn census(aws: &Aws, cluster: &str) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    let names = names(aws, cluster).await;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for tag in cluster_tags(aws, cluster).await {
        *kinds.entry(tag.resource_type().map(|t| t.as_str().to_owned()).unwrap_or_default()).or_default() += 1;
    }
    for (kind, count) in kinds {
        state.insert(format!("count {kind}"), count.to_string());
    }
    let groups =
        aws.ec2.describe_security_groups().filters(tag_filter(cluster)).send().await.expect("DescribeSecurityGroups");
    for group in groups.security_groups() {
        let rows = group_rules(aws, group.group_id().unwrap()).await;
        let mut rendered: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}-{} {}",
                    if r.egress { "out" } else { "in" },
                    r.protocol,
                    r.ports.0,
                    r.ports.1,
                    name(&r.peer)
                )
            })
            .collect();
        rendered.sort();
        state.insert(format!("group {}", name(group.group_id().unwrap())), rendered.join("; "));
    }
    let subnets = aws.ec2.describe_subnets().filters(tag_filter(cluster)).send().await.expect("DescribeSubnets");
    for subnet in subnets.subnets() {
        state.insert(
            format!("subnet {}", subnet.cidr_block().unwrap()),
            format!(
                "{} public-ip-on-launch={}",
                subnet.availability_zone().unwrap(),
                subnet.map_public_ip_on_launch().unwrap_or(false)
            ),
        );
    }
    let acls = aws.ec2.describe_network_acls().filters(tag_filter(cluster)).send().await.expect("DescribeNetworkAcls");
    for acl_entry in acls.network_acls() {
        let (rows, associated) = acl(aws, acl_entry.network_acl_id().unwrap()).await;
        let mut associated: Vec<String> = associated.iter().map(|s| name(s)).collect();
        associated.sort();
        state.insert(
            format!("acl {}", name(acl_entry.network_acl_id().unwrap())),
            format!("{rows:?} on {associated:?}"),
        );
    }
    let clusters = aws.eks.list_clusters().send().await.expect("ListClusters");
    state.insert("eks clusters".into(), format!("{:?}", clusters.clusters()));
    if clusters.clusters().iter().any(|c| c == cluster) {
        let groups = aws.eks.list_nodegroups().cluster_name(cluster).send().await.expect("ListNodegroups");
        let mut groups: Vec<String> = groups.nodegroups().to_vec();
        groups.sort();
        state.insert("eks node groups".into(), format!("{groups:?}"));
    }
    let roles = aws.iam.list_roles().send().await.expect("ListRoles");
    let mut roles: Vec<String> = roles
        .roles()
        .iter()
        .map(|r| r.role_name().to_owned())
        .filter(|n| n.starts_with(&format!("eksharden-{cluster}-")))
        .map(|n| without_random_suffix(&n))
        .collect();
    roles.sort();
    state.insert("iam roles".into(), format!("{roles:?}"));
    state
}

/// Resource ids to `Name` tags, for the cluster's tagged EC2 resources.
async fn names(aws: &Aws, cluster: &str) -> BTreeMap<String, String> {
    let response = aws
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("key").values("Name").build())
        .send()
        .await
        .expect("DescribeTags");
    let ours: BTreeSet<String> =
        cluster_tags(aws, cluster).await.iter().filter_map(|t| t.resource_id().map(str::to_owned)).collect();
    response
        .tags()
        .iter()
        .filter(|t| t.resource_id().is_some_and(|id| ours.contains(id)))
        .filter_map(|t| Some((t.resource_id()?.to_owned(), t.value()?.to_owned())))
        .collect()
}

/// `eksharden-a-iam-NodeRoleGeneral-8XK2P0QJ` without the suffix CloudFormation made up.
fn without_random_suffix(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((head, tail)) if tail.len() >= 8 && tail.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) => {
            head.to_owned()
        }
        _ => name.to_owned(),
    }
}

/// The routes of the route table a subnet is associated with.
pub async fn routes_of(aws: &Aws, vpc_id: &str, subnet_id: &str) -> Vec<aws_sdk_ec2::types::Route> {
    let tables = aws
        .ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .expect("DescribeRouteTables");
    let table = tables
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(subnet_id)))
        .unwrap_or_else(|| panic!("subnet {subnet_id} has a route table"));
    table.routes().to_vec()
}

/// The cluster tag of every EC2 resource that carries it.
pub async fn cluster_tags(aws: &Aws, cluster: &str) -> Vec<aws_sdk_ec2::types::TagDescription> {
    let response = aws
        .ec2
        .describe_tags()
        .filters(Filter::builder().name("key").values(CLUSTER_TAG).build())
        .filters(Filter::builder().name("value").values(cluster).build())
        .send()
        .await
        .expect("DescribeTags");
    response.tags().to_vec()
}
