//! The dedicated creator role (STACKROX-EKS, "Dedicated IAM Role for EKS Cluster Creation") has no permissions and nobody may assume it.

use crate::posture::CreatorRoleFact;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "creator-role-stripped",
    title: "The dedicated creator role is stripped",
    citation: "STACKROX-EKS",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let (status, detail) = match &facts.creator_role {
        CreatorRoleFact::Absent => (Status::Pass, "the cluster has no dedicated creator role to strip".to_owned()),
        CreatorRoleFact::Found { arn, permissions, assumable: false } if permissions.is_empty() => {
            (Status::Pass, format!("{arn}: no permissions, nobody may assume it (kept for break-glass repair)"))
        }
        CreatorRoleFact::Found { arn, permissions, assumable } => {
            let trust = if *assumable { "its trust still lets it be assumed" } else { "its trust is withdrawn" };
            let held = if permissions.is_empty() { "no permissions".to_owned() } else { permissions.join(", ") };
            (
                Status::Fail,
                format!("{arn} still holds {held}; {trust}: `eksharden harden --only creator-role --apply` strips it"),
            )
        }
        CreatorRoleFact::Unreadable(why) => (Status::Warn, format!("the creator role could not be read: {why}")),
    };
    (status, vec![detail])
}
