//! The cluster authenticates through access entries (authentication mode `API` or `API_AND_CONFIG_MAP`).

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "authentication-mode",
    title: "Authentication through access entries",
    citation: "STACKROX-EKS",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    match facts.authentication_mode.as_deref() {
        Some(mode @ ("API" | "API_AND_CONFIG_MAP")) => (Status::Pass, vec![format!("authentication mode {mode}")]),
        Some(mode) => (
            Status::Warn,
            vec![format!(
                "authentication mode {mode}: only aws-auth maps identities; access entries are not available"
            )],
        ),
        None => (Status::Warn, vec!["the cluster reports no authentication mode".to_owned()]),
    }
}
