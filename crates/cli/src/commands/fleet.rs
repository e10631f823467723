//! `eksharden verify --all`: every cluster of the chosen regions, listed, read and verified a
//! few at a time (`--concurrency`), judged as `verify` judges a cluster it knows only from
//! AWS; one report with a row per cluster. A region whose clusters cannot be listed, or a
//! cluster that cannot be read, is a row with the reason, and the others go on.

use eksharden_aws::{discover, inventory, Aws};
use eksharden_net::policy::PolicyInput;
use eksharden_net::report::{Report, Status};
use eksharden_spec::model::GUARDED_PORTS;
use futures_util::stream::{self, StreamExt};

use super::aws::{block_on, connect, settings};
use crate::args::{Global, VerifyArgs};
use crate::exit::Exit;
use crate::output::Output;
use crate::report::fleet::{self, Verified};

/// Runs `verify --all`.
pub fn run(args: &VerifyArgs, global: &Global, out: &mut Output) -> Exit {
    block_on(async {
        // The regions asked for, else the one the SDK's chain gives.
        let regions = if args.regions.is_empty() {
            match connect(global, None, out).await {
                Ok(aws) => vec![aws.region.clone()],
                Err(exit) => return exit,
            }
        } else {
            args.regions.clone()
        };
        let mut fleet: Vec<Verified> = Vec::new();
        let mut clusters: Vec<(Aws, String)> = Vec::new();
        for region in regions {
            let chosen = eksharden_aws::Settings { region: Some(region.clone()), ..settings(global) };
            let listed = match Aws::connect(&chosen, None).await {
                Ok(aws) => inventory::clusters(&aws).await.map(|names| (aws, names)).map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match listed {
                Ok((aws, names)) => clusters.extend(names.into_iter().map(|name| (aws.clone(), name))),
                Err(why) => fleet.push(Verified { region, cluster: String::new(), report: Err(why) }),
            }
        }
        tracing::debug!(clusters = clusters.len(), "listed");
        let input = PolicyInput::discovered(&GUARDED_PORTS);
        let verified: Vec<Verified> = stream::iter(clusters)
            .map(|(aws, cluster)| {
                let input = &input;
                async move {
                    let report = verify_one(&aws, &cluster, input).await;
                    Verified { region: aws.region.clone(), cluster, report }
                }
            })
            .buffer_unordered(usize::from(args.concurrency))
            .collect()
            .await;
        fleet.extend(verified);
        fleet.sort_by(|a, b| (&a.region, &a.cluster).cmp(&(&b.region, &b.cluster)));
        let _ = out.stdout.write_all(fleet::render(&fleet, args.format).as_bytes());
        match fleet::worst(&fleet) {
            Some(Status::Fail) => Exit::Findings,
            Some(_) => {
                out.error("some clusters or checks could not be read or judged (see above)");
                Exit::Infrastructure
            }
            None => Exit::Ok,
        }
    })
}

/// One cluster read and verified, or why it could not be read.
async fn verify_one(aws: &Aws, cluster: &str, input: &PolicyInput) -> Result<Report, String> {
    let discovery = discover::discover(aws, cluster).await.map_err(|e| e.to_string())?;
    Ok(eksharden_net::verify(&discovery.model, &discovery.topology, &discovery.facts, input, false, discovery.notes))
}
