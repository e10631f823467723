//! What the commands that call AWS share: the runtime, the connection, the progress display
//! and the confirmation prompt.

use std::io::{BufRead, IsTerminal};

use eksharden_aws::progress::Silent;
use eksharden_aws::{Aws, AwsError, Progress, Settings};

use crate::args::Global;
use crate::exit::Exit;
use crate::output::Output;
use crate::progress::{Bars, Lines};

/// The AWS settings of the global options.
pub fn settings(global: &Global) -> Settings {
    Settings {
        region: global.region.clone(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
    }
}

/// Runs `future` to completion on a single-threaded runtime (the deployer drives all stacks
/// from one task).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime").block_on(future)
}

/// Connects to AWS in the region of `--region`, else of the spec, else of the SDK's chain
/// (the profile's, `AWS_DEFAULT_REGION`). Without one, or with one that is no region name,
/// says how to give it and returns the exit code.
pub async fn connect(global: &Global, spec_region: Option<&str>, out: &mut Output<'_>) -> Result<Aws, Exit> {
    match Aws::connect(&settings(global), spec_region).await {
        Ok(aws) if eksharden_spec::values::is_region(&aws.region) => {
            tracing::debug!(region = %aws.region, "connected to AWS");
            Ok(aws)
        }
        Ok(aws) => {
            out.error(&format!("the region `{}` from the AWS configuration is not an AWS region name", aws.region));
            out.hint("fix `region` in the profile, or pass --region");
            Err(Exit::Input)
        }
        Err(error) => {
            out.error(&error.to_string());
            out.hint("pass --region, set AWS_REGION, or set `region` in the AWS profile");
            Err(Exit::Input)
        }
    }
}

/// The progress display that fits: nothing when quiet, live lines on a terminal, plain
/// lines otherwise. It borrows the output until dropped.
pub fn progress<'a>(out: &'a mut Output, global: &Global) -> Box<dyn Progress + 'a> {
    if out.quiet {
        Box::new(Silent)
    } else if out.terminal && !global.no_progress {
        Box::new(Bars::new())
    } else {
        Box::new(Lines::new(out.stderr, global.verbose > 0))
    }
}

/// Runs `work` until it ends, or until the user interrupts the run (Ctrl-C, SIGINT): then
/// `None`, and what AWS was asked to do goes on without us.
pub async fn interruptible<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    tokio::select! {
        done = work => Some(done),
        _ = tokio::signal::ctrl_c() => None,
    }
}

/// What an interrupted run leaves: the stacks CloudFormation goes on with, those never
/// started, and how to finish.
pub fn report_interrupted(running: &[String], not_started: &[String], out: &mut Output) {
    out.error("interrupted");
    if !running.is_empty() {
        out.note(&format!("  still in progress in CloudFormation (they go on): {}", running.join(", ")));
    }
    if !not_started.is_empty() {
        out.note(&format!("  not started: {}", not_started.join(", ")));
    }
    out.hint("run the same command again: it waits for what is in progress and finishes the job");
}

/// Asks `question` on a terminal; anywhere else (CI, pipes) the answer is yes, as `--yes`.
pub fn confirm(question: &str, yes: bool, out: &mut Output) -> bool {
    if yes || !std::io::stdin().is_terminal() {
        return true;
    }
    let _ = write!(out.stderr, "{question} [y/N] ");
    let _ = out.stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

/// Prints an AWS error after `context`, with a hint when no credentials were found.
pub fn report_aws_error(out: &mut Output, context: &str, error: &AwsError) {
    out.error(&format!("{context}{error}"));
    if error.is_missing_credentials() {
        out.hint(
            "no AWS credentials were found: pass --profile, run `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        );
    }
}
