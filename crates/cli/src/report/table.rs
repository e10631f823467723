//! The report as a table: findings first, then warnings, then what passed; each flow with
//! the endpoint pairs that broke it and the rule, entry or route that decided.

use std::fmt::Write;

use eksharden_net::report::{Report, Status};

use super::{items, Item};

/// Renders the table; `colour` adds ANSI colour to the status column.
pub fn render(report: &Report, region: &str, colour: bool) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "verify {} ({region}): {} passed, {} warning(s), {} finding(s){}",
        report.cluster,
        report.passed(),
        report.warnings(),
        report.findings(),
        match report.unknowns() {
            0 => String::new(),
            n => format!(", {n} not judged"),
        }
    );
    let items = items(report);
    // Findings, then what could not be judged, then warnings that are not findings, then
    // what passed.
    let section = |item: &Item| match item.status {
        status if report.is_finding(status) => "FINDINGS",
        Status::Unknown => "NOT JUDGED",
        Status::Warn => "WARNINGS",
        _ => "PASSED",
    };
    for heading in ["FINDINGS", "NOT JUDGED", "WARNINGS", "PASSED"] {
        let chosen: Vec<&Item> = items.iter().filter(|i| section(i) == heading).collect();
        if chosen.is_empty() {
            continue;
        }
        let _ = writeln!(text, "\n{heading}");
        let width = chosen.iter().map(|i| i.id.len()).max().unwrap_or(0);
        if heading == "PASSED" {
            passed(&mut text, &chosen, width, colour);
            continue;
        }
        for item in chosen {
            let _ = writeln!(
                text,
                "  {} {:<width$}  {} [{}]",
                label(item.status, colour),
                item.id,
                item.title,
                item.citation
            );
            for detail in &item.details {
                let _ = writeln!(text, "        {detail}");
            }
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(text, "\nNOTES");
        for note in &report.notes {
            let _ = writeln!(text, "  {note}");
        }
    }
    text
}

/// Passed checks, one line per check id with how many role pairs it covered.
fn passed(text: &mut String, items: &[&Item], width: usize, colour: bool) {
    let mut ids: Vec<&str> = Vec::new();
    for item in items {
        if !ids.contains(&item.id) {
            ids.push(item.id);
        }
    }
    for id in ids {
        let same: Vec<&&Item> = items.iter().filter(|i| i.id == id).collect();
        let summary = if same.len() == 1 {
            format!("{}: {}", same[0].title, same[0].details.join("; "))
        } else {
            format!("{} flows, e.g. {}", same.len(), same[0].title)
        };
        let _ = writeln!(text, "  {} {id:<width$}  {summary}", label(Status::Pass, colour));
    }
}

fn label(status: Status, colour: bool) -> String {
    let (word, code) = match status {
        Status::Pass => ("PASS", "32"),
        Status::Warn => ("WARN", "33"),
        Status::Unknown => ("UNKNOWN", "35"),
        Status::Fail => ("FAIL", "31"),
    };
    if colour {
        format!("\x1b[{code}m{word}\x1b[0m")
    } else {
        word.to_owned()
    }
}
