//! The report as one self-contained HTML file (inline style and script, no network, works
//! from `file://`): the findings first, each with the rule that decided it; the picture of
//! the network; the flows by role pair, each cell coloured by its worst verdict and opening
//! its reasons on click or keyboard; the settings; the notes. The data the page shows is one
//! JSON document inside it (`#eksharden-data`), for tools and tests.

use std::collections::BTreeMap;
use std::fmt::Write;

use eksharden_net::report::{FlowCheck, Report, Status};
use serde_json::{json, Value};

use super::{lines, summary, word};

/// The page's look: readable contrast, a narrow screen stacking the sections, print without
/// the interactive parts.
const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1b1b1b; background: #fff; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin-top: 1.5rem; }
.badge { display: inline-block; min-width: 4.5em; padding: 0 .4em; border-radius: .25em; font-weight: 600; text-align: center; color: #fff; }
.fail { background: #b3261e; } .warn { background: #7a4f01; } .unknown { background: #5b3a8c; } .pass { background: #1e6b34; }
ul.checks { list-style: none; padding: 0; } ul.checks li { margin: .35rem 0; overflow-wrap: anywhere; }
code, .id { font-family: ui-monospace, monospace; }
figure { margin: 0; overflow: auto; border: 1px solid #ccc; } figure svg { max-width: 100%; height: auto; }
.scroll { overflow: auto; } table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .25rem .4rem; text-align: left; vertical-align: top; }
button.cell { font: inherit; color: #fff; border: 0; padding: .2rem .5rem; cursor: pointer; border-radius: .25em; }
button.cell:focus { outline: 3px solid #0b57d0; outline-offset: 2px; }
#reasons { margin-top: .75rem; padding: .5rem; border: 1px solid #0b57d0; min-height: 2rem; overflow-wrap: anywhere; }
@media (max-width: 600px) { body { padding: .5rem; } th, td { font-size: .85rem; } }
@media print { button.cell { color: #000; background: none; border: 1px solid #000; } #reasons { display: none; } }
"#;

/// Opens the reasons of a cell in the panel below the table.
const SCRIPT: &str = r#"
(function () {
  var data = JSON.parse(document.getElementById('eksharden-data').textContent);
  var panel = document.getElementById('reasons');
  function show(key) {
    panel.textContent = '';
    (data.pairs[key] || []).forEach(function (check) {
      var h = document.createElement('h3');
      h.textContent = check.status.toUpperCase() + ' ' + check.id + ': ' + check.title;
      panel.appendChild(h);
      var list = document.createElement('ul');
      check.reasons.forEach(function (reason) {
        var item = document.createElement('li');
        item.textContent = reason;
        list.appendChild(item);
      });
      panel.appendChild(list);
    });
    panel.focus();
  }
  document.querySelectorAll('button.cell').forEach(function (button) {
    button.addEventListener('click', function () { show(button.dataset.pair); });
  });
})();
"#;

/// The page's opening, up to and with `<body>`.
fn head(title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n",
        escape(title)
    )
}

/// One step of a `harden` plan as the page shows it.
pub struct PlanStep {
    /// The step's id.
    pub id: &'static str,
    /// What it makes true.
    pub title: &'static str,
    /// `ok`, `change` or `cannot inspect`.
    pub mark: &'static str,
    /// What it found, and each change with its notes.
    pub lines: Vec<String>,
}

/// `harden`'s plan as one self-contained page: each step with its verdict, what it found and
/// what it would change, the steps with changes first.
pub fn plan_page(cluster: &str, steps: &[PlanStep]) -> String {
    let title = format!("eksharden harden {cluster}: the plan");
    let mut page = head(&title);
    let count = |mark: &str| steps.iter().filter(|s| s.mark == mark).count();
    let _ = writeln!(
        page,
        "<header><h1>{}</h1><p>{} step(s) with changes, {} that cannot inspect, {} in order; nothing was changed</p></header>\n<main><ul class=\"checks\">",
        escape(&title),
        count("change"),
        count("cannot inspect"),
        count("ok")
    );
    for mark in ["change", "cannot inspect", "ok"] {
        for step in steps.iter().filter(|s| s.mark == mark) {
            let status = match mark {
                "change" => Status::Fail,
                "cannot inspect" => Status::Unknown,
                _ => Status::Pass,
            };
            let _ = writeln!(
                page,
                "<li><span class=\"badge {}\">{}</span> <span class=\"id\">{}</span> {}<ul>",
                class(status),
                escape(&mark.to_uppercase()),
                escape(step.id),
                escape(step.title)
            );
            for line in &step.lines {
                let _ = writeln!(page, "<li>{}</li>", escape(line.trim()));
            }
            let _ = writeln!(page, "</ul></li>");
        }
    }
    let _ = writeln!(page, "</ul></main>\n</body></html>");
    page
}

/// Renders the page; `picture` is the network's SVG, if drawn.
pub fn render(report: &Report, region: &str, picture: Option<&str>) -> String {
    let title = format!("eksharden verify {} ({region})", report.cluster);
    let mut page = head(&title);
    let _ = writeln!(
        page,
        "<header><h1>{}</h1><p>{} passed, {} warning(s), {} finding(s), {} not judged</p></header>\n<main>",
        escape(&title),
        report.passed(),
        report.warnings(),
        report.findings(),
        report.unknowns()
    );
    findings(&mut page, report);
    if let Some(svg) = picture {
        let _ = writeln!(
            page,
            "<section id=\"picture\"><h2>The network</h2><figure role=\"img\" aria-label=\"security groups, the roles that carry them and their rules\">{svg}</figure></section>"
        );
    }
    let pairs = matrix(&mut page, report);
    settings(&mut page, report);
    let _ = writeln!(page, "<section id=\"notes\"><h2>Notes</h2><ul>");
    for note in &report.notes {
        let _ = writeln!(page, "<li>{}</li>", escape(note));
    }
    let _ = writeln!(page, "</ul></section>\n</main>");
    let data = json!({
        "cluster": report.cluster,
        "region": region,
        "passed": report.passed(),
        "warnings": report.warnings(),
        "findings": report.findings(),
        "notJudged": report.unknowns(),
        "pairs": pairs,
    });
    // `</` never closes the script element: JSON allows `<\/`.
    let data = serde_json::to_string(&data).expect("plain JSON").replace("</", "<\\/");
    let _ = writeln!(page, "<script type=\"application/json\" id=\"eksharden-data\">{data}</script>");
    let _ = writeln!(page, "<script>{SCRIPT}</script>\n</body></html>");
    page
}

/// The checks that did not pass, worst first, one line per check as the table has them
/// (the flows of one id together), each with what decided it.
fn findings(page: &mut String, report: &Report) {
    let _ = writeln!(page, "<section id=\"findings\"><h2>Findings and warnings</h2><ul class=\"checks\">");
    let lines = lines(report);
    let mut shown = 0;
    for status in [Status::Fail, Status::Unknown, Status::Warn] {
        for line in lines.iter().filter(|l| l.status == status) {
            item(page, status, line.id, &summary(line), line.citation);
            shown += 1;
        }
    }
    if shown == 0 {
        let _ = writeln!(page, "<li>Every check passed.</li>");
    }
    let _ = writeln!(page, "</ul></section>");
}

fn item(page: &mut String, status: Status, id: &str, line: &str, citation: &str) {
    let _ = writeln!(
        page,
        "<li>{} <span class=\"id\">{}</span> {} <small>[{}]</small></li>",
        badge(status),
        escape(id),
        escape(line),
        escape(citation)
    );
}

/// The flows by role pair: a row per source role, a column per destination, each cell a
/// button with the pair's worst verdict that opens its reasons. Returns the pairs' data.
fn matrix(page: &mut String, report: &Report) -> BTreeMap<String, Vec<Value>> {
    let mut sources: Vec<&str> = Vec::new();
    let mut destinations: Vec<&str> = Vec::new();
    for flow in &report.flows {
        if !sources.contains(&flow.source.as_str()) {
            sources.push(&flow.source);
        }
        if !destinations.contains(&flow.destination.as_str()) {
            destinations.push(&flow.destination);
        }
    }
    let key = |s: usize, d: usize| format!("{s}-{d}");
    let mut pairs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut worst: BTreeMap<String, Status> = BTreeMap::new();
    for flow in &report.flows {
        let s = sources.iter().position(|x| *x == flow.source).expect("listed");
        let d = destinations.iter().position(|x| *x == flow.destination).expect("listed");
        pairs.entry(key(s, d)).or_default().push(check_data(flow));
        let status = worst.entry(key(s, d)).or_insert(Status::Pass);
        *status = (*status).max(flow.status);
    }
    let _ = writeln!(
        page,
        "<section id=\"matrix\"><h2>Flows by role pair</h2><p>Rows are sources, columns destinations; choose a cell for its reasons.</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">from \\ to</th>"
    );
    for destination in &destinations {
        let _ = write!(page, "<th scope=\"col\">{}</th>", escape(destination));
    }
    let _ = writeln!(page, "</tr></thead><tbody>");
    for (s, source) in sources.iter().enumerate() {
        let _ = write!(page, "<tr><th scope=\"row\">{}</th>", escape(source));
        for (d, destination) in destinations.iter().enumerate() {
            match (worst.get(&key(s, d)), pairs.get(&key(s, d))) {
                (Some(status), Some(checks)) => {
                    let _ = write!(
                        page,
                        "<td><button type=\"button\" class=\"cell {}\" data-pair=\"{}\" aria-controls=\"reasons\" aria-label=\"{} to {}: {}, {} check(s)\">{} {}</button></td>",
                        class(*status),
                        key(s, d),
                        escape(source),
                        escape(destination),
                        word(*status),
                        checks.len(),
                        word(*status),
                        checks.len()
                    );
                }
                _ => page.push_str("<td></td>"),
            }
        }
        let _ = writeln!(page, "</tr>");
    }
    let _ = writeln!(
        page,
        "</tbody></table></div><div id=\"reasons\" role=\"region\" aria-live=\"polite\" aria-label=\"reasons\" tabindex=\"-1\">Choose a cell to see its reasons.</div></section>"
    );
    pairs
}

/// A flow check as the page's data holds it: its verdict and every pair's reasons.
fn check_data(flow: &FlowCheck) -> Value {
    let reasons: Vec<String> = flow
        .cells
        .iter()
        .flat_map(|c| {
            let words = if c.explanation.is_empty() { vec![word(c.status).to_owned()] } else { c.explanation.clone() };
            words.into_iter().map(move |w| format!("{} -> {}: {w}", c.source, c.destination))
        })
        .collect();
    json!({ "id": flow.id, "title": flow.title, "status": class(flow.status), "citation": flow.citation, "reasons": reasons })
}

/// The settings checked beside the flows.
fn settings(page: &mut String, report: &Report) {
    let _ = writeln!(
        page,
        "<section id=\"posture\"><h2>Settings</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">verdict</th><th scope=\"col\">check</th><th scope=\"col\">what was found</th></tr></thead><tbody>"
    );
    for check in &report.posture {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td><span class=\"id\">{}</span><br>{}</td><td>{}</td></tr>",
            badge(check.status),
            escape(check.id),
            escape(&check.title),
            escape(&check.details.join("; "))
        );
    }
    let _ = writeln!(page, "</tbody></table></div></section>");
}

fn badge(status: Status) -> String {
    format!("<span class=\"badge {}\">{}</span>", class(status), word(status))
}

fn class(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Unknown => "unknown",
        Status::Fail => "fail",
    }
}

/// `text` safe in HTML text and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
