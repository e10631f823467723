//! What records what happens: the VPC's flow logs (with the encryption of the log group they
//! go to), the CloudTrail trails that apply to the cluster's region, and the roles its nodes
//! run as, which Systems Manager needs to reach them without SSH.

use std::collections::BTreeMap;

use serde::Serialize;

/// The managed policy that lets Systems Manager (Session Manager among it) manage an
/// instance (AWS-SSM).
pub const SESSION_MANAGER_POLICY: &str = "AmazonSSMManagedInstanceCore";

/// The commands that make a trail of every region's management events (AWS-CLOUDTRAIL): a
/// trail is the account's, so the check and the hardening step say them and make nothing.
pub const CLOUDTRAIL_REMEDY: &str = "aws cloudtrail create-trail --name account-trail --s3-bucket-name BUCKET \
    --is-multi-region-trail --enable-log-file-validation && aws cloudtrail start-logging --name account-trail";

/// The audit facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditFacts {
    /// The VPC's flow logs; `None` when they could not be read.
    pub flow_logs: Option<Vec<FlowLogFact>>,
    /// The trails that apply to the region; `None` when they could not be read.
    pub trails: Option<Vec<TrailFact>>,
    /// Whether each role the nodes run as has [`SESSION_MANAGER_POLICY`], by role name
    /// (`None` for a role that does not exist); `None` when they could not be read.
    pub node_roles: Option<BTreeMap<String, Option<bool>>>,
}

/// A flow log of the VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowLogFact {
    /// Its id.
    pub id: String,
    /// What it records: `ALL`, `ACCEPT` or `REJECT`.
    pub traffic: String,
    /// Whether it delivers (`ACTIVE`).
    pub active: bool,
    /// Where it delivers.
    pub destination: FlowLogDestination,
}

impl FlowLogFact {
    /// Whether it records all the VPC's traffic now (active, `ALL`).
    pub fn records_all_traffic(&self) -> bool {
        self.active && self.traffic == "ALL"
    }
}

/// Where a flow log delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FlowLogDestination {
    /// A CloudWatch Logs group.
    LogGroup {
        /// Its name.
        name: String,
        /// The KMS key that encrypts it; `None` when it has none.
        kms_key: Option<String>,
    },
    /// A CloudWatch Logs group that could not be read.
    UnreadLogGroup {
        /// Its name.
        name: String,
        /// Why.
        why: String,
    },
    /// An S3 bucket or a Firehose stream, by ARN (encrypted by settings eksharden does not read).
    Other {
        /// The destination's ARN.
        arn: String,
    },
}

/// A CloudTrail trail that applies to the region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailFact {
    /// Its name.
    pub name: String,
    /// Whether it is logging.
    pub logging: bool,
    /// Whether it records management events, reads and writes.
    pub management_events: bool,
    /// Whether it records every region.
    pub multi_region: bool,
}

impl TrailFact {
    /// Whether it records the region's management events now.
    pub fn records_management_events(&self) -> bool {
        self.logging && self.management_events
    }
}
