//! How a node group's instances are launched: instance types and capacity (a mixed instances
//! policy for self-managed groups), the AMI family and a custom AMI, update settings, and the
//! user's own security groups.

use super::node_groups::is_instance_type;
use super::{duplicates, is_resource_id};
use crate::diagnostic::Finding;
use crate::model::{is_graviton, AmiFamily, ClusterSpec, IpFamily, NodeGroup, NodeGroupRole, NodeGroupType};
use crate::path::Path;

/// Security groups EC2 puts on an interface by default (the quota can be raised to 16).
const GROUPS_PER_INTERFACE: usize = 5;
/// The most security groups an interface can have with the quota raised.
const MAX_GROUPS_PER_INTERFACE: usize = 16;

pub(super) fn check(spec: &ClusterSpec, group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    check_types(group, at, findings);
    check_distribution(group, at, findings);
    check_image(spec, group, at, findings);
    check_update(group, at, findings);
    check_extra_groups(group, at, findings);
    check_subnets(spec, group, at, findings);
}

/// A group's own subnets: node subnets of the cluster, each once.
fn check_subnets(spec: &ClusterSpec, group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let at = at.key("subnets");
    let (names, what): (&[String], &str) = match &spec.vpc.existing {
        Some(existing) => (&existing.private_subnets, "vpc.existing.privateSubnets"),
        None => (&spec.vpc.availability_zones, "vpc.availabilityZones"),
    };
    for (i, subnet) in group.subnets.iter().enumerate() {
        if !names.contains(subnet) {
            findings.push(
                Finding::error(at.index(i), format!("`{subnet}` is not one of the cluster's node subnets"))
                    .with_hint(format!("name entries of {what}: nodes go in private subnets only (STACKROX-EKS)")),
            );
        }
    }
    duplicates(&group.subnets, |i| at.index(i), "subnet", findings);
}

/// Several instance types, of one architecture (one group has one AMI).
fn check_types(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    for (i, extra) in group.extra_instance_types.iter().enumerate() {
        let at = at.key("extraInstanceTypes").index(i);
        if !is_instance_type(extra) {
            findings.push(Finding::error(at, format!("`{extra}` is not an EC2 instance type")));
        } else if is_graviton(extra) != is_graviton(&group.instance_type) {
            findings.push(Finding::error(
                at,
                format!(
                    "`{extra}` and `{}` run different architectures: one group has one AMI type",
                    group.instance_type
                ),
            ));
        }
    }
    duplicates(
        group.instance_types(),
        |i| at.key("extraInstanceTypes").index(i.saturating_sub(1)),
        "instance type",
        findings,
    );
}

/// The on-demand share of a self-managed group's mixed instances policy.
fn check_distribution(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let given = [
        ("onDemandBaseCapacity", group.on_demand_base_capacity),
        ("onDemandPercentageAboveBase", group.on_demand_percentage_above_base),
    ];
    for (field, value) in given.iter().filter_map(|(f, v)| v.map(|v| (*f, v))) {
        if group.kind == NodeGroupType::Managed {
            findings.push(
                Finding::error(at.key(field), "a managed group is all spot or all on demand (`capacity`)")
                    .with_hint("split the group in two, or make it `type: selfManaged` for a mixed instances policy")
                    .at_key(),
            );
        } else if !group.is_mixed() {
            findings.push(
                Finding::error(
                    at.key(field),
                    "an on-demand share needs a mixed instances policy: spot capacity or several instance types",
                )
                .at_key(),
            );
        } else if field == "onDemandPercentageAboveBase" && value > 100 {
            findings.push(Finding::error(at.key(field), format!("{value}%: a percentage is 0 to 100")));
        } else if field == "onDemandBaseCapacity" && value > group.max_size {
            findings.push(Finding::warning(
                at.key(field),
                format!("a base of {value} on demand is above maxSize {}: every instance is on demand", group.max_size),
            ));
        }
    }
}

