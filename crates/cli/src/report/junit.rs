//! The report as JUnit XML: a test suite per kind of check, a test case per check; a
//! finding is a failure, a warning a skipped case (a failure with `--strict`).

use std::fmt::Write;

use eksharden_net::report::{Report, Status};

use super::{items, Item};

/// The XML document.
pub fn render(report: &Report) -> String {
    let items = items(report);
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        text,
        "<testsuites name=\"eksharden verify {}\" tests=\"{}\" failures=\"{}\">",
        escape(&report.cluster),
        items.len(),
        report.findings()
    );
    for group in ["flows", "posture"] {
        let cases: Vec<&Item> = items.iter().filter(|i| i.group == group).collect();
        let failures = cases.iter().filter(|i| report.is_finding(i.status)).count();
        let skipped = cases.iter().filter(|i| is_skipped(report, i.status)).count();
        let _ = writeln!(
            text,
            "  <testsuite name=\"{group}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            cases.len()
        );
        for item in cases {
            let _ = write!(text, "    <testcase classname=\"{group}.{}\" name=\"{}\"", item.id, escape(item.title));
            let details = escape(&item.details.join("\n"));
            if report.is_finding(item.status) {
                let _ = writeln!(
                    text,
                    ">\n      <failure message=\"{}\">{details}</failure>\n    </testcase>",
                    escape(item.citation)
                );
            } else if is_skipped(report, item.status) {
                let _ = writeln!(text, ">\n      <skipped message=\"{details}\"/>\n    </testcase>");
            } else {
                let _ = writeln!(text, "/>");
            }
        }
        let _ = writeln!(text, "  </testsuite>");
    }
    text.push_str("</testsuites>\n");
    text
}

/// A warning that is no finding, or a check that could not be judged: neither passed nor failed.
fn is_skipped(report: &Report, status: Status) -> bool {
    matches!(status, Status::Warn | Status::Unknown) && !report.is_finding(status)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
