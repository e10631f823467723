//! Something enforces network policies: without an enforcer, every NetworkPolicy (the SSH
//! egress policy among them) is inert.

use crate::posture::{ClusterApiRead, VpcCniAddon};
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "network-policies-enforced",
    title: "Network policies are enforced",
    citation: "STACKROX-EKS, Control SSH Access to Nodes; AWS-EKS-BP",
    judge,
};

/// What turns enforcement on, for a finding.
const REMEDY: &str = "turn on the VPC CNI's network policy agent (the vpc-cni add-on's configuration \
    {\"enableNetworkPolicy\": \"true\"}; `eksharden harden` does it for the add-on) or run Calico";

fn judge(Input { facts, .. }: &Input) -> Judged {
    let network = &facts.pod_network;
    let enforcers = network.enforcers();
    if !enforcers.is_empty() {
        return (Status::Pass, vec![format!("enforced by {}", enforcers.join(" and "))]);
    }
    let addon = match &network.vpc_cni {
        VpcCniAddon::Installed { .. } => "the vpc-cni add-on has enableNetworkPolicy off".to_owned(),
        VpcCniAddon::Absent => "the cluster has no vpc-cni add-on".to_owned(),
        VpcCniAddon::Unreadable(why) => format!("the vpc-cni add-on could not be read: {why}"),
        VpcCniAddon::NotRead => "the vpc-cni add-on was not read".to_owned(),
    };
    match &network.cluster_api {
        ClusterApiRead::Read(_) => (
            Status::Fail,
            vec![
                format!("nothing enforces network policies: {addon}, and neither the VPC CNI's policy agent nor Calico runs in the cluster"),
                REMEDY.to_owned(),
            ],
        ),
        // As for the network-policy layer of the flows: a warning, a finding with --strict.
        ClusterApiRead::NotRead(why) => (
            Status::Warn,
            vec![format!("{addon}, and whether another enforcer runs shows only in the cluster API ({why})")],
        ),
    }
}
