//! Administrators, viewers and the creator role: never a cluster nobody can administer.

use super::duplicates;
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, CreatorRole, Principal};
use crate::path::Path;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let path = Path::root().key("access");
    let access = &spec.access;
    for (list, principals) in [("admins", &access.admins), ("viewers", &access.viewers)] {
        for (i, principal) in principals.iter().enumerate() {
            if !principal.arn.is_iam_principal() {
                findings.push(
                    Finding::error(
                        path.key(list).index(i).key("arn"),
                        format!("`{}` is not an IAM role or user", principal.arn),
                    )
                    .with_hint("EKS maps IAM roles (arn:aws:iam::ACCOUNT:role/NAME) and users (…:user/NAME)"),
                );
            }
        }
        duplicates(principals.iter().map(|p| &p.arn), |i| path.key(list).index(i).key("arn"), "principal", findings);
    }
    for (i, viewer) in access.viewers.iter().enumerate() {
        if access.admins.iter().any(|admin: &Principal| admin.arn == viewer.arn) {
            findings.push(
                Finding::error(
                    path.key("viewers").index(i).key("arn"),
                    format!("`{}` is both an admin and a viewer", viewer.arn),
                )
                .with_hint("list each principal once"),
            );
        }
    }
    if access.admins.is_empty() && !access.admins_from_caller {
        match access.creator_role {
            CreatorRole::Dedicated => findings.push(
                Finding::error(path.key("admins"), "no admins: the dedicated creator role is stripped after creation, so nobody could administer the cluster")
                    .with_hint("list at least one admin role under access.admins"),
            ),
            CreatorRole::Caller => findings.push(
                Finding::warning(path.key("admins"), "no admins: the caller's bootstrap access would be the only admin path")
                    .with_hint("list at least one admin role under access.admins"),
            ),
        }
    }
}
