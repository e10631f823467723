//! `-vv`: eksharden's log lines on stderr through `tracing` (which AWS account region it works
//! in, what discovery read, what each hardening step planned), with the AWS SDK's and
//! kube-rs's own notices. `-v` is the report's every reason and every progress event; `-vv`
//! adds these lines. What signs requests (and so sees credentials) is never logged.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// How many `-v` the command line has (`-v`, `-vv`, `--verbose`, each counted), as the
/// binary reads it before the command runs: the log is the process's, so the binary installs
/// it, never a run of the CLI inside another program (the tests run it in-process).
pub fn verbosity(args: &[std::ffi::OsString]) -> u8 {
    let mut count = 0u8;
    for arg in args.iter().skip(1).filter_map(|a| a.to_str()).take_while(|a| *a != "--") {
        if arg == "--verbose" {
            count = count.saturating_add(1);
        } else if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty() && f.chars().all(|c| c == 'v')) {
            count = count.saturating_add(u8::try_from(flags.len()).unwrap_or(u8::MAX));
        }
    }
    count
}

/// Installs the log from `-vv` on (once per process); with fewer `-v`, nothing is logged.
pub fn init(verbose: u8, colour: bool) {
    if verbose < 2 {
        return;
    }
    let targets = Targets::new()
        .with_target("eksharden_cli", LevelFilter::DEBUG)
        .with_target("aws_smithy_runtime", LevelFilter::INFO)
        .with_target("aws_config", LevelFilter::INFO)
        .with_target("kube_client", LevelFilter::INFO)
        .with_target("aws_sigv4", LevelFilter::OFF)
        .with_default(LevelFilter::WARN);
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(colour).compact();
    let _ = tracing_subscriber::registry().with(lines.with_filter(targets)).try_init();
}

#[cfg(test)]
mod tests {
    use super::verbosity;

    #[test]
    fn each_v_counts_and_nothing_after_the_end_of_options() {
        let args = |words: &[&str]| words.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(verbosity(&args(&["eksharden", "verify", "x"])), 0);
        assert_eq!(verbosity(&args(&["eksharden", "-v", "verify", "x"])), 1);
        assert_eq!(verbosity(&args(&["eksharden", "verify", "x", "-vv"])), 2);
        assert_eq!(verbosity(&args(&["eksharden", "--verbose", "verify", "-v"])), 2);
        assert_eq!(verbosity(&args(&["eksharden", "verify", "--", "-vv"])), 0);
        assert_eq!(verbosity(&args(&["eksharden", "validate", "-f", "-vv.yaml"])), 0);
    }
}
