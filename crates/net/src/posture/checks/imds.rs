//! Every node group requires IMDSv2 with a hop limit of 1.

use crate::posture::Imds;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "imds", title: "IMDSv2 required with hop limit 1 on nodes", citation: "AWS-EKS-BP", judge };

fn judge(Input { facts, .. }: &Input) -> Judged {
    let mut status = Status::Pass;
    let mut details = Vec::new();
    for group in &facts.node_groups {
        match group.imds {
            Some(imds) if imds.is_hardened() => {
                details.push(format!("{}: IMDSv2 required, hop limit 1", group.name));
            }
            Some(Imds { tokens_required, hop_limit }) => {
                status = Status::Fail;
                let tokens = if tokens_required { "IMDSv2 required" } else { "IMDSv1 allowed" };
                let hops = hop_limit.map_or("default hop limit".to_owned(), |h| format!("hop limit {h}"));
                details.push(format!("{}: {tokens}, {hops}", group.name));
            }
            None if !group.unread.is_empty() => {
                status = status.max(Status::Unknown);
                details.push(format!("{}: not judged: {}", group.name, group.unread.join("; ")));
            }
            None => {
                status = status.max(Status::Warn);
                details.push(format!("{}: instance metadata settings not found", group.name));
            }
        }
    }
    (status, details)
}
