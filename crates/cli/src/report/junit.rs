//! The report as JUnit XML (written by quick-junit): a test suite per kind of check, a test
//! case per check; a finding is a failure, a warning or an unjudged check a skipped case (a
//! warning fails with `--strict`).

use eksharden_net::report::{Report, Status};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::items;

/// The XML document.
pub fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new(format!("eksharden verify {}", report.cluster));
    junit.add_test_suites(suites(report, ""));
    junit.to_string().expect("a report of plain text serialises")
}

/// The report's suites, flows and posture, their names after `prefix`.
pub fn suites(report: &Report, prefix: &str) -> Vec<TestSuite> {
    let items = items(report);
    let mut suites = Vec::new();
    for group in ["flows", "posture"] {
        let mut suite = TestSuite::new(format!("{prefix}{group}"));
        for item in items.iter().filter(|i| i.group == group) {
            let details = item.details.join("\n");
            let status = if report.is_finding(item.status) {
                let mut failed = TestCaseStatus::non_success(NonSuccessKind::Failure);
                failed.set_message(item.citation).set_description(details);
                failed
            } else if is_skipped(report, item.status) {
                let mut skipped = TestCaseStatus::skipped();
                skipped.set_message(details);
                skipped
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(item.title, status);
            case.set_classname(format!("{group}.{}", item.id));
            suite.add_test_case(case);
        }
        suites.push(suite);
    }
    suites
}

/// A warning that is no finding, or a check that could not be judged: neither passed nor failed.
fn is_skipped(report: &Report, status: Status) -> bool {
    matches!(status, Status::Warn | Status::Unknown) && !report.is_finding(status)
}
