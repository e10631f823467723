//! One module per stack: each turns the spec into that stack's template and bindings.

pub mod cluster;
pub mod iam;
pub mod network;
pub mod node_group;
pub mod security_groups;

use eksharden_spec::model::{ClusterSpec, CLUSTER_TAG};
use serde_json::Value;

use crate::cfn;

/// What every stack builder needs: the spec and the tags every resource carries.
pub struct Context<'a> {
    /// The validated spec.
    pub spec: &'a ClusterSpec,
}

impl Context<'_> {
    /// The cluster name.
    pub fn cluster(&self) -> &str {
        &self.spec.metadata.name
    }

    /// The cluster tag, the user's tags, and a `Name` tag (seed 004, "Cluster Resource
    /// Tagging": every resource carries the cluster tag).
    pub fn tags(&self, name: &str) -> Vec<(String, String)> {
        let mut tags = vec![(CLUSTER_TAG.to_owned(), self.cluster().to_owned())];
        tags.extend(self.spec.metadata.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        tags.push(("Name".to_owned(), format!("{}-{name}", self.cluster())));
        tags
    }

    /// [`Self::tags`] as a CloudFormation tag list.
    pub fn tag_list(&self, name: &str) -> Value {
        cfn::tag_list(&self.tags(name))
    }
}
