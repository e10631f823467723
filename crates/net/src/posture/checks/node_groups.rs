//! Every node group named by the spec or found in AWS stands in the model: otherwise the flows from and to its nodes would drop out of the report unseen.

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "node-groups-present", title: "Every node group is in the model", citation: "EKSHARDEN-VERIFY", judge };

fn judge(Input { facts, expected, .. }: &Input) -> Judged {
    let expected = &expected.node_groups;
    let mut found = Vec::new();
    for name in expected.iter().filter(|n| !facts.node_groups.iter().any(|g| &g.name == *n)) {
        found.push(format!("node group {name}, named by the spec, does not exist: its flows cannot be checked"));
    }
    let mut unread: Vec<String> = facts
        .node_groups_unread
        .iter()
        .map(|why| format!("the managed node groups could not be listed: {why}"))
        .collect();
    for group in facts.node_groups.iter().filter(|g| g.enis.is_empty()) {
        if group.unread.is_empty() {
            found.push(format!(
                "node group {}: no interfaces and no launch template or subnets to stand in for them: its flows cannot be checked",
                group.name
            ));
        } else {
            unread.push(format!("node group {}: {}: its flows cannot be checked", group.name, group.unread.join("; ")));
        }
    }
    if !found.is_empty() {
        found.extend(unread);
        return (Status::Fail, found);
    }
    if !unread.is_empty() {
        return (Status::Unknown, unread);
    }
    if facts.node_groups.is_empty() {
        // Nodes AWS runs (Auto Mode) or no nodes at all (Fargate) are not missing groups.
        return match facts.compute.describe() {
            Some(compute) => (Status::Pass, vec![format!("no node groups: {compute}")]),
            None => (Status::Warn, vec!["the cluster has no node groups: no node flow is checked".to_owned()]),
        };
    }
    let names: Vec<&str> = facts.node_groups.iter().map(|g| g.name.as_str()).collect();
    let mut found = vec![format!("node groups: {}", names.join(", "))];
    found.extend(facts.compute.describe());
    (Status::Pass, found)
}
