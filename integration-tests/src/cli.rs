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
    isolate_from_real_aws();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut output =
        Output { stdout: &mut stdout, stderr: &mut stderr, terminal: false, colour: false, quiet: false, verbose: 0 };
    let exit = eksharden_cli::run(std::iter::once("eksharden").chain(args.iter().copied()), &mut output);
    Run { exit, stdout: String::from_utf8_lossy(&stdout).into(), stderr: String::from_utf8_lossy(&stderr).into() }
}

/// The repository root (the parent of `integration-tests/`).
pub fn repo_root() -> std::path::PathBuf {
    crate_dir().parent().expect("integration-tests sits in the repository").to_path_buf()
}

/// The names of the example specs (`examples/NAME.yaml`), sorted: every test that goes over
/// the examples goes over all of them.
pub fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .expect("the examples folder")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".yaml").map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// The harness crate's folder: where cargo says it is when it runs a test (a library built
/// from another clone into a shared target directory would name that clone), else where it
/// was built.
pub fn crate_dir() -> std::path::PathBuf {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => dir.into(),
        None => env!("CARGO_MANIFEST_DIR").into(),
    }
}

/// Dummy credentials and no instance metadata, so nothing ever reaches a real AWS endpoint
/// or 169.254.169.254, and the tests' fixed day; set once for the whole test process.
pub fn isolate_from_real_aws() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for (key, value) in TEST_AWS_ENVIRONMENT {
            std::env::set_var(key, value);
        }
        for key in ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"] {
            std::env::remove_var(key);
        }
    });
}

/// The environment of every run the tests make: dummy AWS credentials and no instance
/// metadata, and a fixed day, so that what depends on the date (a Kubernetes version's
/// support) is the same whenever the tests run.
pub const TEST_AWS_ENVIRONMENT: [(&str, &str); 6] = [
    ("AWS_ACCESS_KEY_ID", "AKIDEKSHARDENTEST"),
    ("AWS_SECRET_ACCESS_KEY", "eksharden-test-secret"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/nonexistent/eksharden-test-config"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/eksharden-test-credentials"),
    ("EKSHARDEN_TODAY", "2026-11-29"),
];

/// The `eksharden` binary, built on first use (for tests that need a real process to kill).
pub fn binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let target = crate::python::target_dir().expect("the target directory");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut command = std::process::Command::new(cargo);
            // The whole workspace with its tests: the same feature unification as
            // `cargo test --workspace`, so nothing is compiled twice; and without the
            // package variables cargo gave this test (ring's build script watches
            // `CARGO_MANIFEST_DIR`, and would rebuild everything above it).
            command.args(["build", "--quiet", "--workspace", "--tests", "--bins"]);
            for (name, _) in std::env::vars() {
                if name.starts_with("CARGO_") && name != "CARGO_HOME" {
                    command.env_remove(name);
                }
            }
            let status =
                command.env("CARGO_TARGET_DIR", &target).current_dir(repo_root()).status().expect("cargo runs");
            assert!(status.success(), "building the eksharden binary failed");
            target.join("debug").join("eksharden")
        })
        .clone()
}
