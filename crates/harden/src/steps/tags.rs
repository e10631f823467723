//! Step 9 (STACKROX-EKS, "Cluster Resource Tagging"): the cluster, its managed node groups, the
//! security group EKS made and the groups only its control plane and nodes carry have the
//! cluster tag, so IAM policies can be scoped by it. The VPC, its subnets and groups other
//! hosts share may serve more than this cluster, and are left as they are.
//! A resource tagged for another cluster is shown and never retagged. One change per
//! resource: a node group replaced by an earlier step is not tagged by this one.

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::model::Unread;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step: tags.
pub static STEP: AwsStep = AwsStep {
    id: "tags",
    title: "the cluster, its node groups and its own security groups carry the cluster tag",
    after_create: true,
    reads: &[Unread::SecurityGroups],
    judge,
};

/// The cluster's own resources and their cluster tag.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for resource in &found.tagging {
        match &resource.value {
            Some(value) if value == &found.facts.name => current.push(format!("{}: tagged", resource.label)),
            Some(other) => current.push(format!("{}: tagged for cluster {other}, left alone", resource.label)),
            None => {
                current.push(format!("{}: no cluster tag", resource.label));
                let change = TagWithCluster { label: resource.label.clone(), resource: resource.id.clone() };
                changes.push(Change::new(change));
            }
        }
    }
    Inspected::new(current, changes)
}

/// Put the cluster tag on the cluster's own resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagWithCluster {
    /// What it is, for people.
    pub label: String,
    /// Its ARN (EKS) or id (EC2).
    pub resource: String,
}

impl fmt::Display for TagWithCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tag {} ({}) with {}", self.label, self.resource, eksharden_spec::model::CLUSTER_TAG)
    }
}

#[async_trait]
impl Alteration for TagWithCluster {
    const KIND: &'static str = "tagWithCluster";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::changes::tag_with_cluster(target.aws, target.cluster, &self.resource).await?;
        Ok(Vec::new())
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("metadata.tags")
    }
}
