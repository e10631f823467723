//! `cargo xtask bench deploy`: `create` of a spec with four node groups against the emulator
//! with simulated per-stack latency: when each stack starts and ends, and how soon the end
//! of each is noticed.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use eksharden_aws::stacks::{deploy as deploy_stacks, DeployOptions};
use eksharden_aws::{Aws, Progress, Settings, StackAction, StackEvent};
use eksharden_spec::{load, SourceFile};
use integration_tests::moto::{Moto, MotoOptions};

/// How long each stack takes in the emulator.
const STACK_SECONDS: f64 = 5.0;

/// Records when each stack starts and ends.
#[derive(Default)]
struct Timeline {
    origin: Option<Instant>,
    marks: RefCell<Vec<(String, &'static str, Duration)>>,
}

impl Timeline {
    fn mark(&self, stack: &str, what: &'static str) {
        let at = self.origin.expect("started").elapsed();
        self.marks.borrow_mut().push((stack.to_owned(), what, at));
    }

    fn at(&self, stack: &str, what: &str) -> f64 {
        self.marks
            .borrow()
            .iter()
            .find(|(s, w, _)| s == stack && *w == what)
            .map(|(_, _, t)| t.as_secs_f64())
            .unwrap_or(f64::NAN)
    }
}

impl Progress for Timeline {
    fn started(&self, stack: &str, _: StackAction) {
        self.mark(stack, "start");
    }
    fn event(&self, _: &str, _: &StackEvent) {}
    fn finished(&self, stack: &str, _: StackAction, _: &str, _: bool) {
        self.mark(stack, "end");
    }
}

const SPEC: &str = "apiVersion: eksharden.dev/v1alpha1
kind: Cluster
metadata: {name: bench, region: eu-west-1}
vpc:
  cidr: 10.30.0.0/16
  availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]
  bastion: {cidr: 10.30.250.0/24, allowSshFrom: [203.0.113.0/24]}
access: {admins: [{arn: 'arn:aws:iam::111122223333:role/admin'}]}
nodeGroups:
  - {name: one}
  - {name: two}
  - {name: three, type: selfManaged}
  - {name: four, type: selfManaged}
";

/// `create` of four node groups with every stack taking `STACK_SECONDS`.
fn main() -> std::process::ExitCode {
    let ready = integration_tests::python::PythonEnv::ensure().map(|_| ());
    match ready.and_then(|()| deploy()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench deploy: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn deploy() -> Result<(), String> {
    integration_tests::cli::isolate_from_real_aws();
    let moto = Moto::start_with(&MotoOptions { stack_seconds: Some(STACK_SECONDS), ..MotoOptions::default() });
    let spec = load(&SourceFile { name: "bench.yaml".into(), text: SPEC.into() })
        .map_err(|r| format!("{:?}", r.diagnostics))?
        .spec;
    let plan = eksharden_plan::plan(&spec);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let aws = runtime
        .block_on(Aws::connect(
            &Settings { endpoint_url: Some(moto.endpoint()), ..Settings::default() },
            Some(&plan.region),
        ))
        .map_err(|e| e.to_string())?;
    let timeline = Timeline { origin: Some(Instant::now()), ..Timeline::default() };
    let report = runtime.block_on(deploy_stacks(&aws, &plan, &timeline, &DeployOptions::default()));
    let total = timeline.origin.expect("started").elapsed().as_secs_f64();
    if !report.is_complete() {
        return Err(format!("the deployment failed: {:?}", report.outcomes));
    }
    println!("create of {} stacks, each taking {STACK_SECONDS} s in the emulator\n", plan.stacks.len());
    println!("| stack | starts (s) | ends (s) | noticed after completion (s) |");
    println!("|---|---|---|---|");
    let mut lags = Vec::new();
    for stack in &plan.stacks {
        let name = stack.kind.short_name();
        let (start, end) = (timeline.at(&name, "start"), timeline.at(&name, "end"));
        let lag = end - start - STACK_SECONDS;
        lags.push(lag);
        println!("| {name} | {start:.2} | {end:.2} | {lag:.2} |");
    }
    let depth = eksharden_plan::waves(&plan.stacks).map_err(|e| e.to_string())?.len();
    let node_groups: Vec<(f64, f64)> = plan
        .stacks
        .iter()
        .filter(|s| s.kind.short_name().starts_with("nodegroup-"))
        .map(|s| (timeline.at(&s.kind.short_name(), "start"), timeline.at(&s.kind.short_name(), "end")))
        .collect();
    let latest_start = node_groups.iter().map(|(s, _)| *s).fold(f64::MIN, f64::max);
    let earliest_end = node_groups.iter().map(|(_, e)| *e).fold(f64::MAX, f64::min);
    let last = plan.stacks.iter().zip(&lags).max_by(|a, b| {
        timeline.at(&a.0.kind.short_name(), "end").total_cmp(&timeline.at(&b.0.kind.short_name(), "end"))
    });
    println!();
    println!(
        "total: {total:.2} s; critical path: {depth} stacks deep, {:.1} s of stack time",
        depth as f64 * STACK_SECONDS
    );
    println!("node-group stacks all run at once: the last starts at {latest_start:.2} s, before the first ends at {earliest_end:.2} s: {}", latest_start < earliest_end);
    if let Some((stack, lag)) = last {
        println!("time after the last stack ({}) completes in the emulator: {lag:.2} s", stack.kind.short_name());
    }
    println!(
        "completion noticed after: mean {:.2} s, max {:.2} s",
        lags.iter().sum::<f64>() / lags.len() as f64,
        lags.iter().copied().fold(f64::MIN, f64::max)
    );
    Ok(())
}
