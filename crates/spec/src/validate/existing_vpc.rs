//! An existing VPC as the spec gives it: ids and blocks well formed, each subnet once, what
//! eksharden would not do in a VPC it did not make said. Whether the subnets exist and are
//! private is checked by `create`, which reads them (`crate::existing`).

use super::{duplicates, is_resource_id};
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, IpFamily};
use crate::path::Path;
use crate::values::Cidr;

pub(super) fn check(spec: &ClusterSpec, vpc_path: &Path, findings: &mut Vec<Finding>) {
    let Some(existing) = &spec.vpc.existing else { return };
    let at = vpc_path.key("existing");
    if !is_resource_id(&existing.id, "vpc-") {
        findings.push(
            Finding::error(at.key("id"), format!("`{}` is not a VPC id", existing.id))
                .with_hint("write an id like vpc-0abcd1234ef567890"),
        );
    }
    if spec.vpc.subnets.is_some() {
        findings.push(
            Finding::error(
                vpc_path.key("subnets"),
                "an existing VPC's subnets are given under vpc.existing, by id or block",
            )
            .at_key(),
        );
    }
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        findings.push(
            Finding::error(vpc_path.key("ipFamily"), "an IPv6 cluster in an existing VPC is not supported: eksharden lays out the subnets' IPv6 blocks only in a VPC it makes")
                .with_hint("create the cluster in a dedicated VPC, or keep IPv4"),
        );
    }
    if existing.private_subnets.len() < 2 {
        findings.push(Finding::error(
            at.key("privateSubnets"),
            format!("{} node subnet(s): EKS needs subnets in at least two zones", existing.private_subnets.len()),
        ));
    }
    for (field, entries) in [("privateSubnets", &existing.private_subnets), ("publicSubnets", &existing.public_subnets)]
    {
        for (i, entry) in entries.iter().enumerate() {
            let by_block = entry.parse::<Cidr>();
            let well_formed =
                is_resource_id(entry, "subnet-") || by_block.as_ref().is_ok_and(|b| b.within(&spec.vpc.cidr));
            if !well_formed {
                findings.push(
                    Finding::error(
                        at.key(field).index(i),
                        format!("`{entry}` is neither a subnet id nor a block of the VPC {}", spec.vpc.cidr),
                    )
                    .with_hint("write an id like subnet-0abcd1234ef567890, or the subnet's block"),
                );
            }
        }
        duplicates(entries, |i| at.key(field).index(i), "subnet", findings);
    }
    if spec.hardening.ssh.nacl {
        findings.push(
            Finding::warning(
                at.clone(),
                "the node subnets are not eksharden's: `create` moves each to a copy of its network ACL with the SSH guard of STACKROX-EKS in front (reported, as `harden` does), and `delete` moves them back",
            )
            .at_key(),
        );
    }
}
