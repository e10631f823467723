//! The public endpoint is off, or limited to blocks smaller than the whole internet.

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "endpoint-public-access",
    title: "API endpoint not public to the internet",
    citation: "STACKROX-EKS",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    if !facts.endpoint_public {
        return (Status::Pass, vec!["public endpoint access is off".to_owned()]);
    }
    let open: Vec<String> = facts
        .public_access_cidrs
        .iter()
        .filter(|c| c.prefix_len() == 0)
        .map(|c| format!("public access from {c}"))
        .collect();
    if open.is_empty() {
        let listed: Vec<String> = facts.public_access_cidrs.iter().map(ToString::to_string).collect();
        (Status::Pass, vec![format!("public access limited to {}", listed.join(", "))])
    } else {
        (Status::Fail, open)
    }
}
