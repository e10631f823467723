//! Problems found in a spec, located in its file.

use std::fmt;

use crate::path::Path;
use crate::source::{Location, Positions, SourceFile};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The spec is still used; the user should know (an eksctl field that was dropped).
    Warning,
    /// The spec is rejected.
    Error,
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// What to do about it, if there is something to say.
    pub hint: Option<String>,
    /// The path of the offending value in the document, if it has one.
    pub path: Option<Path>,
    /// Where in the file.
    pub location: Location,
}

impl Diagnostic {
    /// Whether this diagnostic rejects the spec.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A diagnostic before it is located: the message, its path and whether it points at the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The value concerned.
    pub path: Path,
    /// Point at the mapping key rather than the value (unknown fields, duplicates).
    pub at_key: bool,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Finding {
    /// An error at the value of `path`.
    pub fn error(path: Path, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, path, at_key: false, message: message.into(), hint: None }
    }

    /// A warning at the value of `path`.
    pub fn warning(path: Path, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(path, message) }
    }

    /// Whether this finding rejects the spec.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The same finding with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same finding, pointing at the key of its path.
    pub fn at_key(mut self) -> Self {
        self.at_key = true;
        self
    }

    /// Places the finding in `source`.
    pub fn locate(self, source: &SourceFile, positions: &Positions) -> Diagnostic {
        let location = positions.locate(&source.text, &self.path, self.at_key);
        Diagnostic {
            severity: self.severity,
            message: self.message,
            hint: self.hint,
            path: (!self.path.is_root()).then_some(self.path),
            location,
        }
    }
}

/// Writes a diagnostic as plain text: `file:line:column: error: message`, then a hint line.
pub struct Plain<'a> {
    /// The file the diagnostic is in.
    pub file: &'a str,
    /// The diagnostic.
    pub diagnostic: &'a Diagnostic,
}

impl fmt::Display for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {level}: {}", self.file, d.location.line, d.location.column, d.message)?;
        if let Some(path) = &d.path {
            write!(f, " (at {path})")?;
        }
        if let Some(hint) = &d.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}
