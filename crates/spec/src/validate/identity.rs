//! Workload identity: IAM roles for service accounts and EKS Pod Identity associations,
//! each for one service account, with a role eksharden makes (its trust scoped to that
//! service account) or one of the user's.

use std::collections::BTreeSet;

use super::duplicates;
use super::labels::{namespace_problem, object_name_problem};
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, WorkloadRole};
use crate::path::Path;
use crate::values::Arn;

/// Roles per list: each is a resource of the `iam` stack, which CloudFormation caps at 500.
const MAX_ROLES: usize = 100;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let identity = &spec.identity;
    let at = Path::root().key("identity");
    let lists = [
        ("serviceAccountRoles", &identity.service_account_roles, false),
        ("podIdentityAssociations", &identity.pod_identity_associations, true),
    ];
    for (field, roles, pod_identity) in lists {
        let list_at = at.key(field);
        if roles.len() > MAX_ROLES {
            findings.push(Finding::error(list_at.clone(), format!("{} roles: at most {MAX_ROLES}", roles.len())));
        }
        duplicates(
            roles.iter().map(|r| (&r.namespace, &r.service_account)),
            |i| list_at.index(i).key("serviceAccount"),
            "service account",
            findings,
        );
        for (i, role) in roles.iter().enumerate() {
            check_role(role, &list_at.index(i), pod_identity, findings);
        }
    }
    let irsa: BTreeSet<_> = identity.service_account_roles.iter().map(|r| (&r.namespace, &r.service_account)).collect();
    for (i, role) in identity.pod_identity_associations.iter().enumerate() {
        if irsa.contains(&(&role.namespace, &role.service_account)) {
            findings.push(
                Finding::error(
                    at.key("podIdentityAssociations").index(i).key("serviceAccount"),
                    "this service account also has a role for service accounts: give it one way to its credentials",
                )
                .with_hint("EKS Pod Identity is the newer way; keep the one the workload's SDK uses"),
            );
        }
    }
}

fn check_role(role: &WorkloadRole, at: &Path, pod_identity: bool, findings: &mut Vec<Finding>) {
    if let Some(problem) = namespace_problem(&role.namespace) {
        findings.push(Finding::error(at.key("namespace"), problem));
    }
    if let Some(problem) = object_name_problem(&role.service_account) {
        findings.push(Finding::error(at.key("serviceAccount"), problem));
    }
    for (j, arn) in role.policy_arns.iter().enumerate() {
        check_policy_arn(arn, &at.key("policyArns").index(j), findings);
    }
    if let Some(policy) = &role.policy {
        check_policy_document(policy, &at.key("policy"), findings);
    }
    if let Some(boundary) = &role.permissions_boundary {
        check_policy_arn(boundary, &at.key("permissionsBoundary"), findings);
    }
    match &role.role_arn {
        Some(arn) => {
            if arn.service() != "iam" || !arn.resource().starts_with("role/") {
                findings.push(Finding::error(at.key("roleArn"), format!("`{arn}` is not an IAM role")));
            }
            let made_only = [
                ("policyArns", !role.policy_arns.is_empty()),
                ("policy", role.policy.is_some()),
                ("permissionsBoundary", role.permissions_boundary.is_some()),
            ];
            for (field, _) in made_only.iter().filter(|(_, given)| *given) {
                findings.push(
                    Finding::error(
                        at.key(field),
                        format!("`{field}` is for a role eksharden makes, not for `roleArn`"),
                    )
                    .with_hint("attach it to your role yourself, or drop roleArn and let eksharden make a scoped role")
                    .at_key(),
                );
            }
            findings.push(
                Finding::warning(
                    at.key("roleArn"),
                    "a role of your own: its trust policy is yours, and eksharden cannot vouch that it admits this service account alone",
                )
                .at_key(),
            );
        }
        None if role.policy_arns.is_empty() && role.policy.is_none() => findings.push(Finding::warning(
            at.clone(),
            "the role has no policy: the service account gets credentials that can do nothing",
        )),
        None => {}
    }
    if !pod_identity {
        for (field, given) in
            [("targetRoleArn", role.target_role_arn.is_some()), ("disableSessionTags", role.disable_session_tags)]
        {
            if given {
                findings.push(
                    Finding::error(at.key(field), format!("`{field}` is an EKS Pod Identity setting"))
                        .with_hint("move the entry to identity.podIdentityAssociations")
                        .at_key(),
                );
            }
        }
        return;
    }
    if role.disable_session_tags && role.makes_role() {
        findings.push(
            Finding::error(
                at.key("disableSessionTags"),
                "without session tags, the trust of the role eksharden makes cannot name this service account: every pod of the cluster could assume it",
            )
            .with_hint("keep the session tags, or give a role of your own (roleArn)")
            .at_key(),
        );
    }
    if let Some(target) = &role.target_role_arn {
        if target.service() != "iam" || !target.resource().starts_with("role/") {
            findings.push(Finding::error(at.key("targetRoleArn"), format!("`{target}` is not an IAM role")));
        }
    }
}

/// A managed policy's ARN (`arn:aws:iam::aws:policy/NAME` or one of the account's).
pub(super) fn check_policy_arn(arn: &Arn, at: &Path, findings: &mut Vec<Finding>) {
    if arn.service() != "iam" || !arn.resource().starts_with("policy/") {
        findings.push(
            Finding::error(at.clone(), format!("`{arn}` is not an IAM policy"))
                .with_hint("write arn:aws:iam::aws:policy/NAME or arn:aws:iam::ACCOUNT:policy/NAME"),
        );
    }
}

/// An inline policy: an object with a `Statement`, each statement allowing or denying.
pub(super) fn check_policy_document(policy: &serde_json::Value, at: &Path, findings: &mut Vec<Finding>) {
    let statements = match policy.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(statement @ serde_json::Value::Object(_)) => vec![statement.clone()],
        _ => {
            findings.push(Finding::error(at.clone(), "a policy document needs a `Statement`"));
            return;
        }
    };
    for (i, statement) in statements.iter().enumerate() {
        let effect = statement.get("Effect").and_then(serde_json::Value::as_str);
        if !matches!(effect, Some("Allow" | "Deny")) {
            findings.push(Finding::error(
                at.key("Statement").index(i),
                "each statement needs `Effect: Allow` or `Effect: Deny`",
            ));
        }
        let wildcard = |key: &str| match statement.get(key) {
            Some(serde_json::Value::String(s)) => s == "*",
            Some(serde_json::Value::Array(items)) => items.iter().any(|v| v.as_str() == Some("*")),
            _ => false,
        };
        if effect == Some("Allow") && wildcard("Action") && wildcard("Resource") {
            findings.push(
                Finding::warning(
                    at.key("Statement").index(i),
                    "this statement allows every action on every resource: the service account would administer the account",
                )
                .with_hint("name the actions and resources the workload needs"),
            );
        }
    }
}
