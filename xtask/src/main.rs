//! `cargo xtask`: project automation.
//!
//! - `setup`: install the pinned Python tools the tests use (cfn-lint) into their virtual
//!   environment under the target directory.
//! - `test`: `setup`, then every test of the workspace. This is the README's test command.
//! - `demo`: the main job on the local AWS emulator: start moto (with eksharden's plugin),
//!   `eksharden create -f examples/full.yaml` (which ends with the verification report),
//!   show that a dry run finds nothing to change, then delete it; then the second half of the
//!   job: a cluster built by hand (terraform-aws-eks's shape, tagged as eksctl tags its
//!   clusters) is verified, `harden` shows its plan and applies it, and `verify` runs again.
//! - `schema [--check]`: write `schema/eksharden.schema.json`, or check it is current.
//! - `bench deploy`: `create` of a spec with four node groups against the emulator with
//!   simulated per-stack latency: when each stack starts and ends, and how soon the end of
//!   each is noticed.
//! - `bench engine`: the reachability engine's whole cluster flow matrix on synthetic VPCs of
//!   50 to 5,000 interfaces (`cargo bench -p eksharden-net`, optimised build).

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use integration_tests::python::PythonEnv;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup().map(|_| ()),
        Some("test") => test(&args[1..]),
        Some("demo") => demo(),
        Some("schema") => schema(args.get(1).is_some_and(|a| a == "--check")),
        Some("bench") if args.get(1).is_some_and(|a| a == "deploy") => setup().and_then(|_| bench::deploy()),
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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn setup() -> Result<PythonEnv, String> {
    eprintln!("xtask: installing the pinned Python tools (first run only)");
    PythonEnv::ensure()
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

fn demo() -> Result<(), String> {
    setup()?;
    integration_tests::cli::isolate_from_real_aws();
    let moto = integration_tests::moto::Moto::start();
    eprintln!("xtask: the AWS emulator listens on {}", moto.endpoint());
    run(cargo().args(["build", "--quiet", "-p", "eksharden-cli"]))?;
    let binary = integration_tests::cli::binary();
    let spec = root().join("examples").join("full.yaml");
    let spec = spec.to_str().ok_or("the repository path is not UTF-8")?;
    let kubeconfig = root().join("target").join("demo").join("kubeconfig");
    let eksharden = |args: &[&str]| {
        let mut command = Command::new(&binary);
        command.args(args).args(["--endpoint-url", &moto.endpoint()]);
        command
    };
    run(eksharden(&[
        "create",
        "-f",
        spec,
        "--yes",
        "--kubeconfig",
        kubeconfig.to_str().ok_or("the target path is not UTF-8")?,
    ])
    .arg("-v"))?;
    println!("\nthe kubeconfig entry is in {}", kubeconfig.display());
    run(&mut eksharden(&["create", "--dry-run", "-f", spec]))?;
    run(&mut eksharden(&["delete", "-f", spec, "--yes"]))?;
    harden_demo(&moto.endpoint(), &eksharden)?;
    eksctl_demo(&moto.endpoint(), &eksharden)
}

/// The second half of the job: a cluster eksharden did not make, verified, hardened and
/// verified again. The steps that need the cluster API are left out: the emulator has none.
fn harden_demo(endpoint: &str, eksharden: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let (cluster, region) = ("legacy", "eu-west-1");
    println!(
        "\n== {cluster}: a cluster built by hand, as terraform-aws-eks builds one and tagged as eksctl tags its own"
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let settings = eksharden_aws::Settings { endpoint_url: Some(endpoint.to_owned()), ..Default::default() };
    let aws = runtime.block_on(eksharden_aws::Aws::connect(&settings, Some(region))).map_err(|e| e.to_string())?;
    runtime.block_on(integration_tests::shapes::hand_made(
        &aws,
        cluster,
        &[("alpha.eksctl.io/cluster-name", cluster)],
    ))?;
    let only = "creator-role,public-addresses,ssh-ingress,ssh-keys,imds,network-acl,endpoint-access,logging,\
                secrets-encryption,tags";
    let with = |args: &[&str]| {
        let mut command = eksharden(args);
        command.args(["--region", region]);
        command
    };
    println!("\n== verify {cluster}, before (findings expected: exit 1)");
    expect(&mut with(&["verify", cluster]), 1)?;
    println!("\n== harden {cluster}: the plan (nothing changes without --apply)");
    expect(&mut with(&["harden", cluster, "--only", only]), 1)?;
    println!("\n== harden {cluster} --apply --replace-node-groups");
    run(&mut with(&["harden", cluster, "--only", only, "--apply", "--yes", "--replace-node-groups"]))?;
    println!("\n== verify {cluster}, after");
    run(&mut with(&["verify", cluster]))
}

/// A cluster as eksctl makes it, through CloudFormation: verified, planned (each change with
/// its stack and ClusterConfig field), hardened with its managed node groups replaced, and
/// verified again. What is left is the self-managed group's nodes, which only its Auto
/// Scaling group can replace.
fn eksctl_demo(endpoint: &str, eksharden: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let (cluster, region) = ("by-eksctl", "eu-west-1");
    println!("\n== {cluster}: a cluster built through CloudFormation as eksctl builds one");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let settings = eksharden_aws::Settings { endpoint_url: Some(endpoint.to_owned()), ..Default::default() };
    let aws = runtime.block_on(eksharden_aws::Aws::connect(&settings, Some(region))).map_err(|e| e.to_string())?;
    let built = runtime.block_on(integration_tests::eksctl_stacks::build(&aws, cluster))?;
    println!("stacks: {}, {}", built.cluster_stack, built.nodegroup_stacks.join(", "));
    let only = "public-addresses,ssh-ingress,ssh-keys,imds,network-acl,endpoint-access,logging,secrets-encryption,tags";
    let with = |args: &[&str]| {
        let mut command = eksharden(args);
        command.args(["--region", region]);
        command
    };
    println!("\n== verify {cluster}, before (findings expected: exit 1)");
    expect(&mut with(&["verify", cluster]), 1)?;
    println!("\n== harden {cluster}: the plan, with the stack and ClusterConfig field of each change");
    expect(&mut with(&["harden", cluster, "--only", only]), 1)?;
    println!("\n== harden {cluster} --apply --replace-node-groups");
    expect(&mut with(&["harden", cluster, "--only", only, "--apply", "--yes", "--replace-node-groups"]), 1)?;
    println!("\n== verify {cluster}, after: left is ng-workers' hop limit, for its Auto Scaling group to replace");
    expect(&mut with(&["verify", cluster]), 1)
}

/// Runs `command` and checks it exits with `code`.
fn expect(command: &mut Command, code: i32) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.code() == Some(code) {
        Ok(())
    } else {
        Err(format!("{command:?} exited with {status}, not {code}"))
    }
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
