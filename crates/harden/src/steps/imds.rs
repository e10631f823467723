//! Step 8: nodes require IMDSv2 with a hop limit of 1, so pods cannot take the node role's
//! credentials. Without a launch template that says so, the fix is a replacement.

use eksharden_discovery::Discovery;
use eksharden_net::posture::Imds as MetadataOptions;

use super::{replacement, unread_node_groups};
use crate::step::{AwsStep, Inspected};
use crate::Options;

/// The step: imds.
pub static STEP: AwsStep =
    AwsStep { id: "imds", title: "IMDSv2 required with hop limit 1 on nodes", after_create: false, reads: &[], judge };

/// Each node group's instance metadata options.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for group in &found.facts.node_groups {
        let why = match group.imds {
            Some(imds) if imds.is_hardened() => {
                current.push(format!("node group {}: IMDSv2 required, hop limit 1", group.name));
                continue;
            }
            Some(MetadataOptions { tokens_required, hop_limit }) => format!(
                "its nodes {}, hop limit {}",
                if tokens_required { "require IMDSv2" } else { "allow IMDSv1" },
                hop_limit.map_or("unset (2 on EKS's templates)".to_owned(), |h| h.to_string())
            ),
            // Its launch template could not be read: nothing is known, nothing is planned.
            None if !group.unread.is_empty() => continue,
            None => "no launch template sets its instance metadata options (EKS's default allows IMDSv1, hop limit 2)"
                .to_owned(),
        };
        current.push(format!("node group {}: {why}", group.name));
        changes.push(replacement::planned(found, &group.name, &group.subnets, why));
    }
    Inspected { current, changes, unread: unread_node_groups(found) }
}
