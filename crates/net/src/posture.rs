//! Posture checks beside the flows: what the EKS and EC2 APIs say about the endpoint,
//! authentication, logging, encryption, instance metadata, SSH keys and public addresses.

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{Eni, Model, Origin, Subnet, Unread};
use crate::report::{PostureCheck, Status};

/// The control-plane log types STACKROX-EKS asks for (AWS-EKS-BP).
pub const LOG_TYPES: [&str; 5] = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/// What discovery read about a cluster beyond its network.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterFacts {
    /// The cluster's name.
    pub name: String,
    /// Whether the private endpoint is on.
    pub endpoint_private: bool,
    /// Whether the public endpoint is on.
    pub endpoint_public: bool,
    /// The blocks the public endpoint admits.
    pub public_access_cidrs: Vec<IpNet>,
    /// `CONFIG_MAP`, `API` or `API_AND_CONFIG_MAP`, when reported.
    pub authentication_mode: Option<String>,
    /// The access entries with their Kubernetes groups; `None` when they could not be read.
    pub access_entries: Option<Vec<AccessEntryFact>>,
    /// The enabled control-plane log types.
    pub logging: Vec<String>,
    /// The KMS key that encrypts secrets, if any.
    pub secrets_key: Option<String>,
    /// The node groups.
    pub node_groups: Vec<NodeGroupFacts>,
    /// Why the list of managed node groups could not be read, if it could not.
    pub node_groups_unread: Option<String>,
    /// The security groups on the control plane and the nodes (for the ingress audit).
    pub cluster_groups: Vec<String>,
    /// The dedicated creator role, as IAM reports it.
    pub creator_role: CreatorRoleFact,
    /// The cluster's Kubernetes version and where it stands in EKS's calendar.
    pub kubernetes_version: Option<VersionFact>,
}

/// A cluster's Kubernetes version and its support on the day it was read.
#[derive(Debug, Clone, Serialize)]
pub struct VersionFact {
    /// `1.33`.
    pub version: String,
    /// Where it stands.
    pub support: VersionSupport,
}

/// Where a Kubernetes version stands on EKS, with the dates that matter (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum VersionSupport {
    /// Standard support until the date.
    Standard {
        /// The last day.
        until: String,
    },
    /// Extended support, at extra cost, until the date.
    Extended {
        /// The last day.
        until: String,
        /// What it costs.
        cost: String,
    },
    /// Extended support ended on the date: EKS upgrades the cluster itself.
    Ended {
        /// The last day of extended support.
        on: String,
    },
    /// The version is not in eksharden's calendar.
    Unknown,
}

/// What IAM says of the cluster's dedicated creator role (STACKROX-EKS, "Dedicated IAM Role for
/// EKS Cluster Creation").
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum CreatorRoleFact {
    /// The cluster has none (it was not created through one).
    #[default]
    Absent,
    /// The role exists.
    Found {
        /// Its ARN.
        arn: String,
        /// Its inline and attached policies.
        permissions: Vec<String>,
        /// Whether its trust policy lets anyone assume it.
        assumable: bool,
    },
    /// It could not be read, and why.
    Unreadable(String),
}

/// One access entry.
#[derive(Debug, Clone, Serialize)]
pub struct AccessEntryFact {
    /// The IAM principal.
    pub principal: String,
    /// Its Kubernetes groups.
    pub groups: Vec<String>,
}

/// What discovery read about one node group.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeGroupFacts {
    /// The node group's name.
    pub name: String,
    /// The SSH key its nodes accept, if any.
    pub ssh_key: Option<String>,
    /// The instance metadata settings, when known.
    pub imds: Option<Imds>,
    /// The node ENIs' ids (real or representative) in the model.
    pub enis: Vec<String>,
    /// The subnets it launches into.
    pub subnets: Vec<String>,
    /// What about it could not be read (its description, its launch template), and why:
    /// the checks that depend on it are not judged.
    pub unread: Vec<String>,
}

