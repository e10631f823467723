//! The hardening steps (STACKROX-EKS, AWS-EKS-BP; ids in `docs/sources.md`), over a running cluster.
//!
//! Every step has the same shape: inspect the current state, compute the change as data
//! ([`Change`]), apply it idempotently, and inspect again to check that it held. A step
//! that cannot inspect (the cluster API unreachable, a permission missing) says why and
//! changes nothing; the others go on. Changes that replace infrastructure (a node group
//! with an SSH key, nodes with public addresses, nodes that allow IMDSv1) are planned and
//! said plainly, and made only when the user asks for them by name. `system:masters` is removed only after every named replacement admin
//! is proven to be allowed everything, by acting as it; otherwise nothing is removed.

pub mod change;
mod error;
mod ownership;
mod proof;
pub mod step;
mod steps;
mod whatif;

use eksharden_aws::Aws;

pub use change::Change;
pub use error::HardenError;
pub use ownership::Ownership;
pub use step::{Outcome, Refused, StepId, StepPlan, StepResult};

/// What the user asks for beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep the public endpoint, limited to these blocks (otherwise public access goes off).
    pub public_cidrs: Vec<String>,
    /// IAM roles to map to the admin group.
    pub admins: Vec<String>,
    /// IAM roles to map to the viewer group.
    pub viewers: Vec<String>,
    /// Only these steps (all when empty).
    pub only: Vec<StepId>,
    /// Replace node groups that only a replacement can fix (new nodes; the old are drained).
    pub replace_node_groups: bool,
    /// The KMS key for secrets encryption (otherwise the cluster's own key, made on first use).
    pub kms_key: Option<String>,
    /// The ports node subnets admit only from the bastion (none given: 22 and 3389).
    pub guarded_ports: Vec<u16>,
    /// Close down the cluster security group EKS made (once closed, it is kept closed).
    pub close_cluster_security_group: bool,
}

impl Options {
    /// The ports node subnets admit only from the bastion.
    pub fn guarded_ports(&self) -> Vec<u16> {
        if self.guarded_ports.is_empty() {
            eksharden_spec::model::GUARDED_PORTS.to_vec()
        } else {
            self.guarded_ports.clone()
        }
    }

    /// The steps to run, in their order.
    pub fn steps(&self) -> Vec<StepId> {
        StepId::all().filter(|s| self.only.is_empty() || self.only.contains(s)).collect()
    }
}

/// The cluster to harden: AWS, and the cluster API or why it cannot be reached.
pub struct Target<'a> {
    /// The AWS clients.
    pub aws: &'a Aws,
    /// The cluster name.
    pub cluster: &'a str,
    /// The cluster API, or why it cannot be reached.
    pub kube: Result<KubeAccess, String>,
}

impl Target<'_> {
    /// The cluster API, or why it cannot be reached.
    pub fn cluster_api(&self) -> Result<&KubeAccess, HardenError> {
        self.kube.as_ref().map_err(|why| HardenError::ClusterApiUnreachable(why.clone()))
    }
}

/// How the cluster API is reached: a client with the caller's token, and what it takes to
/// connect as another identity (to prove an admin by acting as it).
pub struct KubeAccess {
    /// The caller's client.
    pub client: eksharden_kube::Client,
    /// The API server URL.
    pub endpoint: String,
    /// The cluster CA (base64), if the endpoint needs one.
    pub ca: Option<String>,
}

/// Inspects every step and plans its changes; changes nothing. A network change after
/// which a required flow that passes now would fail is refused (the what-if).
pub async fn plan(target: &Target<'_>, options: &Options) -> Vec<StepPlan> {
    let mut plans = Vec::new();
    let mut discovered = step::Discovered::default();
    for step in options.steps() {
        plans.push(step.inspect(target, options, &mut discovered).await);
    }
    if let Some(found) = discovered.found() {
        let refused = whatif::refusals(found, &plans, options);
        for plan in &mut plans {
            if let step::Planned::Changes(changes) = &plan.planned {
                plan.refused = refused.iter().filter(|r| changes.contains(&r.change)).cloned().collect();
                plan.ownership = ownership::of(found, target.cluster, changes);
            }
        }
    }
    plans
}

/// Applies the planned changes step by step, each inspected again after its changes.
pub async fn apply(target: &Target<'_>, options: &Options, plans: Vec<StepPlan>) -> Vec<StepResult> {
    let mut results = Vec::new();
    for plan in plans {
        results.push(apply_step(target, options, plan).await);
    }
    results
}

/// Applies one step's plan and inspects the step again (for callers that report as they go).
pub async fn apply_step(target: &Target<'_>, options: &Options, plan: StepPlan) -> StepResult {
    step::apply(target, options, plan).await
}
