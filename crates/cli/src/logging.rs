//! `-vv`: eksharden's log lines on stderr through `tracing` (which AWS account region it works
//! in, what discovery read, what each hardening step planned), with the AWS SDK's and
//! kube-rs's own notices. `-v` is the report's every reason and every progress event; `-vv`
//! adds these lines. What signs requests (and so sees credentials) is never logged.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

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
    // A second run in one process (the tests run the CLI in-process) keeps the first log.
    let _ = tracing_subscriber::registry().with(lines.with_filter(targets)).try_init();
}
