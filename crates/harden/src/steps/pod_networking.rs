//! Pods on interfaces of their own (STACKROX-EKS, "Customize the AWS VPC CNI networking
//! configuration"): in a cluster whose stacks made the pods security group, the VPC CNI's
//! settings for the mode (custom networking where there are pod subnets, security groups
//! for pods where the group's tag names namespaces), an ENIConfig per zone naming the zone's
//! pod subnet and the pods group (AWS-EKS-CUSTOM-NET), and a SecurityGroupPolicy per
//! namespace giving its pods the group (AWS-EKS-SGP).

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_kube::apply::{Applied, Mode};
use eksharden_kube::pod_networking::{self, EniConfig, PodGroups};
use eksharden_kube::Client;
use eksharden_net::posture::VpcCniAddon;
use eksharden_spec::model::{with_pod_networking, PodNetworkingMode};
use serde::Serialize;

use super::describe;
use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{Inspected, Inspection, Step};
use crate::{Options, Target};

/// The step.
pub struct PodNetworking;

/// The table's entry.
pub static STEP: PodNetworking = PodNetworking;

#[async_trait]
impl Step for PodNetworking {
    fn id(&self) -> &'static str {
        "pod-networking"
    }

    fn title(&self) -> &'static str {
        "pods apart from their nodes get the pods security group (VPC CNI, ENIConfig, SecurityGroupPolicy)"
    }

    fn needs_cluster_api(&self) -> bool {
        true
    }

    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let found = at.discovery(&[]).await?;
        let Some(objects) = PodObjects::of(found) else {
            let current = "pods share their nodes' interfaces (no pods security group of eksharden's with pod subnets or namespaces)";
            return Ok(Inspected::new(vec![current.to_owned()], Vec::new()));
        };
        let mut current = Vec::new();
        let mut changes = Vec::new();
        let cni = found.facts.pod_network.vpc_cni.clone();
        let (configuration, wanted) = match cni {
            VpcCniAddon::Installed { configuration, .. } => {
                let wanted = with_pod_networking(configuration.as_deref(), objects.mode).ok_or_else(|| {
                    HardenError::Unread("the vpc-cni add-on's configuration is no JSON object; set it by hand".into())
                })?;
                (configuration, wanted)
            }
            VpcCniAddon::Absent => {
                return Err(HardenError::Unread(
                    "the VPC CNI is no add-on: set its pod networking in the aws-node DaemonSet by hand".into(),
                ))
            }
            VpcCniAddon::Unreadable(why) => return Err(HardenError::Unread(format!("the vpc-cni add-on: {why}"))),
            VpcCniAddon::NotRead => return Err(HardenError::Unread("the vpc-cni add-on was not read".into())),
        };
        if same_json(configuration.as_deref(), &wanted) {
            current.push(format!("the vpc-cni add-on has {} on", objects.mode_name()));
        } else {
            current.push(format!("the vpc-cni add-on does not have {} on", objects.mode_name()));
            changes.push(Change::new(SetPodNetworking { configuration: wanted }));
        }
        let planned = objects.apply(&at.target.cluster_api()?.client, Mode::DryRun).await?;
        current.extend(planned.iter().map(|(place, applied)| format!("{place}: {}", describe(*applied))));
        let places: Vec<String> =
            planned.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(place, _)| place).collect();
        if !places.is_empty() {
            changes.push(Change::new(ApplyPodObjects { objects, places }));
        }
        Ok(Inspected::new(current, changes))
    }
}

/// Whether `configuration` (none: `{}`) is the JSON `wanted` is.
fn same_json(configuration: Option<&str>, wanted: &str) -> bool {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    parse(configuration.unwrap_or("{}")) == parse(wanted)
}

/// The objects pods apart from their nodes need, from what discovery found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodObjects {
    /// The mode: custom networking where there are pod subnets, else security groups for pods.
    #[serde(skip)]
    mode: PodNetworkingMode,
    /// The pods security group.
    pub group: String,
    /// Each zone's pod subnet, by zone (the first by id where a zone has several).
    pub zones: Vec<(String, String)>,
    /// The namespaces whose pods get the group.
    pub namespaces: Vec<String>,
}

