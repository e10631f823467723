//! No security group of the control plane or the nodes admits the whole internet.

use crate::model::Unread;
use crate::posture::{fail_on, judged_unless_unread};

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "open-ingress",
    title: "No ingress from 0.0.0.0/0 or ::/0 to control plane or nodes",
    citation: "EKS-SG-ROLES, STACKROX-EKS",
    judge,
};

fn judge(Input { facts, model, .. }: &Input) -> Judged {
    // Each rule in few words, then the groups' names: the rules are what to read first.
    let mut details = Vec::new();
    let mut names = Vec::new();
    for group in model.security_groups.iter().filter(|g| facts.cluster_groups.contains(&g.id)) {
        let open: Vec<_> = group.ingress.iter().filter(|rule| rule.peer.is_whole_internet()).collect();
        for rule in &open {
            let reason = crate::verdict::Reason::SgRule {
                group: group.id.clone(),
                group_name: group.name.clone(),
                ingress: true,
                rule: (*rule).clone(),
            };
            details.push(reason.brief());
        }
        if !open.is_empty() {
            names.push(format!("{} is {}", group.id, group.name));
        }
    }
    if !details.is_empty() {
        details.extend(names);
    }
    judged_unless_unread(
        fail_on(details, "no control-plane or node group admits 0.0.0.0/0 or ::/0"),
        model,
        &[Unread::SecurityGroups],
    )
}
