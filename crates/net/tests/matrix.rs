//! The flow matrix over a synthetic hardened cluster: it verifies clean, every
//! requirement of the policy is evaluated, and a break in one layer is its own finding.

mod common;

use common::synthetic::{cluster, Size};
use eksharden_net::model::{AclEntry, Peer, SgRule};
use eksharden_net::report::Status;
use eksharden_net::{verify, PortRange, Protocol, RuleProtocol};

const SMALL: Size = Size { enis: 200, groups: 60, rules: 600 };

fn failed(report: &eksharden_net::report::Report) -> Vec<&str> {
    let mut ids: Vec<&str> = report.flows.iter().filter(|f| f.status == Status::Fail).map(|f| f.id).collect();
    ids.extend(report.posture.iter().filter(|p| p.status == Status::Fail).map(|p| p.id));
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[test]
fn a_hardened_cluster_verifies_clean() {
    let c = cluster(SMALL);
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(
        failed(&report),
        Vec::<&str>::new(),
        "{:#?}",
        report.flows.iter().filter(|f| f.status == Status::Fail).collect::<Vec<_>>()
    );
    assert_eq!(report.findings(), 0);
    // Every kind of requirement was evaluated, each over at least one endpoint pair.
    for id in [
        "nodes-to-api",
        "control-plane-to-kubelet",
        "control-plane-to-node-ports",
        "control-plane-no-privileged-ports",
        "node-to-node",
        "pods-no-ssh-to-nodes",
        "nodes-to-aws-apis",
        "no-internet-to-nodes",
        "bastion-to-nodes-ssh",
        "ssh-to-nodes-only-from-bastion",
        "bastion-to-api",
        "load-balancer-to-app",
        "app-to-store",
        "no-internet-to-stores",
        "api-not-open-to-internet",
    ] {
        let checks: Vec<_> = report.flows.iter().filter(|f| f.id == id).collect();
        assert!(!checks.is_empty() && checks.iter().all(|f| !f.cells.is_empty()), "{id} was evaluated");
    }
    // Pods reaching SSH on nodes in their own subnet is only a warning without network
    // policies, and a finding with --strict.
    assert!(report.warnings() > 0);
    let strict = verify(&c.model, &c.topology, &c.facts, &c.input, true, Vec::new());
    assert_eq!(failed(&strict), ["pods-no-ssh-to-nodes"]);
}

#[test]
fn each_break_is_its_own_finding() {
    // SSH from anywhere on the node group.
    let mut c = cluster(SMALL);
    let nodes = c.model.security_groups.iter_mut().find(|g| g.id == "sg-nodes").unwrap();
    nodes.ingress.push(SgRule {
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(22),
        peer: Peer::Cidr("0.0.0.0/0".parse().unwrap()),
        description: None,
    });
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(
        failed(&report),
        ["control-plane-no-privileged-ports", "open-ingress", "ssh-to-nodes-only-from-bastion"]
    );

    // The control plane no longer admits the nodes.
    let mut c = cluster(SMALL);
    let cp = c.model.security_groups.iter_mut().find(|g| g.id == "sg-cp").unwrap();
    cp.ingress.retain(|r| r.peer != Peer::Group("sg-nodes".into()));
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(failed(&report), ["nodes-to-api"]);

    // An ACL entry lets SSH in before the deny.
    let mut c = cluster(SMALL);
    let acl = c.model.network_acls.iter_mut().find(|a| a.id == "acl-nodes").unwrap();
    acl.entries.push(AclEntry {
        number: 105,
        egress: false,
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports: PortRange::single(22),
        cidr: "0.0.0.0/0".parse().unwrap(),
        allow: true,
    });
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    assert_eq!(failed(&report), ["ssh-to-nodes-only-from-bastion"]);
    let said: Vec<&String> = report
        .flows
        .iter()
        .flat_map(|f| f.cells.iter())
        .filter(|c| c.status == Status::Fail)
        .flat_map(|c| &c.explanation)
        .collect();
    assert!(said.iter().all(|s| s.contains("acl-nodes entry 105 allows 22")), "{said:#?}");
}

#[test]
fn a_pair_the_engine_cannot_evaluate_is_a_warning_not_a_pass() {
    let mut c = cluster(SMALL);
    // A node whose subnet is not in the model: no path can be built to or from it.
    let node = c.model.enis.iter().position(|e| e.label.starts_with("node general")).unwrap();
    c.model.enis[node].subnet = "subnet-unknown".into();
    let report = verify(&c.model, &c.topology, &c.facts, &c.input, false, Vec::new());
    let unevaluated: Vec<&str> = report
        .flows
        .iter()
        .filter(|f| f.cells.iter().any(|c| c.explanation.iter().any(|e| e.starts_with("not evaluated"))))
        .map(|f| f.id)
        .collect();
    assert!(unevaluated.contains(&"nodes-to-api"), "{unevaluated:?}");
    assert!(report.flows.iter().filter(|f| f.id == "nodes-to-api").any(|f| f.status == Status::Warn));
    let strict = verify(&c.model, &c.topology, &c.facts, &c.input, true, Vec::new());
    assert!(strict.findings() > 0);
}
