//! Node groups: names, sizes, volumes, roles, SSH keys.

use super::{check_tags, duplicates, is_dns_like, labels, launch};
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, NodeGroup, NodeGroupRole, NodeGroupType, VolumeType};
use crate::path::Path;

/// Longest node-group name: EKS takes 63 characters, and `harden` replaces a group with one
/// named `<name>-hardened` (stack names, with a cluster name of at most 40, stay within 128).
const MAX_NODE_GROUP_NAME: usize = 54;
/// EKS's default quota of managed node groups per cluster (adjustable).
const MANAGED_QUOTA: usize = 30;
/// CloudFormation's limit on outputs per template. The `iam` stack has two of its own and
/// one per managed group (its node role), two per self-managed group (role and profile).
const MAX_TEMPLATE_OUTPUTS: usize = 200;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let path = Path::root().key("nodeGroups");
    if spec.node_groups.is_empty() && spec.fargate_profiles.is_empty() && !spec.auto_mode_on() {
        findings.push(
            Finding::warning(
                path.clone(),
                "no node groups, Fargate profiles or Auto Mode: the cluster will run no pods",
            )
            .with_hint("add at least one entry under nodeGroups"),
        );
    }
    duplicates(spec.node_groups.iter().map(|g| &g.name), |i| path.index(i).key("name"), "node group name", findings);
    check_counts(spec, &path, findings);
    for (i, group) in spec.node_groups.iter().enumerate() {
        let at = path.index(i);
        if !is_dns_like(&group.name, MAX_NODE_GROUP_NAME) {
            findings.push(
                Finding::error(at.key("name"), format!("invalid node group name `{}`", group.name)).with_hint(format!(
                    "use 1 to {MAX_NODE_GROUP_NAME} letters, digits and hyphens, starting with a letter"
                )),
            );
        }
        if group.max_size == 0 {
            findings.push(Finding::error(at.key("maxSize"), "maxSize must be at least 1"));
        }
        if group.min_size > group.max_size {
            findings.push(Finding::error(
                at.key("minSize"),
                format!("minSize {} is larger than maxSize {}", group.min_size, group.max_size),
            ));
        }
        if let Some(desired) = group.desired_size {
            if desired < group.min_size || desired > group.max_size {
                findings.push(Finding::error(
                    at.key("desiredSize"),
                    format!(
                        "desiredSize {desired} is outside minSize {} to maxSize {}",
                        group.min_size, group.max_size
                    ),
                ));
            }
        }
        if !(8..=16384).contains(&group.volume_size) {
            findings.push(Finding::error(
                at.key("volumeSize"),
                format!("volumeSize {} GiB: EBS root volumes are 8 to 16384 GiB", group.volume_size),
            ));
        }
        if !is_instance_type(&group.instance_type) {
            findings.push(
                Finding::error(
                    at.key("instanceType"),
                    format!("`{}` is not an EC2 instance type", group.instance_type),
                )
                .with_hint("write a type like m6i.large"),
            );
        }
        launch::check(spec, group, &at, findings);
        check_volume(group, &at, findings);
        check_commands(group, &at, findings);
        check_tags(&group.tags, &at.key("tags"), findings);
        if group.role == NodeGroupRole::App && spec.security_groups.app.is_none() {
            findings.push(
                Finding::error(at.key("role"), "role `app` needs the app security group, which is not defined")
                    .with_hint("add securityGroups.app with its servicePorts"),
            );
        }
        labels::check(group, &at, findings);
        if group.ssh_key.is_some() {
            let finding = if spec.hardening.ssh.is_on() {
                Finding::error(at.key("sshKey"), "node group has an SSH key while SSH is locked down")
                    .with_hint("remove sshKey; reach nodes through SSM Session Manager or the bastion (STACKROX-EKS)")
            } else {
                Finding::warning(at.key("sshKey"), "node group has an SSH key")
                    .with_hint("prefer SSM Session Manager (STACKROX-EKS)")
            };
            findings.push(finding.at_key());
        }
    }
}

/// The quotas a list of node groups meets: EKS's managed node groups per cluster, and the
/// outputs of the `iam` stack, which has one or two per group and one per other role it
/// makes (Pod Identity, add-ons, Fargate, Auto Mode).
fn check_counts(spec: &ClusterSpec, path: &Path, findings: &mut Vec<Finding>) {
    let managed = spec.node_groups.iter().filter(|g| g.kind == NodeGroupType::Managed).count();
    let others = spec.identity.pod_identity_associations.iter().filter(|r| r.makes_role()).count()
        + spec.addons.iter().filter(|a| a.has_role()).count()
        + usize::from(!spec.fargate_profiles.is_empty())
        + usize::from(spec.auto_mode_on());
    let outputs = 2 + managed + 2 * (spec.node_groups.len() - managed) + others;
    if outputs > MAX_TEMPLATE_OUTPUTS {
        findings.push(
            Finding::error(
                path.clone(),
                format!(
                    "{} node groups ({managed} managed) and {others} other roles need {outputs} outputs in the iam stack; \
                     CloudFormation allows {MAX_TEMPLATE_OUTPUTS} per template",
                    spec.node_groups.len()
                ),
            )
            .with_hint("use fewer, larger node groups, or split the workloads across clusters"),
        );
    } else if managed > MANAGED_QUOTA {
        findings.push(
            Finding::warning(
                path.clone(),
                format!(
                    "{managed} managed node groups: EKS allows {MANAGED_QUOTA} per cluster unless the quota is raised"
                ),
            )
            .with_hint("check the quota \"Managed node groups per cluster\" in Service Quotas before `create`"),
        );
    }
}

