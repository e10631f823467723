//! A verification report in the format asked for: a table for people, JSON, SARIF or JUnit.

mod html;
mod junit;
mod sarif;
mod table;

use eksharden_net::report::{Report, Status};

use crate::args::ReportFormat;
use crate::output::Output;

/// Prints `report` to stdout; `picture` is the network's SVG, which the HTML page shows.
pub fn print(report: &Report, format: ReportFormat, region: &str, picture: Option<&str>, out: &mut Output) {
    let text = match format {
        ReportFormat::Html => html::render(report, region, picture),
        ReportFormat::Table => {
            let width = terminal_columns(out);
            // Colour only where the table goes to a terminal.
            let style = table::Style { colour: out.colour && width.is_some(), width, verbose: out.verbose > 0 };
            table::render(report, region, &style)
        }
        ReportFormat::Json => serde_json::to_string_pretty(report).expect("a report is plain data") + "\n",
        ReportFormat::Sarif => serde_json::to_string_pretty(&sarif::render(report)).expect("plain JSON") + "\n",
        ReportFormat::Junit => junit::render(report),
    };
    let _ = out.stdout.write_all(text.as_bytes());
}

/// The columns of the terminal the table goes to: `COLUMNS` when set, else the terminal's;
/// none when standard output is no terminal (a file, a pipe: lines are then whole).
fn terminal_columns(out: &Output) -> Option<usize> {
    let (width, _) = terminal_size::terminal_size().filter(|_| out.terminal)?;
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|&c: &usize| c >= 40);
    Some(columns.unwrap_or(usize::from(width.0)))
}

/// A status as the table and the page write it.
fn word(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Unknown => "UNKNOWN",
        Status::Fail => "FAIL",
    }
}

/// One check of either kind, as the flat formats list them.
struct Item<'a> {
    group: &'static str,
    id: &'static str,
    title: &'a str,
    citation: &'static str,
    status: Status,
    details: Vec<String>,
}

/// Every check, flows first, each with the lines that explain it (for a flow: the cells
/// that did not pass, or a count of the pairs that did).
fn items(report: &Report) -> Vec<Item<'_>> {
    let flows = report.flows.iter().map(|flow| {
        let mut details: Vec<String> = flow
            .cells
            .iter()
            .filter(|c| c.status != Status::Pass)
            .flat_map(|c| c.explanation.iter().map(move |e| format!("{} -> {}: {e}", c.source, c.destination)))
            .collect();
        if details.is_empty() {
            details.push(format!("{} endpoint pair(s) checked", flow.cells.len()));
        }
        Item { group: "flows", id: flow.id, title: &flow.title, citation: flow.citation, status: flow.status, details }
    });
    let posture = report.posture.iter().map(|check| Item {
        group: "posture",
        id: check.id,
        title: &check.title,
        citation: check.citation,
        status: check.status,
        details: check.details.clone(),
    });
    flows.chain(posture).collect()
}
