//! Close down the cluster security group EKS made (STACKROX-EKS, "Close down the cluster
//! security group"; AWS-EKS-SG, "Restricting cluster traffic"), when asked for
//! (`--close-cluster-security-group`, or the spec's `hardening.closeClusterSecurityGroup`), or
//! again once eksharden closed it and EKS put its rules back: its all-traffic rules go, the
//! minimum (443, 10250 and DNS within the group, each described) comes in. The what-if
//! evaluates the flows the cluster needs with the group closed first, and refuses, naming
//! the flow, what would break one; the group is then tagged closed down, so that `verify`
//! reports drift.

use std::fmt;

use async_trait::async_trait;
use eksharden_aws::changes::{change_rule, tag_ec2, RuleChange};
use eksharden_discovery::Discovery;
use eksharden_net::model::{Model, Unread};
use eksharden_net::posture::{Closing, CLOSED_TAG};
use eksharden_net::topology::Topology;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step.
pub static STEP: AwsStep = AwsStep {
    id: "cluster-security-group",
    title: "the cluster security group closed down to 443, 10250 and DNS (opt-in)",
    after_create: false,
    reads: &[Unread::SecurityGroups],
    judge,
};

/// The closing, when asked for or once done.
pub(super) fn judge(found: &Discovery, options: &Options) -> Inspected {
    let Some(fact) = &found.facts.cluster_security_group else {
        return Inspected::new(vec!["the cluster has no security group of EKS's".into()], Vec::new());
    };
    let Some(group) = found.model.security_groups.iter().find(|g| g.id == fact.id) else {
        return Inspected { unread: vec![format!("security group {} was not read", fact.id)], ..Inspected::default() };
    };
    let closing = Closing::of(group);
    let state = match (fact.closed_down, closing.is_empty()) {
        (true, true) => "closed down",
        (true, false) => "closed down by eksharden, and drifted (EKS puts its rules back on updates)",
        (false, _) => "as EKS made it: all traffic within the group, all traffic out",
    };
    let current = vec![format!("{}: {state}", fact.id)];
    if !(options.close_cluster_security_group || fact.closed_down) {
        return Inspected::new(current, Vec::new());
    }
    let changes = if closing.is_empty() && fact.closed_down {
        Vec::new()
    } else {
        vec![Change::new(CloseClusterGroup { group: fact.id.clone(), closing })]
    };
    Inspected::new(current, changes)
}

/// Close the cluster security group down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseClusterGroup {
    /// The group.
    pub group: String,
    /// The rules to remove and to add.
    #[serde(flatten)]
    pub closing: Closing,
}

impl fmt::Display for CloseClusterGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "close down {}: remove {} all-traffic rule(s), add {} rule(s) of 443, 10250 and DNS within the group",
            self.group,
            self.closing.revoke_ingress.len() + self.closing.revoke_egress.len(),
            self.closing.authorize_ingress.len() + self.closing.authorize_egress.len()
        )
    }
}

#[async_trait]
impl Alteration for CloseClusterGroup {
    const KIND: &'static str = "closeClusterGroup";

    /// The minimum comes in before the open rules go, so no moment has neither; the tag last.
    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        let aws = target.aws;
        let closing = &self.closing;
        let steps = [
            (true, RuleChange::Authorize, &closing.authorize_ingress),
            (false, RuleChange::Authorize, &closing.authorize_egress),
            (true, RuleChange::Revoke, &closing.revoke_ingress),
            (false, RuleChange::Revoke, &closing.revoke_egress),
        ];
        for (ingress, change, rules) in steps {
            for rule in rules {
                change_rule(aws, &self.group, ingress, change, rule).await?;
            }
        }
        tag_ec2(aws, &self.group, CLOSED_TAG, "true").await?;
        Ok(Vec::new())
    }

    fn touches<'a>(&'a self, _cluster: &'a str) -> Option<&'a str> {
        Some(&self.group)
    }

    fn on_model(&self, found: &Discovery, _moving: &[&str]) -> Option<(Model, Topology)> {
        let mut model = found.model.clone();
        let group = model.security_groups.iter_mut().find(|g| g.id == self.group)?;
        self.closing.apply(group);
        Some((model, found.topology.clone()))
    }
}
