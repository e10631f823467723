//! Step 4 (STACKROX-EKS, "VPC Layout"): nodes only in private subnets, no public addresses on
//! nodes, and their subnets do not assign them.

use eksharden_aws::discover::Discovery;

use super::{replacement, Inspected};
use crate::change::Change;

/// Node subnets that assign public addresses, nodes that have one, groups in public subnets.
pub fn inspect(found: &Discovery) -> Inspected {
    let model = &found.model;
    let mut changes = Vec::new();
    let mut current = Vec::new();
    for group in &found.facts.node_groups {
        for subnet in model.subnets.iter().filter(|s| group.subnets.contains(&s.id) && s.map_public_ip_on_launch) {
            current.push(format!("subnet {} of node group {} assigns public addresses", subnet.id, group.name));
            let change = Change::StopPublicAddresses { subnet: subnet.id.clone() };
            if !changes.contains(&change) {
                changes.push(change);
            }
        }
        let mut why: Vec<String> = model
            .enis
            .iter()
            .filter(|e| group.enis.contains(&e.id))
            .filter_map(|e| e.public_ip.map(|address| format!("{} has public address {address}", e.label)))
            .collect();
        current.extend(why.iter().map(|p| format!("{p} (node group {})", group.name)));
        let in_public: Vec<&str> = group
            .subnets
            .iter()
            .filter(|id| model.subnets.iter().any(|s| &s.id == *id && model.routes_to_internet(s)))
            .map(String::as_str)
            .collect();
        if !in_public.is_empty() {
            let subnets = in_public.join(", ");
            current.push(format!("node group {} launches into public subnets {subnets}", group.name));
            why.push(format!("it launches into public subnets {subnets}"));
        }
        if !why.is_empty() {
            changes.push(replacement::planned(found, &group.name, &group.subnets, why.join("; ")));
        }
    }
    (current, changes)
}