/// Instance metadata settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Imds {
    /// Whether IMDSv2 tokens are required.
    pub tokens_required: bool,
    /// The PUT response hop limit.
    pub hop_limit: Option<i32>,
}

impl Imds {
    /// Whether pods cannot take the node role's credentials (AWS-EKS-BP): IMDSv2 required,
    /// with a hop limit of 1.
    pub fn is_hardened(&self) -> bool {
        self.tokens_required && self.hop_limit == Some(1)
    }
}

/// The control-plane log types of [`LOG_TYPES`] that `enabled` lacks (AWS-EKS-BP wants all).
pub fn log_types_off(enabled: &[String]) -> Vec<&'static str> {
    LOG_TYPES.iter().copied().filter(|t| !enabled.iter().any(|e| e == t)).collect()
}

/// How a node group's nodes are exposed by address: its nodes that have a public address
/// (real interfaces only: a representative one carries what its subnet would give, and the
/// subnet is listed), and its subnets that give one to what launches there.
pub struct PublicExposure<'m> {
    /// The nodes' interfaces with a public address.
    pub interfaces: Vec<&'m Eni>,
    /// The group's subnets that assign public addresses.
    pub assigning_subnets: Vec<&'m Subnet>,
}

impl PublicExposure<'_> {
    /// Of `group`, in `model` (STACKROX-EKS, "VPC Layout").
    pub fn of<'m>(group: &NodeGroupFacts, model: &'m Model) -> PublicExposure<'m> {
        PublicExposure {
            interfaces: model
                .enis
                .iter()
                .filter(|e| group.enis.contains(&e.id) && e.origin == Origin::Real && e.public_ip.is_some())
                .collect(),
            assigning_subnets: model
                .subnets
                .iter()
                .filter(|s| group.subnets.contains(&s.id) && s.map_public_ip_on_launch)
                .collect(),
        }
    }
}

/// Every posture check over the facts and the model; `expected_node_groups` are the node
/// groups a spec names (none for a discovered cluster).
pub fn check(facts: &ClusterFacts, model: &Model, expected_node_groups: &[String]) -> Vec<PostureCheck> {
    vec![
        node_groups(facts, expected_node_groups),
        creator_role(facts),
        kubernetes_version(facts),
        endpoint_private(facts),
        endpoint_public(facts),
        authentication(facts),
        masters_entries(facts),
        logging(facts),
        secrets(facts),
        imds(facts),
        ssh_keys(facts),
        public_addresses(facts, model),
        open_ingress(facts, model),
    ]
}

fn result(id: &'static str, title: &str, citation: &'static str, status: Status, details: Vec<String>) -> PostureCheck {
    PostureCheck { id, title: title.to_owned(), citation, status, details }
}

/// Fails with what was found, or passes saying `clean`.
fn fail_on(found: Vec<String>, clean: &str) -> (Status, Vec<String>) {
    if found.is_empty() {
        (Status::Pass, vec![clean.to_owned()])
    } else {
        (Status::Fail, found)
    }
}

/// A pass that rests on `parts` of the model is not judged when one of them could not be
/// read; a finding stands, as what was read shows it.
fn judged_unless_unread(judged: (Status, Vec<String>), model: &Model, parts: &[Unread]) -> (Status, Vec<String>) {
    match (judged.0, model.unread_of(parts)) {
        (Status::Pass, Some(why)) => (Status::Unknown, vec![format!("not judged: {why}")]),
        _ => judged,
    }
}

