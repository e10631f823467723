//! The flow matrix: every requirement of the policy, evaluated between the endpoint
//! classes of its two roles.

use std::collections::BTreeMap;

use crate::classes::{Class, Classifier};
use crate::engine::{Endpoint, Engine, Flow};
use crate::model::{Family, Origin};
use crate::pod_policy::{PodEgress, PodPolicies};
use crate::policy::{Expectation, Requirement, Target};
use crate::report::{Basis, Cell, FlowCheck, Status};
use crate::topology::{Members, Topology};
use crate::verdict::{Layer, Segment, Step, Verdict};

/// What the matrix tries for one end of a flow: a class of interfaces (pairs of members stand
/// for it), or one endpoint outside the VPC's interfaces.
enum Candidate {
    Class(Class),
    Endpoint { endpoint: Endpoint, label: String },
}

/// Evaluates every requirement. What only network policies can block is judged by
/// `pod_policies` (the NetworkPolicies read and what enforces them); when they were not read
/// it is a warning, and with `strict` a failure.
pub fn check_flows(
    engine: &Engine<'_>,
    topology: &Topology,
    requirements: &[Requirement],
    pod_policies: Option<&PodPolicies>,
    strict: bool,
) -> Vec<FlowCheck> {
    let model = engine.model();
    let unread = model.unread_layers();
    let classifier = Classifier::new(model, topology);
    let candidates: Vec<Vec<Candidate>> = topology
        .roles
        .iter()
        .map(|role| match &role.members {
            Members::Enis(enis) => classifier.classes(model, enis).into_iter().map(Candidate::Class).collect(),
            Members::Addresses(addresses) => addresses
                .iter()
                .map(|a| Candidate::Endpoint { endpoint: Endpoint::Internet(*a), label: a.to_string() })
                .collect(),
            Members::PublicApi => {
                vec![Candidate::Endpoint { endpoint: Endpoint::PublicApi, label: "public API endpoint".to_owned() }]
            }
        })
        .collect();
    requirements
        .iter()
        .map(|requirement| {
            let service: Vec<Candidate>;
            let (destinations, destination_name) = match &requirement.destination {
                Target::Role(r) => (&candidates[*r], topology.roles[*r].name.clone()),
                Target::Service(name) => {
                    let label = format!("{name} API");
                    service =
                        vec![Candidate::Endpoint { endpoint: Endpoint::Service(name.clone()), label: label.clone() }];
                    (&service, label)
                }
            };
            let same_role = requirement.destination == Target::Role(requirement.source);
            let mut cells = Vec::new();
            for (s, source) in candidates[requirement.source].iter().enumerate() {
                for (d, destination) in destinations.iter().enumerate() {
                    for (from, to) in endpoint_pairs(engine, source, destination, same_role && s == d) {
                        let flow = Flow {
                            family: flow_family(topology, &from.0, &to.0),
                            source: from.0,
                            destination: to.0,
                            protocol: requirement.protocol,
                            ports: requirement.ports,
                        };
                        // A pair the engine has no path for is said, never silently passed.
                        let layer = PolicyLayer { policies: pod_policies, engine, flow: &flow };
                        let (verdict, (status, explanation)) = match engine.evaluate(&flow) {
                            Ok(verdict) => {
                                let judged = in_doubt(&requirement.expectation, &verdict, &unread)
                                    .unwrap_or_else(|| judge(&requirement.expectation, &verdict, &layer, strict));
                                (verdict, judged)
                            }
                            Err(unsupported) => (
                                Verdict { segments: Vec::new() },
                                (Status::Unknown, vec![format!("not evaluated: {unsupported}")]),
                            ),
                        };
                        cells.push(Cell {
                            source: from.1,
                            destination: to.1,
                            basis: Basis::Predicted,
                            status,
                            explanation,
                            verdict,
                        });
                    }
                }
            }
            let source_name = &topology.roles[requirement.source].name;
            // A role of interfaces with none to stand for it (a set of addresses may be empty:
            // then there is nothing to reach or to reach from).
            let unplaced = |role: usize| matches!(&topology.roles[role].members, Members::Enis(e) if e.is_empty());
            let destination_unplaced = matches!(requirement.destination, Target::Role(r) if unplaced(r));
            let mut missing: Vec<&str> = [(unplaced(requirement.source), source_name.as_str())]
                .into_iter()
                .chain([(destination_unplaced, destination_name.as_str())])
                .filter_map(|(empty, name)| empty.then_some(name))
                .collect();
            missing.dedup();
            if !missing.is_empty() {
                // A flow with nobody at one end is neither allowed nor blocked: say so.
                cells.push(Cell {
                    source: source_name.clone(),
                    destination: destination_name.clone(),
                    basis: Basis::Predicted,
                    status: Status::Unknown,
                    explanation: vec![format!("not evaluated: no endpoint stands for {}", missing.join(" or "))],
                    verdict: Verdict { segments: Vec::new() },
                });
            }
            let status = cells.iter().map(|c| c.status).max().unwrap_or(Status::Pass);
            FlowCheck {
                id: requirement.id,
                citation: requirement.citation,
                title: format!("{source_name} -> {destination_name}: {} {}", requirement.protocol, requirement.ports),
                source: source_name.clone(),
                destination: destination_name,
                protocol: requirement.protocol,
                ports: requirement.ports,
                expectation: requirement.expectation.clone(),
                status,
                cells,
            }
        })
        .collect()
}

