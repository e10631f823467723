//! One module per stack: each turns the spec into that stack's template and bindings.

pub mod cluster;
pub mod flow_logs;
pub mod iam;
pub mod identity;
pub mod network;
pub mod node_group;
pub mod security_groups;
mod trust;

use eksharden_spec::model::CLUSTER_TAG;
use eksharden_spec::ValidSpec;
use serde_json::Value;

use crate::cfn::{self, Template};
use crate::graph::{OutputRef, ParameterBinding, StackKind};

/// The tag that names the part a security group or subnet plays (`node-general`,
/// `bastion`), so that `verify` finds the roles of the flow policy in a deployed cluster.
pub const ROLE_TAG: &str = "eksharden.dev/role";

/// The role tag's value on custom networking's pod subnets.
pub const POD_SUBNET_ROLE: &str = "pods";

/// The tag on the pods security group that names, separated by spaces, the namespaces whose
/// pods get it through security groups for pods, so that `harden` keeps their
/// SecurityGroupPolicies without the spec.
pub const POD_NAMESPACES_TAG: &str = "eksharden.dev/pod-namespaces";

/// The tag that names the node group of a node instance (self-managed groups have no EKS
/// API to ask).
pub const NODE_GROUP_TAG: &str = "eksharden.dev/node-group";

/// What every stack builder needs: the spec and the tags every resource carries.
pub struct Context<'a> {
    /// The validated spec.
    pub spec: &'a ValidSpec,
}

impl Context<'_> {
    /// The cluster name.
    pub fn cluster(&self) -> &str {
        &self.spec.metadata.name
    }

    /// The cluster tag, the user's tags, and a `Name` tag (STACKROX-EKS, "Cluster Resource
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

    /// [`Self::tag_list`] with one more tag.
    pub fn tag_list_with(&self, name: &str, (key, value): (&str, &str)) -> Value {
        self.tag_list_with_all(name, &[(key, value)])
    }

    /// The tags of [`Context::tag_list`] and `extra`.
    pub fn tag_list_with_all(&self, name: &str, extra: &[(&str, &str)]) -> Value {
        let mut tags = self.tags(name);
        tags.extend(extra.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())));
        cfn::tag_list(&tags)
    }
}

/// A stack's parameters that other stacks' outputs feed, each declared on the template as it
/// is bound.
#[derive(Default)]
pub struct Inputs(Vec<ParameterBinding>);

impl Inputs {
    /// Declares parameter `name` on `t` and binds it to `output` of `stack`.
    pub fn bind(
        &mut self,
        t: &mut Template,
        name: &str,
        kind: &str,
        description: &str,
        stack: StackKind,
        output: &str,
    ) {
        t.parameter(name, kind, description);
        self.0.push(ParameterBinding { parameter: name.into(), from: OutputRef { stack, output: output.into() } });
    }

    /// The bindings, for the stack.
    pub fn into_bindings(self) -> Vec<ParameterBinding> {
        self.0
    }
}
