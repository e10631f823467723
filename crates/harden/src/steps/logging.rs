//! Step 8: all five control-plane log types are on.

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::posture::log_types_off;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: logging.
pub static STEP: AwsStep =
    AwsStep { id: "logging", title: "all five control-plane log types", after_create: false, reads: &[], judge };

/// The log types that are off.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let logging = &found.facts.logging;
    let missing: Vec<String> = log_types_off(logging).into_iter().map(str::to_owned).collect();
    let current = vec![format!("enabled: {}", if logging.is_empty() { "none".into() } else { logging.join(", ") })];
    let changes = if missing.is_empty() { Vec::new() } else { vec![Change::new(EnableLogging { types: missing })] };
    Inspected::new(current, changes)
}

/// Turn on control-plane log types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnableLogging {
    /// The types.
    pub types: Vec<String>,
}

impl fmt::Display for EnableLogging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enable control-plane logging: {}", self.types.join(", "))
    }
}

#[async_trait]
impl Alteration for EnableLogging {
    const KIND: &'static str = "enableLogging";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::changes::enable_logging(target.aws, target.cluster, &self.types).await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, cluster: &'a str) -> Option<&'a str> {
        Some(cluster)
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("cloudWatch.clusterLogging.enableTypes: [\"*\"]")
    }
}