/// Every node group named by the spec or found in AWS stands in the model: otherwise the
/// flows from and to its nodes would drop out of the report unseen.
fn node_groups(facts: &ClusterFacts, expected: &[String]) -> PostureCheck {
    let mut found = Vec::new();
    for name in expected.iter().filter(|n| !facts.node_groups.iter().any(|g| &g.name == *n)) {
        found.push(format!("node group {name}, named by the spec, does not exist: its flows cannot be checked"));
    }
    let mut unread: Vec<String> = facts
        .node_groups_unread
        .iter()
        .map(|why| format!("the managed node groups could not be listed: {why}"))
        .collect();
    for group in facts.node_groups.iter().filter(|g| g.enis.is_empty()) {
        if group.unread.is_empty() {
            found.push(format!(
                "node group {}: no interfaces and no launch template or subnets to stand in for them: its flows cannot be checked",
                group.name
            ));
        } else {
            unread.push(format!("node group {}: {}: its flows cannot be checked", group.name, group.unread.join("; ")));
        }
    }
    let title = "Every node group is in the model";
    let id = "node-groups-present";
    if !found.is_empty() {
        found.extend(unread);
        return result(id, title, "EKSHARDEN-VERIFY", Status::Fail, found);
    }
    if !unread.is_empty() {
        return result(id, title, "EKSHARDEN-VERIFY", Status::Unknown, unread);
    }
    if facts.node_groups.is_empty() {
        let detail = "the cluster has no node groups: no node flow is checked".to_owned();
        return result(id, title, "EKSHARDEN-VERIFY", Status::Warn, vec![detail]);
    }
    let names: Vec<&str> = facts.node_groups.iter().map(|g| g.name.as_str()).collect();
    result(id, title, "EKSHARDEN-VERIFY", Status::Pass, vec![format!("node groups: {}", names.join(", "))])
}

fn kubernetes_version(facts: &ClusterFacts) -> PostureCheck {
    let (status, detail) = match &facts.kubernetes_version {
        None => (Status::Warn, "the cluster reports no Kubernetes version".to_owned()),
        Some(VersionFact { version, support }) => match support {
            VersionSupport::Standard { until } => {
                (Status::Pass, format!("Kubernetes {version}, in standard support until {until}"))
            }
            VersionSupport::Extended { until, cost } => (
                Status::Warn,
                format!("Kubernetes {version} is in extended support until {until} ({cost}); upgrade it"),
            ),
            VersionSupport::Ended { on } => (
                Status::Fail,
                format!("Kubernetes {version}: extended support ended on {on}; EKS upgrades such clusters itself"),
            ),
            VersionSupport::Unknown => {
                (Status::Warn, format!("Kubernetes {version} is not in eksharden's calendar of EKS versions"))
            }
        },
    };
    result("kubernetes-version", "Kubernetes version in standard support", "AWS-EKS-VERSIONS", status, vec![detail])
}

fn creator_role(facts: &ClusterFacts) -> PostureCheck {
    let (status, detail) = match &facts.creator_role {
        CreatorRoleFact::Absent => (Status::Pass, "the cluster has no dedicated creator role to strip".to_owned()),
        CreatorRoleFact::Found { arn, permissions, assumable: false } if permissions.is_empty() => {
            (Status::Pass, format!("{arn}: no permissions, nobody may assume it (kept for break-glass repair)"))
        }
        CreatorRoleFact::Found { arn, permissions, assumable } => {
            let trust = if *assumable { "its trust still lets it be assumed" } else { "its trust is withdrawn" };
            let held = if permissions.is_empty() { "no permissions".to_owned() } else { permissions.join(", ") };
            (
                Status::Fail,
                format!("{arn} still holds {held}; {trust}: `eksharden harden --only creator-role --apply` strips it"),
            )
        }
        CreatorRoleFact::Unreadable(why) => (Status::Warn, format!("the creator role could not be read: {why}")),
    };
    result("creator-role-stripped", "The dedicated creator role is stripped", "STACKROX-EKS", status, vec![detail])
}

