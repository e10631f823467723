//! Fargate profiles and EKS Auto Mode.

use super::labels::{check_selector, namespace_problem};
use super::{check_tags, duplicates};
use crate::diagnostic::Finding;
use crate::model::{AccessMode, ClusterSpec};
use crate::path::Path;

/// EKS takes one to five selectors per profile, with at most five labels each.
const MAX_SELECTORS: usize = 5;
/// EKS's default quota of Fargate profiles per cluster.
const MAX_PROFILES: usize = 10;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    check_fargate(spec, findings);
    check_auto_mode(spec, findings);
}

fn check_fargate(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let at = Path::root().key("fargateProfiles");
    if spec.fargate_profiles.len() > MAX_PROFILES {
        findings.push(Finding::warning(
            at.clone(),
            format!(
                "{} Fargate profiles: EKS allows {MAX_PROFILES} per cluster unless the quota is raised",
                spec.fargate_profiles.len()
            ),
        ));
    }
    duplicates(spec.fargate_profiles.iter().map(|p| &p.name), |i| at.index(i).key("name"), "Fargate profile", findings);
    for (i, profile) in spec.fargate_profiles.iter().enumerate() {
        let at = at.index(i);
        let name_ok = profile.name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && profile.name.len() <= 100
            && profile.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            findings.push(
                Finding::error(
                    at.key("name"),
                    format!("invalid Fargate profile name `{}`", profile.name.escape_debug()),
                )
                .with_hint("use 1 to 100 letters, digits, `-` and `_`, starting with a letter or digit"),
            );
        }
        let selectors = at.key("selectors");
        if profile.selectors.is_empty() || profile.selectors.len() > MAX_SELECTORS {
            findings.push(Finding::error(
                selectors.clone(),
                format!("{} selectors: a Fargate profile takes 1 to {MAX_SELECTORS}", profile.selectors.len()),
            ));
        }
        for (j, selector) in profile.selectors.iter().enumerate() {
            let at = selectors.index(j);
            if let Some(problem) = namespace_problem(&selector.namespace) {
                findings.push(Finding::error(at.key("namespace"), problem));
            }
            if selector.labels.len() > MAX_SELECTORS {
                findings.push(Finding::error(
                    at.key("labels"),
                    format!("{} labels: a Fargate selector takes at most {MAX_SELECTORS}", selector.labels.len()),
                ));
            }
            check_selector(&selector.labels, &at.key("labels"), findings);
        }
        check_tags(&profile.tags, &at.key("tags"), findings);
    }
}

fn check_auto_mode(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let Some(auto) = spec.auto_mode.as_ref().filter(|a| a.enabled) else { return };
    let at = Path::root().key("autoMode");
    if spec.access.mode == AccessMode::AwsAuth {
        findings.push(
            Finding::error(at.key("enabled"), "EKS Auto Mode needs access entries: its nodes join through one")
                .with_hint("set access.mode: accessEntries (or both)"),
        );
    }
    duplicates(&auto.node_pools, |i| at.key("nodePools").index(i), "node pool", findings);
    if auto.node_pools.is_empty() && spec.node_groups.is_empty() && spec.fargate_profiles.is_empty() {
        findings.push(Finding::warning(
            at.key("nodePools"),
            "no built-in node pools and no node groups: no pod runs until you create a NodePool of your own",
        ));
    }
}
