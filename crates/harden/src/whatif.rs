//! The what-if: before a change to the network is made, it is made on the model, and the
//! flows the cluster needs are evaluated again with the engine. A change after which a
//! required flow that passes today would fail is refused, with the flow named.
//!
//! The changes that can break a flow say what they do to the model
//! ([`Alteration::on_model`](crate::change::Alteration::on_model)): today a revoked inbound
//! rule, a subnet that stops assigning public addresses, and a node subnet moved to a copy
//! of its ACL with the SSH guard in front.

use std::collections::BTreeMap;

use eksharden_discovery::Discovery;
use eksharden_net::model::Model;
use eksharden_net::policy::PolicyInput;
use eksharden_net::posture::ClusterFacts;
use eksharden_net::report::Status;
use eksharden_net::topology::Topology;

use crate::change::Change;
use crate::step::{Refused, StepPlan};
use crate::Options;

/// The changes of `plans` that would break a required flow, each with why.
pub fn refusals(found: &Discovery, plans: &[StepPlan], options: &Options) -> Vec<Refused> {
    let input = PolicyInput::discovered(&options.guarded_ports());
    let baseline = required_flows(&found.model, &found.topology, &found.facts, &input);
    let automated: Vec<&Change> = plans.iter().flat_map(|p| p.automated(options)).collect();
    let moving: Vec<&str> = automated.iter().filter_map(|c| c.replaces()).collect();
    let mut refused = Vec::new();
    for change in automated {
        let Some((model, topology)) = change.on_model(found, &moving) else { continue };
        let after = required_flows(&model, &topology, &found.facts, &input);
        let broken: Vec<String> = baseline
            .iter()
            .filter(|(_, passed)| passed.is_none())
            .filter_map(|(title, _)| after.get(title).and_then(|why| why.clone()).map(|why| format!("{title}: {why}")))
            .collect();
        if !broken.is_empty() {
            refused.push(Refused {
                change: change.clone(),
                why: format!("it would break a required flow that passes now: {}", broken.join("; ")),
            });
        }
    }
    refused
}

/// The required flows by title: `None` when it passes, else the first reason it does not.
fn required_flows(
    model: &Model,
    topology: &Topology,
    facts: &ClusterFacts,
    input: &PolicyInput,
) -> BTreeMap<String, Option<String>> {
    let report = eksharden_net::verify(model, topology, facts, input, false, Vec::new());
    report
        .flows
        .iter()
        .filter(|f| f.expectation == eksharden_net::policy::Expectation::Allowed)
        .map(|f| {
            let why = (f.status == Status::Fail)
                .then(|| f.cells.iter().flat_map(|c| &c.explanation).next().cloned().unwrap_or_default());
            (f.title.clone(), why)
        })
        .collect()
}
