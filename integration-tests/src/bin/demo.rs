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

/// The second half of the job: a cluster eksharden did not make, built by hand (as
/// terraform-aws-eks builds one, tagged as eksctl tags its own), verified, hardened and
/// verified again, clean. The steps that need the cluster API are left out: the emulator has
/// none.
fn harden_demo(endpoint: &str, eksharden: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let (cluster, region) = ("legacy", "eu-west-1");
    println!(
        "\n== {cluster}: a cluster built by hand, as terraform-aws-eks builds one and tagged as eksctl tags its own"
    );
    let (runtime, aws) = emulator(endpoint, region)?;
    runtime.block_on(integration_tests::shapes::hand_made(
        &aws,
        cluster,
        &[("alpha.eksctl.io/cluster-name", cluster)],
    ))?;
    let walk = Walkthrough { eksharden, cluster, region, only: &format!("creator-role,{AWS_STEPS}") };
    walk.show("the plan (nothing changes without --apply)", (0, "after"))
}

/// A cluster as eksctl makes it, through CloudFormation: verified, planned (each change with
/// its stack and ClusterConfig field), hardened with its managed node groups replaced, and
/// verified again. What is left is the self-managed group's nodes, which only its Auto
/// Scaling group can replace.
fn eksctl_demo(endpoint: &str, eksharden: &dyn Fn(&[&str]) -> Command) -> Result<(), String> {
    let (cluster, region) = ("by-eksctl", "eu-west-1");
    println!("\n== {cluster}: a cluster built through CloudFormation as eksctl builds one");
    let (runtime, aws) = emulator(endpoint, region)?;
    let built = runtime.block_on(integration_tests::eksctl_stacks::build(&aws, cluster))?;
    println!("stacks: {}, {}", built.cluster_stack, built.nodegroup_stacks.join(", "));
    let walk = Walkthrough { eksharden, cluster, region, only: AWS_STEPS };
    let left = "after: left is ng-workers' hop limit, for its Auto Scaling group to replace";
    walk.show("the plan, with the stack and ClusterConfig field of each change", (1, left))
}

/// The hardening steps that work through the AWS APIs alone (less the creator role, which a
/// cluster eksharden did not make may not have).
const AWS_STEPS: &str = "public-addresses,ssh-ingress,ssh-keys,imds,network-acl,endpoint-access,logging,flow-logs,\
    cloudtrail,session-manager,secrets-encryption,tags";

/// An SDK client of the emulator in `region`, with a runtime to drive the cluster builders.
fn emulator(endpoint: &str, region: &str) -> Result<(tokio::runtime::Runtime, eksharden_aws::Aws), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let settings = eksharden_aws::Settings { endpoint_url: Some(endpoint.to_owned()), ..Default::default() };
    let aws = runtime.block_on(eksharden_aws::Aws::connect(&settings, Some(region))).map_err(|e| e.to_string())?;
    Ok((runtime, aws))
}

/// `verify`, `harden`'s plan, `harden --apply --replace-node-groups` and `verify` again on
/// one cluster.
struct Walkthrough<'a> {
    eksharden: &'a dyn Fn(&[&str]) -> Command,
    cluster: &'a str,
    region: &'a str,
    only: &'a str,
}

impl Walkthrough<'_> {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = (self.eksharden)(args);
        command.args(["--region", self.region]);
        command
    }

    /// Runs the four commands; the findings left at the end give the last two exit codes.
    fn show(&self, plan: &str, (left, after): (i32, &str)) -> Result<(), String> {
        let (cluster, only) = (self.cluster, self.only);
        println!("\n== verify {cluster}, before (findings expected: exit 1)");
        expect(&mut self.command(&["verify", cluster]), 1)?;
        println!("\n== harden {cluster}: {plan}");
        expect(&mut self.command(&["harden", cluster, "--only", only]), 1)?;
        println!("\n== harden {cluster} --apply --replace-node-groups");
        expect(
            &mut self.command(&["harden", cluster, "--only", only, "--apply", "--yes", "--replace-node-groups"]),
            left,
        )?;
        println!("\n== verify {cluster}, {after}");
        expect(&mut self.command(&["verify", cluster]), left)
    }
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
