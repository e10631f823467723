//! A CloudTrail trail records the region's management events (STACKROX-EKS, "Cloud
//! Infrastructure Security"; AWS-CLOUDTRAIL). A trail belongs to the account, not to the
//! cluster, and where it writes is the account's choice: the step reports its absence with
//! the commands that make one, and makes nothing.

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::posture::CLOUDTRAIL_REMEDY;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step.
pub static STEP: AwsStep = AwsStep {
    id: "cloudtrail",
    title: "a trail records the region's management events (reported: the account's)",
    after_create: false,
    reads: &[],
    judge,
};

/// Why the change is the account's.
const ACCOUNTS: &str = "a trail belongs to the account, and its bucket is the account's choice";

/// A trail, unless one records the region's management events.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let Some(trails) = &found.facts.audit.trails else {
        return Inspected { unread: vec!["the CloudTrail trails could not be read".into()], ..Inspected::default() };
    };
    let current: Vec<String> = if trails.is_empty() {
        vec!["no trail".into()]
    } else {
        trails
            .iter()
            .map(|t| {
                let events = if t.management_events { "management events" } else { "no management events" };
                format!("trail {}: {}, {events}", t.name, if t.logging { "logging" } else { "not logging" })
            })
            .collect()
    };
    let changes = if trails.iter().any(|t| t.records_management_events()) {
        Vec::new()
    } else {
        vec![Change::new(RecordManagementEvents { commands: CLOUDTRAIL_REMEDY.to_owned() })]
    };
    Inspected::new(current, changes)
}

/// Record the region's management events in a trail (the account's to make).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordManagementEvents {
    /// The commands that make a trail of every region.
    pub commands: String,
}

impl fmt::Display for RecordManagementEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record management events in a multi-region trail: {}", self.commands)
    }
}

#[async_trait]
impl Alteration for RecordManagementEvents {
    const KIND: &'static str = "recordManagementEvents";

    async fn make(&self, _target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        Err(HardenError::NotMine(ACCOUNTS))
    }

    fn not_applied(&self, _options: &Options) -> Option<&'static str> {
        Some(ACCOUNTS)
    }
}
