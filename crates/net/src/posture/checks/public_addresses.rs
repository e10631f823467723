//! No node has a public address, and no node group's subnet gives one.

use crate::model::Unread;
use crate::posture::{fail_on, judged_unless_unread, PublicExposure};

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "node-public-addresses", title: "No public addresses on nodes", citation: "STACKROX-EKS", judge };

fn judge(Input { facts, model, .. }: &Input) -> Judged {
    let mut details = Vec::new();
    for group in &facts.node_groups {
        let exposure = PublicExposure::of(group, model);
        for eni in exposure.interfaces {
            if let Some(ip) = eni.public_ip {
                details.push(format!("node group {}: {} ({}) has public address {ip}", group.name, eni.label, eni.id));
            }
        }
        for subnet in exposure.assigning_subnets {
            details.push(format!(
                "node group {}: subnet {} ({}) assigns public addresses",
                group.name, subnet.name, subnet.id
            ));
        }
    }
    judged_unless_unread(
        fail_on(details, "no node has or would get a public address"),
        model,
        &[Unread::Subnets, Unread::Interfaces],
    )
}
