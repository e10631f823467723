//! The API endpoint is reachable from inside the VPC.

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "endpoint-private-access", title: "API endpoint reachable privately", citation: "STACKROX-EKS", judge };

fn judge(Input { facts, .. }: &Input) -> Judged {
    let (status, detail) = if facts.endpoint_private {
        (Status::Pass, "private endpoint access is on")
    } else {
        (Status::Fail, "private endpoint access is off: nodes and operators reach the API over the internet")
    };
    (status, vec![detail.to_owned()])
}
