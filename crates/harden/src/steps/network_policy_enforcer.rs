//! Something enforces network policies (AWS-EKS-NETPOL), so that the SSH egress policy of
//! STACKROX-EKS blocks what it says: the VPC CNI's network policy agent, turned on in the
//! `vpc-cni` add-on's configuration (the rest of which is kept). Where the VPC CNI is not an
//! add-on, the cluster API says whether another enforcer (Calico, a self-managed agent)
//! runs; if none does, the add-on is made over the self-managed VPC CNI without overwriting
//! its settings (EKS refuses a conflict rather than resolve it).

use std::fmt;

use async_trait::async_trait;
use eksharden_net::posture::VpcCniAddon;
use eksharden_spec::model::network_policy_turned_on;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct NetworkPolicyEnforcer;

/// The table's entry.
pub static STEP: NetworkPolicyEnforcer = NetworkPolicyEnforcer;

#[async_trait]
impl Step for NetworkPolicyEnforcer {
    fn id(&self) -> &'static str {
        "network-policy-enforcer"
    }

    fn title(&self) -> &'static str {
        "network policies are enforced (the VPC CNI's policy agent)"
    }

    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let addon = at.discovery(&[]).await?.facts.pod_network.vpc_cni.clone();
        let (current, exists, configuration) = match addon {
            VpcCniAddon::Installed { network_policy: true, .. } => {
                return Ok(Inspected::new(vec!["the vpc-cni add-on runs the network policy agent".into()], Vec::new()))
            }
            VpcCniAddon::Installed { configuration, .. } => {
                ("the vpc-cni add-on has the network policy agent off".to_owned(), true, configuration)
            }
            VpcCniAddon::Absent => {
                let enforcers = eksharden_kube::pod_policies::read(&at.target.cluster_api()?.client).await?.enforcers;
                if !enforcers.is_empty() {
                    let current = format!("the VPC CNI is no add-on; enforced by {}", enforcers.join(" and "));
                    return Ok(Inspected::new(vec![current], Vec::new()));
                }
                (
                    "the VPC CNI is no add-on, and nothing in the cluster enforces network policies".to_owned(),
                    false,
                    None,
                )
            }
            VpcCniAddon::Unreadable(why) => return Err(HardenError::Unread(format!("the vpc-cni add-on: {why}"))),
            VpcCniAddon::NotRead => return Err(HardenError::Unread("the vpc-cni add-on was not read".into())),
        };
        let Some(configuration) = network_policy_turned_on(configuration.as_deref()) else {
            let why = "the vpc-cni add-on's configuration is no JSON object; set enableNetworkPolicy by hand";
            return Err(HardenError::Unread(why.into()));
        };
        Ok(Inspected::new(vec![current], vec![Change::new(TurnOnPolicyAgent { configuration, exists })]))
    }
}

/// Turn the VPC CNI's network policy agent on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TurnOnPolicyAgent {
    /// The add-on's configuration values with the agent on (the rest as they were).
    pub configuration: String,
    /// Whether the add-on exists (else it is made over the self-managed VPC CNI).
    pub exists: bool,
}

impl fmt::Display for TurnOnPolicyAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exists {
            write!(f, "set the vpc-cni add-on's configuration to {} (conflicts preserved)", self.configuration)
        } else {
            write!(
                f,
                "install the vpc-cni add-on with configuration {} over the self-managed VPC CNI (refused by EKS on a conflict, never overwriting)",
                self.configuration
            )
        }
    }
}

#[async_trait]
impl Alteration for TurnOnPolicyAgent {
    const KIND: &'static str = "turnOnPolicyAgent";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::addons::configure_vpc_cni(target.aws, target.cluster, &self.configuration, self.exists).await?;
        Ok(Vec::new())
    }

    fn cluster_config_field(&self, _found: &eksharden_discovery::Discovery) -> Option<&'static str> {
        Some("addons: [{name: vpc-cni, configurationValues: '{\"enableNetworkPolicy\": \"true\"}'}]")
    }
}
