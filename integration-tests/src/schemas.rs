//! The reports' formats checked against their schemas: SARIF 2.1.0 against the OASIS schema,
//! JUnit XML against `schemas/junit.xsd` (the format's rules; JUnit publishes no schema),
//! through `schemas/validate.py` in the harness's Python environment.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::python::PythonEnv;

/// A report format with a schema.
#[derive(Debug, Clone, Copy)]
pub enum Schema {
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

/// What in `document` the schema refuses, one line each (none: it is valid).
pub fn violations(schema: Schema, document: &str) -> Vec<String> {
    let python = PythonEnv::ensure().expect("the Python tools install");
    let kind = match schema {
        Schema::Sarif => "sarif",
        Schema::Junit => "junit",
    };
    let script = crate::cli::crate_dir().join("schemas/validate.py");
    let mut child = Command::new(python.bin("python"))
        .arg(script)
        .arg(kind)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child.stdin.take().expect("a pipe").write_all(document.as_bytes()).expect("the report is handed over");
    let output = child.wait_with_output().expect("python ends");
    let said = String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect::<Vec<_>>();
    match output.status.code() {
        Some(0) => Vec::new(),
        Some(1) if !said.is_empty() => said,
        _ => panic!("the validator failed: {}", String::from_utf8_lossy(&output.stderr)),
    }
}