/// The root volume's performance, as EBS allows it for its type and size (AWS-EBS-TYPES).
fn check_volume(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let size = u64::from(group.volume_size);
    // (the IOPS range, IOPS per GiB at most), for the types that take IOPS.
    let iops_rule = match group.volume_type {
        VolumeType::Gp3 => Some((3000, 16000, 500)),
        VolumeType::Io1 => Some((100, 64000, 50)),
        VolumeType::Io2 => Some((100, 256000, 1000)),
        VolumeType::Gp2 => None,
    };
    let kind = group.volume_type.ec2_name();
    match (iops_rule, group.volume_iops) {
        (None, Some(_)) => {
            findings.push(Finding::error(at.key("volumeIops"), format!("{kind} volumes take no provisioned IOPS")))
        }
        (Some(_), None) if group.volume_type != VolumeType::Gp3 => {
            findings.push(Finding::error(at.key("volumeIops"), format!("{kind} volumes need their IOPS")).at_key())
        }
        (Some((low, high, per_gib)), Some(iops)) => {
            if !(low..=high).contains(&iops) {
                findings
                    .push(Finding::error(at.key("volumeIops"), format!("{iops} IOPS: {kind} takes {low} to {high}")));
            } else if u64::from(iops) > per_gib * size {
                findings.push(Finding::error(
                    at.key("volumeIops"),
                    format!("{iops} IOPS on {size} GiB: {kind} allows at most {per_gib} IOPS per GiB"),
                ));
            }
        }
        _ => {}
    }
    if let Some(throughput) = group.volume_throughput {
        let iops = group.volume_iops.unwrap_or(3000);
        if group.volume_type != VolumeType::Gp3 {
            findings
                .push(Finding::error(at.key("volumeThroughput"), format!("{kind} volumes take no throughput setting")));
        } else if !(125..=1000).contains(&throughput) {
            findings
                .push(Finding::error(at.key("volumeThroughput"), format!("{throughput} MiB/s: gp3 takes 125 to 1000")));
        } else if throughput * 4 > iops {
            findings.push(Finding::error(
                at.key("volumeThroughput"),
                format!("{throughput} MiB/s with {iops} IOPS: gp3 allows at most 0.25 MiB/s per IOPS"),
            ));
        }
    }
    if let Some(key) = &group.volume_kms_key {
        if !is_kms_key(key) {
            findings.push(
                Finding::error(at.key("volumeKmsKey"), format!("`{key}` names no KMS key"))
                    .with_hint("give the key's ARN, its id, or `alias/NAME`"),
            );
        }
    }
}

/// Pre-bootstrap commands: each a line of text, all of them within what user data can hold
/// (EC2 takes 16 KiB; eksharden's own part and the encoding take the rest).
fn check_commands(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    const MAX_COMMAND_BYTES: usize = 8192;
    let at = at.key("preBootstrapCommands");
    for (i, command) in group.pre_bootstrap_commands.iter().enumerate() {
        if command.trim().is_empty() {
            findings.push(Finding::error(at.index(i), "an empty command"));
        } else if command.contains('\0') {
            findings.push(Finding::error(at.index(i), "a command with a NUL character"));
        }
    }
    let total: usize = group.pre_bootstrap_commands.iter().map(|c| c.len() + 1).sum();
    if total > MAX_COMMAND_BYTES {
        findings.push(
            Finding::error(at, format!("{total} bytes of commands: at most {MAX_COMMAND_BYTES} fit in user data"))
                .with_hint("put a longer script in S3 or an SSM document, and fetch it from a short command"),
        );
    }
}

/// A KMS key ARN (key or alias), a key id, or an alias name.
fn is_kms_key(key: &str) -> bool {
    let id = |t: &str| t.len() == 36 && t.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    let alias = |t: &str| {
        t.strip_prefix("alias/")
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c)))
    };
    match key.strip_prefix("arn:aws") {
        Some(rest) => rest.split(':').nth(4).is_some_and(|r| r.strip_prefix("key/").is_some_and(id) || alias(r)),
        None => id(key) || alias(key),
    }
}

/// `m6i.large`, `c7g.2xlarge`, `u-6tb1.metal`.
pub(super) fn is_instance_type(text: &str) -> bool {
    let Some((family, size)) = text.split_once('.') else { return false };
    family.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && family.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !size.is_empty()
        && size.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