/// An endpoint of a pair and the label the report shows for it.
type Labelled = (Endpoint, String);

/// The pairs of endpoints that stand for every pair between `source` and `destination`: for
/// two classes, a pair within a subnet and one across two where their members allow (for
/// one class with itself, `within`, two of its members); else the endpoints themselves.
fn endpoint_pairs(
    engine: &Engine<'_>,
    source: &Candidate,
    destination: &Candidate,
    within: bool,
) -> Vec<(Labelled, Labelled)> {
    let label = |member: usize, class: &Class| (Endpoint::Eni(member), eni_label(engine, member, class));
    match (source, destination) {
        (Candidate::Class(a), Candidate::Class(b)) => {
            let other = (!within).then_some(b);
            // An interface in both roles is no pair with itself.
            let pairs = a.pairs(other, engine.model()).into_iter().filter(|(x, y)| x != y);
            pairs.map(|(x, y)| (label(x, a), label(y, b))).collect()
        }
        (Candidate::Class(a), Candidate::Endpoint { endpoint, label: shown }) => {
            vec![(label(a.representative, a), (endpoint.clone(), shown.clone()))]
        }
        (Candidate::Endpoint { endpoint, label: shown }, Candidate::Class(b)) => {
            vec![((endpoint.clone(), shown.clone()), label(b.representative, b))]
        }
        (Candidate::Endpoint { endpoint: e1, label: l1 }, Candidate::Endpoint { endpoint: e2, label: l2 }) => {
            if e1 == e2 {
                Vec::new()
            } else {
                vec![((e1.clone(), l1.clone()), (e2.clone(), l2.clone()))]
            }
        }
    }
}

/// `node i-0abc (eni-0abc) and 41 alike [representative]`.
fn eni_label(engine: &Engine<'_>, member: usize, class: &Class) -> String {
    let eni = &engine.model().enis[member];
    let mut label = format!("{} ({})", eni.label, eni.id);
    if class.size > 1 {
        label.push_str(&format!(" and {} alike", class.size - 1));
    }
    if let Origin::Representative(_) = eni.origin {
        label.push_str(" [representative]");
    }
    label
}

/// The family a flow is decided in: an internet address's own; IPv4 to an AWS service
/// (their dual-stack names are opt-in, and IPv6 clusters keep IPv4 egress for them);
/// else the family of the cluster's traffic.
fn flow_family(topology: &Topology, source: &Endpoint, destination: &Endpoint) -> Family {
    match (source, destination) {
        (Endpoint::Internet(address), _) | (_, Endpoint::Internet(address)) => Family::of(*address),
        (_, Endpoint::Service(_)) => Family::V4,
        _ => topology.family,
    }
}

