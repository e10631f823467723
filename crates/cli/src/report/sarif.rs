//! The report as SARIF 2.1.0: one rule per check id, one result per check, `pass` results
//! included so dashboards can show what was verified.

use eksharden_net::report::{Report, Status};
use serde_json::{json, Value};

use super::items;

/// The SARIF log.
pub fn render(report: &Report) -> Value {
    let items = items(report);
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<&str> = Vec::new();
    for item in &items {
        if !rule_ids.contains(&item.id) {
            rule_ids.push(item.id);
            rules.push(json!({
                "id": item.id,
                "shortDescription": { "text": item.title },
                "properties": { "source": item.citation, "category": item.group },
            }));
        }
    }
    let results: Vec<Value> = items
        .iter()
        .map(|item| {
            let (kind, level) = match item.status {
                Status::Pass => ("pass", "none"),
                status if report.is_finding(status) => ("fail", if status == Status::Fail { "error" } else { "warning" }),
                _ => ("review", "warning"),
            };
            json!({
                "ruleId": item.id,
                "ruleIndex": rule_ids.iter().position(|id| *id == item.id),
                "kind": kind,
                "level": level,
                "message": { "text": format!("{}: {}", item.title, item.details.join("; ")) },
                "locations": [{ "logicalLocations": [{ "name": report.cluster, "kind": "resource", "fullyQualifiedName": format!("eks/{}", report.cluster) }] }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "eksharden", "version": env!("CARGO_PKG_VERSION"), "rules": rules } },
            "results": results,
        }],
    })
}
