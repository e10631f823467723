//! The network-policy layer: the Kubernetes NetworkPolicies that restrict what pods send,
//! and what enforces them. Under the VPC CNI a pod shares its node's subnet (and, without
//! security groups for pods, its node's security groups), so for "pods to nodes on 22" this
//! may be the only layer that blocks (STACKROX-EKS, "Control SSH Access to Nodes"). A
//! policy that nothing enforces blocks nothing: the judgement needs both.
//!
//! The semantics are Kubernetes' (the NetworkPolicy reference): a pod selected by no egress
//! policy may send anywhere; a pod selected by one may send only what some egress rule of a
//! policy selecting it admits. A rule admits a destination when one of its peers holds it
//! (no peers: every destination) on one of its ports (no ports: every port). A pod or
//! namespace selector picks pods, never a node's address, so only an `ipBlock` (less its
//! `except` blocks) admits a node. A named port may be any number: it is taken to admit.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::ports::{PortRange, Protocol};

/// What the cluster API says about pod network policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PodPolicies {
    /// What enforces network policies in the cluster, in words (`the VPC CNI's network policy
    /// agent (aws-node)`, `Calico (calico-node)`).
    pub enforcers: Vec<String>,
    /// Every namespace, with its NetworkPolicies.
    pub namespaces: Vec<NamespacePolicies>,
}

/// One namespace and its NetworkPolicies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespacePolicies {
    /// The namespace.
    pub name: String,
    /// Its NetworkPolicies.
    pub policies: Vec<NetworkPolicy>,
}

/// A NetworkPolicy, as far as egress goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkPolicy {
    /// Its name.
    pub name: String,
    /// Whether its pod selector is empty (it selects every pod of its namespace); a policy
    /// with a selector restricts some pods only.
    pub selects_every_pod: bool,
    /// Its egress rules, when it is an egress policy (`policyTypes` holds `Egress`).
    pub egress: Option<Vec<EgressRule>>,
}

/// One egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressRule {
    /// The ports it admits; empty: every port.
    pub ports: Vec<PolicyPort>,
    /// The destinations it admits; empty: every destination.
    pub to: Vec<PolicyPeer>,
}

/// A port of an egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyPort {
    /// The protocol (`TCP` when the policy names none); `None` for one eksharden does not
    /// model (SCTP), which admits no modelled flow.
    pub protocol: Option<Protocol>,
    /// The ports; `None`: every port, or a named port.
    pub ports: Option<PortRange>,
}

/// A destination of an egress rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum PolicyPeer {
    /// An `ipBlock`.
    Block {
        /// The block.
        cidr: IpNet,
        /// The blocks taken out of it.
        except: Vec<IpNet>,
    },
    /// A pod or namespace selector: pods, not node addresses.
    Pods,
}

/// Whether pods can send to the nodes' addresses on a port, by the policies read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodEgress {
    /// Every namespace's pods are blocked by these policies, and something enforces them.
    Blocked {
        /// The policies that block, `namespace/name` (a policy applied everywhere under one
        /// name is named once, with the count of namespaces).
        policies: Vec<String>,
        /// What enforces them.
        enforcers: Vec<String>,
    },
    /// The policies would block, but nothing enforces network policies.
    Unenforced {
        /// The policies that would block.
        policies: Vec<String>,
    },
    /// Pods of these namespaces may send: no egress policy selects all their pods, or one
    /// admits the port (with the rule's policy, when one does).
    Open {
        /// `namespace` or `namespace (policy P admits it)`.
        namespaces: Vec<String>,
    },
}

