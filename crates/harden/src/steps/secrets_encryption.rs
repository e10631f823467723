//! Step 8: Kubernetes secrets are encrypted with a KMS key (the one given, or the cluster's
//! own, made with rotation on).

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: secrets-encryption.
pub static STEP: AwsStep = AwsStep {
    id: "secrets-encryption",
    title: "secrets encrypted with a KMS key",
    after_create: false,
    reads: &[],
    judge,
};

/// Whether a key encrypts the cluster's secrets.
pub(super) fn judge(found: &Discovery, options: &Options) -> Inspected {
    match &found.facts.secrets_key {
        Some(key) => Inspected::new(vec![format!("secrets are encrypted with {key}")], Vec::new()),
        None => Inspected::new(
            vec!["secrets are not encrypted with a KMS key".to_owned()],
            vec![Change::new(EncryptSecrets { key: options.kms_key.clone() })],
        ),
    }
}

/// Encrypt secrets with a KMS key (EKS cannot undo this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncryptSecrets {
    /// The key given, or None for the cluster's own key.
    pub key: Option<String>,
}

impl fmt::Display for EncryptSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "encrypt secrets with {key} (EKS cannot undo this)"),
            None => write!(
                f,
                "encrypt secrets with the cluster's own KMS key (alias/eksharden/<cluster>, made with rotation on; EKS cannot undo this)"
            ),
        }
    }
}

#[async_trait]
impl Alteration for EncryptSecrets {
    const KIND: &'static str = "encryptSecrets";

    /// Encrypts; returns what became of a key made for a run that lost a race.
    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        let key = eksharden_aws::changes::encrypt_secrets(target.aws, target.cluster, self.key.as_deref()).await?;
        Ok(key.discarded.into_iter().collect())
    }

    fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str> {
        Some(cluster)
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("secretsEncryption.keyARN")
    }
}
