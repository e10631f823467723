//! Step 8: Kubernetes secrets are encrypted with a KMS key (the one given, or the cluster's
//! own, made with rotation on).

use eksharden_aws::discover::Discovery;

use super::Inspected;
use crate::change::Change;
use crate::Options;

/// Whether a key encrypts the cluster's secrets.
pub fn inspect(found: &Discovery, options: &Options) -> Inspected {
    match &found.facts.secrets_key {
        Some(key) => (vec![format!("secrets are encrypted with {key}")], Vec::new()),
        None => (
            vec!["secrets are not encrypted with a KMS key".to_owned()],
            vec![Change::EncryptSecrets { key: options.kms_key.clone() }],
        ),
    }
}
