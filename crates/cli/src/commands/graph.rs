//! `eksharden graph`: the picture of a cluster's network, from the deployed cluster (read
//! back and verified, so that the rules findings rest on are marked) or from a spec, with no
//! AWS call (what `create` would make); as DOT, Mermaid or SVG.

use eksharden_net::policy::PolicyInput;
use eksharden_spec::model::GUARDED_PORTS;

use super::aws::{block_on, connect, report_aws_error};
use super::load_checked;
use crate::args::{Global, GraphArgs, GraphFormat};
use crate::exit::Exit;
use crate::graph::{self, Picture};
use crate::output::Output;

/// Runs `graph`.
pub fn run(args: &GraphArgs, global: &Global, out: &mut Output) -> Exit {
    let picture = match (&args.cluster, &args.file) {
        (Some(cluster), _) => match block_on(deployed(cluster, global, out)) {
            Ok(picture) => picture,
            Err(exit) => return exit,
        },
        (None, Some(file)) => match load_checked(file, out) {
            Ok(loaded) => graph::from_spec(&loaded.spec),
            Err(exit) => return exit,
        },
        (None, None) => unreachable!("clap requires a cluster or a file"),
    };
    let text = match args.format {
        GraphFormat::Dot => graph::dot(&picture),
        GraphFormat::Mermaid => graph::mermaid(&picture),
        GraphFormat::Svg => match graph::svg(&picture) {
            Ok(svg) => svg,
            Err(why) => {
                out.error(&format!("cannot draw the SVG: {why}"));
                return Exit::Infrastructure;
            }
        },
    };
    let _ = out.stdout.write_all(text.as_bytes());
    Exit::Ok
}

/// The picture of the deployed `cluster`, judged as `verify` judges one it knows only from AWS.
async fn deployed(cluster: &str, global: &Global, out: &mut Output<'_>) -> Result<Picture, Exit> {
    let aws = connect(global, None, out).await?;
    let (discovery, report) = match super::verify::judged(&aws, cluster, &PolicyInput::discovered(&GUARDED_PORTS)).await
    {
        Ok(judged) => judged,
        Err(error) => {
            report_aws_error(out, &format!("cannot read cluster {cluster}: "), &error);
            return Err(Exit::Infrastructure);
        }
    };
    Ok(graph::from_discovery(cluster, &discovery.model, &discovery.topology, &discovery.facts.cluster_groups, &report))
}
