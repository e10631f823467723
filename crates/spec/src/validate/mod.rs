//! The validation rules: everything a spec must satisfy beyond its types.
//!
//! Each module checks one section and returns [`Finding`]s; nothing is rejected by panicking
//! or by the first error: all problems are reported together.

mod access;
mod addons;
mod compute;
mod endpoint;
mod existing_vpc;
mod hardening;
mod identity;
mod labels;
mod launch;
mod metadata;
mod network;
mod node_groups;
mod pod_networking;
mod security_groups;

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;

use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, CLUSTER_TAG};
use crate::path::Path;
use crate::versions::Date;

/// Every problem of `spec`, errors and warnings; with `today`, also those that depend on the
/// day (the support of its Kubernetes version).
pub fn check(spec: &ClusterSpec, today: Option<Date>) -> Vec<Finding> {
    let mut findings = Vec::new();
    metadata::check(spec, today, &mut findings);
    network::check(spec, &mut findings);
    endpoint::check(spec, &mut findings);
    security_groups::check(spec, &mut findings);
    access::check(spec, &mut findings);
    node_groups::check(spec, &mut findings);
    compute::check(spec, &mut findings);
    identity::check(spec, &mut findings);
    addons::check(spec, &mut findings);
    pod_networking::check(spec, &mut findings);
    hardening::check(spec, &mut findings);
    findings
}

/// An error for each item of `items` equal to an earlier one; `path_of(i)` locates item `i`.
fn duplicates<T: Eq + Hash>(
    items: impl IntoIterator<Item = T>,
    path_of: impl Fn(usize) -> Path,
    what: &str,
    findings: &mut Vec<Finding>,
) {
    let mut seen = HashSet::new();
    for (i, item) in items.into_iter().enumerate() {
        if !seen.insert(item) {
            findings.push(Finding::error(path_of(i), format!("duplicate {what}")).with_hint("each must appear once"));
        }
    }
}

/// Whether `name` is letters, digits and hyphens, starting with a letter, at most `max` long.
fn is_dns_like(name: &str, max: usize) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= max
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.ends_with('-')
}

/// Whether `text` is an AWS resource id: `prefix` (`vpc-`, `sg-`) and 8 or 17 hexadecimal
/// digits.
fn is_resource_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|hex| matches!(hex.len(), 8 | 17) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Tags a user may give a resource: AWS allows 50, and eksharden adds its own few.
const MAX_USER_TAGS: usize = 40;

/// The AWS tagging rules for tags a user gives (`metadata.tags`, a node group's `tags`).
pub(super) fn check_tags(given: &BTreeMap<String, String>, tags: &Path, findings: &mut Vec<Finding>) {
    if given.len() > MAX_USER_TAGS {
        findings
            .push(Finding::error(tags.clone(), format!("{} tags: at most {MAX_USER_TAGS} are allowed", given.len())));
    }
    for (key, value) in given {
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
