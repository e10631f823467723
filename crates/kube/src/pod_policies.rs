//! The network-policy layer as the cluster API shows it: every namespace's NetworkPolicies,
//! and what enforces them (the VPC CNI's policy agent in the `aws-node` DaemonSet, Calico's
//! `calico-node`, or, where no `aws-node` runs, as on EKS Auto Mode, EKS's network policy
//! controller turned on in the `amazon-vpc-cni` ConfigMap). `verify` judges pods to nodes
//! with it; see `eksharden_net::pod_policy` for the semantics.

use std::collections::BTreeMap;

use eksharden_net::pod_policy::{EgressRule, NamespacePolicies, NetworkPolicy, PodPolicies, PolicyPeer, PolicyPort};
use eksharden_net::{PortRange, Protocol};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams};
use kube::Client;

use crate::error::KubeError;

/// The VPC CNI's policy agent: a container of `aws-node` and the argument that turns it on.
const AGENT_CONTAINER: &str = "aws-network-policy-agent";
const AGENT_ON: &str = "--enable-network-policy=true";

/// Reads every namespace's NetworkPolicies and what enforces them.
pub async fn read(client: &Client) -> Result<PodPolicies, KubeError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let names: Vec<String> = namespaces
        .list(&ListParams::default())
        .await
        .map_err(|e| KubeError::new("list namespaces", e))?
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    let policies: Api<networking::NetworkPolicy> = Api::all(client.clone());
    let mut by_namespace: BTreeMap<String, Vec<NetworkPolicy>> = names.into_iter().map(|n| (n, Vec::new())).collect();
    for policy in policies.list(&ListParams::default()).await.map_err(|e| KubeError::new("list NetworkPolicies", e))? {
        let namespace = policy.metadata.namespace.clone().unwrap_or_default();
        by_namespace.entry(namespace).or_default().push(convert(policy));
    }
    Ok(PodPolicies {
        enforcers: enforcers(client).await?,
        namespaces: by_namespace.into_iter().map(|(name, policies)| NamespacePolicies { name, policies }).collect(),
    })
}

/// What enforces network policies, in words.
async fn enforcers(client: &Client) -> Result<Vec<String>, KubeError> {
    let daemon_sets = |namespace: &str| Api::<DaemonSet>::namespaced(client.clone(), namespace);
    let get = |api: Api<DaemonSet>, name: &'static str| async move {
        api.get_opt(name).await.map_err(|e| KubeError::new(format!("read DaemonSet {name}"), e))
    };
    let mut found = Vec::new();
    let aws_node = get(daemon_sets("kube-system"), "aws-node").await?;
    if aws_node.as_ref().is_some_and(agent_on) {
        found.push("the VPC CNI's network policy agent (aws-node)".to_owned());
    }
    for namespace in ["kube-system", "calico-system"] {
        if get(daemon_sets(namespace), "calico-node").await?.is_some() {
            found.push(format!("Calico (calico-node in {namespace})"));
        }
    }
    if aws_node.is_none() {
        let config: Api<ConfigMap> = Api::namespaced(client.clone(), "kube-system");
        let map = config.get_opt("amazon-vpc-cni").await.map_err(|e| KubeError::new("read amazon-vpc-cni", e))?;
        let data = map.and_then(|m| m.data).unwrap_or_default();
        if data.get("enable-network-policy-controller").map(String::as_str) == Some("true") {
            found.push("EKS's network policy controller (ConfigMap kube-system/amazon-vpc-cni)".to_owned());
        }
    }
    Ok(found)
}

/// Whether `aws-node` runs the policy agent turned on.
fn agent_on(daemon_set: &DaemonSet) -> bool {
    let containers = daemon_set.spec.as_ref().and_then(|s| s.template.spec.as_ref()).map(|p| &p.containers);
    containers.into_iter().flatten().any(|c| {
        c.name == AGENT_CONTAINER && c.args.iter().flatten().chain(c.command.iter().flatten()).any(|a| a == AGENT_ON)
    })
}

/// Whether a selector selects everything (none, or no labels and no expressions).
fn selects_all(selector: Option<&LabelSelector>) -> bool {
    selector.is_none_or(|s| {
        s.match_labels.as_ref().is_none_or(BTreeMap::is_empty) && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
    })
}

/// A NetworkPolicy as the layer's judgement takes it. Its policy types default as the API
/// server's do: `Egress` is among them when it has egress rules.
fn convert(policy: networking::NetworkPolicy) -> NetworkPolicy {
    let name = policy.metadata.name.unwrap_or_default();
    let spec = policy.spec.unwrap_or_default();
    let is_egress = match &spec.policy_types {
        Some(types) => types.iter().any(|t| t == "Egress"),
        None => spec.egress.is_some(),
    };
    let egress = is_egress.then(|| spec.egress.unwrap_or_default().into_iter().map(rule).collect());
    NetworkPolicy { name, selects_every_pod: selects_all(spec.pod_selector.as_ref()), egress }
}

fn rule(rule: networking::NetworkPolicyEgressRule) -> EgressRule {
    let ports = rule.ports.unwrap_or_default().into_iter().map(port).collect();
    let to = rule.to.unwrap_or_default().into_iter().flat_map(peer).collect();
    EgressRule { ports, to }
}

fn port(port: networking::NetworkPolicyPort) -> PolicyPort {
    let protocol = match port.protocol.as_deref().unwrap_or("TCP") {
        "TCP" => Some(Protocol::Tcp),
        "UDP" => Some(Protocol::Udp),
        _ => None,
    };
    let ports = match port.port {
        Some(IntOrString::Int(first)) => {
            let first = u16::try_from(first).unwrap_or(0);
            let last = port.end_port.and_then(|e| u16::try_from(e).ok()).unwrap_or(first);
            Some(PortRange::new(first, last.max(first)))
        }
        // A named port may be any number; no port is every port.
        Some(IntOrString::String(_)) | None => None,
    };
    PolicyPort { protocol, ports }
}

/// A peer: an `ipBlock` (one the judgement cannot parse is taken to hold every address, so
/// it never hides an opening), or pods.
fn peer(peer: networking::NetworkPolicyPeer) -> Vec<PolicyPeer> {
    let Some(block) = peer.ip_block else { return vec![PolicyPeer::Pods] };
    let except = block.except.unwrap_or_default().iter().filter_map(|e| e.parse().ok()).collect();
    match block.cidr.parse() {
        Ok(cidr) => vec![PolicyPeer::Block { cidr, except }],
        Err(_) => ["0.0.0.0/0", "::/0"]
            .iter()
            .map(|all| PolicyPeer::Block { cidr: all.parse().expect("a block"), except: Vec::new() })
            .collect(),
    }
}
