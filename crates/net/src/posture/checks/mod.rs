//! The posture checks, one module each; the table lists them in the order reports show them.

use super::{Check, Input, Judged};

/// Declares each check's module and lists its `CHECK` in [`TABLE`], in order.
macro_rules! table {
    ($($check:ident,)*) => {
        $(mod $check;)*

        /// Every check, in report order.
        pub static TABLE: &[&Check] = &[$(&$check::CHECK),*];
    };
}

table! {
    node_groups,
    creator_role,
    kubernetes_version,
    endpoint_private,
    endpoint_public,
    authentication,
    masters_entries,
    logging,
    secrets,
    imds,
    ssh_keys,
    public_addresses,
    open_ingress,
    cluster_group,
    workload_identity,
    network_policies,
    session_manager,
    flow_logs,
    cloudtrail,
}
