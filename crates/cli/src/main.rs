//! The `eksharden` binary.

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let terminal = stderr.is_terminal();
    let mut output = eksharden_cli::output::Output {
        stdout: &mut stdout.lock(),
        stderr: &mut stderr.lock(),
        terminal,
        colour: terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        quiet: false,
        verbose: 0,
    };
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    eksharden_cli::logging::init(eksharden_cli::logging::verbosity(&args), output.colour);
    eksharden_cli::run(args, &mut output).into()
}
