//! One module per command.

mod aws;
pub mod create;
pub mod delete;
pub mod fleet;
pub mod graph;
pub mod harden;
pub mod render;
pub mod token;
pub mod validate;
pub mod verify;

use std::io::Read;
use std::path::Path;

use eksharden_spec::{LoadedSpec, SourceFile};

use crate::exit::Exit;
use crate::output::Output;

/// Reads and validates a spec file, printing its warnings, or its errors and the exit code.
pub fn load_spec(
    path: &Path,
    out: &mut Output,
) -> Result<(SourceFile, LoadedSpec), (SourceFile, Vec<eksharden_spec::Diagnostic>, Exit)> {
    let name = path.display().to_string();
    let text = if name == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let source = match text {
        Ok(text) => SourceFile { name, text },
        Err(error) => {
            out.error(&format!("cannot read {name}: {error}"));
            return Err((SourceFile { name, text: String::new() }, Vec::new(), Exit::Input));
        }
    };
    match eksharden_spec::load_as_of(&source, Some(eksharden_aws::clock::today())) {
        Ok(loaded) => Ok((source, loaded)),
        Err(rejected) => Err((source, rejected.diagnostics, Exit::Input)),
    }
}

/// Reads a spec for a command that acts on it: prints its warnings, or its errors and
/// returns the exit code.
pub fn load_checked(path: &Path, out: &mut Output) -> Result<LoadedSpec, Exit> {
    match load_spec(path, out) {
        Ok((source, loaded)) => {
            out.diagnostics(&source, &loaded.warnings);
            Ok(loaded)
        }
        Err((source, diagnostics, exit)) => {
            out.diagnostics(&source, &diagnostics);
            Err(exit)
        }
    }
}
