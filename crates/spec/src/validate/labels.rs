//! Node labels and taints: the syntax Kubernetes accepts for label keys and values (taints
//! use the same rules), and the limits of EKS managed node groups.
//!
//! These values reach the kubelet's command line inside a self-managed group's user data
//! and the `Labels` and `Taints` of a managed group, so anything the API server would refuse
//! is refused here, before it can change what a node runs at boot.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostic::Finding;
use crate::model::{NodeGroup, NodeGroupType};
use crate::path::Path;

/// A label name or value: at most 63 characters (Kubernetes, "Labels and Selectors").
const MAX_NAME: usize = 63;
/// A label key's prefix is a DNS subdomain: at most 253 characters.
const MAX_PREFIX: usize = 253;
/// EKS managed node groups take at most 50 taints (EKS API, `CreateNodegroup`).
const MAX_MANAGED_TAINTS: usize = 50;

/// Errors for every label and taint of `group`, which sits at `at`.
pub(super) fn check(group: &NodeGroup, at: &Path, findings: &mut Vec<Finding>) {
    let managed = group.kind == NodeGroupType::Managed;
    for (key, value) in &group.labels {
        let path = at.key("labels").key(key);
        if let Some(problem) = key_problem(key, managed) {
            findings.push(Finding::error(path.clone(), format!("label key `{}`: {problem}", shown(key))).at_key());
        } else if let Some(problem) = reserved_prefix(key) {
            findings.push(
                Finding::error(path.clone(), format!("label key `{key}`: {problem}"))
                    .with_hint("use your own prefix, like example.com/team, or none")
                    .at_key(),
            );
        }
        if let Some(problem) = value_problem(value) {
            findings.push(Finding::error(path.clone(), format!("label value `{}`: {problem}", shown(value))));
        } else if managed && value.is_empty() {
            findings.push(Finding::error(path, "label values of managed node groups are 1 to 63 characters (EKS)"));
        }
    }
    let taints = at.key("taints");
    if managed && group.taints.len() > MAX_MANAGED_TAINTS {
        findings.push(Finding::error(
            taints.clone(),
            format!("{} taints: EKS managed node groups take at most {MAX_MANAGED_TAINTS}", group.taints.len()),
        ));
    }
    let mut seen = HashSet::new();
    for (i, taint) in group.taints.iter().enumerate() {
        let path = taints.index(i);
        if taint.key.is_empty() {
            findings.push(Finding::error(path.key("key"), "a taint needs a key"));
        } else if let Some(problem) = key_problem(&taint.key, managed) {
            findings.push(Finding::error(path.key("key"), format!("taint key `{}`: {problem}", shown(&taint.key))));
        } else if !seen.insert((&taint.key, taint.effect)) {
            findings.push(
                Finding::error(path.key("key"), format!("duplicate taint `{}` with this effect", taint.key))
                    .with_hint("Kubernetes takes one taint per key and effect"),
            );
        }
        if let Some(problem) = value_problem(&taint.value) {
            findings
                .push(Finding::error(path.key("value"), format!("taint value `{}`: {problem}", shown(&taint.value))));
        }
    }
}

/// Errors for labels that select pods (a Fargate selector's), at `at`.
pub(super) fn check_selector(labels: &BTreeMap<String, String>, at: &Path, findings: &mut Vec<Finding>) {
    for (key, value) in labels {
        let path = at.key(key);
        if let Some(problem) = key_problem(key, false) {
            findings.push(Finding::error(path.clone(), format!("label key `{}`: {problem}", shown(key))).at_key());
        }
        if let Some(problem) = value_problem(value) {
            findings.push(Finding::error(path, format!("label value `{}`: {problem}", shown(value))));
        }
    }
}

/// Why `name` is not a Kubernetes namespace name (a DNS label: 1 to 63 lower-case letters,
/// digits and `-`, alphanumeric at both ends), if it is not.
pub(super) fn namespace_problem(name: &str) -> Option<String> {
    let edges_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    let chars_ok = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (name.is_empty() || name.len() > MAX_NAME || !edges_ok || !chars_ok).then(|| {
        format!("`{}` is not a namespace name: 1 to {MAX_NAME} lower-case letters, digits and `-`, starting and ending with a letter or digit", shown(name))
    })
}

/// Why `name` is not a Kubernetes object name such as a service account's (a DNS
/// subdomain), if it is not.
pub(super) fn object_name_problem(name: &str) -> Option<String> {
    subdomain_problem(name).map(|problem| format!("`{}` is not an object name: it {problem}", shown(name)))
}

