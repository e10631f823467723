//! `eksharden delete`: delete a cluster's stacks in reverse order and list what is left.

use eksharden_aws::inventory;
use eksharden_aws::stacks::{self, Polling};
use eksharden_spec::model::CLUSTER_TAG;

use super::aws::{block_on, confirm, connect, interruptible, progress, report_aws_error, report_interrupted};
use super::load_checked;
use crate::args::{DeleteArgs, Global};
use crate::exit::Exit;
use crate::output::Output;
use crate::progress::Tracked;

/// Runs `delete`.
pub fn run(args: &DeleteArgs, global: &Global, out: &mut Output) -> Exit {
    let (cluster, default_region) = match (&args.cluster, &args.file) {
        (Some(cluster), _) => (cluster.clone(), None),
        (None, Some(file)) => match load_checked(file, out) {
            Ok(loaded) => (loaded.spec.metadata.name.clone(), Some(loaded.spec.metadata.region.clone())),
            Err(exit) => return exit,
        },
        (None, None) => unreachable!("clap requires a cluster or a file"),
    };
    block_on(async {
        let aws = match connect(global, default_region.as_deref(), out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        if !confirm(
            &format!("delete cluster {cluster} in {} and everything eksharden created for it?", aws.region),
            args.yes,
            out,
        ) {
            out.note("nothing was changed");
            return Exit::Input;
        }
        // The stacks are deleted through the creator role, stripped after creation.
        match eksharden_aws::creator::regrant(&aws, &cluster).await {
            Ok(true) => out.note(&format!(
                "re-granted the creator role {} for the deletion (it was stripped after creation)",
                eksharden_aws::creator::role_name(&cluster)
            )),
            Ok(false) => {}
            Err(error) => {
                report_aws_error(out, "cannot re-grant the creator role for the deletion: ", &error);
                return Exit::Infrastructure;
            }
        }
        // Subnets eksharden did not make go back to the ACL they had before the SSH guard.
        match eksharden_aws::acls::restore_guarded_subnets(&aws, &cluster).await {
            Ok(moved) if !moved.is_empty() => {
                out.note(&format!("moved subnets {} back to the network ACL they had", moved.join(", ")))
            }
            Ok(_) => {}
            Err(error) => {
                report_aws_error(out, "cannot move the guarded subnets back to their network ACL: ", &error);
                return Exit::Infrastructure;
            }
        }
        let tag = (CLUSTER_TAG, cluster.as_str());
        let (report, running) = {
            let progress = progress(out, global);
            let tracked = Tracked::new(progress.as_ref());
            let report = interruptible(stacks::delete(&aws, &cluster, tag, &tracked, Polling::default())).await;
            (report, tracked.running())
        };
        let report = match report {
            None => {
                report_interrupted(&running, &[], out);
                return Exit::Interrupted;
            }
            Some(Ok(report)) => report,
            Some(Err(error)) => {
                report_aws_error(out, "", &error);
                return Exit::Infrastructure;
            }
        };
        for failure in &report.failures {
            out.error(&failure.to_string());
            out.note(&format!("  hint: {}", failure.advice));
        }
        for (stack, error) in &report.errors {
            report_aws_error(out, &format!("stack {stack}: "), error);
        }
        let left = match inventory::cluster_resources(&aws, &cluster, tag).await {
            Ok(left) => left,
            Err(error) => {
                report_aws_error(out, "cannot list what is left: ", &error);
                return Exit::Infrastructure;
            }
        };
        if report.deleted.is_empty() && left.is_empty() && report.is_complete() {
            out.note(&format!("cluster {cluster} in {}: nothing to delete", aws.region));
            return Exit::Ok;
        }
        out.note(&format!(
            "deleted {} stack(s) of cluster {cluster}: {}",
            report.deleted.len(),
            report.deleted.join(", ")
        ));
        if left.is_empty() && report.is_complete() {
            out.note("nothing tagged for the cluster is left");
            return Exit::Ok;
        }
        out.error(&format!("{} resource(s) of cluster {cluster} are left:", left.len()));
        for resource in &left {
            let _ = writeln!(out.stderr, "  {} {}", resource.kind, resource.id);
        }
        Exit::Infrastructure
    })
}
