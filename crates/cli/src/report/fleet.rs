//! The report of many clusters (`verify --all`): a row per cluster, then the findings grouped
//! by check across the fleet; as a table, JSON (one entry per cluster), SARIF (one run per
//! cluster) or JUnit (suites per cluster). An account, region or cluster that could not be
//! read is a row with the reason, and a failed run or test case.

use std::collections::BTreeMap;
use std::fmt::Write;

use eksharden_net::report::{Report, Status};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde_json::{json, Value};

use super::{junit, lines, sarif, summary};
use crate::args::ReportFormat;

/// One cluster of the fleet: where it is, and its report or why there is none.
pub struct Verified {
    /// The account it was read in (`--accounts`), or empty for the caller's own.
    pub account: String,
    /// The region; empty when the account could not be entered.
    pub region: String,
    /// The cluster's name; empty when the region's clusters could not be listed.
    pub cluster: String,
    /// The report, or why the cluster (or region) could not be read.
    pub report: Result<Report, String>,
}

impl Verified {
    fn name(&self) -> String {
        let account = if self.account.is_empty() { String::new() } else { format!("{}/", self.account) };
        match (self.region.is_empty(), self.cluster.is_empty()) {
            (true, _) => format!("{} (every region)", self.account),
            (false, true) => format!("{account}{} (every cluster)", self.region),
            (false, false) => format!("{account}{}/{}", self.region, self.cluster),
        }
    }
}

/// The fleet's report in `format` (`verify --all` refuses HTML, which is one cluster's page).
pub fn render(fleet: &[Verified], format: ReportFormat) -> String {
    match format {
        ReportFormat::Table | ReportFormat::Html => table(fleet),
        ReportFormat::Json => serde_json::to_string_pretty(&json_of(fleet)).expect("plain JSON") + "\n",
        ReportFormat::Sarif => serde_json::to_string_pretty(&sarif_of(fleet)).expect("plain JSON") + "\n",
        ReportFormat::Junit => junit_of(fleet),
    }
}

fn table(fleet: &[Verified]) -> String {
    let mut text = String::new();
    let unreadable = fleet.iter().filter(|v| v.report.is_err()).count();
    let with_findings = fleet.iter().filter(|v| v.report.as_ref().is_ok_and(|r| r.findings() > 0)).count();
    let _ = writeln!(
        text,
        "verify --all: {} cluster(s) read, {with_findings} with findings, {unreadable} could not be read",
        fleet.len() - unreadable
    );
    let width = fleet.iter().map(|v| v.name().len()).max().unwrap_or(0);
    let _ = writeln!(text, "\nCLUSTERS");
    for verified in fleet {
        let state = match &verified.report {
            Ok(r) => format!(
                "{} passed, {} warning(s), {} finding(s), {} not judged",
                r.passed(),
                r.warnings(),
                r.findings(),
                r.unknowns()
            ),
            Err(why) => format!("UNREADABLE {why}"),
        };
        let _ = writeln!(text, "  {:<width$}  {state}", verified.name());
    }
    let grouped = findings_by_check(fleet);
    if !grouped.is_empty() {
        let _ = writeln!(text, "\nFINDINGS ACROSS THE FLEET");
        for (id, (clusters, example)) in &grouped {
            let _ = writeln!(text, "  {id}: {} cluster(s): {}", clusters.len(), clusters.join(", "));
            let _ = writeln!(text, "      e.g. {example}");
        }
    }
    text
}

/// Each check that is a finding somewhere: the clusters where it is, and one line of it.
fn findings_by_check(fleet: &[Verified]) -> BTreeMap<&'static str, (Vec<String>, String)> {
    let mut grouped: BTreeMap<&'static str, (Vec<String>, String)> = BTreeMap::new();
    for verified in fleet {
        let Ok(report) = &verified.report else { continue };
        for line in lines(report).iter().filter(|l| report.is_finding(l.status)) {
            let entry = grouped.entry(line.id).or_insert_with(|| (Vec::new(), summary(line)));
            if !entry.0.contains(&verified.name()) {
                entry.0.push(verified.name());
            }
        }
    }
    grouped
}

fn json_of(fleet: &[Verified]) -> Value {
    let clusters: Vec<Value> = fleet
        .iter()
        .map(|v| match &v.report {
            Ok(report) => json!({ "account": v.account, "region": v.region, "cluster": v.cluster, "report": report }),
            Err(why) => json!({ "account": v.account, "region": v.region, "cluster": v.cluster, "error": why }),
        })
        .collect();
    let by_check: BTreeMap<&str, Vec<String>> =
        findings_by_check(fleet).into_iter().map(|(id, (clusters, _))| (id, clusters)).collect();
    json!({ "clusters": clusters, "findingsByCheck": by_check })
}

fn sarif_of(fleet: &[Verified]) -> Value {
    let runs: Vec<Value> = fleet
        .iter()
        .map(|v| match &v.report {
            Ok(report) => sarif::render(report)["runs"][0].clone(),
            Err(why) => json!({
                "tool": { "driver": { "name": "eksharden", "version": env!("CARGO_PKG_VERSION") } },
                "invocations": [{
                    "executionSuccessful": false,
                    "toolExecutionNotifications": [{ "level": "error", "message": { "text": format!("{}: {why}", v.name()) } }],
                }],
                "results": [],
            }),
        })
        .collect();
    json!({ "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": runs })
}

fn junit_of(fleet: &[Verified]) -> String {
    let mut junit = quick_junit::Report::new("eksharden verify --all");
    for verified in fleet {
        match &verified.report {
            Ok(report) => junit.add_test_suites(junit::suites(report, &format!("{} ", verified.name()))),
            Err(why) => {
                let mut suite = TestSuite::new(verified.name());
                let mut failed = TestCaseStatus::non_success(NonSuccessKind::Error);
                failed.set_message(why.clone());
                suite.add_test_case(TestCase::new("read the cluster", failed));
                junit.add_test_suite(suite)
            }
        };
    }
    junit.to_string().expect("a report of plain text serialises")
}

/// What a fleet's run exits with: as for one cluster, a finding anywhere first (1), then a
/// cluster or check that could not be read or judged (3).
pub fn worst(fleet: &[Verified]) -> Option<Status> {
    let findings = fleet.iter().any(|v| v.report.as_ref().is_ok_and(|r| r.findings() > 0));
    let unread = fleet.iter().any(|v| v.report.as_ref().map_or(true, |r| r.unknowns() > 0));
    match (findings, unread) {
        (true, _) => Some(Status::Fail),
        (false, true) => Some(Status::Unknown),
        _ => None,
    }
}
