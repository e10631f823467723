//! `eksharden create`: deploy the stacks, wait for the cluster, write the kubeconfig entry,
//! then verify the cluster as `eksharden verify` does; its result is the exit code.

use std::time::{Duration, Instant};

use eksharden_aws::stacks::{self, DeployOptions, Preview, StackOutcome};
use eksharden_aws::{cluster, Aws};
use eksharden_harden::{KubeAccess, Outcome, StepId, Target};
use eksharden_plan::{plan, Plan};
use eksharden_spec::model::{ClusterSpec, NodeGroupType, Principal, CLUSTER_TAG, ZONES_FROM_REGION};
use eksharden_spec::{LoadedSpec, ValidSpec};

use super::aws::{block_on, confirm, connect, interruptible, progress, report_aws_error, report_interrupted};
use super::load_checked;
use super::verify::policy_input;
use crate::args::{CreateArgs, Global, ReportFormat};
use crate::exit::Exit;
use crate::kubeconfig;
use crate::output::Output;
use crate::progress::Tracked;

/// How long the cluster and node groups get to become active after their stacks.
const ACTIVE_LIMIT: Duration = Duration::from_secs(40 * 60);

/// Runs `create`.
pub fn run(args: &CreateArgs, global: &Global, out: &mut Output) -> Exit {
    let loaded = match load_checked(&args.file, out) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let kubeconfigs = kubeconfig::files(args.kubeconfig.as_deref());
    if !args.dry_run {
        // Refused before anything is created: the entry could not be written at the end.
        if let Err(error) = kubeconfig::check(&kubeconfigs) {
            out.error(&error.to_string());
            out.hint("name another file with --kubeconfig");
            return Exit::Input;
        }
    }
    block_on(async {
        let aws = match connect(global, Some(&loaded.spec.metadata.region), out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        let spec = match completed(&aws, &loaded, out).await {
            Ok(spec) => spec,
            Err(exit) => return exit,
        };
        let spec = &spec;
        let plan = plan(spec);
        if args.dry_run {
            return dry_run(&aws, &plan, out).await;
        }
        let question = format!("create cluster {} in {} ({} stacks)?", plan.cluster, aws.region, plan.stacks.len());
        if !confirm(&question, args.yes, out) {
            out.note("nothing was changed");
            return Exit::Input;
        }
        let started = Instant::now();
        let options =
            DeployOptions { tags: vec![(CLUSTER_TAG.to_owned(), plan.cluster.clone())], ..DeployOptions::default() };
        let (report, running, not_started) = {
            let progress = progress(out, global);
            let tracked = Tracked::new(progress.as_ref());
            let report = interruptible(stacks::deploy(&aws, &plan, &tracked, &options)).await;
            let running = tracked.running();
            let not_started: Vec<String> = plan
                .stacks
                .iter()
                .map(|s| s.kind.short_name())
                .filter(|s| !tracked.is_finished(s) && !running.contains(s))
                .collect();
            (report, running, not_started)
        };
        let Some(report) = report else {
            report_interrupted(&running, &not_started, out);
            return Exit::Interrupted;
        };
        if !report.is_complete() {
            report_failures(&report, out);
            return Exit::Infrastructure;
        }
        let managed: Vec<String> =
            spec.node_groups.iter().filter(|g| g.kind == NodeGroupType::Managed).map(|g| g.name.clone()).collect();
        let summary = match cluster::wait_active(&aws, &plan.cluster, &managed, ACTIVE_LIMIT).await {
            Ok(summary) => summary,
            Err(error) => {
                report_aws_error(out, "the stacks are complete but ", &error);
                return Exit::Infrastructure;
            }
        };
        let actions: Vec<String> = report
            .outcomes
            .iter()
            .map(|(stack, outcome)| match outcome {
                StackOutcome::Done { action, .. } => format!("{stack} {}", action.verb()),
                _ => format!("{stack} ?"),
            })
            .collect();
        out.note(&format!(
            "cluster {} is active in {} ({:.1} s)",
            plan.cluster,
            aws.region,
            started.elapsed().as_secs_f64()
        ));
        out.note(&format!("  stacks: {}", actions.join(", ")));
        let access = match (summary.private_endpoint, summary.public_endpoint) {
            (true, false) => "private only",
            (true, true) => "private, and public from the listed CIDRs",
            (false, true) => "public from the listed CIDRs",
            (false, false) => "no access",
        };
        out.note(&format!("  endpoint: {} ({access})", summary.endpoint));
        let mut not_done = Vec::new();
        if kubeconfigs.is_empty() {
            out.note("  kubeconfig: not written (no --kubeconfig, $KUBECONFIG or $HOME)");
        } else {
            let exec = kubeconfig::exec(&plan.cluster, &aws.region, global.profile.as_deref());
            match kubeconfig::write_entry(&kubeconfigs, &summary, exec) {
                Ok(written) => out.note(&format!("  kubeconfig: {} (context {})", shown_paths(&written), summary.arn)),
                Err(error) => {
                    out.error(&format!("the kubeconfig entry was not written: {error}"));
                    not_done.push("the kubeconfig entry (run `aws eks update-kubeconfig` or `eksharden create` again)");
                }
            }
        }
        let kube = match args.kube_endpoint.as_deref() {
            Some(url) => Some(super::harden::cluster_api(&aws, &plan.cluster, Some(url)).await),
            None => None,
        };
        let client = match &kube {
            Some(reached) => reached.as_ref().map(|k| k.client.clone()).map_err(Clone::clone),
            None => Err("not asked for (--kube-endpoint)".to_owned()),
        };
        if kube.is_none() && spec.pod_networking.separates_pods() {
            // Custom networking's ENIConfigs and security groups for pods' policies are
            // Kubernetes objects: until they are applied, the selected pods stay on their
            // nodes' interfaces, and with custom networking nodes give pods no address.
            out.note(&format!(
                "  pod networking: the ENIConfigs or SecurityGroupPolicies need the cluster API: `eksharden harden {} --only pod-networking --kube-endpoint URL --apply`",
                plan.cluster
            ));
        }
        let hardened = harden_after_stacks(&aws, &plan.cluster, spec, kube, out).await;
        // The proof: read the cluster back and check every flow and setting.
        let input = policy_input(spec);
        let verified =
            super::verify::verify(&aws, &plan.cluster, &input, client, ReportFormat::Table, false, out).await;
        if !hardened {
            not_done.push("a hardening step (see above; `eksharden harden` finishes it)");
        }
        if not_done.is_empty() {
            return verified;
        }
        out.error(&format!("not done: {}", not_done.join("; ")));
        Exit::Infrastructure
    })
}

fn shown_paths(paths: &[std::path::PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

async fn dry_run(aws: &Aws, plan: &Plan, out: &mut Output<'_>) -> Exit {
    let previews = match stacks::preview(aws, plan).await {
        Ok(previews) => previews,
        Err(error) => {
            report_aws_error(out, "", &error);
            return Exit::Infrastructure;
        }
    };
    let _ = writeln!(out.stdout, "dry run: cluster {} in {}; nothing was changed", plan.cluster, aws.region);
    for (stack, preview) in previews {
        let line = match preview {
            Preview::Create => "create".to_owned(),
            Preview::Unchanged => "unchanged".to_owned(),
            Preview::Replace => "replace (ROLLBACK_COMPLETE: delete, then create)".to_owned(),
            Preview::Blocked { status } => format!("blocked: the stack is {status}"),
            Preview::Update { added, removed, modified, parameters } => {
                let mut parts = Vec::new();
                for (label, ids) in
                    [("add", added), ("remove", removed), ("modify", modified), ("parameters", parameters)]
                {
                    if !ids.is_empty() {
                        parts.push(format!("{label} {}", ids.join(", ")));
                    }
                }
                format!("update: {}", parts.join("; "))
            }
        };
        let _ = writeln!(out.stdout, "  {stack:<24} {line}");
    }
    Exit::Ok
}

fn report_failures(report: &stacks::DeployReport, out: &mut Output) {
    for (stack, outcome) in &report.outcomes {
        match outcome {
            StackOutcome::Failed(failure) => {
                out.error(&failure.to_string());
                out.hint(&failure.advice);
            }
            StackOutcome::Error(error) => report_aws_error(out, &format!("stack {stack}: "), error),
            StackOutcome::Skipped { needed } => out.error(&format!("stack {stack} was not started: it needs {needed}")),
            StackOutcome::Done { .. } => {}
        }
    }
}

/// The spec with what the loader left to `create`: an existing VPC read and checked before
/// anything is written, the region's zones when it names none (as EC2 lists them for EKS),
/// and the caller as admin for an eksctl file that names none (as eksctl makes its creator
/// the administrator); each said. A spec that leaves nothing to `create` is kept.
async fn completed(aws: &Aws, loaded: &LoadedSpec, out: &mut Output<'_>) -> Result<ValidSpec, Exit> {
    let spec = &loaded.spec;
    if !spec.vpc.zones_from_region && !spec.access.admins_from_caller && spec.vpc.existing.is_none() {
        return Ok(spec.clone());
    }
    let mut spec = spec.clone().into_inner();
    if let Some(existing) = spec.vpc.existing.clone() {
        spec = in_existing_vpc(aws, spec, &existing.id, loaded, out).await?;
    }
    if spec.vpc.zones_from_region {
        let zones = match eksharden_aws::zones::for_eks(aws, ZONES_FROM_REGION).await {
            Ok(zones) => zones,
            Err(error) => {
                report_aws_error(out, "cannot choose the cluster's zones: ", &error);
                return Err(Exit::Infrastructure);
            }
        };
        out.note(&format!(
            "zones: {} (the spec names none; chosen from those {} offers to EKS)",
            zones.join(", "),
            aws.region
        ));
        spec.vpc.availability_zones = zones;
        spec.vpc.zones_from_region = false;
    }
    if spec.access.admins_from_caller {
        let arn = match eksharden_aws::identity::caller_principal(aws).await {
            Ok(arn) => arn,
            Err(error) => {
                report_aws_error(out, "cannot name the caller as the cluster's admin: ", &error);
                return Err(Exit::Infrastructure);
            }
        };
        out.note(&format!("admin: {arn} (the file names none; the identity that creates the cluster, as with eksctl)"));
        let arn = arn.parse().map_err(|e| {
            out.error(&format!("the caller's ARN `{arn}`: {e}"));
            Exit::Infrastructure
        })?;
        spec.access.admins = vec![Principal { arn }];
        spec.access.admins_from_caller = false;
    }
    ValidSpec::check(spec).map_err(|errors| {
        for error in errors {
            out.error(&format!("as completed for create: {}: {}", error.path, error.message));
        }
        Exit::Input
    })
}

/// The spec taken into its existing VPC (its block, zones, subnet ids and route tables), or
/// every reason it cannot go there, located at the spec's fields, before any write.
async fn in_existing_vpc(
    aws: &Aws,
    spec: ClusterSpec,
    id: &str,
    loaded: &LoadedSpec,
    out: &mut Output<'_>,
) -> Result<ClusterSpec, Exit> {
    let facts = match eksharden_aws::existing_vpc::read(aws, id).await {
        Ok(facts) => facts,
        Err(error) => {
            report_aws_error(out, &format!("cannot read the VPC {id}: "), &error);
            return Err(Exit::Infrastructure);
        }
    };
    match eksharden_spec::existing::resolve(spec, &facts) {
        Ok((spec, warnings)) => {
            out.diagnostics(loaded.source(), &loaded.locate(warnings));
            let private =
                spec.vpc.existing.as_ref().and_then(|e| e.resolved.as_ref()).map(|r| r.private_subnet_ids.join(", "));
            out.note(&format!(
                "vpc: {id} ({}), node subnets {} in {}",
                spec.vpc.cidr,
                private.unwrap_or_default(),
                spec.vpc.availability_zones.join(", ")
            ));
            Ok(spec)
        }
        Err(errors) => {
            out.diagnostics(loaded.source(), &loaded.locate(errors));
            out.hint("nothing was created: fix the spec or the VPC and run `eksharden create` again");
            Err(Exit::Input)
        }
    }
}

/// The hardening steps the stacks do not already make true: above all the creator role,
/// stripped now that the cluster exists (STACKROX-EKS, "Dedicated IAM Role for EKS Cluster Creation"), and the cluster tag on the
/// security group EKS made. With the cluster API (`--kube-endpoint`, reached or not), also the Kubernetes
/// steps for the spec's admins and viewers (`system:masters` goes only once they are
/// proven); without it the private endpoint is out of reach and `eksharden harden` runs them.
/// Returns whether every step completed.
async fn harden_after_stacks(
    aws: &Aws,
    cluster: &str,
    spec: &ClusterSpec,
    kube: Option<Result<KubeAccess, String>>,
    out: &mut Output<'_>,
) -> bool {
    let mut only: Vec<StepId> = StepId::all().filter(|s| s.after_create()).collect();
    // In a VPC eksharden did not make, the node-subnet ACL guard is no stack's: its subnets
    // move to a guarded copy of their ACL, as `harden` does, reported (and `delete` moves them back).
    if spec.vpc.existing.is_some() && spec.hardening.ssh.nacl {
        only.extend(StepId::parse("network-acl"));
    }
    // The cluster security group is EKS's, made with the cluster: closed down here, when asked.
    if spec.hardening.close_cluster_security_group {
        only.extend(StepId::parse("cluster-security-group"));
    }
    if kube.is_some() {
        only.extend(StepId::all().filter(|s| s.needs_cluster_api()));
    }
    let kube = kube.unwrap_or_else(|| Err("not asked for (--kube-endpoint)".to_owned()));
    let arns = |principals: &[Principal]| principals.iter().map(|p| p.arn.to_string()).collect();
    let options = eksharden_harden::Options {
        only,
        admins: arns(&spec.access.admins),
        viewers: arns(&spec.access.viewers),
        guarded_ports: spec.hardening.ssh.guarded_ports.iter().map(|p| p.get()).collect(),
        close_cluster_security_group: spec.hardening.close_cluster_security_group,
        ..eksharden_harden::Options::default()
    };
    let target = Target { aws, cluster, kube };
    let plans = eksharden_harden::plan(&target, &options).await;
    let results = eksharden_harden::apply(&target, &options, plans).await;
    for result in &results {
        out.note(&format!("  {}: {}", result.plan.step.id(), super::harden::outcome_line(&result.outcome)));
    }
    results.iter().all(|r| matches!(r.outcome, Outcome::Unchanged | Outcome::Applied(_)))
}