/// The AMI family, and a custom AMI: self-managed groups only, since a managed group with its
/// own AMI needs the whole bootstrap written by hand.
fn check_image(spec: &ClusterSpec, group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    if let Some(ami) = &group.ami {
        if group.kind == NodeGroupType::Managed {
            findings.push(
                Finding::error(at.key("ami"), "a custom AMI needs a self-managed group")
                    .with_hint(
                        "EKS bootstraps managed nodes only on the AMIs it knows; make the group `type: selfManaged`",
                    )
                    .at_key(),
            );
        } else if !is_resource_id(ami, "ami-") {
            findings.push(
                Finding::error(at.key("ami"), format!("`{ami}` is not an AMI id"))
                    .with_hint("write an id like ami-0abcd1234ef567890"),
            );
        }
    }
    if group.ami_family != AmiFamily::Bottlerocket {
        return;
    }
    if !group.pre_bootstrap_commands.is_empty() {
        findings.push(
            Finding::error(at.key("preBootstrapCommands"), "Bottlerocket runs no shell commands from user data")
                .with_hint("run setup in a Bottlerocket bootstrap container, or use amiFamily: AmazonLinux2023")
                .at_key(),
        );
    }
    if group.kind == NodeGroupType::SelfManaged && spec.vpc.ip_family == IpFamily::Ipv6 {
        findings.push(
            Finding::error(
                at.key("amiFamily"),
                "a self-managed Bottlerocket group in an IPv6 cluster needs the cluster DNS address, which EKS assigns when it creates the cluster",
            )
            .with_hint("make the group `type: managed`: EKS configures Bottlerocket's cluster settings itself"),
        );
    }
}

/// Update settings: managed groups, one of the two limits, 1 to 100.
fn check_update(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let Some(update) = group.update else { return };
    let at = at.key("update");
    if group.kind == NodeGroupType::SelfManaged {
        findings.push(
            Finding::error(at.clone(), "update settings belong to managed groups; a self-managed group is replaced by `harden` or its Auto Scaling group")
                .at_key(),
        );
        return;
    }
    match (update.max_unavailable, update.max_unavailable_percentage) {
        (Some(_), Some(_)) | (None, None) => {
            findings.push(Finding::error(at, "give one of maxUnavailable and maxUnavailablePercentage"))
        }
        (Some(n), None) if !(1..=100).contains(&n) => {
            findings.push(Finding::error(at.key("maxUnavailable"), format!("{n} nodes: EKS takes 1 to 100")))
        }
        (None, Some(p)) if !(1..=100).contains(&p) => {
            findings.push(Finding::error(at.key("maxUnavailablePercentage"), format!("{p}%: EKS takes 1 to 100")))
        }
        _ => {}
    }
}

/// The user's security groups: ids, each once, and room for them beside eksharden's (the
/// general node group, and the role's group).
fn check_extra_groups(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let at = at.key("extraSecurityGroups");
    for (i, id) in group.extra_security_groups.iter().enumerate() {
        if !is_resource_id(id, "sg-") {
            findings.push(
                Finding::error(at.index(i), format!("`{id}` is not a security group id"))
                    .with_hint("write an id like sg-0abcd1234ef567890"),
            );
        }
    }
    duplicates(&group.extra_security_groups, |i| at.index(i), "security group", findings);
    let ours = if group.role == NodeGroupRole::General { 1 } else { 2 };
    let total = group.extra_security_groups.len() + ours;
    if total > MAX_GROUPS_PER_INTERFACE {
        findings.push(Finding::error(
            at,
            format!("{total} security groups per node: EC2 allows at most {MAX_GROUPS_PER_INTERFACE} per interface"),
        ));
    } else if total > GROUPS_PER_INTERFACE {
        findings.push(
            Finding::warning(
                at,
                format!("up to {total} security groups per node: EC2 allows {GROUPS_PER_INTERFACE} per interface unless the quota is raised"),
            )
            .with_hint("check the quota \"Security groups per network interface\" before `create`"),
        );
    }
}
