//! How an eksctl node group's instances launch: the AMI family or image, Bottlerocket's
//! settings, a self-managed group's instance distribution, update settings and the user's
//! security groups.

use serde_yaml::{Mapping, Value};

use super::Translator;
use crate::diagnostic::Finding;
use crate::path::Path;

const BOTTLEROCKET_CARRIED: &[&str] = &["enableAdminContainer"];
const BOTTLEROCKET_DROPPED: &[(&str, &str)] =
    &[("settings", "Bottlerocket's settings are eksharden's: the cluster, labels, taints, the admin container off")];
const DISTRIBUTION_CARRIED: &[&str] = &["instanceTypes", "onDemandBaseCapacity", "onDemandPercentageAboveBaseCapacity"];
const DISTRIBUTION_DROPPED: &[(&str, &str)] = &[
    ("maxPrice", "spot is bought at the on-demand price at most, EC2's default"),
    ("spotInstancePools", "spot is bought price-capacity-optimized across every type"),
    ("spotAllocationStrategy", "spot is bought price-capacity-optimized"),
    ("capacityRebalance", "capacity rebalancing is on for spot groups"),
];
const SECURITY_GROUPS_CARRIED: &[&str] = &["attachIDs", "withShared", "withLocal"];

/// What happens to a group that asks for Amazon Linux 2.
const AMAZON_LINUX_2: &str =
    "nodes run Amazon Linux 2023: EKS publishes no Amazon Linux 2 AMIs for the Kubernetes versions it offers";

/// Why eksharden does not run an eksctl AMI family, if it does not.
fn refused_family(family: &str) -> Option<&'static str> {
    let lower = family.to_ascii_lowercase();
    if lower.starts_with("windows") {
        Some("Windows nodes are not supported: eksharden's hardening (nodeadm, IMDS, no SSH) is for Linux nodes")
    } else if lower.starts_with("ubuntu") {
        Some("Ubuntu nodes are not supported: nodes run the EKS-optimized Amazon Linux 2023 or Bottlerocket")
    } else {
        None
    }
}

impl Translator {
    /// `amiFamily`, `amiType`, `ami` and `bottlerocket`.
    pub(super) fn image(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        if let Some(family) = group.get("amiFamily").and_then(Value::as_str) {
            let family_at = at.key("amiFamily");
            match family {
                "AmazonLinux2023" => self.put(&ours.key("amiFamily"), "AmazonLinux2023".into(), &family_at),
                "Bottlerocket" => self.put(&ours.key("amiFamily"), "Bottlerocket".into(), &family_at),
                "AmazonLinux2" => self.findings.push(Finding::warning(family_at, AMAZON_LINUX_2).at_key()),
                other => {
                    let reason = refused_family(other).map_or_else(
                        || format!("unknown AMI family `{other}`: eksharden runs AmazonLinux2023 and Bottlerocket"),
                        str::to_owned,
                    );
                    self.findings.push(Finding::error(family_at, reason));
                }
            }
        }
        if let Some(kind) = group.get("amiType").and_then(Value::as_str) {
            let type_at = at.key("amiType");
            if kind.starts_with("BOTTLEROCKET_") && !kind.contains("NVIDIA") {
                self.put(&ours.key("amiFamily"), "Bottlerocket".into(), &type_at);
            } else if kind.starts_with("AL2023_") && kind.ends_with("_STANDARD") {
                self.put(&ours.key("amiFamily"), "AmazonLinux2023".into(), &type_at);
            } else if kind == "AL2_x86_64" || kind == "AL2_ARM_64" {
                self.findings.push(Finding::warning(type_at, AMAZON_LINUX_2).at_key());
            } else {
                self.findings.push(Finding::error(
                    type_at,
                    format!("AMI type `{kind}` is not supported: nodes run the standard Amazon Linux 2023 or Bottlerocket AMIs of their architecture"),
                ));
            }
        }
        // eksctl's `auto`, `auto-ssm` and `static` choose among its own AMIs; an id is a custom AMI.
        if let Some(ami) = group.get("ami").and_then(Value::as_str).filter(|a| a.starts_with("ami-")) {
            self.put(&ours.key("ami"), ami.into(), &at.key("ami"));
        }
        let rocket_at = at.key("bottlerocket");
        if let Some(rocket) = self.mapping(group.get("bottlerocket"), &rocket_at) {
            self.review(rocket, &rocket_at, BOTTLEROCKET_CARRIED, BOTTLEROCKET_DROPPED);
            if rocket.get("enableAdminContainer") == Some(&Value::Bool(true)) {
                self.findings.push(
                    Finding::warning(
                        rocket_at.key("enableAdminContainer"),
                        "the admin container (SSH and a root shell on the host) stays off (STACKROX-EKS): reach nodes through the control container and Systems Manager",
                    )
                    .at_key(),
                );
            }
        }
    }

