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
    /// `-v` (1), `-vv` (2): the report's every pair and reason, and progress's every event.
    pub verbose: u8,
}

impl Output<'_> {
    /// Writes a message line to stderr unless quiet. Write errors to stderr are ignored:
    /// there is nowhere left to report them.
    pub fn note(&mut self, line: &str) {
        if !self.quiet {
            let _ = writeln!(self.stderr, "{}", redact_userinfo(line));
        }
    }

    /// Writes an error line to stderr.
    pub fn error(&mut self, line: &str) {
        let _ = writeln!(self.stderr, "error: {}", redact_userinfo(line));
    }

    /// Writes a `hint:` line under the message before it.
    pub fn hint(&mut self, line: &str) {
        let _ = writeln!(self.stderr, "  hint: {line}");
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

/// `text` with the user and password of every URL in it (`https://user:secret@host`)
/// replaced by `***`: a secret given in `--kube-endpoint` or `AWS_ENDPOINT_URL` is never
/// printed back, whichever message carries the URL.
pub fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end =
            tail.find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '\'').unwrap_or(tail.len());
        match tail[..authority_end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***");
                rest = &tail[userinfo_end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_userinfo;

    #[test]
    fn userinfo_is_redacted_wherever_a_url_stands() {
        assert_eq!(
            redact_userinfo("https://admin:s3cret@10.0.0.1:6443/api: refused"),
            "https://***@10.0.0.1:6443/api: refused"
        );
        assert_eq!(
            redact_userinfo("invalid value 'ftp://u:p@x' for '--kube-endpoint'"),
            "invalid value 'ftp://***@x' for '--kube-endpoint'"
        );
        assert_eq!(redact_userinfo("a http://h/x@y b http://t@h"), "a http://h/x@y b http://***@h");
        assert_eq!(redact_userinfo("no url: user@host"), "no url: user@host");
    }
}
