//! The stacks of a cluster and the dependency graph between them.
//!
//! An edge exists wherever an output of one stack feeds a parameter (or the service role)
//! of another. The deployer walks the graph in waves: every stack whose inputs are ready.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// Which stack of a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub enum StackKind {
    /// VPC, subnets, routes, network ACLs, VPC endpoints, flow logs.
    Network,
    /// The EKS-SG-ROLES security groups and their rules.
    SecurityGroups,
    /// The creator, cluster and node roles.
    Iam,
    /// The EKS cluster, its KMS key and access entries.
    Cluster,
    /// The OIDC provider, IAM roles for service accounts, Pod Identity associations.
    Identity,
    /// One node group.
    NodeGroup(String),
    /// VPC flow logs that `harden` adds to a VPC without them (`create` makes them in the
    /// network stack).
    FlowLogs,
}

impl StackKind {
    /// The short name: `network`, `nodegroup-general`.
    pub fn short_name(&self) -> String {
        match self {
            Self::Network => "network".into(),
            Self::SecurityGroups => "security-groups".into(),
            Self::Iam => "iam".into(),
            Self::Cluster => "cluster".into(),
            Self::Identity => "identity".into(),
            Self::NodeGroup(name) => format!("nodegroup-{name}"),
            Self::FlowLogs => "flow-logs".into(),
        }
    }

    /// The CloudFormation stack name for cluster `cluster`.
    pub fn stack_name(&self, cluster: &str) -> String {
        format!("eksharden-{cluster}-{}", self.short_name())
    }
}

impl fmt::Display for StackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short_name())
    }
}

impl From<StackKind> for String {
    fn from(kind: StackKind) -> Self {
        kind.short_name()
    }
}

/// An output of another stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputRef {
    /// The stack that produces it.
    pub stack: StackKind,
    /// The output's name.
    pub output: String,
}

/// A parameter of a stack, fed by an output of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterBinding {
    /// The parameter's name in this stack's template.
    pub parameter: String,
    /// Where its value comes from.
    pub from: OutputRef,
}

/// One CloudFormation stack to deploy.
#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    /// Which stack.
    pub kind: StackKind,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The template, as CloudFormation JSON.
    pub template: Value,
    /// Parameters fed from other stacks' outputs.
    pub parameters: Vec<ParameterBinding>,
    /// The role CloudFormation assumes for this stack (the dedicated creator role for the
    /// cluster stack), if any.
    pub service_role: Option<OutputRef>,
    /// Whether the template creates named IAM resources (`CAPABILITY_NAMED_IAM`).
    pub named_iam: bool,
}

impl Stack {
    /// The stacks this one needs outputs from.
    pub fn dependencies(&self) -> BTreeSet<StackKind> {
        self.parameters.iter().map(|p| &p.from).chain(&self.service_role).map(|o| o.stack.clone()).collect()
    }
}

/// Why a set of stacks is not a valid graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A stack needs a stack that is not in the plan.
    #[error("stack `{stack}` needs `{missing}`, which is not planned")]
    Missing {
        /// The stack with the dangling edge.
        stack: StackKind,
        /// The stack it names.
        missing: StackKind,
    },
    /// The stacks depend on each other in a cycle.
    #[error("stacks {0:?} depend on each other in a cycle")]
    Cycle(Vec<StackKind>),
}

/// Groups stacks into waves: each wave needs only stacks of earlier waves, so the stacks of
/// one wave can be deployed in parallel. Returns indices into `stacks`.
pub fn waves(stacks: &[Stack]) -> Result<Vec<Vec<usize>>, GraphError> {
    let known: BTreeSet<&StackKind> = stacks.iter().map(|s| &s.kind).collect();
    for stack in stacks {
        if let Some(missing) = stack.dependencies().into_iter().find(|d| !known.contains(d)) {
            return Err(GraphError::Missing { stack: stack.kind.clone(), missing });
        }
    }
    let mut done: BTreeSet<StackKind> = BTreeSet::new();
    let mut waves = Vec::new();
    while done.len() < stacks.len() {
        let wave: Vec<usize> = (0..stacks.len())
            .filter(|&i| !done.contains(&stacks[i].kind) && stacks[i].dependencies().iter().all(|d| done.contains(d)))
            .collect();
        if wave.is_empty() {
            let stuck = stacks.iter().map(|s| s.kind.clone()).filter(|k| !done.contains(k)).collect();
            return Err(GraphError::Cycle(stuck));
        }
        done.extend(wave.iter().map(|&i| stacks[i].kind.clone()));
        waves.push(wave);
    }
    Ok(waves)
}
