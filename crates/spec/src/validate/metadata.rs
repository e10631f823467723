//! `apiVersion`, `kind` and `metadata`: names, region, version, tags.

use super::{check_tags, is_dns_like};
use crate::diagnostic::Finding;
use crate::model::ClusterSpec;
use crate::path::Path;
use crate::values::is_region;
use crate::versions::{self, Date, Support};

/// Longest cluster name: `eksharden-NAME-creator` must fit IAM's 64-character role names.
pub const MAX_CLUSTER_NAME: usize = 40;

pub(super) fn check(spec: &ClusterSpec, today: Option<Date>, findings: &mut Vec<Finding>) {
    if spec.kind != "Cluster" {
        findings.push(
            Finding::error(Path::root().key("kind"), format!("unsupported kind `{}`", spec.kind))
                .with_hint("use `kind: Cluster`"),
        );
    }
    let metadata = Path::root().key("metadata");
    let name = &spec.metadata.name;
    if !is_dns_like(name, MAX_CLUSTER_NAME) {
        findings.push(
            Finding::error(metadata.key("name"), format!("invalid cluster name `{name}`"))
                .with_hint(format!("use 1 to {MAX_CLUSTER_NAME} letters, digits and hyphens, starting with a letter")),
        );
    }
    if !is_region(&spec.metadata.region) {
        findings.push(
            Finding::error(metadata.key("region"), format!("`{}` is not an AWS region name", spec.metadata.region))
                .with_hint("write a region like eu-west-1 or us-east-2"),
        );
    }
    check_version(&spec.metadata.version, &metadata.key("version"), today, findings);
    check_tags(&spec.metadata.tags, &metadata.key("tags"), findings);
}

/// The version must be one EKS offers ([`versions`]); with `today`, one in extended support
/// is a warning with its date and cost, and one past it an error.
fn check_version(version: &str, path: &Path, today: Option<Date>, findings: &mut Vec<Finding>) {
    let on_offer = || {
        let offered = today.map_or_else(|| versions::RELEASES.iter().map(|r| r.version).collect(), versions::offered);
        format!("EKS offers {} (from {})", offered.join(", "), versions::SOURCE)
    };
    let Some(release) = versions::release_of(version) else {
        findings.push(
            Finding::error(path.clone(), format!("EKS does not offer Kubernetes `{version}`")).with_hint(format!(
                "{}; write the version quoted, like \"{}\"",
                on_offer(),
                versions::DEFAULT
            )),
        );
        return;
    };
    match today.map(|today| release.support(today)) {
        Some(Support::Extended(until)) => findings.push(
            Finding::warning(path.clone(), format!("Kubernetes {version} is in extended support until {until}"))
                .with_hint(format!("extended support costs {}; {}", versions::EXTENDED_COST, on_offer())),
        ),
        Some(Support::Ended(on)) => findings.push(
            Finding::error(
                path.clone(),
                format!("EKS no longer offers Kubernetes {version}: its extended support ended on {on}"),
            )
            .with_hint(on_offer()),
        ),
        Some(Support::Standard(_)) | None => {}
    }
}
