//! The steps, one module each. A module declares its step (a unit type implementing
//! [`Step`](crate::step::Step): id, title, needs, inspection) and its own change types with
//! how to make them; the table below lists the modules, in the order the steps run. Adding
//! a step is its module and one line of the table.

/// Declares each step's module and lists its `STEP` in [`TABLE`], in order.
macro_rules! table {
    ($($step:ident,)*) => {
        $(mod $step;)*

        /// Every step, in the order they run: identity first, so that a later step never
        /// runs without a working admin path.
        pub static TABLE: &[&dyn crate::step::Step] = &[$(&$step::STEP),*];
    };
}

table! {
    creator_role,
    access_mapping,
    rbac_bindings,
    system_masters,
    public_addresses,
    ssh_ingress,
    cluster_security_group,
    ssh_keys,
    imds,
    network_acl,
    ssh_egress_policy,
    network_policy_enforcer,
    pod_networking,
    endpoint_access,
    logging,
    flow_logs,
    cloudtrail,
    session_manager,
    secrets_encryption,
    tags,
}

mod replacement;
#[cfg(test)]
mod tests;

use eksharden_discovery::Discovery;
use eksharden_kube::apply::Applied;

/// The words for what a dry-run apply says of an object.
fn describe(applied: Applied) -> &'static str {
    match applied {
        Applied::Created => "missing",
        Applied::Replaced => "different",
        Applied::Unchanged => "in place",
    }
}

/// What discovery could not read about the node groups, for the steps that judge them.
fn unread_node_groups(found: &Discovery) -> Vec<String> {
    let listed = found.facts.node_groups_unread.iter().map(|why| format!("the managed node groups: {why}"));
    let groups = found
        .facts
        .node_groups
        .iter()
        .filter(|g| !g.unread.is_empty())
        .map(|g| format!("node group {}: {}", g.name, g.unread.join("; ")));
    listed.chain(groups).collect()
}
