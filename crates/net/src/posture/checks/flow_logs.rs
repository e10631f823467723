//! The VPC records its traffic in flow logs, kept in a log group encrypted with KMS.

use crate::posture::FlowLogDestination;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "vpc-flow-logs",
    title: "VPC flow logs record all traffic, encrypted",
    citation: "AWS-VPC-FLOWLOGS; STACKROX-EKS, Cloud Infrastructure Security",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let Some(logs) = &facts.audit.flow_logs else {
        return (Status::Unknown, vec!["not judged: the VPC's flow logs could not be read (see the notes)".into()]);
    };
    let all: Vec<_> = logs.iter().filter(|l| l.records_all_traffic()).collect();
    if all.is_empty() {
        let partial: Vec<String> = logs
            .iter()
            .map(|l| format!("{} records {} ({})", l.id, l.traffic, if l.active { "active" } else { "not delivering" }))
            .collect();
        let mut found =
            vec!["no active flow log records all of the VPC's traffic; `eksharden harden` adds one".to_owned()];
        found.extend(partial);
        return (Status::Fail, found);
    }
    let mut words = Vec::new();
    let mut status = Status::Pass;
    for log in all {
        match &log.destination {
            FlowLogDestination::LogGroup { name, kms_key: Some(key) } => {
                words.push(format!("{} records all traffic to log group {name}, encrypted with {key}", log.id))
            }
            FlowLogDestination::LogGroup { name, kms_key: None } => {
                status = status.max(Status::Warn);
                words.push(format!(
                    "{} records all traffic to log group {name}, which no KMS key encrypts (only CloudWatch Logs' own encryption)",
                    log.id
                ));
            }
            FlowLogDestination::UnreadLogGroup { name, why } => {
                status = status.max(Status::Unknown);
                words.push(format!(
                    "{} records all traffic to log group {name}, whose encryption could not be read: {why}",
                    log.id
                ));
            }
            FlowLogDestination::Other { arn } => words.push(format!("{} records all traffic to {arn}", log.id)),
        }
    }
    (status, words)
}