fn endpoint_private(facts: &ClusterFacts) -> PostureCheck {
    let (status, detail) = if facts.endpoint_private {
        (Status::Pass, "private endpoint access is on")
    } else {
        (Status::Fail, "private endpoint access is off: nodes and operators reach the API over the internet")
    };
    result(
        "endpoint-private-access",
        "API endpoint reachable privately",
        "STACKROX-EKS",
        status,
        vec![detail.to_owned()],
    )
}

fn endpoint_public(facts: &ClusterFacts) -> PostureCheck {
    let title = "API endpoint not public to the internet";
    let citation = "STACKROX-EKS";
    if !facts.endpoint_public {
        return result(
            "endpoint-public-access",
            title,
            citation,
            Status::Pass,
            vec!["public endpoint access is off".to_owned()],
        );
    }
    let open: Vec<String> = facts
        .public_access_cidrs
        .iter()
        .filter(|c| c.prefix_len() == 0)
        .map(|c| format!("public access from {c}"))
        .collect();
    if open.is_empty() {
        let listed: Vec<String> = facts.public_access_cidrs.iter().map(ToString::to_string).collect();
        result(
            "endpoint-public-access",
            title,
            citation,
            Status::Pass,
            vec![format!("public access limited to {}", listed.join(", "))],
        )
    } else {
        result("endpoint-public-access", title, citation, Status::Fail, open)
    }
}

fn authentication(facts: &ClusterFacts) -> PostureCheck {
    let title = "Authentication through access entries";
    let citation = "STACKROX-EKS";
    match facts.authentication_mode.as_deref() {
        Some(mode @ ("API" | "API_AND_CONFIG_MAP")) => {
            result("authentication-mode", title, citation, Status::Pass, vec![format!("authentication mode {mode}")])
        }
        Some(mode) => result(
            "authentication-mode",
            title,
            citation,
            Status::Warn,
            vec![format!(
                "authentication mode {mode}: only aws-auth maps identities; access entries are not available"
            )],
        ),
        None => result(
            "authentication-mode",
            title,
            citation,
            Status::Warn,
            vec!["the cluster reports no authentication mode".to_owned()],
        ),
    }
}

fn masters_entries(facts: &ClusterFacts) -> PostureCheck {
    let title = "No access entry maps to system:masters";
    let citation = "STACKROX-EKS";
    match &facts.access_entries {
        None => result(
            "access-entries-system-masters",
            title,
            citation,
            Status::Warn,
            vec![
                "access entries could not be read; the aws-auth ConfigMap is checked on the Kubernetes side".to_owned()
            ],
        ),
        Some(entries) => {
            let masters: Vec<String> = entries
                .iter()
                .filter(|e| e.groups.iter().any(|g| g == "system:masters"))
                .map(|e| format!("{} is mapped to system:masters", e.principal))
                .collect();
            if masters.is_empty() {
                let detail = format!("{} access entries, none in system:masters", entries.len());
                result("access-entries-system-masters", title, citation, Status::Pass, vec![detail])
            } else {
                result("access-entries-system-masters", title, citation, Status::Fail, masters)
            }
        }
    }
}

fn logging(facts: &ClusterFacts) -> PostureCheck {
    let missing = log_types_off(&facts.logging);
    let (status, details) = if missing.is_empty() {
        (Status::Pass, vec!["all five control-plane log types are enabled".to_owned()])
    } else {
        (Status::Fail, vec![format!("control-plane logging is off for: {}", missing.join(", "))])
    };
    result("control-plane-logging", "Control-plane logging (all five types)", "AWS-EKS-BP", status, details)
}

fn secrets(facts: &ClusterFacts) -> PostureCheck {
    let (status, detail) = match &facts.secrets_key {
        Some(key) => (Status::Pass, format!("secrets are encrypted with {key}")),
        None => (Status::Fail, "secrets are not encrypted with a KMS key".to_owned()),
    };
    result("secrets-encryption", "Secrets encrypted with KMS", "AWS-EKS-BP", status, vec![detail])
}

