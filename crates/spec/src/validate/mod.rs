//! The validation rules: everything a spec must satisfy beyond its types.
//!
//! Each module checks one section and returns [`Finding`]s; nothing is rejected by panicking
//! or by the first error: all problems are reported together.

mod access;
mod endpoint;
mod hardening;
mod labels;
mod metadata;
mod network;
mod node_groups;
mod security_groups;

use std::collections::HashSet;
use std::hash::Hash;

use crate::diagnostic::Finding;
use crate::model::ClusterSpec;
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
