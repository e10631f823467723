//! The VPC: zones, subnet blocks, bastion, VPN ranges, VPC endpoints, NAT.

use super::{duplicates, existing_vpc};
use crate::diagnostic::Finding;
use crate::layout::{self, LayoutError, LONGEST_CARVABLE_PREFIX, MAX_ZONES};
use crate::model::{ClusterSpec, NatMode, VpcEndpointService};
use crate::path::Path;
use crate::suggest::quoted_list;
use crate::values::Cidr;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let vpc_path = Path::root().key("vpc");
    let vpc = &spec.vpc;
    let prefix = vpc.cidr.net().prefix_len();
    if !(16..=28).contains(&prefix) {
        findings.push(
            Finding::error(vpc_path.key("cidr"), format!("a VPC block must be /16 to /28, not /{prefix}"))
                .with_hint("AWS accepts VPC CIDR blocks between /16 and /28"),
        );
        return;
    }
    check_zones(spec, &vpc_path.key("availabilityZones"), findings);
    match &vpc.existing {
        Some(_) => existing_vpc::check(spec, &vpc_path, findings),
        None => check_subnets(spec, &vpc_path, findings),
    }
    check_bastion_and_vpn(spec, &vpc_path, findings);
    check_endpoints(spec, &vpc_path, findings);
    if !vpc.flow_logs {
        findings.push(
            Finding::warning(
                vpc_path.key("flowLogs"),
                "flow logs are off: rejected and accepted traffic leaves no record",
            )
            .with_hint("remove `flowLogs: false` to keep the hardened default"),
        );
    }
}

fn check_zones(spec: &ClusterSpec, path: &Path, findings: &mut Vec<Finding>) {
    let zones = &spec.vpc.availability_zones;
    if zones.len() < 2 {
        findings.push(
            Finding::error(path.clone(), format!("{} availability zone(s): EKS needs at least two", zones.len()))
                .with_hint(format!("list two or more zones of {}, like {0}a and {0}b", spec.metadata.region)),
        );
    }
    for (i, zone) in zones.iter().enumerate() {
        let suffix = zone.strip_prefix(spec.metadata.region.as_str());
        if !suffix.is_some_and(|s| s.len() == 1 && s.chars().all(|c| c.is_ascii_lowercase())) {
            findings.push(
                Finding::error(path.index(i), format!("`{zone}` is not a zone of region {}", spec.metadata.region))
                    .with_hint(format!("zone names are the region and one letter, like {}a", spec.metadata.region)),
            );
        }
    }
    duplicates(zones, |i| path.index(i), "availability zone", findings);
}

fn check_subnets(spec: &ClusterSpec, vpc_path: &Path, findings: &mut Vec<Finding>) {
    let vpc = &spec.vpc;
    let zones = vpc.availability_zones.len();
    if let Some(subnets) = &vpc.subnets {
        let subnets_path = vpc_path.key("subnets");
        for (kind, blocks) in [("private", &subnets.private), ("public", &subnets.public)] {
            if blocks.len() != zones {
                findings.push(
                    Finding::error(
                        subnets_path.key(kind),
                        format!("{} {kind} subnet(s) for {zones} availability zone(s)", blocks.len()),
                    )
                    .with_hint("give one block per zone, in the order of availabilityZones"),
                );
            }
        }
    }
    match layout::zone_subnets(vpc) {
        Ok(_) => {}
        Err(LayoutError::TooSmall { prefix }) => findings.push(
            Finding::error(
                vpc_path.key("cidr"),
                format!("a /{prefix} VPC is too small to lay out subnets automatically"),
            )
            .with_hint(format!("use /16 to /{LONGEST_CARVABLE_PREFIX}, or list the blocks under vpc.subnets")),
        ),
        Err(LayoutError::TooManyZones { zones }) => findings.push(
            Finding::error(
                vpc_path.key("availabilityZones"),
                format!("{zones} zones: the automatic layout supports at most {MAX_ZONES}"),
            )
            .with_hint("list the blocks under vpc.subnets"),
        ),
    }
    let blocks = subnet_blocks(spec, vpc_path);
    for block in blocks.iter().filter(|b| b.written) {
        if !block.cidr.within(&vpc.cidr) {
            findings.push(
                Finding::error(
                    block.path.clone(),
                    format!("subnet {} is not inside the VPC block {}", block.cidr, vpc.cidr),
                )
                .with_hint("every subnet must lie within vpc.cidr"),
            );
        } else if block.cidr.net().prefix_len() > 28 {
            findings.push(Finding::error(
                block.path.clone(),
                format!("subnet {} is smaller than /28, the smallest AWS allows", block.cidr),
            ));
        }
    }
    for (i, block) in blocks.iter().enumerate() {
        if let Some(other) = blocks[..i].iter().find(|other| other.cidr.overlaps(&block.cidr)) {
            findings.push(
                Finding::error(block.path.clone(), format!("subnet {} overlaps {}", block.cidr, other.label))
                    .with_hint("subnet blocks must not share addresses"),
            );
        }
    }
}