/// Why `key` is not a label key (`[prefix/]name`), if it is not. EKS managed node groups
/// also cap the whole key at 63 characters.
fn key_problem(key: &str, managed: bool) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        if let Some(problem) = subdomain_problem(prefix) {
            return Some(format!("the prefix {problem}"));
        }
    }
    if let Some(problem) = name_problem(name) {
        return Some(format!("the name {problem}"));
    }
    if managed && key.len() > MAX_NAME {
        return Some(format!("keys of managed node groups are at most {MAX_NAME} characters in all (EKS)"));
    }
    None
}

/// Why `value` is not a label value, if it is not: empty, or a name.
fn value_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        None
    } else {
        name_problem(value)
    }
}

/// Why `name` is not a label name: 1 to 63 of `A-Z a-z 0-9 - _ .`, alphanumeric at both ends.
fn name_problem(name: &str) -> Option<String> {
    let edges_ok = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
    };
    if name.is_empty() {
        Some("is empty".into())
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        Some("may hold only letters, digits, `-`, `_` and `.`".into())
    } else if name.len() > MAX_NAME {
        Some(format!("is {} characters long; at most {MAX_NAME} are allowed", name.len()))
    } else if !edges_ok(name) {
        Some("must begin and end with a letter or digit".into())
    } else {
        None
    }
}

/// Why `prefix` is not a DNS subdomain, if it is not: lower-case labels joined by dots.
fn subdomain_problem(prefix: &str) -> Option<String> {
    if prefix.is_empty() || prefix.len() > MAX_PREFIX {
        return Some(format!("must be a DNS subdomain of 1 to {MAX_PREFIX} characters"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= MAX_NAME
            && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if prefix.split('.').all(label_ok) {
        None
    } else {
        Some("must be a DNS subdomain: lower-case letters, digits and `-`, in labels joined by `.`".into())
    }
}

/// The kubelet refuses to start with `--node-labels` under `kubernetes.io/` or `k8s.io/`
/// other than its own `kubelet.` and `node.` prefixes and the well-known labels it sets
/// itself (the NodeRestriction admission plugin's list).
fn reserved_prefix(key: &str) -> Option<&'static str> {
    const WELL_KNOWN: [&str; 6] = [
        "kubernetes.io/hostname",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        "topology.kubernetes.io/region",
        "topology.kubernetes.io/zone",
        "beta.kubernetes.io/instance-type",
    ];
    let prefix = key.split_once('/')?.0;
    if WELL_KNOWN.contains(&key) {
        return None;
    }
    let reserved =
        ["kubernetes.io", "k8s.io"].iter().any(|domain| prefix == *domain || prefix.ends_with(&format!(".{domain}")));
    let allowed = ["kubelet.kubernetes.io", "node.kubernetes.io"]
        .iter()
        .any(|domain| prefix == *domain || prefix.ends_with(&format!(".{domain}")));
    (reserved && !allowed).then_some("the kubernetes.io and k8s.io prefixes are reserved; the kubelet refuses them")
}

/// `text` as it can be shown on one line: control characters escaped, long text cut.
fn shown(text: &str) -> String {
    const LONG: usize = 70;
    let escaped: String = text.chars().flat_map(char::escape_debug).collect();
    match escaped.char_indices().nth(LONG) {
        Some((cut, _)) => format!("{}...", &escaped[..cut]),
        None => escaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys() {
        for good in ["team", "example.com/team", "a", "app.kubernetes.io/name", "A-b_c.D"] {
            assert_eq!(key_problem(good, true), None, "{good}");
        }
        for bad in ["", "-a", "a-", "a b", "a=b", "a,b", "a\nb", "${X}", "Example.com/a", "/a", "a/", "a/b/c"] {
            assert!(key_problem(bad, false).is_some(), "{bad:?}");
        }
        let long = "a".repeat(64);
        assert!(key_problem(&long, false).is_some());
        assert!(key_problem(&format!("example.com/{}", "a".repeat(60)), true).is_some());
        assert!(key_problem(&format!("example.com/{}", "a".repeat(60)), false).is_none());
    }

    #[test]
    fn label_values() {
        for good in ["", "v1", "a.b-c_d"] {
            assert_eq!(value_problem(good), None, "{good}");
        }
        for bad in ["system\n--//", "a b", "${ClusterName}", "x,y=z", "-a", "é"] {
            assert!(value_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn reserved_prefixes() {
        assert!(reserved_prefix("kubernetes.io/role").is_some());
        assert!(reserved_prefix("node-role.kubernetes.io/worker").is_some());
        assert!(reserved_prefix("node.kubernetes.io/lifecycle").is_none());
        assert!(reserved_prefix("example.com/kubernetes.io").is_none());
        assert!(reserved_prefix("team").is_none());
        assert!(reserved_prefix("topology.kubernetes.io/zone").is_none());
    }

    #[test]
    fn shown_is_one_line() {
        assert_eq!(shown("a\nb"), "a\\nb");
        assert!(shown(&"x".repeat(300)).len() < 80);
    }
}
