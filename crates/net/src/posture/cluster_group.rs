//! The cluster security group EKS makes, closed down (STACKROX-EKS, "Close down the cluster
//! security group"; AWS-EKS-SG, "Restricting cluster traffic"): instead of all traffic within
//! the group and all traffic out, only 443 and 10250 between its members, in and out, and
//! DNS (53 over TCP and UDP) between nodes that carry it. The rule set, and what in a group
//! goes beyond it, are defined here once for the posture check and the hardening step.

use serde::Serialize;

use crate::model::{Peer, SecurityGroup, SgRule};
use crate::ports::{PortRange, Protocol, RuleProtocol};

/// The tag eksharden puts on a cluster security group it closed down: from then on, the
/// all-traffic rules EKS puts back on cluster updates are drift.
pub const CLOSED_TAG: &str = "eksharden.dev/closed-down";

/// What discovery read about the cluster security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterGroupFact {
    /// Its id.
    pub id: String,
    /// Whether eksharden closed it down (it carries [`CLOSED_TAG`]).
    pub closed_down: bool,
}

/// The minimum rules of the closed-down group `id`: inbound, then outbound.
pub fn minimum_rules(id: &str) -> (Vec<SgRule>, Vec<SgRule>) {
    let rule = |protocol, port, description: &str| SgRule {
        protocol: RuleProtocol::One(protocol),
        ports: PortRange::single(port),
        peer: Peer::Group(id.to_owned()),
        description: Some(description.to_owned()),
    };
    let both = |direction: &str| {
        vec![
            rule(
                Protocol::Tcp,
                443,
                &format!("AWS-EKS-SG restricting cluster traffic: {direction} TCP 443 within the cluster group"),
            ),
            rule(
                Protocol::Tcp,
                10250,
                &format!("AWS-EKS-SG restricting cluster traffic: {direction} TCP 10250 within the cluster group"),
            ),
            rule(
                Protocol::Tcp,
                53,
                &format!("AWS-EKS-SG footnote, inter-node traffic: {direction} DNS (TCP 53) within the cluster group"),
            ),
            rule(
                Protocol::Udp,
                53,
                &format!("AWS-EKS-SG footnote, inter-node traffic: {direction} DNS (UDP 53) within the cluster group"),
            ),
        ]
    };
    (both("inbound"), both("outbound"))
}

/// What a group's rules lack of the minimum and have beyond it (any all-traffic rule).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Closing {
    /// Inbound rules to remove.
    pub revoke_ingress: Vec<SgRule>,
    /// Outbound rules to remove.
    pub revoke_egress: Vec<SgRule>,
    /// Inbound rules to add.
    pub authorize_ingress: Vec<SgRule>,
    /// Outbound rules to add.
    pub authorize_egress: Vec<SgRule>,
}

impl Closing {
    /// What closing `group` down takes.
    pub fn of(group: &SecurityGroup) -> Self {
        let (ingress, egress) = minimum_rules(&group.id);
        let open = |rules: &[SgRule]| rules.iter().filter(|r| r.protocol == RuleProtocol::All).cloned().collect();
        let missing = |wanted: Vec<SgRule>, have: &[SgRule]| {
            wanted.into_iter().filter(|w| !have.iter().any(|h| same_rule(h, w))).collect()
        };
        Self {
            revoke_ingress: open(&group.ingress),
            revoke_egress: open(&group.egress),
            authorize_ingress: missing(ingress, &group.ingress),
            authorize_egress: missing(egress, &group.egress),
        }
    }

    /// Whether the group is closed down already.
    pub fn is_empty(&self) -> bool {
        self.revoke_ingress.is_empty()
            && self.revoke_egress.is_empty()
            && self.authorize_ingress.is_empty()
            && self.authorize_egress.is_empty()
    }

    /// `group` with the change made.
    pub fn apply(&self, group: &mut SecurityGroup) {
        group.ingress.retain(|r| !self.revoke_ingress.contains(r));
        group.egress.retain(|r| !self.revoke_egress.contains(r));
        group.ingress.extend(self.authorize_ingress.iter().cloned());
        group.egress.extend(self.authorize_egress.iter().cloned());
    }
}

/// Whether two rules match the same traffic (descriptions aside).
fn same_rule(a: &SgRule, b: &SgRule) -> bool {
    a.protocol == b.protocol && a.ports == b.ports && a.peer == b.peer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eks_s_group_loses_its_all_traffic_rules_and_gains_the_minimum_once() {
        let all = |peer: Peer| SgRule { protocol: RuleProtocol::All, ports: PortRange::ALL, peer, description: None };
        let mut group = SecurityGroup {
            id: "sg-cluster".into(),
            name: "eks-cluster-sg".into(),
            ingress: vec![all(Peer::Group("sg-cluster".into()))],
            egress: vec![all(Peer::Cidr("0.0.0.0/0".parse().unwrap()))],
        };
        let closing = Closing::of(&group);
        assert_eq!((closing.revoke_ingress.len(), closing.revoke_egress.len()), (1, 1));
        assert_eq!((closing.authorize_ingress.len(), closing.authorize_egress.len()), (4, 4));
        closing.apply(&mut group);
        assert!(Closing::of(&group).is_empty(), "a second look finds nothing to do");
        assert!(group.ingress.iter().all(|r| r.description.as_deref().is_some_and(|d| d.starts_with("AWS-EKS-SG"))));
    }
}
