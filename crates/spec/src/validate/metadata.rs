//! `apiVersion`, `kind` and `metadata`: names, region, version, tags.

use super::is_dns_like;
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, CLUSTER_TAG};
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
    check_tags(spec, &metadata.key("tags"), findings);
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

fn check_tags(spec: &ClusterSpec, tags: &Path, findings: &mut Vec<Finding>) {
    // AWS allows 50 tags per resource; eksharden adds its own few.
    const MAX_USER_TAGS: usize = 40;
    if spec.metadata.tags.len() > MAX_USER_TAGS {
        findings.push(Finding::error(
            tags.clone(),
            format!("{} tags: at most {MAX_USER_TAGS} are allowed", spec.metadata.tags.len()),
        ));
    }
    for (key, value) in &spec.metadata.tags {
        let path = tags.key(key);
        if key.to_lowercase().starts_with("aws:") {
            findings.push(
                Finding::error(path.clone(), format!("tag key `{key}` uses the reserved prefix `aws:`")).at_key(),
            );
        } else if key == CLUSTER_TAG {
            findings.push(Finding::error(path.clone(), format!("tag key `{key}` is set by eksharden itself")).at_key());
        } else if key.is_empty() || key.chars().count() > 128 {
            findings.push(Finding::error(path.clone(), "tag keys are 1 to 128 characters").at_key());
        } else if !key.chars().all(is_tag_char) {
            findings.push(
                Finding::error(
                    path.clone(),
                    format!("tag key `{}` has a character AWS tags do not take", key.escape_debug()),
                )
                .with_hint(TAG_CHARACTERS)
                .at_key(),
            );
        }
        if value.chars().count() > 256 {
            findings.push(Finding::error(path, "tag values are at most 256 characters"));
        } else if !value.chars().all(is_tag_char) {
            findings.push(
                Finding::error(
                    path,
                    format!("tag value `{}` has a character AWS tags do not take", value.escape_debug()),
                )
                .with_hint(TAG_CHARACTERS),
            );
        }
    }
}

/// What the AWS tagging rules allow in keys and values.
const TAG_CHARACTERS: &str = "use letters, digits, spaces and `_ . : / = + - @` (the AWS tagging rules)";

/// A character AWS accepts in a tag: letters, digits, spaces (no control characters) and
/// `_ . : / = + - @` (the tagging rules that EC2, EKS, IAM and CloudFormation share).
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}
