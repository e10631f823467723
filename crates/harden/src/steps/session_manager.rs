//! Nodes reachable through Systems Manager's Session Manager instead of SSH (STACKROX-EKS,
//! "Control SSH Access to Nodes"; AWS-SSM): the Systems Manager policy on every role the
//! nodes run as, and an instance profile of eksharden's for a running node without one
//! (associated in place, no replacement).

use std::fmt;

use async_trait::async_trait;
use eksharden_discovery::Discovery;
use eksharden_net::posture::SESSION_MANAGER_POLICY;
use eksharden_net::report::some_of;
use serde::Serialize;

use crate::change::{Alteration, Change};
use crate::error::HardenError;
use crate::step::{AwsStep, Inspected};
use crate::{Options, Target};

/// The step.
pub static STEP: AwsStep = AwsStep {
    id: "session-manager",
    title: "nodes managed by Systems Manager (Session Manager instead of SSH)",
    after_create: false,
    reads: &[eksharden_net::model::Unread::Instances],
    judge,
};

/// The roles without the policy, and the instances without a profile.
pub(super) fn judge(found: &Discovery, _options: &Options) -> Inspected {
    let Some(roles) = &found.facts.audit.node_roles else {
        return Inspected {
            unread: vec!["the roles the nodes run as could not be read".into()],
            ..Inspected::default()
        };
    };
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for (role, has) in roles {
        let state = match has {
            Some(true) => SESSION_MANAGER_POLICY,
            Some(false) => "no Systems Manager policy",
            None => "does not exist (nothing to attach to)",
        };
        current.push(format!("role {role}: {state}"));
        if *has == Some(false) {
            changes.push(Change::new(AttachSessionManagerPolicy { role: role.clone() }));
        }
    }
    let without: Vec<String> = found.facts.node_groups.iter().flat_map(|g| g.without_profile.iter().cloned()).collect();
    if !without.is_empty() {
        current.push(format!("instances without an instance profile: {}", some_of(&without, 5)));
        changes.push(Change::new(GiveInstanceProfile { instances: without }));
    }
    Inspected::new(current, changes)
}

/// Attach the Systems Manager policy to a role the nodes run as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachSessionManagerPolicy {
    /// The role's name.
    pub role: String,
}

impl fmt::Display for AttachSessionManagerPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attach {SESSION_MANAGER_POLICY} to role {}", self.role)
    }
}

#[async_trait]
impl Alteration for AttachSessionManagerPolicy {
    const KIND: &'static str = "attachSessionManagerPolicy";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::session_manager::attach_policy(target.aws, &self.role).await?;
        Ok(Vec::new())
    }

    fn cluster_config_field(&self, _found: &Discovery) -> Option<&'static str> {
        Some("managedNodeGroups[].iam.attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore, ...]")
    }
}

/// Give running instances eksharden's instance profile, whose role has the policy alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GiveInstanceProfile {
    /// The instances.
    pub instances: Vec<String>,
}

impl fmt::Display for GiveInstanceProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "associate an instance profile with {SESSION_MANAGER_POLICY} (eksharden-<cluster>-ssm) with {}",
            some_of(&self.instances, 5)
        )
    }
}

#[async_trait]
impl Alteration for GiveInstanceProfile {
    const KIND: &'static str = "giveInstanceProfile";

    async fn make(&self, target: &Target<'_>, _options: &Options) -> Result<Vec<String>, HardenError> {
        eksharden_aws::session_manager::give_profile(target.aws, target.cluster, &self.instances).await?;
        Ok(Vec::new())
    }
}
