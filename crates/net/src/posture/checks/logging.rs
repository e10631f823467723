//! All five control-plane log types are on.

use crate::posture::log_types_off;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "control-plane-logging",
    title: "Control-plane logging (all five types)",
    citation: "AWS-EKS-BP",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let missing = log_types_off(&facts.logging);
    if missing.is_empty() {
        (Status::Pass, vec!["all five control-plane log types are enabled".to_owned()])
    } else {
        (Status::Fail, vec![format!("control-plane logging is off for: {}", missing.join(", "))])
    }
}
