//! Posture checks beside the flows: what the EKS and EC2 APIs say about the endpoint,
//! authentication, logging, encryption, instance metadata, SSH keys and public addresses.
//!
//! A check is one module of `checks/` (its id, title, source and judgement); the table there
//! lists them in report order. The facts they judge are in `facts`.

mod audit;
mod checks;
mod cluster_group;
mod facts;
mod pod_network;
mod workloads;

pub use audit::{AuditFacts, FlowLogDestination, FlowLogFact, TrailFact, CLOUDTRAIL_REMEDY, SESSION_MANAGER_POLICY};
pub use cluster_group::{minimum_rules, Closing, ClusterGroupFact, CLOSED_TAG};
pub use facts::*;
pub use pod_network::{ClusterApiRead, PodNetworkFacts, VpcCniAddon, ADDON_AGENT};
pub use workloads::{Compute, TrustCondition, TrustStatement, WorkloadAccess, WorkloadRole};

use crate::model::{Model, Unread};
use crate::policy::PolicyInput;
use crate::report::{PostureCheck, Status};

/// What a check judges from.
pub struct Input<'a> {
    /// What discovery read about the cluster.
    pub facts: &'a ClusterFacts,
    /// The network.
    pub model: &'a Model,
    /// What a spec asks for (the node groups it names, whether the cluster security group is
    /// closed down); nothing for a discovered cluster.
    pub expected: &'a PolicyInput,
}

/// A check's verdict and what it found, in sentences.
pub type Judged = (Status, Vec<String>);

/// One posture check.
pub struct Check {
    /// Its id in reports.
    pub id: &'static str,
    /// What it asks, for people.
    pub title: &'static str,
    /// The source it comes from (ids of `docs/sources.md`).
    pub citation: &'static str,
    /// The judgement.
    pub judge: fn(&Input) -> Judged,
}

/// Every posture check over the facts and the model; `expected` is what a spec asks for
/// ([`PolicyInput::discovered`] for a cluster known only from AWS).
pub fn check(facts: &ClusterFacts, model: &Model, expected: &PolicyInput) -> Vec<PostureCheck> {
    let input = Input { facts, model, expected };
    checks::TABLE
        .iter()
        .map(|check| {
            let (status, details) = (check.judge)(&input);
            PostureCheck { id: check.id, title: check.title.to_owned(), citation: check.citation, status, details }
        })
        .collect()
}

/// Fails with what was found, or passes saying `clean`.
fn fail_on(found: Vec<String>, clean: &str) -> Judged {
    if found.is_empty() {
        (Status::Pass, vec![clean.to_owned()])
    } else {
        (Status::Fail, found)
    }
}

