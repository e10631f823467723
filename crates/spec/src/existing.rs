//! An existing VPC, as `create` reads it, checked and taken into the spec before anything is
//! written: every given subnet found in the VPC, node subnets private (no route to an
//! internet gateway, no public addresses), in two zones EKS offers, with free addresses; the
//! bastion block free; no VPC endpoint the spec asks for already there. What was read then
//! fills the spec: the VPC's block (for an eksctl file that gives none), the zones, the
//! subnets' ids and the route tables eksharden's own resources use.

use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, ResolvedVpc, VpcEndpointService, ZONE_IDS_NOT_FOR_EKS};
use crate::path::Path;
use crate::values::Cidr;

/// Free addresses EKS needs in each subnet it puts the control plane's interfaces in
/// (AWS-EKS-NETWORK: "at least six").
pub const MIN_FREE_ADDRESSES: u32 = 6;

/// What EC2 says of an existing VPC.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VpcFacts {
    /// Whether the VPC exists.
    pub found: bool,
    /// Its IPv4 blocks, the primary first.
    pub cidrs: Vec<Cidr>,
    /// Its subnets.
    pub subnets: Vec<SubnetFacts>,
    /// The services it has VPC endpoints for (`ecr.api`, `s3`).
    pub endpoint_services: Vec<String>,
}

/// What EC2 says of one subnet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubnetFacts {
    /// Its id.
    pub id: String,
    /// Its IPv4 block.
    pub cidr: Option<Cidr>,
    /// Its zone's name.
    pub zone: String,
    /// Its zone's id (`use1-az3`).
    pub zone_id: String,
    /// Whether instances launched in it get a public address.
    pub public_ip_on_launch: bool,
    /// How many addresses are free.
    pub free_addresses: u32,
    /// The route table that applies to it (its own association, else the VPC's main table).
    pub route_table: Option<String>,
    /// The internet gateway its route table sends traffic to, if any.
    pub internet_gateway: Option<String>,
    /// Whether its route table has a default route (to a NAT, a transit gateway, ...).
    pub default_route: bool,
}

