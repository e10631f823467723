//! `eksharden verify`: read a cluster back from AWS, evaluate the flow policy of the sources (`docs/sources.md`) and
//! the posture checks, print the report; exit 0 when clean, 1 on a finding.

use eksharden_aws::discover::{self, Discovery};
use eksharden_aws::{Aws, AwsError};
use eksharden_net::policy::{NodePorts, PolicyInput, Profile};
use eksharden_net::posture::ClusterApiRead;
use eksharden_net::report::Report;
use eksharden_spec::model::{ClusterSpec, SecurityGroupProfile, GUARDED_PORTS};

use super::aws::{block_on, connect, report_aws_error};
use super::load_checked;
use crate::args::{Global, ReportFormat, VerifyArgs};
use crate::exit::Exit;
use crate::output::Output;
use crate::report;

/// Runs `verify`.
pub fn run(args: &VerifyArgs, global: &Global, out: &mut Output) -> Exit {
    if args.all {
        return super::fleet::run(args, global, out);
    }
    let (cluster, region, input) = match (&args.cluster, &args.file) {
        (Some(cluster), _) => (cluster.clone(), None, PolicyInput::discovered(&GUARDED_PORTS)),
        (None, Some(file)) => match load_checked(file, out) {
            Ok(loaded) => {
                let spec = &loaded.spec;
                (spec.metadata.name.clone(), Some(spec.metadata.region.clone()), policy_input(spec))
            }
            Err(exit) => return exit,
        },
        (None, None) => unreachable!("clap requires a cluster or a file"),
    };
    block_on(async {
        let aws = match connect(global, region.as_deref(), out).await {
            Ok(aws) => aws,
            Err(exit) => return exit,
        };
        let kube = if args.cluster_api || args.kube_endpoint.is_some() {
            let endpoint = args.kube_endpoint.as_deref();
            super::harden::cluster_api(&aws, &cluster, endpoint).await.map(|k| k.client)
        } else {
            Err("not asked for (--cluster-api or --kube-endpoint)".to_owned())
        };
        verify(&aws, &cluster, &input, kube, args.format, args.strict, out).await
    })
}

/// What the policy needs from a spec: the profile, the ports of the role groups, and
/// whether the node-subnet ACL is asked for.
pub fn policy_input(spec: &ClusterSpec) -> PolicyInput {
    let groups = &spec.security_groups;
    PolicyInput {
        profile: match groups.profile {
            SecurityGroupProfile::Minimum => Profile::Minimum,
            SecurityGroupProfile::Recommended => Profile::Recommended,
        },
        app_ports: groups.app.iter().flat_map(|a| a.service_ports.iter().map(|p| p.get())).collect(),
        database_port: groups.database.as_ref().map(|d| d.port.get()),
        cache_port: groups.cache.as_ref().map(|c| c.port.get()),
        services: PolicyInput::default_services(),
        ssh_acl: eksharden_plan::nacl::node_subnet_entries(spec).is_some(),
        guarded_ports: spec.hardening.ssh.guarded_ports.iter().map(|p| p.get()).collect(),
        node_groups: spec.node_groups.iter().map(|g| g.name.clone()).collect(),
        node_ports: NodePorts::AllButSsh,
        closed_cluster_group: spec.hardening.close_cluster_security_group,
    }
}

/// Discovers `cluster` and verifies it against `input`, from AWS alone (the network-policy
/// layer not read): what `graph` and `verify --all` judge a cluster by.
pub async fn judged(aws: &Aws, cluster: &str, input: &PolicyInput) -> Result<(Discovery, Report), AwsError> {
    let discovery = discover::discover(aws, cluster).await?;
    let report = eksharden_net::verify(
        &discovery.model,
        &discovery.topology,
        &discovery.facts,
        input,
        false,
        discovery.notes.clone(),
    );
    Ok((discovery, report))
}

/// Discovers `cluster`, verifies it and prints the report in `format`. With the cluster API
/// (`kube`, else why it is not read), the network-policy layer is read too.
pub async fn verify(
    aws: &Aws,
    cluster: &str,
    input: &PolicyInput,
    kube: Result<eksharden_kube::Client, String>,
    format: ReportFormat,
    strict: bool,
    out: &mut Output<'_>,
) -> Exit {
    let mut discovery = match discover::discover(aws, cluster).await {
        Ok(discovery) => discovery,
        Err(error) => {
            report_aws_error(out, &format!("cannot read cluster {cluster}: "), &error);
            return Exit::Infrastructure;
        }
    };
    tracing::debug!(
        cluster,
        interfaces = discovery.model.enis.len(),
        groups = discovery.model.security_groups.len(),
        subnets = discovery.model.subnets.len(),
        roles = discovery.topology.roles.len(),
        "discovered"
    );
    discovery.facts.pod_network.cluster_api = match kube {
        Ok(client) => match eksharden_kube::pod_policies::read(&client).await {
            Ok(policies) => ClusterApiRead::Read(policies),
            Err(error) => ClusterApiRead::NotRead(error.to_string()),
        },
        Err(why) => ClusterApiRead::NotRead(why),
    };
    let verification = eksharden_net::verify(
        &discovery.model,
        &discovery.topology,
        &discovery.facts,
        input,
        strict,
        discovery.notes.clone(),
    );
    tracing::debug!(
        flows = verification.flows.len(),
        settings = verification.posture.len(),
        findings = verification.findings(),
        "verified"
    );
    let picture = (format == ReportFormat::Html).then(|| {
        let picture = crate::graph::from_discovery(
            cluster,
            &discovery.model,
            &discovery.topology,
            &discovery.facts.cluster_groups,
            &verification,
        );
        crate::graph::svg(&picture)
    });
    let picture = match picture {
        Some(Err(why)) => {
            out.note(&format!("the picture could not be drawn: {why}"));
            None
        }
        Some(Ok(svg)) => Some(svg),
        None => None,
    };
    report::print(&verification, format, &aws.region, picture.as_deref(), out);
    if verification.findings() > 0 {
        Exit::Findings
    } else if verification.unknowns() > 0 {
        out.error(&format!(
            "{} check(s) could not be judged (NOT JUDGED above): what they depend on could not be read",
            verification.unknowns()
        ));
        Exit::Infrastructure
    } else {
        Exit::Ok
    }
}
