//! `cargo xtask`: project automation.
//!
//! - `setup`: install the pinned Python tools the tests use (moto, cfn-lint) into their
//!   virtual environment under the target directory, and Chromium (the Debian package) for
//!   the report's browser test when it is missing.
//! - `test`: `setup`, then every test of the workspace. This is the README's test command.
//! - `demo`: the main job on the local AWS emulator: start moto (with eksharden's plugin),
//!   `eksharden create -f examples/full.yaml` (which ends with the verification report),
//!   show that a dry run finds nothing to change, then delete it; then the second half of the
//!   job: a cluster built by hand (terraform-aws-eks's shape) and one built through
//!   CloudFormation as eksctl builds one are verified, `harden` shows its plan and applies
//!   it, and `verify` runs again.
//! - `schema [--check]`: write `schema/eksharden.schema.json`, or check it is current.
//! - `bench deploy`: `create` of a spec with four node groups against the emulator with
//!   simulated per-stack latency: when each stack starts and ends, and how soon the end of
//!   each is noticed.
//! - `bench engine`: the reachability engine's whole cluster flow matrix on synthetic VPCs of
//!   50 to 100,000 interfaces, with peak resident memory (`cargo bench -p eksharden-net`,
//!   optimised build).
//!
//! What needs the AWS SDKs or the emulator (setup, the demo, the deploy benchmark) is a
//! binary of the harness crate (`integration-tests/src/bin`), run through cargo: xtask itself
//! builds without the SDKs, so `schema` and `bench engine` never build them.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("test") => test(&args[1..]),
        Some("demo") => harness("demo"),
        Some("schema") => schema(args.get(1).is_some_and(|a| a == "--check")),
        Some("bench") if args.get(1).is_some_and(|a| a == "deploy") => harness("bench_deploy"),
        Some("bench") if args.get(1).is_some_and(|a| a == "engine") => {
            run(cargo().args(["bench", "-p", "eksharden-net", "--bench", "engine"]))
        }
        _ => Err("usage: cargo xtask <setup | test [CARGO TEST ARGS] | demo | schema [--check] | bench deploy|engine>"
            .into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace: where `cargo run` says xtask is (a binary built from another clone into a
/// shared target directory must not work on that clone), else where it was built.
fn root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    Path::new(&manifest_dir).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn setup() -> Result<(), String> {
    eprintln!("xtask: installing the pinned Python tools and Chromium (first run only)");
    harness("setup")
}

/// Runs a binary of the test harness crate (`integration-tests/src/bin`), which holds what
/// needs the AWS SDKs and the emulator, so that xtask itself builds without them.
fn harness(name: &str) -> Result<(), String> {
    run(cargo().args(["run", "--quiet", "-p", "integration-tests", "--bin", name]))
}

/// A cargo command without the package variables `cargo run` gave this process: build
/// scripts that watch them (ring's watches `CARGO_MANIFEST_DIR`) would otherwise rerun and
/// rebuild everything above them whenever cargo is started from elsewhere.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    for (name, _) in std::env::vars() {
        if name.starts_with("CARGO_") && name != "CARGO_HOME" && name != "CARGO_TARGET_DIR" {
            command.env_remove(name);
        }
    }
    command
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn test(extra: &[String]) -> Result<(), String> {
    setup()?;
    run(cargo().args(["test", "--workspace"]).args(extra))
}

fn schema(check: bool) -> Result<(), String> {
    let path = root().join("schema").join("eksharden.schema.json");
    let current = serde_json::to_string_pretty(&eksharden_spec::json_schema()).expect("plain JSON") + "\n";
    if check {
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        return if written == current {
            Ok(())
        } else {
            Err(format!("{} is stale: run `cargo xtask schema`", path.display()))
        };
    }
    std::fs::create_dir_all(path.parent().expect("a folder")).map_err(|e| e.to_string())?;
    std::fs::write(&path, current).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