impl PodObjects {
    fn of(found: &Discovery) -> Option<Self> {
        let group = found.pods_group.clone()?;
        let mut zones: Vec<(String, String)> = Vec::new();
        for subnet in &found.pod_subnets {
            if !zones.iter().any(|(zone, _)| zone == &subnet.zone) {
                zones.push((subnet.zone.clone(), subnet.id.clone()));
            }
        }
        zones.sort();
        let mode = if !zones.is_empty() {
            PodNetworkingMode::CustomNetworking
        } else if !found.pod_namespaces.is_empty() {
            PodNetworkingMode::SecurityGroupsForPods
        } else {
            return None;
        };
        let namespaces =
            if mode == PodNetworkingMode::SecurityGroupsForPods { found.pod_namespaces.clone() } else { Vec::new() };
        Some(Self { mode, group, zones, namespaces })
    }

    fn mode_name(&self) -> &'static str {
        match self.mode {
            PodNetworkingMode::CustomNetworking => "custom networking",
            _ => "security groups for pods",
        }
    }

    /// Applies the ENIConfigs and SecurityGroupPolicies (or says what applying would do).
    async fn apply(&self, client: &Client, mode: Mode) -> Result<Vec<(String, Applied)>, HardenError> {
        let groups = vec![self.group.clone()];
        let configs: Vec<EniConfig> = self
            .zones
            .iter()
            .map(|(zone, subnet)| EniConfig {
                zone: zone.clone(),
                subnet: subnet.clone(),
                security_groups: groups.clone(),
            })
            .collect();
        let selections: Vec<PodGroups> = self
            .namespaces
            .iter()
            .map(|namespace| PodGroups { namespace: namespace.clone(), security_groups: groups.clone() })
            .collect();
        let mut applied: Vec<(String, Applied)> = pod_networking::apply_eni_configs(client, &configs, mode)
            .await?
            .into_iter()
            .map(|(zone, a)| (format!("ENIConfig {zone}"), a))
            .collect();
        let policies = pod_networking::apply_security_group_policies(client, &selections, mode).await?;
        applied.extend(policies.into_iter().map(|(namespace, a)| (format!("SecurityGroupPolicy in {namespace}"), a)));
        Ok(applied)
    }
}

/// Set the VPC CNI's settings for the mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetPodNetworking {
    /// The add-on's configuration values with the settings (the rest as they were).
    pub configuration: String,
}

impl fmt::Display for SetPodNetworking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "set the vpc-cni add-on's configuration to {} (conflicts preserved)", self.configuration)
    }
}

#[async_trait]
impl Alteration for SetPodNetworking {
    const KIND: &'static str = "setPodNetworking";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::addons::configure_vpc_cni(target.aws, target.cluster, &self.configuration, true).await?;
        Ok(Vec::new())
    }
}

/// Apply the ENIConfigs and SecurityGroupPolicies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyPodObjects {
    /// What to apply.
    #[serde(flatten)]
    pub objects: PodObjects,
    /// Where they are missing or different.
    pub places: Vec<String>,
}

impl fmt::Display for ApplyPodObjects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "apply {} with the pods security group {}", self.places.join(", "), self.objects.group)
    }
}

#[async_trait]
impl Alteration for ApplyPodObjects {
    const KIND: &'static str = "applyPodObjects";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        self.objects.apply(&target.cluster_api()?.client, Mode::Apply).await?;
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use eksharden_discovery::PodSubnet;

    use super::*;

    #[test]
    fn the_objects_follow_the_pod_subnets_and_namespaces_eksharden_made() {
        let mut found = Discovery { pod_namespaces: vec!["shop".into()], ..Discovery::default() };
        assert_eq!(PodObjects::of(&found), None, "no pods group of eksharden's: nothing to apply");
        found.pods_group = Some("sg-pods".into());
        let objects = PodObjects::of(&found).unwrap();
        assert_eq!((objects.mode, objects.zones.len()), (PodNetworkingMode::SecurityGroupsForPods, 0));
        assert_eq!(objects.namespaces, ["shop"]);
        let subnet = |id: &str, zone: &str| PodSubnet { id: id.into(), zone: zone.into() };
        found.pod_subnets =
            vec![subnet("subnet-b", "eu-west-1b"), subnet("subnet-a", "eu-west-1a"), subnet("subnet-c", "eu-west-1a")];
        let objects = PodObjects::of(&found).unwrap();
        assert_eq!(objects.mode, PodNetworkingMode::CustomNetworking);
        let zones =
            [("eu-west-1a".to_owned(), "subnet-a".to_owned()), ("eu-west-1b".to_owned(), "subnet-b".to_owned())];
        assert_eq!(objects.zones, zones, "one ENIConfig per zone, the first subnet found");
        assert!(objects.namespaces.is_empty(), "custom networking gives every pod the group");
    }
}
