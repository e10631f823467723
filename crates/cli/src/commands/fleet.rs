//! `eksharden verify --all`: every cluster of the chosen regions (and accounts, each entered
//! by assuming a role in it), listed, read and verified a few at a time (`--concurrency`),
//! judged as `verify` judges a cluster it knows only from AWS; one report with a row per
//! cluster. An account whose role cannot be assumed, a region whose clusters cannot be
//! listed, or a cluster that cannot be read is a row with the reason, and the others go on.

use aws_credential_types::Credentials;
use eksharden_aws::{inventory, token, Aws};
use eksharden_net::policy::PolicyInput;
use eksharden_net::report::Status;
use eksharden_spec::model::GUARDED_PORTS;
use futures_util::stream::{self, StreamExt};

use super::aws::{block_on, connect, settings};
use crate::args::{Global, ReportFormat, VerifyArgs};
use crate::exit::Exit;
use crate::output::Output;
use crate::report::fleet::{self, Verified};

/// Runs `verify --all`.
pub fn run(args: &VerifyArgs, global: &Global, out: &mut Output) -> Exit {
    if args.format == ReportFormat::Html {
        out.error("--format html is one cluster's page; --all writes table, json, sarif or junit");
        return Exit::Input;
    }
    if args.role_name.is_some() && args.accounts.is_empty() && !args.organization {
        out.error("--role-name names the role to assume in the accounts of --accounts or --organization");
        return Exit::Input;
    }
    block_on(async {
        // The regions asked for, else the one the SDK's chain gives; the first one also
        // reaches STS to enter the other accounts.
        let home = match connect(global, args.regions.first().map(String::as_str), out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        let regions = if args.regions.is_empty() { vec![home.region.clone()] } else { args.regions.clone() };
        let mut fleet: Vec<Verified> = Vec::new();
        let mut clusters: Vec<(String, Aws, String)> = Vec::new();
        for (account, credentials) in accounts(&home, args).await {
            let credentials = match credentials {
                Ok(credentials) => credentials,
                Err(why) => {
                    fleet.push(Verified { account, region: String::new(), cluster: String::new(), report: Err(why) });
                    continue;
                }
            };
            for region in &regions {
                let chosen = eksharden_aws::Settings { region: Some(region.clone()), ..settings(global) };
                let connected = match credentials.clone() {
                    Some(credentials) => Aws::connect_as(&chosen, credentials).await,
                    None => Aws::connect(&chosen, None).await,
                };
                let listed = match connected {
                    Ok(aws) => inventory::clusters(&aws).await.map(|names| (aws, names)).map_err(|e| e.to_string()),
                    Err(error) => Err(error.to_string()),
                };
                match listed {
                    Ok((aws, names)) => {
                        clusters.extend(names.into_iter().map(|name| (account.clone(), aws.clone(), name)));
                    }
                    Err(why) => fleet.push(Verified {
                        account: account.clone(),
                        region: region.clone(),
                        cluster: String::new(),
                        report: Err(why),
                    }),
                }
            }
        }
        tracing::debug!(clusters = clusters.len(), "listed");
        let input = PolicyInput::discovered(&GUARDED_PORTS);
        let verified: Vec<Verified> = stream::iter(clusters)
            .map(|(account, aws, cluster)| {
                let input = &input;
                async move {
                    let report = super::verify::judged(&aws, &cluster, input).await;
                    let report = report.map(|(_, report)| report).map_err(|e| e.to_string());
                    Verified { account, region: aws.region.clone(), cluster, report }
                }
            })
            .buffer_unordered(usize::from(args.concurrency))
            .collect()
            .await;
        fleet.extend(verified);
        fleet.sort_by(|a, b| (&a.account, &a.region, &a.cluster).cmp(&(&b.account, &b.region, &b.cluster)));
        let _ = out.stdout.write_all(fleet::render(&fleet, args.format).as_bytes());
        match fleet::worst(&fleet) {
            Some(Status::Fail) => Exit::Findings,
            Some(_) => {
                out.error("some accounts, regions, clusters or checks could not be read or judged (see above)");
                Exit::Infrastructure
            }
            None => Exit::Ok,
        }
    })
}

/// The accounts to read, each with the credentials of the role assumed in it (none: the
/// caller's own account and credentials), or why the role could not be assumed (or the
/// organization's accounts could not be listed).
async fn accounts(home: &Aws, args: &VerifyArgs) -> Vec<(String, Result<Option<Credentials>, String>)> {
    let Some(role_name) = &args.role_name else { return vec![(String::new(), Ok(None))] };
    let listed = if args.organization {
        match inventory::organization_accounts(home).await {
            Ok(ids) => ids,
            Err(error) => return vec![("organization".to_owned(), Err(error.to_string()))],
        }
    } else {
        args.accounts.clone()
    };
    let partition = eksharden_spec::values::partition_of(&home.region);
    let mut entered = Vec::new();
    for account in &listed {
        let role = format!("arn:{partition}:iam::{account}:role/{role_name}");
        let credentials = token::assumed_with(home, &role, args.external_id.as_deref())
            .await
            .map(Some)
            .map_err(|e| format!("cannot assume {role}: {e}"));
        entered.push((account.clone(), credentials));
    }
    entered
}
