//! The main job on the local AWS emulator (`cargo xtask demo`): start moto with eksharden's
//! plugin, `eksharden create -f examples/full.yaml` (which ends with the verification
//! report), show that a dry run finds nothing to change, then delete it; then the second half
//! of the job: a cluster built by hand (terraform-aws-eks's shape, tagged as eksctl tags its
//! clusters) and one built through CloudFormation as eksctl builds one are verified,
//! `harden` shows its plan and applies it, and `verify` runs again. No call leaves the machine.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn demo() -> Result<(), String> {
    integration_tests::python::PythonEnv::ensure()?;
    integration_tests::cli::isolate_from_real_aws();
    let moto = integration_tests::moto::Moto::start();
    eprintln!("xtask: the AWS emulator listens on {}", moto.endpoint());
    let binary = integration_tests::cli::binary();
    let spec = integration_tests::cli::repo_root().join("examples").join("full.yaml");
    let spec = spec.to_str().ok_or("the repository path is not UTF-8")?;
    let kubeconfig = integration_tests::cli::repo_root().join("target").join("demo").join("kubeconfig");
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
