//! Running the `eksharden` command line in-process, capturing what it prints.

use eksharden_cli::exit::Exit;
use eksharden_cli::output::Output;

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub exit: Exit,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

/// Runs `eksharden ARGS…` as a non-terminal process would see it: plain messages, no colour.
pub fn eksharden(args: &[&str]) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut output = Output { stdout: &mut stdout, stderr: &mut stderr, terminal: false, colour: false, quiet: false };
    let exit = eksharden_cli::run(std::iter::once("eksharden").chain(args.iter().copied()), &mut output);
    Run { exit, stdout: String::from_utf8_lossy(&stdout).into(), stderr: String::from_utf8_lossy(&stderr).into() }
}

/// The repository root (the parent of `integration-tests/`).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests sits in the repository")
        .to_path_buf()
}
