//! Nodes can be reached through Systems Manager's Session Manager instead of SSH: every
//! node runs with an instance profile whose role has the Systems Manager policy. (Without
//! NAT, the VPC also needs its `ssm`, `ssmmessages` and `ec2messages` endpoints, which
//! `create` makes.)

use crate::posture::SESSION_MANAGER_POLICY;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "nodes-session-manager",
    title: "Nodes are managed by Systems Manager (Session Manager instead of SSH)",
    citation: "STACKROX-EKS, Control SSH Access to Nodes; AWS-SSM",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let groups: Vec<_> =
        facts.node_groups.iter().filter(|g| !g.roles.is_empty() || !g.without_profile.is_empty()).collect();
    if groups.is_empty() {
        return (Status::Pass, vec!["no node runs on an instance of the cluster's own (or none is known)".into()]);
    }
    let Some(roles) = &facts.audit.node_roles else {
        return (Status::Unknown, vec!["not judged: the nodes' roles could not be read (see the notes)".into()]);
    };
    let mut found = Vec::new();
    let mut fine = Vec::new();
    for group in groups {
        if !group.without_profile.is_empty() {
            let listed = crate::report::some_of(&group.without_profile, 5);
            found.push(format!("node group {}: instances without an instance profile: {listed}", group.name));
        }
        for role in &group.roles {
            match roles.get(role) {
                Some(Some(true)) => {
                    fine.push(format!("node group {}: role {role} has {SESSION_MANAGER_POLICY}", group.name))
                }
                Some(Some(false)) => {
                    found.push(format!("node group {}: role {role} lacks {SESSION_MANAGER_POLICY}", group.name))
                }
                Some(None) => found.push(format!("node group {}: role {role} does not exist", group.name)),
                None => found.push(format!("node group {}: role {role} was not read", group.name)),
            }
        }
    }
    if found.is_empty() {
        (Status::Pass, fine)
    } else {
        (Status::Fail, found)
    }
}
