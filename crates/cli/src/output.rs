//! Where output goes and how it looks: data to stdout, messages to stderr, colour and
//! source snippets only on a terminal.

use std::io::Write;

use eksharden_spec::diagnostic::Plain;
use eksharden_spec::{Diagnostic, Severity, SourceFile};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// The output streams of a run and how to write to them.
pub struct Output<'a> {
    /// Data: rendered templates, schemas, JSON reports.
    pub stdout: &'a mut dyn Write,
    /// Messages: progress, warnings, errors.
    pub stderr: &'a mut dyn Write,
    /// Whether stderr is a terminal (snippets and colour) or not (plain lines).
    pub terminal: bool,
    /// Whether colour is allowed (`NO_COLOR` unset).
    pub colour: bool,
    /// `--quiet`: errors only.
    pub quiet: bool,
}

impl Output<'_> {
    /// Writes a message line to stderr unless quiet. Write errors to stderr are ignored:
    /// there is nowhere left to report them.
    pub fn note(&mut self, line: &str) {
        if !self.quiet {
            let _ = writeln!(self.stderr, "{line}");
        }
    }

    /// Writes an error line to stderr.
    pub fn error(&mut self, line: &str) {
        let _ = writeln!(self.stderr, "error: {line}");
    }

    /// Writes diagnostics of a spec file: with the offending line on a terminal, as
    /// `file:line:column: level: message` lines otherwise. Warnings are skipped when quiet.
    pub fn diagnostics(&mut self, source: &SourceFile, diagnostics: &[Diagnostic]) {
        for diagnostic in diagnostics {
            if self.quiet && diagnostic.severity == Severity::Warning {
                continue;
            }
            let text = if self.terminal {
                self.graphical(source, diagnostic)
            } else {
                format!("{}\n", Plain { file: &source.name, diagnostic })
            };
            let _ = write!(self.stderr, "{text}");
        }
    }

    fn graphical(&self, source: &SourceFile, diagnostic: &Diagnostic) -> String {
        let location = diagnostic.location;
        let mut report = MietteDiagnostic::new(diagnostic.message.clone())
            .with_severity(match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            })
            .with_label(LabeledSpan::at(location.offset..location.offset + location.len, "here"));
        if let Some(hint) = &diagnostic.hint {
            report = report.with_help(hint.clone());
        }
        let report = Report::new(report).with_source_code(NamedSource::new(&source.name, source.text.clone()));
        let theme = if self.colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let mut text = String::new();
        match GraphicalReportHandler::new_themed(theme).render_report(&mut text, report.as_ref()) {
            Ok(()) => text,
            Err(_) => format!("{}\n", Plain { file: &source.name, diagnostic }),
        }
    }
}
