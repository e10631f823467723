//! From a validated spec to what eksharden deploys: CloudFormation stacks with the
//! dependency graph between them, and Kubernetes manifests.
//!
//! Pure: no I/O, no AWS SDK types. The same spec always gives the same plan.

pub mod cfn;
pub mod graph;
pub mod manifests;
pub mod nacl;
pub mod rules;
pub mod stacks;

use eksharden_spec::ValidSpec;

pub use graph::{waves, OutputRef, ParameterBinding, Stack, StackKind};
pub use manifests::Manifest;

/// Everything eksharden would create for a spec.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The cluster name.
    pub cluster: String,
    /// The AWS region.
    pub region: String,
    /// The stacks, in dependency order.
    pub stacks: Vec<Stack>,
    /// The Kubernetes manifests.
    pub manifests: Vec<Manifest>,
}

/// Plans the stacks and manifests of a validated spec.
pub fn plan(spec: &ValidSpec) -> Plan {
    let cx = stacks::Context { spec };
    let mut planned = vec![
        stacks::network::stack(&cx),
        stacks::iam::stack(&cx),
        stacks::security_groups::stack(&cx),
        stacks::cluster::stack(&cx),
    ];
    planned.extend(stacks::identity::stack(&cx));
    planned.extend(spec.node_groups.iter().map(|group| stacks::node_group::stack(&cx, group)));
    Plan {
        cluster: spec.metadata.name.clone(),
        region: spec.metadata.region.clone(),
        stacks: planned,
        manifests: manifests::manifests(spec),
    }
}