fn imds(facts: &ClusterFacts) -> PostureCheck {
    let mut status = Status::Pass;
    let mut details = Vec::new();
    for group in &facts.node_groups {
        match group.imds {
            Some(imds) if imds.is_hardened() => {
                details.push(format!("{}: IMDSv2 required, hop limit 1", group.name));
            }
            Some(Imds { tokens_required, hop_limit }) => {
                status = Status::Fail;
                let tokens = if tokens_required { "IMDSv2 required" } else { "IMDSv1 allowed" };
                let hops = hop_limit.map_or("default hop limit".to_owned(), |h| format!("hop limit {h}"));
                details.push(format!("{}: {tokens}, {hops}", group.name));
            }
            None if !group.unread.is_empty() => {
                status = status.max(Status::Unknown);
                details.push(format!("{}: not judged: {}", group.name, group.unread.join("; ")));
            }
            None => {
                status = status.max(Status::Warn);
                details.push(format!("{}: instance metadata settings not found", group.name));
            }
        }
    }
    result("imds", "IMDSv2 required with hop limit 1 on nodes", "AWS-EKS-BP", status, details)
}

fn ssh_keys(facts: &ClusterFacts) -> PostureCheck {
    let keyed: Vec<String> = facts
        .node_groups
        .iter()
        .filter_map(|g| g.ssh_key.as_ref().map(|k| format!("node group {} accepts SSH key {k}", g.name)))
        .collect();
    let unread: Vec<String> = facts
        .node_groups
        .iter()
        .filter(|g| g.ssh_key.is_none() && !g.unread.is_empty())
        .map(|g| format!("node group {}: not judged: {}", g.name, g.unread.join("; ")))
        .collect();
    let (status, details) = match fail_on(keyed, "no node group has an SSH key") {
        (Status::Pass, _) if !unread.is_empty() => (Status::Unknown, unread),
        (status, mut details) => {
            details.extend(unread);
            (status, details)
        }
    };
    result("node-ssh-keys", "No SSH keys on node groups", "STACKROX-EKS", status, details)
}

fn public_addresses(facts: &ClusterFacts, model: &Model) -> PostureCheck {
    let mut details = Vec::new();
    for group in &facts.node_groups {
        let exposure = PublicExposure::of(group, model);
        for eni in exposure.interfaces {
            if let Some(ip) = eni.public_ip {
                details.push(format!("node group {}: {} ({}) has public address {ip}", group.name, eni.label, eni.id));
            }
        }
        for subnet in exposure.assigning_subnets {
            details.push(format!(
                "node group {}: subnet {} ({}) assigns public addresses",
                group.name, subnet.name, subnet.id
            ));
        }
    }
    let (status, details) = judged_unless_unread(
        fail_on(details, "no node has or would get a public address"),
        model,
        &[Unread::Subnets, Unread::Interfaces],
    );
    result("node-public-addresses", "No public addresses on nodes", "STACKROX-EKS", status, details)
}

fn open_ingress(facts: &ClusterFacts, model: &Model) -> PostureCheck {
    let mut details = Vec::new();
    for group in model.security_groups.iter().filter(|g| facts.cluster_groups.contains(&g.id)) {
        for rule in &group.ingress {
            if rule.peer.is_whole_internet() {
                let reason = crate::verdict::Reason::SgRule {
                    group: group.id.clone(),
                    group_name: group.name.clone(),
                    ingress: true,
                    rule: rule.clone(),
                };
                details.push(reason.to_string());
            }
        }
    }
    let (status, details) = judged_unless_unread(
        fail_on(details, "no control-plane or node group admits 0.0.0.0/0 or ::/0"),
        model,
        &[Unread::SecurityGroups],
    );
    result(
        "open-ingress",
        "No ingress from 0.0.0.0/0 or ::/0 to control plane or nodes",
        "EKS-SG-ROLES, STACKROX-EKS",
        status,
        details,
    )
}
