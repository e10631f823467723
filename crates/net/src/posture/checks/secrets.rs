//! Kubernetes secrets are encrypted with a KMS key.

use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check =
    Check { id: "secrets-encryption", title: "Secrets encrypted with KMS", citation: "AWS-EKS-BP", judge };

fn judge(Input { facts, .. }: &Input) -> Judged {
    let (status, detail) = match &facts.secrets_key {
        Some(key) => (Status::Pass, format!("secrets are encrypted with {key}")),
        None => (Status::Fail, "secrets are not encrypted with a KMS key".to_owned()),
    };
    (status, vec![detail])
}
