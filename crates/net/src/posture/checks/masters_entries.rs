//! No access entry puts a principal in `system:masters`.

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "access-entries-system-masters",
    title: "No access entry maps to system:masters",
    citation: "STACKROX-EKS",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    match &facts.access_entries {
        None => (
            Status::Warn,
            vec![
                "access entries could not be read; the aws-auth ConfigMap is checked on the Kubernetes side".to_owned()
            ],
        ),
        Some(entries) => {
            let masters: Vec<String> = entries
                .iter()
                .filter(|e| e.groups.iter().any(|g| g == "system:masters"))
                .map(|e| format!("{} is mapped to system:masters", e.principal))
                .collect();
            if masters.is_empty() {
                let detail = format!("{} access entries, none in system:masters", entries.len());
                (Status::Pass, vec![detail])
            } else {
                (Status::Fail, masters)
            }
        }
    }
}
