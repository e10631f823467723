//! The cluster security group, once eksharden closed it down, stays closed: EKS puts its
//! all-traffic rules back on cluster updates (STACKROX-EKS: "Cluster upgrades might overwrite
//! these changes"), and that is drift.

use crate::model::SgRule;
use crate::posture::Closing;
use crate::report::Status;
use crate::verdict::Reason;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "cluster-security-group-closed",
    title: "The cluster security group, once closed down, stays closed",
    citation: "STACKROX-EKS, Close down the cluster security group; AWS-EKS-SG, Restricting cluster traffic",
    judge,
};

fn judge(Input { facts, model, expected }: &Input) -> Judged {
    let Some(fact) = &facts.cluster_security_group else {
        return (Status::Pass, vec!["the cluster has no security group of EKS's".into()]);
    };
    let Some(group) = model.security_groups.iter().find(|g| g.id == fact.id) else {
        return (Status::Unknown, vec![format!("not judged: security group {} was not read", fact.id)]);
    };
    let closing = Closing::of(group);
    match (fact.closed_down, closing.is_empty()) {
        (false, false) if expected.closed_cluster_group => (
            Status::Fail,
            vec![format!(
                "the spec asks for {} closed down, and it is as EKS made it: `eksharden harden \
                 --close-cluster-security-group` closes it",
                fact.id
            )],
        ),
        (false, _) => (
            Status::Pass,
            vec![format!(
                "{} is as EKS made it (all traffic within the group): closing it down is a choice \
                 (hardening.closeClusterSecurityGroup, harden --close-cluster-security-group)",
                fact.id
            )],
        ),
        (true, true) => {
            (Status::Pass, vec![format!("{} is closed down to 443, 10250 and DNS within the group", fact.id)])
        }
        (true, false) => {
            let mut found = vec![format!(
                "{} was closed down, and has drifted (EKS puts its rules back on cluster updates); `eksharden harden` closes it again",
                fact.id
            )];
            let named = |ingress: bool, rule: &SgRule| {
                let group_name = group.name.clone();
                Reason::SgRule { group: group.id.clone(), group_name, ingress, rule: rule.clone() }.to_string()
            };
            found.extend(closing.revoke_ingress.iter().map(|r| format!("beyond the minimum: {}", named(true, r))));
            found.extend(closing.revoke_egress.iter().map(|r| format!("beyond the minimum: {}", named(false, r))));
            let missing = closing.authorize_ingress.iter().chain(&closing.authorize_egress);
            found.extend(missing.map(|r| format!("missing: {}", r.description.as_deref().unwrap_or_default())));
            (Status::Fail, found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, Peer, SecurityGroup};
    use crate::policy::PolicyInput;
    use crate::ports::{PortRange, RuleProtocol};
    use crate::posture::{ClusterFacts, ClusterGroupFact};

    #[test]
    fn an_open_group_is_a_choice_unless_the_spec_asks_for_it_closed_and_drift_once_closed() {
        let all = |peer: Peer| SgRule { protocol: RuleProtocol::All, ports: PortRange::ALL, peer, description: None };
        let model = Model {
            security_groups: vec![SecurityGroup {
                id: "sg-cluster".into(),
                name: "eks-cluster-sg".into(),
                ingress: vec![all(Peer::Group("sg-cluster".into()))],
                egress: vec![all(Peer::Cidr("0.0.0.0/0".parse().unwrap()))],
            }],
            ..Model::default()
        };
        let status = |closed_down: bool, asked: bool| {
            let facts = ClusterFacts {
                cluster_security_group: Some(ClusterGroupFact { id: "sg-cluster".into(), closed_down }),
                ..ClusterFacts::default()
            };
            let expected = PolicyInput { closed_cluster_group: asked, ..PolicyInput::discovered(&[22]) };
            judge(&Input { facts: &facts, model: &model, expected: &expected }).0
        };
        assert_eq!(status(false, false), Status::Pass, "a choice");
        assert_eq!(status(false, true), Status::Fail, "the spec asks for it");
        assert_eq!(status(true, false), Status::Fail, "drift");
    }
}
