//! `eksharden validate`: parse and validate a spec.

use eksharden_spec::{Diagnostic, Dialect, Severity};
use serde_json::json;

use super::load_spec;
use crate::args::{Format, SpecArgs};
use crate::exit::Exit;
use crate::output::Output;

/// Runs `validate`.
pub fn run(args: &SpecArgs, out: &mut Output) -> Exit {
    let (source, diagnostics, exit, summary) = match load_spec(&args.file, out) {
        Ok((source, loaded)) => {
            let dialect = match loaded.dialect {
                Dialect::Eksharden => "eksharden.dev/v1alpha1",
                Dialect::Eksctl => "eksctl ClusterConfig, translated",
            };
            let spec = &loaded.spec;
            let summary = format!(
                "{}: valid ({dialect}): cluster {} in {}, {} zones, {} node group(s)",
                source.name,
                spec.metadata.name,
                spec.metadata.region,
                spec.vpc.availability_zones.len(),
                spec.node_groups.len()
            );
            (source, loaded.warnings, Exit::Ok, Some(summary))
        }
        Err((source, diagnostics, exit)) => (source, diagnostics, exit, None),
    };
    match args.output {
        Format::Text => {
            out.diagnostics(&source, &diagnostics);
            if let Some(summary) = summary {
                out.note(&summary);
            }
        }
        Format::Json => {
            let document = json!({
                "file": source.name,
                "valid": exit == Exit::Ok,
                "diagnostics": diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
            });
            let _ = writeln!(out.stdout, "{}", serde_json::to_string_pretty(&document).expect("plain JSON"));
        }
    }
    exit
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": d.message,
        "hint": d.hint,
        "path": d.path.as_ref().map(ToString::to_string),
        "line": d.location.line,
        "column": d.location.column,
    })
}
