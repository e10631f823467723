//! Step 4 (STACKROX-EKS, "VPC Layout"): nodes only in private subnets, no public addresses on
//! nodes, and their subnets do not assign them.

use std::fmt;
use std::net::Ipv4Addr;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::model::{Eni, Model, Origin, Unread};
use eksharden_net::posture::PublicExposure;
use eksharden_net::topology::{Members, Topology};
use ipnet::Ipv4Net;
use serde::Serialize;

use super::{replacement, unread_node_groups};
use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: public-addresses.
pub static STEP: AwsStep = AwsStep {
    id: "public-addresses",
    title: "no public addresses on nodes or their subnets",
    after_create: true,
    reads: &[Unread::Subnets, Unread::Interfaces, Unread::RouteTables, Unread::NatGateways],
    judge,
};

/// Node subnets that assign public addresses, nodes that have one, groups in public subnets.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let model = &found.model;
    let mut changes = Vec::new();
    let mut current = Vec::new();
    for group in &found.facts.node_groups {
        let exposure = PublicExposure::of(group, model);
        for subnet in exposure.assigning_subnets {
            current.push(format!("subnet {} of node group {} assigns public addresses", subnet.id, group.name));
            let change = Change::new(StopPublicAddresses { subnet: subnet.id.clone() });
            if !changes.contains(&change) {
                changes.push(change);
            }
        }
        let mut why: Vec<String> = exposure
            .interfaces
            .iter()
            .filter_map(|e| e.public_ip.map(|address| format!("{} has public address {address}", e.label)))
            .collect();
        current.extend(why.iter().map(|p| format!("{p} (node group {})", group.name)));
        let in_public: Vec<&str> = group
            .subnets
            .iter()
            .filter(|id| model.subnets.iter().any(|s| &s.id == *id && model.routes_to_internet(s)))
            .map(String::as_str)
            .collect();
        if !in_public.is_empty() {
            let subnets = in_public.join(", ");
            current.push(format!("node group {} launches into public subnets {subnets}", group.name));
            why.push(format!("it launches into public subnets {subnets}"));
        }
        if !why.is_empty() {
            changes.push(replacement::planned(found, &group.name, &group.subnets, why.join("; ")));
        }
    }
    Inspected { current, changes, unread: unread_node_groups(found) }
}

/// Stop a subnet from giving instances public addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopPublicAddresses {
    /// The subnet.
    pub subnet: String,
}

impl fmt::Display for StopPublicAddresses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stop {} from assigning public addresses", self.subnet)
    }
}

#[async_trait]
impl Alteration for StopPublicAddresses {
    const KIND: &'static str = "stopPublicAddresses";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::changes::stop_public_addresses(target.aws, &self.subnet).await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        Some(&self.subnet)
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("managedNodeGroups[].privateNetworking: true")
    }

    /// The subnet stops assigning public addresses, and the nodes launched there next get
    /// none: each node group that stays gets a stand-in there (its own nodes, as if launched
    /// again); a group this run replaces into other subnets is not counted.
    fn on_model(&self, found: &Discovery, moving: &[&str]) -> Option<(Model, Topology)> {
        let (mut model, mut topology) = (found.model.clone(), found.topology.clone());
        let subnet = &self.subnet;
        model.subnets.iter_mut().filter(|s| &s.id == subnet).for_each(|s| s.map_public_ip_on_launch = false);
        let staying =
            found.facts.node_groups.iter().filter(|g| g.subnets.contains(subnet) && !moving.contains(&g.name.as_str()));
        for group in staying {
            let like = model.enis.iter().find(|e| group.enis.contains(&e.id))?.clone();
            let cidr = model.subnets.iter().find(|s| &s.id == subnet)?.cidr;
            let address = free_address(&model, cidr)?;
            model.enis.push(Eni {
                id: format!("what-if-{}-{subnet}", group.name),
                label: format!("a node of {} launched in {subnet}", group.name),
                subnet: subnet.clone(),
                private_ip: address,
                public_ip: None,
                ipv6: like.ipv6.filter(|_| model.subnets.iter().any(|s| &s.id == subnet && s.assign_ipv6_on_creation)),
                groups: like.groups,
                origin: Origin::Representative("the what-if: a node launched after the change".to_owned()),
            });
            let index = model.enis.len() - 1;
            let role = topology.roles.iter_mut().find(|r| r.name == format!("node group {}", group.name))?;
            if let Members::Enis(enis) = &mut role.members {
                // The group's nodes as they would be: launched after the change.
                enis.retain(|&e| model.enis[e].subnet != *subnet);
                enis.push(index);
            }
        }
        Some((model, topology))
    }
}

/// An address of `cidr` no interface has, from the top (AWS reserves the last).
fn free_address(model: &Model, cidr: Ipv4Net) -> Option<Ipv4Addr> {
    let (first, last) = (u32::from(cidr.network()) + 4, u32::from(cidr.broadcast()).checked_sub(1)?);
    (first..=last).rev().map(Ipv4Addr::from).find(|a| model.enis.iter().all(|e| e.private_ip != *a))
}