impl PodPolicies {
    /// Whether the pods of every namespace can reach one of `addresses` (the nodes') with
    /// `protocol` on a port of `ports`.
    pub fn egress_to(&self, addresses: &[IpAddr], protocol: Protocol, ports: PortRange) -> PodEgress {
        let mut open = Vec::new();
        let mut blocking: Vec<(&str, &str)> = Vec::new();
        for namespace in &self.namespaces {
            let egress: Vec<(&NetworkPolicy, &Vec<EgressRule>)> =
                namespace.policies.iter().filter_map(|p| p.egress.as_ref().map(|rules| (p, rules))).collect();
            let admitting = egress
                .iter()
                .find(|(_, rules)| rules.iter().any(|rule| rule.admits(addresses, protocol, ports)))
                .map(|(policy, _)| policy.name.as_str());
            let covering: Vec<&str> =
                egress.iter().filter(|(p, _)| p.selects_every_pod).map(|(p, _)| p.name.as_str()).collect();
            match (admitting, covering.is_empty()) {
                (Some(policy), _) => open.push(format!("{} (policy {policy} admits it)", namespace.name)),
                (None, true) => open.push(namespace.name.clone()),
                (None, false) => blocking.extend(covering.into_iter().map(|p| (namespace.name.as_str(), p))),
            }
        }
        if !open.is_empty() {
            return PodEgress::Open { namespaces: open };
        }
        let policies = name_policies(&blocking, self.namespaces.len());
        if self.enforcers.is_empty() {
            PodEgress::Unenforced { policies }
        } else {
            PodEgress::Blocked { policies, enforcers: self.enforcers.clone() }
        }
    }
}

/// `name (every namespace)` for a policy every namespace has, `namespace/name` otherwise.
fn name_policies(blocking: &[(&str, &str)], namespaces: usize) -> Vec<String> {
    let mut names: Vec<&str> = blocking.iter().map(|(_, p)| *p).collect();
    names.sort_unstable();
    names.dedup();
    let mut words = Vec::new();
    for name in names {
        let holders: Vec<&str> = blocking.iter().filter(|(_, p)| *p == name).map(|(n, _)| *n).collect();
        if holders.len() == namespaces && namespaces > 1 {
            words.push(format!("{name} (in all {namespaces} namespaces)"));
        } else {
            words.extend(holders.iter().map(|n| format!("{n}/{name}")));
        }
    }
    words
}

impl EgressRule {
    fn admits(&self, addresses: &[IpAddr], protocol: Protocol, ports: PortRange) -> bool {
        let port_admitted = self.ports.is_empty()
            || self
                .ports
                .iter()
                .any(|p| p.protocol == Some(protocol) && p.ports.is_none_or(|r| r.intersect(ports).is_some()));
        let peer_admitted = self.to.is_empty() || self.to.iter().any(|peer| addresses.iter().any(|a| peer.holds(*a)));
        port_admitted && peer_admitted
    }
}

