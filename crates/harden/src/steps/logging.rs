//! Step 8: all five control-plane log types are on.

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::posture::log_types_off;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct Logging;

/// The table's entry.
pub static STEP: Logging = Logging;

#[async_trait]
impl Step for Logging {
    fn id(&self) -> &'static str {
        "logging"
    }

    fn title(&self) -> &'static str {
        "all five control-plane log types"
    }

    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let options = at.options;
        Ok(judge(at.discovery(&[]).await?, options))
    }
}

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