    /// A self-managed group's `instancesDistribution`: its types, and spot capacity when
    /// less than all of the instances above the base are on demand.
    pub(super) fn distribution(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let dist_at = at.key("instancesDistribution");
        let Some(dist) = self.mapping(group.get("instancesDistribution"), &dist_at) else { return };
        self.review(dist, &dist_at, DISTRIBUTION_CARRIED, DISTRIBUTION_DROPPED);
        if let Some(types) = dist.get("instanceTypes") {
            self.instance_types(types, &dist_at.key("instanceTypes"), ours);
        }
        self.carry(dist, "onDemandBaseCapacity", &dist_at, &ours.key("onDemandBaseCapacity"));
        // EC2's default share above the base is 100% on demand.
        let share = dist.get("onDemandPercentageAboveBaseCapacity");
        if let Some(percentage) = share.filter(|p| p.as_u64().is_some_and(|p| p < 100)) {
            let share_at = dist_at.key("onDemandPercentageAboveBaseCapacity");
            self.put(&ours.key("capacity"), "spot".into(), &share_at);
            self.put(&ours.key("onDemandPercentageAboveBase"), percentage.clone(), &share_at);
        }
    }

    /// Instance types: the first is the group's `instanceType`, the rest its extra types.
    pub(super) fn instance_types(&mut self, types: &Value, types_at: &Path, ours: &Path) {
        match types.as_sequence().map(Vec::as_slice) {
            Some([first, rest @ ..]) => {
                self.put(&ours.key("instanceType"), first.clone(), &types_at.index(0));
                if !rest.is_empty() {
                    self.put(&ours.key("extraInstanceTypes"), Value::Sequence(rest.to_vec()), types_at);
                }
            }
            _ => self.findings.push(Finding::error(types_at.clone(), "expected a non-empty list of instance types")),
        }
    }

    /// `updateConfig` and `securityGroups.attachIDs`.
    pub(super) fn update_and_groups(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let update_at = at.key("updateConfig");
        if let Some(update) = self.mapping(group.get("updateConfig"), &update_at) {
            self.review(update, &update_at, &["maxUnavailable", "maxUnavailablePercentage"], &[]);
            for key in ["maxUnavailable", "maxUnavailablePercentage"] {
                self.carry(update, key, &update_at, &ours.key("update").key(key));
            }
        }
        let groups_at = at.key("securityGroups");
        if let Some(groups) = self.mapping(group.get("securityGroups"), &groups_at) {
            self.review(groups, &groups_at, SECURITY_GROUPS_CARRIED, &[]);
            self.carry(groups, "attachIDs", &groups_at, &ours.key("extraSecurityGroups"));
            for key in ["withShared", "withLocal"] {
                if groups.get(key) == Some(&Value::Bool(false)) {
                    self.findings.push(
                        Finding::warning(groups_at.key(key), "nodes always carry eksharden's EKS-SG-ROLES groups: the flows the cluster needs go through them")
                            .at_key(),
                    );
                }
            }
        }
    }
}
