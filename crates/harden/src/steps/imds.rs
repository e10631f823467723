//! Step 8: nodes require IMDSv2 with a hop limit of 1, so pods cannot take the node role's
//! credentials. Without a launch template that says so, the fix is a replacement.

use eksharden_aws::discover::Discovery;
use eksharden_net::posture::Imds;

use super::{replacement, Inspected};

/// Each node group's instance metadata options.
pub fn inspect(found: &Discovery) -> Inspected {
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for group in &found.facts.node_groups {
        let why = match group.imds {
            Some(Imds { tokens_required: true, hop_limit: Some(1) }) => {
                current.push(format!("node group {}: IMDSv2 required, hop limit 1", group.name));
                continue;
            }
            Some(Imds { tokens_required, hop_limit }) => format!(
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
    (current, changes)
}
