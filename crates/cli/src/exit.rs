//! Exit codes, the same for every command.

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything passed.
    Ok = 0,
    /// The run worked and found problems (verification findings).
    Findings = 1,
    /// The input or the command line was wrong; nothing was changed.
    Input = 2,
    /// Something outside failed: a file could not be written, AWS or Kubernetes failed.
    Infrastructure = 3,
    /// Interrupted (SIGINT, Ctrl-C), as shells report it: 128 + 2.
    Interrupted = 130,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}
