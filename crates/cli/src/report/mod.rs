//! A verification report in the format asked for: a table for people, JSON, SARIF or JUnit.

pub mod fleet;
mod html;
mod junit;
mod sarif;
mod table;

use eksharden_net::report::{FlowCheck, PostureCheck, Report, Status};

pub use html::{plan_page, PlanStep};

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

/// One check of either kind as people read it: the flows of one id and verdict together.
struct Line<'a> {
    id: &'static str,
    status: Status,
    citation: &'static str,
    /// The flows of the check (one per role pair), or none for a posture check.
    flows: Vec<&'a FlowCheck>,
    posture: Option<&'a PostureCheck>,
}

/// The checks, flows of one id together (in the order the report has them), then the posture
/// checks, each with the worst status of its flows.
fn lines(report: &Report) -> Vec<Line<'_>> {
    let mut lines: Vec<Line> = Vec::new();
    for flow in &report.flows {
        let section_of = |status: Status| (report.is_finding(status), status);
        match lines.iter_mut().find(|l| l.id == flow.id && section_of(l.status) == section_of(flow.status)) {
            Some(line) => line.flows.push(flow),
            None => lines.push(Line {
                id: flow.id,
                status: flow.status,
                citation: flow.citation,
                flows: vec![flow],
                posture: None,
            }),
        }
    }
    lines.extend(report.posture.iter().map(|check| Line {
        id: check.id,
        status: check.status,
        citation: check.citation,
        flows: Vec::new(),
        posture: Some(check),
    }));
    lines
}

/// The one line of a check: its flow (or how many, and the first) and what decided it; a
/// posture check's first finding.
fn summary(line: &Line) -> String {
    if let Some(check) = line.posture {
        return match check.details.is_empty() {
            true => check.title.clone(),
            false => check.details.join("; "),
        };
    }
    let first = line.flows[0];
    let decided = first.cells.iter().find(|c| c.status == first.status).map(|c| c.decisive(&first.expectation));
    let flows = match line.flows.len() {
        1 => first.title.clone(),
        n => format!("{n} flows, e.g. {}", first.title),
    };
    // What decided comes first: it is what a narrow screen must keep.
    match decided {
        Some(decided) if line.status != Status::Pass => format!("{decided} ({flows})"),
        _ => flows,
    }
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