/// A subnet block: written in the spec, or laid out from `vpc.cidr`.
struct Block {
    path: Path,
    cidr: Cidr,
    /// How messages name it.
    label: String,
    /// Written in the spec (checked against the VPC), rather than laid out by eksharden.
    written: bool,
}

/// Every subnet block with its path: the zone subnets and the bastion subnet.
fn subnet_blocks(spec: &ClusterSpec, vpc_path: &Path) -> Vec<Block> {
    let mut blocks = Vec::new();
    if let Some(subnets) = &spec.vpc.subnets {
        for (kind, list) in [("private", &subnets.private), ("public", &subnets.public)] {
            blocks.extend(list.iter().enumerate().map(|(i, cidr)| {
                let path = vpc_path.key("subnets").key(kind).index(i);
                Block { label: format!("{cidr} ({path})"), path, cidr: *cidr, written: true }
            }));
        }
    } else if let Ok(zones) = layout::zone_subnets(&spec.vpc) {
        for zone in zones {
            for (kind, cidr) in [("private", zone.private), ("public", zone.public)] {
                let label = format!("the {kind} subnet {cidr} of {} that eksharden lays out from vpc.cidr", zone.zone);
                blocks.push(Block { path: vpc_path.key("cidr"), cidr, label, written: false });
            }
        }
    }
    if let Some(bastion) = &spec.vpc.bastion {
        let path = vpc_path.key("bastion").key("cidr");
        blocks.push(Block {
            label: format!("the bastion subnet {}", bastion.cidr),
            path,
            cidr: bastion.cidr,
            written: true,
        });
    }
    blocks
}

fn check_bastion_and_vpn(spec: &ClusterSpec, vpc_path: &Path, findings: &mut Vec<Finding>) {
    if let Some(bastion) = &spec.vpc.bastion {
        let path = vpc_path.key("bastion").key("allowSshFrom");
        if bastion.allow_ssh_from.is_empty() {
            findings.push(
                Finding::warning(path.clone(), "no allowSshFrom: nobody can reach the bastion over SSH")
                    .with_hint("fine with Session Manager; otherwise list the operators' CIDR blocks"),
            );
        }
        for (i, cidr) in bastion.allow_ssh_from.iter().enumerate() {
            if cidr.is_anywhere() {
                findings.push(
                    Finding::error(path.index(i), "SSH to the bastion from 0.0.0.0/0 opens it to the whole internet")
                        .with_hint("list the operators' CIDR blocks"),
                );
            }
        }
    }
    let vpn_path = vpc_path.key("vpnCidrs");
    for (i, cidr) in spec.vpc.vpn_cidrs.iter().enumerate() {
        if cidr.overlaps(&spec.vpc.cidr) {
            findings.push(
                Finding::error(vpn_path.index(i), format!("VPN block {cidr} overlaps the VPC block {}", spec.vpc.cidr))
                    .with_hint("a VPN range is a network outside the VPC"),
            );
        }
        if cidr.is_anywhere() {
            findings.push(Finding::error(
                vpn_path.index(i),
                "a VPN range of 0.0.0.0/0 is the internet, not a private network",
            ));
        }
    }
}

fn check_endpoints(spec: &ClusterSpec, vpc_path: &Path, findings: &mut Vec<Finding>) {
    let path = vpc_path.key("endpoints");
    duplicates(&spec.vpc.endpoints, |i| path.index(i), "VPC endpoint", findings);
    if spec.vpc.nat == NatMode::None {
        let missing: Vec<&str> = VpcEndpointService::REQUIRED_WITHOUT_NAT
            .iter()
            .filter(|s| !spec.vpc.endpoints.contains(s))
            .map(|s| s.name())
            .collect();
        if !missing.is_empty() {
            findings.push(
                Finding::error(
                    vpc_path.key("nat"),
                    format!("`nat: none` leaves nodes without a way to {}", quoted_list(&missing)),
                )
                .with_hint(format!("add {} to vpc.endpoints, or use `nat: single`", quoted_list(&missing))),
            );
        }
    }
}
