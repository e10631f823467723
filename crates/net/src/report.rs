//! The result of a verification: flow checks and posture checks, each passed, warned or
//! failed, with the reasons. Formats (table, JSON, SARIF, JUnit) are the CLI's business.

use serde::Serialize;

use crate::policy::Expectation;
use crate::ports::{PortRange, Protocol};
use crate::verdict::{Hop, Layer, Reason, Step, Verdict};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// It holds.
    Pass,
    /// Advice, or a risk the user may accept; a finding only with `--strict`.
    Warn,
    /// Could not be judged: something it depends on could not be read, or nothing stands at
    /// one end of the flow. Never a pass; the run's exit code says so (3) when nothing fails.
    Unknown,
    /// A finding.
    Fail,
}

/// Where a verdict comes from. Static analysis predicts; live probes (a later addition)
/// observe, and their results sit beside the predicted ones in the same cell list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Basis {
    /// Computed from the AWS configuration by the engine.
    Predicted,
}

/// One pair of endpoint classes of a flow check.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// The source endpoint (and how many it stands for).
    pub source: String,
    /// The destination endpoint.
    pub destination: String,
    /// Where the verdict comes from.
    pub basis: Basis,
    /// How this pair came out.
    pub status: Status,
    /// Why, in words: the rules, entries and routes that decided.
    pub explanation: Vec<String>,
    /// The engine's verdict, hop by hop.
    pub verdict: Verdict,
}

impl Cell {
    /// What decided this pair, in one line: where it reaches what it must not, the rule,
    /// entry or route that lets it in at the destination (or the last hop); where it does not
    /// reach what it must, the first hop that blocks it; else (not evaluated, not judged, a
    /// layer that must block on its own and does not) the first words of the explanation.
    /// With the network-policy layer, what that layer said follows.
    pub fn decisive(&self, expectation: &Expectation) -> String {
        let required = matches!(expectation, Expectation::Allowed | Expectation::Advised(_));
        let failing = self.verdict.segments.iter().find(|s| s.allowed != required);
        let decided = failing.and_then(|segment| {
            if required {
                let hop = segment.blocking().next()?;
                Some(format!("{} blocked at {}: {}", segment.ports, hop.step, hop.reason.brief()))
            } else {
                let admitting = |h: &&Hop| matches!(h.reason, Reason::SgRule { ingress: true, .. });
                let hop = segment.hops.iter().rev().find(admitting).or_else(|| segment.hops.last())?;
                Some(format!("{} allowed by {}", segment.ports, hop.reason.brief()))
            }
        });
        let mut line = decided
            .or_else(|| self.not_blocked_alone(expectation))
            .or_else(|| self.explanation.first().cloned())
            .unwrap_or_default();
        if *expectation == Expectation::BlockedByNetworkPolicy && self.explanation.len() > 1 {
            if let Some(policy_layer) = self.explanation.last() {
                line = format!("{line}; {policy_layer}");
            }
        }
        line
    }

    /// For a pair that must be blocked by each of some layers and is blocked, but not by one
    /// of them on its own: that layer (`SGs`, `ACLs`) and its hop that lets the pair in at the
    /// destination (or its first).
    fn not_blocked_alone(&self, expectation: &Expectation) -> Option<String> {
        let Expectation::BlockedAtEachLayer(layers) = expectation else { return None };
        self.verdict.segments.iter().find_map(|segment| {
            let layer = layers.iter().find(|&&l| !segment.blocked_by(l))?;
            // The destination's side admits it (its groups, its subnet's ACL inbound); else
            // the layer's first hop.
            let of_layer = |h: &&Hop| h.step.layer() == *layer;
            let at_destination = |h: &&Hop| matches!(h.step, Step::DestinationIngress | Step::DestinationSubnetIn);
            let hop = segment
                .hops
                .iter()
                .filter(of_layer)
                .find(at_destination)
                .or_else(|| segment.hops.iter().find(of_layer))?;
            let layer = match layer {
                Layer::SecurityGroup => "SGs".to_owned(),
                Layer::NetworkAcl => "ACLs".to_owned(),
                other => other.to_string(),
            };
            Some(format!("{layer} let it in: {}", hop.reason.brief()))
        })
    }
}

/// One requirement of the flow policy between two roles.
#[derive(Debug, Clone, Serialize)]
pub struct FlowCheck {
    /// The requirement's id.
    pub id: &'static str,
    /// The source it comes from: an id of `docs/sources.md`, then the table, row or section.
    pub citation: &'static str,
    /// `source -> destination: tcp ports`.
    pub title: String,
    /// The source role's name.
    pub source: String,
    /// The destination: a role's name, or an AWS service's (`eks API`).
    pub destination: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The ports.
    pub ports: PortRange,
    /// What must hold.
    pub expectation: Expectation,
    /// The worst status of its cells.
    pub status: Status,
    /// Every pair of endpoint classes.
    pub cells: Vec<Cell>,
}

/// A check of configuration beside the flows (endpoint, auth, logging, keys, ...).
#[derive(Debug, Clone, Serialize)]
pub struct PostureCheck {
    /// A stable id (`endpoint-public-access`).
    pub id: &'static str,
    /// What is checked.
    pub title: String,
    /// The source it comes from: an id of `docs/sources.md`, then the table, row or section.
    pub citation: &'static str,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub details: Vec<String>,
}

/// A whole verification.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The cluster's name.
    pub cluster: String,
    /// The flow checks.
    pub flows: Vec<FlowCheck>,
    /// The posture checks.
    pub posture: Vec<PostureCheck>,
    /// Which endpoints are real and which representative, and what was not read.
    pub notes: Vec<String>,
    /// Whether warnings count as findings.
    pub strict: bool,
}

impl Report {
    /// The statuses of every check.
    fn statuses(&self) -> impl Iterator<Item = Status> + '_ {
        self.flows.iter().map(|f| f.status).chain(self.posture.iter().map(|p| p.status))
    }

    /// Whether a check with `status` is a finding: a failure, or with `--strict` a warning.
    pub fn is_finding(&self, status: Status) -> bool {
        status == Status::Fail || (self.strict && status == Status::Warn)
    }

    /// How many checks are findings.
    pub fn findings(&self) -> usize {
        self.statuses().filter(|s| self.is_finding(*s)).count()
    }

    /// How many checks warned.
    pub fn warnings(&self) -> usize {
        self.statuses().filter(|s| *s == Status::Warn).count()
    }

    /// How many checks could not be judged.
    pub fn unknowns(&self) -> usize {
        self.statuses().filter(|s| *s == Status::Unknown).count()
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.statuses().filter(|s| *s == Status::Pass).count()
    }
}

/// The first `shown` of `items`, comma-separated, and how many more there are.
pub fn some_of(items: &[String], shown: usize) -> String {
    let mut text = items.iter().take(shown).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}
