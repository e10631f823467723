//! The report as a table, for people: findings first, then what could not be judged, then
//! warnings, each check on one line with its verdict and the rule, entry or route that
//! decided it; then one line for what passed and one for the notes. With `-v`, every
//! endpoint pair with its full reasons, every passed check and every note.

use std::fmt::Write;

use eksharden_net::report::{Report, Status};

use super::{lines, summary, word, Line};

/// How the table is laid out.
pub struct Style {
    /// ANSI colour on the status words.
    pub colour: bool,
    /// The width lines are fitted to on a terminal (none when the report goes to a file or a
    /// pipe, or with `verbose`: lines are then whole).
    pub width: Option<usize>,
    /// Every pair, reason, passed check and note.
    pub verbose: bool,
}

/// The sections of the report, in order, and which statuses go in each.
const SECTIONS: [&str; 4] = ["FINDINGS", "NOT JUDGED", "WARNINGS", "PASSED"];

/// Renders the table.
pub fn render(report: &Report, region: &str, style: &Style) -> String {
    let mut text = String::new();
    let not_judged = match report.unknowns() {
        0 => String::new(),
        n => format!(", {n} not judged"),
    };
    let _ = writeln!(
        text,
        "verify {} ({region}): {} passed, {} warning(s), {} finding(s){not_judged}",
        report.cluster,
        report.passed(),
        report.warnings(),
        report.findings(),
    );
    let lines = lines(report);
    let section = |line: &Line| match line.status {
        status if report.is_finding(status) => SECTIONS[0],
        Status::Unknown => SECTIONS[1],
        Status::Warn => SECTIONS[2],
        _ => SECTIONS[3],
    };
    for heading in SECTIONS {
        let chosen: Vec<&Line> = lines.iter().filter(|l| section(l) == heading).collect();
        if chosen.is_empty() {
            continue;
        }
        // The id column is as wide as the section's widest id.
        let width = chosen.iter().map(|l| l.id.len()).max().unwrap_or(0);
        if heading == "PASSED" && !style.verbose {
            let flows: usize = chosen.iter().map(|l| l.flows.len()).sum();
            let settings = chosen.iter().filter(|l| l.posture.is_some()).count();
            let summary = format!(
                "\nPASSED {} checks: {flows} flow(s) between roles, {settings} setting(s) (-v lists them)",
                chosen.len()
            );
            let _ = writeln!(text, "{}", fit(&summary, style));
            continue;
        }
        let _ = writeln!(text, "\n{heading}");
        for line in chosen {
            let label = label(line.status, style.colour);
            if style.verbose {
                let _ = writeln!(text, "  {label} {:<width$}  [{}]", line.id, line.citation);
                for detail in details(line) {
                    let _ = writeln!(text, "        {detail}");
                }
            } else {
                // The label's colour codes take no room on the screen.
                let shown = format!("  {} {:<width$}  {}", word(line.status), line.id, summary(line));
                let _ = writeln!(text, "{}", fit(&shown, style).replacen(word(line.status), &label, 1));
            }
        }
    }
    if !report.notes.is_empty() {
        if style.verbose {
            let _ = writeln!(text, "\nNOTES");
            for note in &report.notes {
                let _ = writeln!(text, "  {note}");
            }
        } else {
            let standing_in = report.notes.iter().filter(|n| n.contains("representative")).count();
            let line = format!(
                "\nNOTES {} on what was read; {standing_in} role(s) have representative interfaces standing in (-v lists them)",
                report.notes.len()
            );
            let _ = writeln!(text, "{}", fit(&line, style));
        }
    }
    text
}

/// Every line of a check's reasons: each flow's pairs that did not pass (or how many did),
/// or a posture check's details.
fn details(line: &Line) -> Vec<String> {
    if let Some(check) = line.posture {
        let mut lines = vec![check.title.clone()];
        lines.extend(check.details.iter().cloned());
        return lines;
    }
    let mut lines = Vec::new();
    for flow in &line.flows {
        lines.push(flow.title.clone());
        let failing: Vec<String> = flow
            .cells
            .iter()
            .filter(|c| c.status != Status::Pass)
            .flat_map(|c| c.explanation.iter().map(move |e| format!("  {} -> {}: {e}", c.source, c.destination)))
            .collect();
        if failing.is_empty() {
            lines.push(format!("  {} endpoint pair(s) checked", flow.cells.len()));
        }
        lines.extend(failing);
    }
    lines
}

/// `line` cut to the style's width (with an ellipsis), if it has one and is not verbose.
fn fit(line: &str, style: &Style) -> String {
    match style.width {
        Some(width) if !style.verbose && line.chars().count() > width => {
            let kept: String = line.chars().take(width.saturating_sub(1)).collect();
            format!("{kept}…")
        }
        _ => line.to_owned(),
    }
}

fn label(status: Status, colour: bool) -> String {
    let code = match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Unknown => "35",
        Status::Fail => "31",
    };
    if colour {
        format!("\x1b[{code}m{}\x1b[0m", word(status))
    } else {
        word(status).to_owned()
    }
}
