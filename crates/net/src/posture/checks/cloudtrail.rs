//! A CloudTrail trail records the region's management events, for audit and forensics. A
//! trail belongs to the account, not to the cluster: its absence is a warning (a finding
//! with `--strict`), and `harden` says how to make one.

use crate::posture::CLOUDTRAIL_REMEDY;
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "cloudtrail-management-events",
    title: "CloudTrail records the region's management events",
    citation: "STACKROX-EKS, Cloud Infrastructure Security; AWS-CLOUDTRAIL",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let Some(trails) = &facts.audit.trails else {
        return (Status::Unknown, vec!["not judged: the trails could not be read (see the notes)".into()]);
    };
    let recording: Vec<String> = trails
        .iter()
        .filter(|t| t.records_management_events())
        .map(|t| {
            format!(
                "trail {} records management events{}",
                t.name,
                if t.multi_region { " in every region" } else { "" }
            )
        })
        .collect();
    if !recording.is_empty() {
        return (Status::Pass, recording);
    }
    let mut found: Vec<String> = trails
        .iter()
        .map(|t| {
            let why = if !t.logging { "is not logging" } else { "records no management events" };
            format!("trail {} {why}", t.name)
        })
        .collect();
    found.insert(0, "no trail records this region's management events".to_owned());
    found.push(format!("a trail belongs to the account: {CLOUDTRAIL_REMEDY}"));
    // The account's setting, not the cluster's: a warning, a finding with --strict.
    (Status::Warn, found)
}