/// A cell that cannot be judged because it turns on a layer that could not be read: a
/// required flow blocked only at such layers, a forbidden one blocked only there, or a
/// layer that must block on its own and was not read. Never a pass, never a fail.
fn in_doubt(
    expectation: &Expectation,
    verdict: &Verdict,
    unread: &BTreeMap<Layer, Vec<String>>,
) -> Option<(Status, Vec<String>)> {
    if unread.is_empty() {
        return None;
    }
    let known_block = |s: &Segment| s.blocking().any(|h| !unread.contains_key(&h.step.layer()));
    let not_judged = |what: String, layers: &mut dyn Iterator<Item = Layer>| {
        let mut why: Vec<&str> =
            layers.flat_map(|l| unread.get(&l).into_iter().flatten()).map(String::as_str).collect();
        why.sort_unstable();
        why.dedup();
        format!("not judged: {what} turns on {}", why.join("; "))
    };
    let doubtful: Vec<String> = verdict
        .segments
        .iter()
        .filter(|s| !s.allowed && !known_block(s))
        .map(|s| not_judged(s.ports.to_string(), &mut s.blocking().map(|h| h.step.layer())))
        .collect();
    let any_allowed = verdict.segments.iter().any(|s| s.allowed);
    let any_known_block = verdict.segments.iter().any(|s| !s.allowed && known_block(s));
    let unknown = |reasons: Vec<String>| Some((Status::Unknown, reasons));
    match expectation {
        // A known block decides a required flow; an allowed port decides a forbidden one.
        Expectation::Allowed | Expectation::Advised(_) if any_known_block || doubtful.is_empty() => None,
        Expectation::Allowed | Expectation::Advised(_) => unknown(doubtful),
        Expectation::Blocked | Expectation::Discouraged(_) | Expectation::BlockedByNetworkPolicy
            if any_allowed || doubtful.is_empty() =>
        {
            None
        }
        Expectation::Blocked | Expectation::Discouraged(_) | Expectation::BlockedByNetworkPolicy => unknown(doubtful),
        Expectation::BlockedAtEachLayer(layers) => {
            if any_allowed {
                return None;
            }
            let mut unread_layers = layers.iter().copied().filter(|l| unread.contains_key(l)).peekable();
            match (doubtful.is_empty(), unread_layers.peek().is_none()) {
                (true, true) => None,
                (false, _) => unknown(doubtful),
                (true, false) => {
                    unknown(vec![not_judged("whether each layer blocks on its own".into(), &mut unread_layers)])
                }
            }
        }
    }
}

/// The network-policy layer as one flow meets it: the policies read, if any, and the flow's
/// destination addresses.
struct PolicyLayer<'a> {
    policies: Option<&'a PodPolicies>,
    engine: &'a Engine<'a>,
    flow: &'a Flow,
}

impl PolicyLayer<'_> {
    /// Whether pods reach the flow's destination by the policies read; `None` when they were
    /// not read or the destination has no address of the flow's family.
    fn pod_egress(&self) -> Option<PodEgress> {
        let Endpoint::Eni(index) = self.flow.destination else { return None };
        let address = self.engine.model().enis[index].address(self.flow.family)?;
        Some(self.policies?.egress_to(&[address], self.flow.protocol, self.flow.ports))
    }
}

/// The status of one cell and the words that explain it.
/// Where each blocked port range of `verdict` is blocked, and why.
fn blocked_at(verdict: &Verdict) -> Vec<String> {
    verdict
        .segments
        .iter()
        .filter(|s| !s.allowed)
        .flat_map(|s| s.blocking().map(move |h| format!("{} blocked at {}: {}", s.ports, h.step, h.reason)))
        .collect()
}

