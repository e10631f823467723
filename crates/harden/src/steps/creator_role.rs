//! Step 1 (STACKROX-EKS, "For new clusters" 2 and 7): the dedicated creator role has no
//! permissions and nobody may assume it; it is kept for break-glass repair.

use std::fmt;

use async_trait::async_trait;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct CreatorRole;

/// The table's entry.
pub static STEP: CreatorRole = CreatorRole;

#[async_trait]
impl Step for CreatorRole {
    fn id(&self) -> &'static str {
        "creator-role"
    }

    fn title(&self) -> &'static str {
        "the dedicated creator role stripped, kept for break-glass"
    }

    fn after_create(&self) -> bool {
        true
    }

    /// The creator role's permissions and trust.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let state = eksharden_aws::creator::inspect(at.target.aws, at.target.cluster).await?;
        Ok(match state {
            None => Inspected::new(vec!["the cluster has no dedicated creator role".into()], Vec::new()),
            Some(state) if state.is_stripped() => {
                Inspected::new(vec![format!("{}: no permissions, nobody may assume it", state.arn)], Vec::new())
            }
            Some(state) => {
                let current = vec![format!(
                    "{}: inline {:?}, attached {:?}, {}",
                    state.arn,
                    state.inline,
                    state.attached,
                    if state.assumable { "assumable" } else { "not assumable" }
                )];
                Inspected::new(current, vec![Change::new(StripCreatorRole { role: state.arn })])
            }
        })
    }
}

/// Strip the dedicated creator role of its permissions and of the right to assume it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StripCreatorRole {
    /// The role's ARN.
    pub role: String,
}

impl fmt::Display for StripCreatorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strip {}: its permissions kept aside unattached, nobody may assume it", self.role)
    }
}

#[async_trait]
impl Alteration for StripCreatorRole {
    const KIND: &'static str = "stripCreatorRole";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::creator::strip(target.aws, target.cluster).await?;
        Ok(Vec::new())
    }
}