/// A pass that rests on `parts` of the model is not judged when one of them could not be
/// read; a finding stands, as what was read shows it.
fn judged_unless_unread(judged: Judged, model: &Model, parts: &[Unread]) -> Judged {
    match (judged.0, model.unread_of(parts)) {
        (Status::Pass, Some(why)) => (Status::Unknown, vec![format!("not judged: {why}")]),
        _ => judged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, edit: impl FnOnce(&mut NodeGroupFacts)) -> NodeGroupFacts {
        let mut group = NodeGroupFacts { name: name.into(), enis: vec!["eni-1".into()], ..NodeGroupFacts::default() };
        edit(&mut group);
        group
    }

    fn hardened() -> ClusterFacts {
        ClusterFacts {
            name: "c".into(),
            endpoint_private: true,
            authentication_mode: Some("API".into()),
            access_entries: Some(Vec::new()),
            logging: LOG_TYPES.iter().map(|t| t.to_string()).collect(),
            secrets_key: Some("arn:aws:kms:eu-west-1:111122223333:key/k".into()),
            node_groups: vec![group("workers", |g| {
                g.imds = Some(Imds { tokens_required: true, hop_limit: Some(1) });
                g.roles = vec!["nodes".into()];
            })],
            audit: AuditFacts {
                flow_logs: Some(vec![FlowLogFact {
                    id: "fl-1".into(),
                    traffic: "ALL".into(),
                    active: true,
                    destination: FlowLogDestination::LogGroup { name: "g".into(), kms_key: Some("k".into()) },
                }]),
                trails: Some(vec![TrailFact {
                    name: "t".into(),
                    logging: true,
                    management_events: true,
                    multi_region: false,
                }]),
                node_roles: Some([("nodes".to_owned(), Some(true))].into()),
            },
            ..ClusterFacts::default()
        }
    }

    /// The status of check `id` on `facts`.
    fn status_of(id: &str, facts: &ClusterFacts, expected: &[String]) -> Status {
        let expected = PolicyInput { node_groups: expected.to_vec(), ..PolicyInput::discovered(&[22]) };
        check(facts, &Model::default(), &expected)
            .into_iter()
            .find(|c| c.id == id)
            .expect("a check of the table")
            .status
    }

    #[test]
    fn each_check_judges_the_fact_it_names() {
        type Edit = fn(&mut ClusterFacts);
        let cases: [(&str, Edit, Status); 21] = [
            ("vpc-flow-logs", |f| f.audit.flow_logs = Some(Vec::new()), Status::Fail),
            ("vpc-flow-logs", |f| f.audit.flow_logs.as_mut().unwrap()[0].traffic = "REJECT".into(), Status::Fail),
            (
                "vpc-flow-logs",
                |f| {
                    f.audit.flow_logs.as_mut().unwrap()[0].destination =
                        FlowLogDestination::LogGroup { name: "g".into(), kms_key: None }
                },
                Status::Warn,
            ),
            ("vpc-flow-logs", |f| f.audit.flow_logs = None, Status::Unknown),
            ("cloudtrail-management-events", |f| f.audit.trails.as_mut().unwrap()[0].logging = false, Status::Warn),
            (
                "nodes-session-manager",
                |f| f.audit.node_roles = Some([("nodes".to_owned(), Some(false))].into()),
                Status::Fail,
            ),
            ("nodes-session-manager", |f| f.node_groups[0].without_profile = vec!["i-1".into()], Status::Fail),
            ("control-plane-logging", |f| f.logging.retain(|t| t != "audit"), Status::Fail),
            ("secrets-encryption", |f| f.secrets_key = None, Status::Fail),
            (
                "imds",
                |f| f.node_groups[0].imds = Some(Imds { tokens_required: true, hop_limit: Some(2) }),
                Status::Fail,
            ),
            ("imds", |f| f.node_groups[0].imds = None, Status::Warn),
            ("imds", |f| f.node_groups[0] = group("workers", |g| g.unread = vec!["template".into()]), Status::Unknown),
            ("node-ssh-keys", |f| f.node_groups[0].ssh_key = Some("ops".into()), Status::Fail),
            ("node-ssh-keys", |f| f.node_groups[0].unread = vec!["unreadable".into()], Status::Unknown),
            ("endpoint-private-access", |f| f.endpoint_private = false, Status::Fail),
            (
                "endpoint-public-access",
                |f| (f.endpoint_public, f.public_access_cidrs) = (true, vec!["0.0.0.0/0".parse().unwrap()]),
                Status::Fail,
            ),
            (
                "endpoint-public-access",
                |f| (f.endpoint_public, f.public_access_cidrs) = (true, vec!["203.0.113.0/24".parse().unwrap()]),
                Status::Pass,
            ),
            ("authentication-mode", |f| f.authentication_mode = Some("CONFIG_MAP".into()), Status::Warn),
            (
                "access-entries-system-masters",
                |f| {
                    f.access_entries = Some(vec![AccessEntryFact {
                        principal: "arn:aws:iam::1:role/a".into(),
                        groups: vec!["system:masters".into()],
                    }])
                },
                Status::Fail,
            ),
            (
                "creator-role-stripped",
                |f| {
                    f.creator_role = CreatorRoleFact::Found {
                        arn: "r".into(),
                        permissions: vec!["AdministratorAccess".into()],
                        assumable: false,
                    }
                },
                Status::Fail,
            ),
            ("node-groups-present", |f| f.node_groups.clear(), Status::Warn),
        ];
        let clean = hardened();
        for (id, edit, expected) in cases {
            assert_eq!(status_of(id, &clean, &[]), Status::Pass, "{id} passes on a hardened cluster");
            let mut facts = hardened();
            edit(&mut facts);
            assert_eq!(status_of(id, &facts, &[]), expected, "{id}");
        }
        assert_eq!(
            status_of("node-groups-present", &clean, &["gpu".into()]),
            Status::Fail,
            "a node group the spec names is missing"
        );
    }
}