fn judge(expectation: &Expectation, verdict: &Verdict, layer: &PolicyLayer, strict: bool) -> (Status, Vec<String>) {
    let allowed: Vec<&Segment> = verdict.segments.iter().filter(|s| s.allowed).collect();
    match expectation {
        Expectation::Allowed => fail_on(blocked_at(verdict)),
        Expectation::Advised(why) => softened(
            judge(&Expectation::Allowed, verdict, layer, strict),
            format!("advised, not required: {why}"),
            strict,
        ),
        Expectation::Blocked => fail_on(allowed.iter().map(|s| explain_allowed(s)).collect()),
        Expectation::Discouraged(why) => softened(
            judge(&Expectation::Blocked, verdict, layer, strict),
            format!("discouraged, not forbidden: {why}"),
            strict,
        ),
        Expectation::BlockedAtEachLayer(layers) => {
            if !allowed.is_empty() {
                return (Status::Fail, allowed.iter().map(|s| explain_allowed(s)).collect());
            }
            let gaps: Vec<String> = verdict
                .segments
                .iter()
                .flat_map(|s| {
                    layers.iter().filter(move |l| applies(s, **l) && !s.blocked_by(**l)).map(move |l| layer_gap(s, *l))
                })
                .collect();
            fail_on(gaps)
        }
        Expectation::BlockedByNetworkPolicy => {
            if allowed.is_empty() {
                // Blocked before network policies: say where, since only some clusters can.
                return (Status::Pass, blocked_at(verdict));
            }
            let open: Vec<String> = allowed.iter().map(|s| explain_allowed(s)).collect();
            match layer.pod_egress() {
                Some(PodEgress::Blocked { policies, enforcers }) => {
                    let mut words = open;
                    words.push(format!(
                        "blocked at the network-policy layer by NetworkPolicy {}, enforced by {}",
                        policies.join(", "),
                        enforcers.join(" and ")
                    ));
                    (Status::Pass, words)
                }
                Some(PodEgress::Unenforced { policies }) => {
                    let mut words = open;
                    words.push(format!(
                        "NetworkPolicy {} would block it, but nothing enforces network policies (no VPC CNI policy agent, no Calico)",
                        policies.join(", ")
                    ));
                    (Status::Fail, words)
                }
                Some(PodEgress::Open { namespaces }) => {
                    let mut words = open;
                    words.push(format!("no network policy blocks the pods of namespace(s) {}", namespaces.join(", ")));
                    (Status::Fail, words)
                }
                None => {
                    let mut words = open;
                    words.push(
                        "the network-policy layer was not read (--cluster-api), so nothing is known to block pod traffic"
                            .to_owned(),
                    );
                    (if strict { Status::Fail } else { Status::Warn }, words)
                }
            }
        }
    }
}

/// A failure turned into a warning (a finding with `strict`) that says why it is only one.
fn softened((status, mut words): (Status, Vec<String>), why: String, strict: bool) -> (Status, Vec<String>) {
    if status != Status::Fail {
        return (status, words);
    }
    words.push(why);
    (if strict { Status::Fail } else { Status::Warn }, words)
}

/// Fails with the reasons given, passes without any.
fn fail_on(reasons: Vec<String>) -> (Status, Vec<String>) {
    let status = if reasons.is_empty() { Status::Pass } else { Status::Fail };
    (status, reasons)
}

/// Whether a layer has a say on this segment's path (no ACL within one subnet).
fn applies(segment: &Segment, layer: Layer) -> bool {
    match layer {
        Layer::NetworkAcl => {
            segment.hops.iter().any(|h| h.step.layer() == Layer::NetworkAcl && h.step != Step::SubnetBoundary)
        }
        _ => segment.hops.iter().any(|h| h.step.layer() == layer),
    }
}

fn explain_allowed(segment: &Segment) -> String {
    let hops: Vec<String> = segment
        .hops
        .iter()
        .filter(|h| {
            matches!(
                h.step.layer(),
                Layer::SecurityGroup | Layer::NetworkAcl | Layer::PublicAddress | Layer::EndpointAccess
            )
        })
        .filter(|h| {
            !matches!(
                h.step,
                Step::ReturnDestinationSubnetOut
                    | Step::ReturnSourceSubnetIn
                    | Step::ReturnNatSubnetIn
                    | Step::ReturnNatSubnetOut
            )
        })
        .map(|h| format!("{}: {}", h.step, h.reason))
        .collect();
    format!("{} allowed: {}", segment.ports, hops.join("; "))
}

fn layer_gap(segment: &Segment, layer: Layer) -> String {
    let hops: Vec<String> = segment
        .hops
        .iter()
        .filter(|h| h.step.layer() == layer && h.step != Step::SubnetBoundary)
        .map(|h| format!("{}: {}", h.step, h.reason))
        .collect();
    format!("{layer} do not block {} on their own: {}", segment.ports, hops.join("; "))
}
