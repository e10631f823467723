//! `eksharden harden <cluster>`: for each step, the current state, the wanted state and the
//! change; nothing changes without `--apply`. After applying, the cluster is verified and
//! that is the exit code, unless a step could not inspect or failed (exit 3: incomplete).

use eksharden_aws::{discover, token, Aws};
use eksharden_harden::step::Planned;
use eksharden_harden::{Change, KubeAccess, Outcome, StepPlan, Target};
use eksharden_net::policy::PolicyInput;
use eksharden_net::posture::VersionSupport;

use super::aws::{block_on, confirm, connect, interruptible};
use crate::args::{Global, HardenArgs, HardenFormat, ReportFormat};
use crate::exit::Exit;
use crate::output::{redact_userinfo, Output};
use crate::report::{self, PlanStep};

/// Runs `harden`.
pub fn run(args: &HardenArgs, global: &Global, out: &mut Output) -> Exit {
    if !args.guard_ports.contains(&22) {
        out.error("--guard-ports must include 22 (SSH, STACKROX-EKS)");
        return Exit::Input;
    }
    if args.apply && args.output == HardenFormat::Html {
        out.error("--format html writes the plan; apply with --format text or json");
        return Exit::Input;
    }
    let text = |values: &[eksharden_spec::values::Arn]| values.iter().map(|v| v.as_str().to_owned()).collect();
    let options = eksharden_harden::Options {
        public_cidrs: args.public_cidrs.iter().map(ToString::to_string).collect(),
        admins: text(&args.admin_roles),
        viewers: text(&args.viewer_roles),
        only: args.only.clone(),
        replace_node_groups: args.replace_node_groups,
        kms_key: args.kms_key.as_ref().map(|key| key.as_str().to_owned()),
        guarded_ports: args.guard_ports.clone(),
        close_cluster_security_group: args.close_cluster_security_group,
    };
    block_on(async {
        let aws = match connect(global, None, out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        let kube = if options.steps().iter().any(|s| s.needs_cluster_api()) {
            cluster_api(&aws, &args.cluster, args.kube_endpoint.as_deref()).await
        } else {
            Err("not needed by the steps chosen".to_owned())
        };
        let target = Target { aws: &aws, cluster: &args.cluster, kube };
        let plans = eksharden_harden::plan(&target, &options).await;
        for plan in &plans {
            let planned = match &plan.planned {
                Planned::Compliant => "compliant",
                Planned::Changes(_) => "changes",
                Planned::CannotInspect(_) => "cannot inspect",
            };
            tracing::debug!(step = plan.step.id(), planned, "planned");
        }
        print_plans(&plans, &options, &args.cluster, args.output, out);
        report_version(&aws, &args.cluster, out).await;
        let to_do: usize = plans.iter().map(|p| p.automated(&options).len()).sum();
        let blind = plans.iter().any(|p| matches!(p.planned, Planned::CannotInspect(_)) || !p.unread.is_empty());
        if !args.apply {
            out.note(&format!("{to_do} change(s) planned; nothing was changed (run with --apply to make them)"));
            return if blind {
                Exit::Infrastructure
            } else if plans.iter().all(|p| p.planned == Planned::Compliant) {
                Exit::Ok
            } else {
                Exit::Findings
            };
        }
        if to_do > 0 && !confirm(&format!("make {to_do} change(s) to cluster {}?", args.cluster), args.yes, out) {
            out.note("nothing was changed");
            return Exit::Input;
        }
        // Each step's outcome is printed as soon as it is known: an interrupted run shows
        // how far it got, and running it again picks up from the state it left.
        if args.output == HardenFormat::Text {
            let _ = writeln!(out.stdout, "applying:");
        }
        let mut results = Vec::new();
        for plan in plans {
            let step = plan.step;
            let Some(result) = interruptible(eksharden_harden::apply_step(&target, &options, plan)).await else {
                out.error(&format!("interrupted during step {}; the steps above it are done", step.id()));
                out.hint("run the same command again: each step looks afresh and makes only what is still to do");
                return Exit::Interrupted;
            };
            if args.output == HardenFormat::Text {
                let _ = writeln!(out.stdout, "{:<18} {}", result.plan.step.id(), outcome_line(&result.outcome));
                let _ = out.stdout.flush();
            }
            results.push(result);
        }
        if args.output == HardenFormat::Json {
            let _ = writeln!(out.stdout, "{}", serde_json::to_string_pretty(&results).expect("plain data"));
        }
        let incomplete = results
            .iter()
            .any(|r| matches!(r.outcome, Outcome::CannotInspect(_) | Outcome::Failed(_)) || !r.plan.unread.is_empty());
        // With JSON output, stdout is JSON documents only: the plans, the results, the report.
        let report = if args.output == HardenFormat::Json { ReportFormat::Json } else { ReportFormat::Table };
        let client = target.kube.as_ref().map(|k| k.client.clone()).map_err(Clone::clone);
        let input = PolicyInput::discovered(&args.guard_ports);
        let verified = super::verify::verify(&aws, &args.cluster, &input, client, report, false, out).await;
        if incomplete {
            out.error("the run was incomplete: some steps could not inspect or did not hold (see above)");
            Exit::Infrastructure
        } else {
            verified
        }
    })
}

/// The cluster API with the caller's EKS token, or why it cannot be reached.
pub(crate) async fn cluster_api(aws: &Aws, cluster: &str, endpoint: Option<&str>) -> Result<KubeAccess, String> {
    let (url, ca) = match endpoint {
        Some(url) => (url.to_owned(), None),
        None => {
            let info = discover::cluster_endpoint(aws, cluster)
                .await
                .map_err(|e| format!("{}: {}", e.operation, e.message))?;
            (info.0, Some(info.1))
        }
    };
    let token = token::token(aws, cluster, None).await.map_err(|e| format!("{}: {}", e.operation, e.message))?;
    // The URL may carry a user and password (unused: the token authenticates); no message shows them.
    let client =
        eksharden_kube::connect(&url, ca.as_deref(), &token.token).map_err(|e| redact_userinfo(&e.to_string()))?;
    eksharden_kube::reachable(&client).await.map_err(|e| redact_userinfo(&format!("{url}: {e}")))?;
    Ok(KubeAccess { client, endpoint: url, ca })
}

fn print_plans(
    plans: &[StepPlan],
    options: &eksharden_harden::Options,
    cluster: &str,
    format: HardenFormat,
    out: &mut Output,
) {
    if format == HardenFormat::Json {
        let _ = writeln!(out.stdout, "{}", serde_json::to_string_pretty(plans).expect("plain data"));
        return;
    }
    let steps: Vec<PlanStep> = plans
        .iter()
        .map(|plan| {
            let (mark, detail): (&str, Vec<String>) = match &plan.planned {
                Planned::Compliant => ("ok", Vec::new()),
                Planned::Changes(changes) => {
                    ("change", changes.iter().flat_map(|c| change_lines(plan, options, c)).collect())
                }
                Planned::CannotInspect(why) => ("cannot inspect", vec![why.clone()]),
            };
            let mut lines: Vec<String> = plan.current.iter().map(|line| format!("    now:  {line}")).collect();
            lines.extend(plan.unread.iter().map(|line| format!("    cannot inspect: {line}")));
            lines.extend(detail);
            PlanStep { id: plan.step.id(), title: plan.step.title(), mark, lines }
        })
        .collect();
    if format == HardenFormat::Html {
        let _ = out.stdout.write_all(report::plan_page(cluster, &steps).as_bytes());
        return;
    }
    for step in steps {
        let _ = writeln!(out.stdout, "{:<18} {:<15} {}", step.id, step.mark, step.title);
        for line in step.lines {
            let _ = writeln!(out.stdout, "{line}");
        }
    }
}

/// Says where the cluster's Kubernetes version stands when it is past standard support:
/// upgrades are the owner's (eksharden does not upgrade clusters), but the cost and the date
/// are worth knowing.
async fn report_version(aws: &eksharden_aws::Aws, cluster: &str, out: &mut Output<'_>) {
    let Ok(Some(fact)) = discover::kubernetes_version(aws, cluster).await else { return };
    let standing = match &fact.support {
        VersionSupport::Standard { .. } => return,
        VersionSupport::Extended { until, cost } => format!("is in extended support until {until} ({cost})"),
        VersionSupport::Ended { on } => {
            format!("is past its extended support (ended {on}); EKS upgrades such clusters itself")
        }
        VersionSupport::Unknown => "is not in eksharden's calendar of EKS versions".to_owned(),
    };
    out.note(&format!("Kubernetes {} {standing}", fact.version));
    out.hint("eksharden does not upgrade clusters: upgrade it with the tool that made it");
}

/// A planned change in words: what it does, whether it is made, and who else manages what
/// it touches (the stack that owns it, the eksctl field that keeps it).
fn change_lines(plan: &StepPlan, options: &eksharden_harden::Options, change: &Change) -> Vec<String> {
    let refused = plan.refused.iter().find(|r| &r.change == change);
    let mut lines = vec![match (change.not_applied(options), refused) {
        (_, Some(refused)) => format!("    plan: {change} (refused: {})", refused.why),
        (Some(why), None) => format!("    plan: {change} (reported only: {why})"),
        (None, None) => format!("    plan: {change}"),
    }];
    for owned in plan.ownership.iter().filter(|o| &o.change == change) {
        if let Some(stack) = &owned.stack {
            lines.push(format!(
                "          owned by stack {stack}: it will differ from the stack's template, and an update of the stack may undo it"
            ));
        }
        if let Some(field) = owned.cluster_config {
            lines.push(format!("          eksctl: set {field} in the ClusterConfig, so that eksctl keeps it"));
        }
    }
    lines
}

/// A step's outcome in words.
pub(crate) fn outcome_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Unchanged => "unchanged".to_owned(),
        Outcome::Applied(remarks) if remarks.is_empty() => "applied, and it held".to_owned(),
        Outcome::Applied(remarks) => format!("applied, and it held; {}", remarks.join("; ")),
        Outcome::NotApplied(why) => format!("applied what it could; {}", why.join("; ")),
        Outcome::Failed(why) => format!("FAILED: {why}"),
        Outcome::CannotInspect(why) => format!("not changed: {why}"),
    }
}
