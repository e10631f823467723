//! The `eksharden` command line: argument parsing, output and exit codes over the library
//! crates. [`run`] is the whole program; `main` only connects it to the process.

pub mod args;
pub mod commands;
pub mod exit;
pub mod graph;
pub mod kubeconfig;
pub mod logging;
pub mod output;
pub mod progress;
pub mod report;

use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::exit::Exit;
use crate::output::Output;

/// Runs the command line `args` (program name first) against the given output.
pub fn run<I, T>(args: I, out: &mut Output) -> Exit
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let exit = if error.use_stderr() { Exit::Input } else { Exit::Ok };
            let rendered =
                if out.colour && out.terminal { error.render().ansi().to_string() } else { error.render().to_string() };
            let rendered = output::redact_userinfo(&rendered);
            let _ =
                if error.use_stderr() { write!(out.stderr, "{rendered}") } else { write!(out.stdout, "{rendered}") };
            return exit;
        }
    };
    out.quiet = cli.global.quiet;
    out.verbose = cli.global.verbose;
    match &cli.command {
        Command::Validate(args) => commands::validate::run(args, out),
        Command::Render(args) => commands::render::run(args, out),
        Command::Create(args) => commands::create::run(args, &cli.global, out),
        Command::Delete(args) => commands::delete::run(args, &cli.global, out),
        Command::Verify(args) => commands::verify::run(args, &cli.global, out),
        Command::Token(args) => commands::token::run(args, &cli.global, out),
        Command::Harden(args) => commands::harden::run(args, &cli.global, out),
        Command::Graph(args) => commands::graph::run(args, &cli.global, out),
        Command::Schema => {
            let schema = eksharden_spec::json_schema();
            let _ = writeln!(out.stdout, "{}", serde_json::to_string_pretty(&schema).expect("plain JSON"));
            Exit::Ok
        }
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "eksharden", &mut out.stdout);
            Exit::Ok
        }
    }
}