impl PolicyPeer {
    fn holds(&self, address: IpAddr) -> bool {
        match self {
            Self::Block { cidr, except } => cidr.contains(&address) && !except.iter().any(|e| e.contains(&address)),
            Self::Pods => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: &str = "10.0.16.5";

    fn rule(ports: &[(Protocol, u16, u16)], to: Vec<PolicyPeer>) -> EgressRule {
        EgressRule {
            ports: ports
                .iter()
                .map(|&(p, from, to)| PolicyPort { protocol: Some(p), ports: Some(PortRange::new(from, to)) })
                .collect(),
            to,
        }
    }

    /// eksharden's policy: every port but 22 over TCP, every port over UDP.
    fn deny_ssh() -> NetworkPolicy {
        NetworkPolicy {
            name: "eksharden-deny-ssh-egress".into(),
            selects_every_pod: true,
            egress: Some(vec![rule(
                &[(Protocol::Tcp, 1, 21), (Protocol::Tcp, 23, 65535), (Protocol::Udp, 1, 65535)],
                vec![],
            )]),
        }
    }

    fn cluster(namespaces: &[(&str, Vec<NetworkPolicy>)], enforcers: &[&str]) -> PodPolicies {
        PodPolicies {
            enforcers: enforcers.iter().map(|e| e.to_string()).collect(),
            namespaces: namespaces
                .iter()
                .map(|(name, policies)| NamespacePolicies { name: name.to_string(), policies: policies.clone() })
                .collect(),
        }
    }

    fn ssh(policies: &PodPolicies) -> PodEgress {
        policies.egress_to(&[NODE.parse().unwrap()], Protocol::Tcp, PortRange::single(22))
    }

    #[test]
    fn the_policy_in_every_namespace_with_an_enforcer_blocks() {
        let p = cluster(&[("default", vec![deny_ssh()]), ("kube-system", vec![deny_ssh()])], &["agent"]);
        assert_eq!(
            ssh(&p),
            PodEgress::Blocked {
                policies: vec!["eksharden-deny-ssh-egress (in all 2 namespaces)".into()],
                enforcers: vec!["agent".into()]
            }
        );
        assert!(matches!(
            p.egress_to(&[NODE.parse().unwrap()], Protocol::Tcp, PortRange::single(443)),
            PodEgress::Open { .. }
        ));
    }

    #[test]
    fn without_an_enforcer_the_policy_blocks_nothing() {
        let p = cluster(&[("default", vec![deny_ssh()])], &[]);
        assert_eq!(ssh(&p), PodEgress::Unenforced { policies: vec!["default/eksharden-deny-ssh-egress".into()] });
    }

    #[test]
    fn a_namespace_without_it_or_with_a_policy_admitting_22_is_open() {
        let admit = NetworkPolicy {
            name: "ops".into(),
            selects_every_pod: false,
            egress: Some(vec![rule(
                &[(Protocol::Tcp, 22, 22)],
                vec![PolicyPeer::Block { cidr: "10.0.0.0/16".parse().unwrap(), except: vec![] }],
            )]),
        };
        let p = cluster(&[("default", vec![deny_ssh()]), ("new", vec![]), ("ops", vec![deny_ssh(), admit])], &["a"]);
        assert_eq!(ssh(&p), PodEgress::Open { namespaces: vec!["new".into(), "ops (policy ops admits it)".into()] });
    }

    #[test]
    fn peers_decide_whether_a_rule_reaches_the_node() {
        let with_peer = |to: Vec<PolicyPeer>| {
            let admit = NetworkPolicy { name: "x".into(), selects_every_pod: true, egress: Some(vec![rule(&[], to)]) };
            ssh(&cluster(&[("default", vec![admit])], &["a"]))
        };
        let block = |cidr: &str, except: &[&str]| PolicyPeer::Block {
            cidr: cidr.parse().unwrap(),
            except: except.iter().map(|e| e.parse().unwrap()).collect(),
        };
        assert!(matches!(with_peer(vec![]), PodEgress::Open { .. }), "no peers: everywhere");
        assert!(matches!(with_peer(vec![block("0.0.0.0/0", &[])]), PodEgress::Open { .. }));
        assert!(matches!(with_peer(vec![block("0.0.0.0/0", &["10.0.0.0/8"])]), PodEgress::Blocked { .. }));
        assert!(matches!(with_peer(vec![PolicyPeer::Pods]), PodEgress::Blocked { .. }), "pods are not nodes");
        let named = NetworkPolicy {
            name: "named".into(),
            selects_every_pod: true,
            egress: Some(vec![EgressRule {
                ports: vec![PolicyPort { protocol: Some(Protocol::Tcp), ports: None }],
                to: vec![],
            }]),
        };
        assert!(matches!(ssh(&cluster(&[("d", vec![named])], &["a"])), PodEgress::Open { .. }), "a named port");
    }

    #[test]
    fn an_ingress_only_policy_restricts_no_egress() {
        let ingress = NetworkPolicy { name: "in".into(), selects_every_pod: true, egress: None };
        assert_eq!(
            ssh(&cluster(&[("default", vec![ingress])], &["a"])),
            PodEgress::Open { namespaces: vec!["default".into()] }
        );
    }
}
