//! The VPC records all its traffic in flow logs (AWS-VPC-FLOWLOGS), to a log group encrypted
//! with a KMS key of the cluster's logs: the `flow-logs` stack, for a VPC that has no active
//! flow log of all traffic.

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::posture::FlowLogFact;
use eksharden_plan::stacks::flow_logs::log_group;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step.
pub static STEP: AwsStep = AwsStep {
    id: "flow-logs",
    title: "VPC flow logs of all traffic, encrypted",
    after_create: false,
    reads: &[],
    judge,
};

/// A flow log of all traffic, unless the VPC has one.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let Some(logs) = &found.facts.audit.flow_logs else {
        return Inspected { unread: vec!["the VPC's flow logs could not be read".into()], ..Inspected::default() };
    };
    let current: Vec<String> = if logs.is_empty() {
        vec!["no flow log".into()]
    } else {
        logs.iter()
            .map(|l| format!("{}: {}{}", l.id, l.traffic, if l.active { "" } else { ", not delivering" }))
            .collect()
    };
    let changes = if logs.iter().any(FlowLogFact::records_all_traffic) {
        Vec::new()
    } else {
        vec![Change::new(AddFlowLogs { vpc: found.model.vpc_id.clone(), log_group: log_group(&found.facts.name) })]
    };
    Inspected::new(current, changes)
}

/// Add flow logs to the VPC through the `flow-logs` stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddFlowLogs {
    /// The VPC.
    pub vpc: String,
    /// The log group they go to.
    pub log_group: String,
}

impl fmt::Display for AddFlowLogs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record all traffic of {} in log group {} (encrypted with a KMS key of the cluster's logs; stack flow-logs)",
            self.vpc, self.log_group
        )
    }
}

#[async_trait]
impl Alteration for AddFlowLogs {
    const KIND: &'static str = "addFlowLogs";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::flow_logs::deploy_for(target.aws, target.cluster, &self.vpc).await?;
        Ok(Vec::new())
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("vpc.flowLogs (eksharden's spec); eksctl has no field for VPC flow logs")
    }
}
