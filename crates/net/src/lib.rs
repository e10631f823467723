//! The network side of eksharden's proof: a model of a VPC as the AWS APIs describe it, a
//! reachability engine with AWS semantics, and the flow policy of the sources.
//!
//! Pure: no I/O, no AWS SDK or Kubernetes types. Discovery (in `crates/aws`) fills a
//! [`Model`]; the engine decides flows over it; the policy says which flows must and must
//! not exist; the report holds the result.

pub mod classes;
pub mod engine;
pub mod matrix;
pub mod model;
pub mod pod_policy;
pub mod policy;
pub mod ports;
pub mod posture;
pub mod report;
pub mod topology;
pub mod verdict;

pub use engine::{Endpoint, Engine, Flow, UnsupportedFlow};
pub use model::Model;
pub use ports::{PortRange, Protocol, RuleProtocol};
pub use verdict::{Hop, Layer, Reason, Segment, Step, Verdict};

use policy::PolicyInput;
use posture::ClusterFacts;
use report::Report;
use topology::Topology;

/// Verifies a cluster: every flow of the policy over the model, and the posture checks.
/// `notes` (which endpoints are representative, what could not be read) go into the report.
pub fn verify(
    model: &Model,
    topology: &Topology,
    facts: &ClusterFacts,
    input: &PolicyInput,
    strict: bool,
    notes: Vec<String>,
) -> Report {
    let engine = Engine::new(model);
    let requirements = policy::requirements(topology, input);
    Report {
        cluster: facts.name.clone(),
        flows: matrix::check_flows(&engine, topology, &requirements, facts.pod_network.policies().as_ref(), strict),
        posture: posture::check(facts, model, input),
        notes,
        strict,
    }
}