/// The spec completed from what EC2 said of its existing VPC, with warnings; or every
/// reason it cannot be created there, located in the spec.
pub fn resolve(mut spec: ClusterSpec, facts: &VpcFacts) -> Result<(ClusterSpec, Vec<Finding>), Vec<Finding>> {
    let Some(existing) = spec.vpc.existing.clone() else { return Ok((spec, Vec::new())) };
    let at = Path::root().key("vpc").key("existing");
    if !facts.found {
        return Err(vec![Finding::error(
            at.key("id"),
            format!("there is no VPC {} in {}", existing.id, spec.metadata.region),
        )]);
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if existing.cidr_from_vpc {
        if let Some(primary) = facts.cidrs.first() {
            spec.vpc.cidr = *primary;
        }
    } else if !facts.cidrs.contains(&spec.vpc.cidr) {
        let blocks: Vec<String> = facts.cidrs.iter().map(ToString::to_string).collect();
        errors.push(Finding::error(
            Path::root().key("vpc").key("cidr"),
            format!("{} is not a block of {} (it has {})", spec.vpc.cidr, existing.id, blocks.join(", ")),
        ));
    }
    let private = find_subnets(&existing.private_subnets, facts, &at.key("privateSubnets"), &existing.id, &mut errors);
    let public = find_subnets(&existing.public_subnets, facts, &at.key("publicSubnets"), &existing.id, &mut errors);
    let reaches_aws = VpcEndpointService::REQUIRED_WITHOUT_NAT
        .iter()
        .all(|s| spec.vpc.endpoints.contains(s) || facts.endpoint_services.iter().any(|have| have == s.name()));
    for (i, subnet) in &private {
        check_private(subnet, &at.key("privateSubnets").index(*i), reaches_aws, &mut errors, &mut warnings);
    }
    for (i, subnet) in &public {
        if subnet.internet_gateway.is_none() {
            warnings.push(Finding::warning(
                at.key("publicSubnets").index(*i),
                format!("subnet {} has no route to an internet gateway: internet-facing load balancers placed there cannot be reached", subnet.id),
            ));
        }
    }
    let mut zones: Vec<String> = Vec::new();
    for (_, subnet) in &private {
        if !zones.contains(&subnet.zone) {
            zones.push(subnet.zone.clone());
        }
    }
    if private.len() == existing.private_subnets.len() && zones.len() < 2 {
        errors.push(Finding::error(
            at.key("privateSubnets"),
            format!("the node subnets are in {} zone(s): EKS needs subnets in at least two", zones.len()),
        ));
    }
    check_bastion(&spec, facts, &mut errors);
    for (i, service) in spec.vpc.endpoints.iter().enumerate() {
        if facts.endpoint_services.iter().any(|have| have == service.name()) {
            errors.push(
                Finding::error(
                    Path::root().key("vpc").key("endpoints").index(i),
                    format!("{} already has a VPC endpoint for {}", existing.id, service.name()),
                )
                .with_hint("drop it from vpc.endpoints: the nodes use the one the VPC has"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    spec.vpc.availability_zones = zones;
    spec.vpc.zones_from_region = false;
    let vpc = spec.vpc.existing.as_mut().expect("an existing VPC");
    vpc.cidr_from_vpc = false;
    vpc.resolved = Some(ResolvedVpc {
        private_subnet_ids: private.iter().map(|(_, s)| s.id.clone()).collect(),
        public_subnet_ids: public.iter().map(|(_, s)| s.id.clone()).collect(),
        private_route_tables: dedup(private.iter().filter_map(|(_, s)| s.route_table.clone())),
        public_route_table: public.first().and_then(|(_, s)| s.route_table.clone()),
    });
    Ok((spec, warnings))
}

/// The subnets `entries` name (by id or block), with their index; an error for each that
/// is not in the VPC.
fn find_subnets<'f>(
    entries: &[String],
    facts: &'f VpcFacts,
    at: &Path,
    vpc: &str,
    errors: &mut Vec<Finding>,
) -> Vec<(usize, &'f SubnetFacts)> {
    let mut found = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let by_block = entry.parse::<Cidr>().ok();
        let subnet = facts.subnets.iter().find(|s| s.id == *entry || (by_block.is_some() && s.cidr == by_block));
        match subnet {
            Some(subnet) => found.push((i, subnet)),
            None => errors.push(Finding::error(at.index(i), format!("{vpc} has no subnet {entry}"))),
        }
    }
    found
}

/// A node subnet: private, in a zone EKS offers, with room.
fn check_private(
    subnet: &SubnetFacts,
    at: &Path,
    reaches_aws: bool,
    errors: &mut Vec<Finding>,
    warnings: &mut Vec<Finding>,
) {
    let id = &subnet.id;
    if let Some(gateway) = &subnet.internet_gateway {
        errors.push(
            Finding::error(
                at.clone(),
                format!("subnet {id} routes to the internet gateway {gateway}: it is public, and nodes go in private subnets only (STACKROX-EKS, \"VPC Layout\")"),
            )
            .with_hint("give subnets whose route table sends 0.0.0.0/0 to a NAT gateway, or has no route out"),
        );
    }
    if subnet.public_ip_on_launch {
        errors.push(Finding::error(
            at.clone(),
            format!("subnet {id} gives instances public addresses (MapPublicIpOnLaunch): nodes there would be on the internet"),
        ));
    }
    if ZONE_IDS_NOT_FOR_EKS.contains(&subnet.zone_id.as_str()) {
        errors.push(Finding::error(
            at.clone(),
            format!(
                "subnet {id} is in zone {} ({}), where EKS does not place a control plane (AWS-EKS-NETWORK)",
                subnet.zone, subnet.zone_id
            ),
        ));
    }
    if subnet.free_addresses < MIN_FREE_ADDRESSES {
        errors.push(Finding::error(
            at.clone(),
            format!(
                "subnet {id} has {} free addresses: EKS needs at least {MIN_FREE_ADDRESSES} (AWS-EKS-NETWORK)",
                subnet.free_addresses
            ),
        ));
    }
    if subnet.internet_gateway.is_none() && !subnet.default_route && !reaches_aws {
        warnings.push(
            Finding::warning(
                at.clone(),
                format!("subnet {id} has no default route and the VPC lacks the endpoints nodes need (ecr.api, ecr.dkr, s3, sts, ec2): nodes there cannot join the cluster"),
            )
            .with_hint("add the missing services to vpc.endpoints"),
        );
    }
}

/// The bastion block lies in the VPC and takes no address of a subnet it has.
fn check_bastion(spec: &ClusterSpec, facts: &VpcFacts, errors: &mut Vec<Finding>) {
    let Some(bastion) = &spec.vpc.bastion else { return };
    let at = Path::root().key("vpc").key("bastion").key("cidr");
    if !facts.cidrs.iter().any(|block| bastion.cidr.within(block)) {
        errors.push(Finding::error(at, format!("the bastion block {} is not inside the VPC", bastion.cidr)));
    } else if let Some(taken) = facts.subnets.iter().find(|s| s.cidr.is_some_and(|c| c.overlaps(&bastion.cidr))) {
        errors.push(
            Finding::error(at, format!("the bastion block {} overlaps subnet {} of the VPC", bastion.cidr, taken.id))
                .with_hint("choose a free block of the VPC for vpc.bastion.cidr"),
        );
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bastion, ClusterSpec, ExistingVpc};

    fn spec() -> ClusterSpec {
        let text = "apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c, region: us-east-1}\n\
            vpc:\n  cidr: 10.0.0.0/16\n  existing: {id: vpc-0123456789abcdef0, privateSubnets: [subnet-0000000a, 10.0.32.0/20], publicSubnets: [subnet-0000000c]}\n\
            \x20 bastion: {cidr: 10.0.250.0/28}\naccess: {admins: [{arn: 'arn:aws:iam::111122223333:role/a'}]}\n";
        crate::load(&crate::SourceFile { name: "c.yaml".into(), text: text.into() }).unwrap().spec.into_inner()
    }

    fn subnet(id: &str, cidr: &str, zone: &str) -> SubnetFacts {
        SubnetFacts {
            id: id.into(),
            cidr: Some(cidr.parse().unwrap()),
            zone: format!("us-east-1{zone}"),
            zone_id: format!("use1-az{}", if zone == "a" { 1 } else { 2 }),
            free_addresses: 4000,
            route_table: Some(format!("rtb-{zone}")),
            default_route: true,
            ..SubnetFacts::default()
        }
    }

    fn facts() -> VpcFacts {
        let mut public = subnet("subnet-0000000c", "10.0.0.0/24", "a");
        public.internet_gateway = Some("igw-1".into());
        public.route_table = Some("rtb-public".into());
        VpcFacts {
            found: true,
            cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            subnets: vec![
                subnet("subnet-0000000a", "10.0.16.0/20", "a"),
                subnet("subnet-0000000b", "10.0.32.0/20", "b"),
                public,
            ],
            endpoint_services: Vec::new(),
        }
    }

    fn errors(spec: ClusterSpec, facts: &VpcFacts) -> Vec<String> {
        resolve(spec, facts).unwrap_err().into_iter().map(|f| format!("{}: {}", f.path, f.message)).collect()
    }

    #[test]
    fn a_good_vpc_fills_the_zones_and_ids_and_every_problem_is_located() {
        let (done, warnings) = resolve(spec(), &facts()).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(done.vpc.availability_zones, ["us-east-1a", "us-east-1b"]);
        let resolved = done.vpc.existing.as_ref().and_then(|e| e.resolved.clone()).unwrap();
        assert_eq!(resolved.private_subnet_ids, ["subnet-0000000a", "subnet-0000000b"], "one found by its block");
        assert_eq!(resolved.public_route_table.as_deref(), Some("rtb-public"));

        let mut public = facts();
        public.subnets[1].internet_gateway = Some("igw-1".into());
        public.subnets[1].public_ip_on_launch = true;
        public.subnets[0].zone_id = "use1-az3".into();
        public.subnets[0].free_addresses = 3;
        let found = errors(spec(), &public);
        assert!(
            found.iter().any(|e| e.starts_with(
                "vpc.existing.privateSubnets[1]: subnet subnet-0000000b routes to the internet gateway igw-1"
            )),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.starts_with("vpc.existing.privateSubnets[1]") && e.contains("public addresses")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.starts_with("vpc.existing.privateSubnets[0]") && e.contains("use1-az3")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|e| e.starts_with("vpc.existing.privateSubnets[0]") && e.contains("3 free addresses")),
            "{found:?}"
        );

        let mut other = spec();
        other.vpc.cidr = "10.9.0.0/16".parse().unwrap();
        other.vpc.bastion = Some(Bastion { cidr: "10.0.16.0/28".parse().unwrap(), allow_ssh_from: Vec::new() });
        other.vpc.existing.as_mut().unwrap().private_subnets.push("subnet-0000000f".into());
        let found = errors(other, &facts());
        assert!(found.iter().any(|e| e.starts_with("vpc.cidr: 10.9.0.0/16 is not a block of")), "{found:?}");
        assert!(
            found
                .iter()
                .any(|e| e
                    .starts_with("vpc.bastion.cidr: the bastion block 10.0.16.0/28 overlaps subnet subnet-0000000a")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|e| e == "vpc.existing.privateSubnets[2]: vpc-0123456789abcdef0 has no subnet subnet-0000000f"),
            "{found:?}"
        );

        let mut one_zone = facts();
        one_zone.subnets[1].zone = "us-east-1a".into();
        assert!(errors(spec(), &one_zone).iter().any(|e| e.contains("in 1 zone(s)")));
        let gone = VpcFacts::default();
        assert_eq!(errors(spec(), &gone), ["vpc.existing.id: there is no VPC vpc-0123456789abcdef0 in us-east-1"]);
        let mut eksctl = spec();
        eksctl.vpc.existing = Some(ExistingVpc { cidr_from_vpc: true, ..eksctl.vpc.existing.clone().unwrap() });
        eksctl.vpc.cidr = "192.168.0.0/16".parse().unwrap();
        eksctl.vpc.bastion = None;
        assert_eq!(
            resolve(eksctl, &facts()).unwrap().0.vpc.cidr.to_string(),
            "10.0.0.0/16",
            "the VPC's block is taken"
        );
    }
}
