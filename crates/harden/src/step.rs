//! The steps, their plans and their outcomes.

use serde::Serialize;

use crate::change::Change;
use crate::ownership::Ownership;
use crate::{steps, Options, Target};

/// A hardening step (STACKROX-EKS, AWS-EKS-BP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    /// Step 1: the dedicated creator role stripped, kept for break-glass.
    CreatorRole,
    /// Step 2: admins and viewers mapped to groups other than `system:masters`.
    AccessMapping,
    /// Step 3: ClusterRoleBindings for those groups.
    RbacBindings,
    /// Steps 2-3: no `system:masters` mappings or binding, once a replacement admin is proven.
    SystemMasters,
    /// Step 4: no public addresses on nodes or their subnets.
    PublicAddresses,
    /// Step 6: no port-22 ingress to nodes except from the bastion.
    SshIngress,
    /// Step 6: no SSH keys on node groups.
    SshKeys,
    /// Step 8: IMDSv2 required with hop limit 1 on nodes.
    Imds,
    /// Step 5: a bastion subnet with its own ACL; node subnets admit 22 only from it.
    NetworkAcl,
    /// Step 6: the NetworkPolicy (and Calico policy) blocking pod egress to 22.
    SshEgressPolicy,
    /// Step 7: private endpoint on, public off or limited.
    EndpointAccess,
    /// Step 8: all five control-plane log types.
    Logging,
    /// Step 8: secrets encrypted with a KMS key.
    SecretsEncryption,
    /// Step 9: the cluster's own resources carry the cluster tag.
    Tags,
}

impl StepId {
    /// Every step, in the order they run: identity first, so that a later step never
    /// runs without a working admin path.
    pub const ALL: [Self; 14] = [
        Self::CreatorRole,
        Self::AccessMapping,
        Self::RbacBindings,
        Self::SystemMasters,
        Self::PublicAddresses,
        Self::SshIngress,
        Self::SshKeys,
        Self::Imds,
        Self::NetworkAcl,
        Self::SshEgressPolicy,
        Self::EndpointAccess,
        Self::Logging,
        Self::SecretsEncryption,
        Self::Tags,
    ];

    /// The id users pass to `--only`.
    pub fn id(self) -> &'static str {
        match self {
            Self::CreatorRole => "creator-role",
            Self::AccessMapping => "access-mapping",
            Self::RbacBindings => "rbac-bindings",
            Self::SystemMasters => "system-masters",
            Self::PublicAddresses => "public-addresses",
            Self::SshIngress => "ssh-ingress",
            Self::SshKeys => "ssh-keys",
            Self::Imds => "imds",
            Self::NetworkAcl => "network-acl",
            Self::SshEgressPolicy => "ssh-egress-policy",
            Self::EndpointAccess => "endpoint-access",
            Self::Logging => "logging",
            Self::SecretsEncryption => "secrets-encryption",
            Self::Tags => "tags",
        }
    }

    /// The step with `id`.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// What the step makes true.
    pub fn title(self) -> &'static str {
        match self {
            Self::CreatorRole => "the dedicated creator role stripped, kept for break-glass",
            Self::AccessMapping => "admins and viewers mapped to eksharden's groups",
            Self::RbacBindings => "ClusterRoleBindings for the admin and viewer groups",
            Self::SystemMasters => "nobody in system:masters, once a replacement admin is proven",
            Self::PublicAddresses => "no public addresses on nodes or their subnets",
            Self::SshIngress => {
                "port 22 to nodes only from the bastion; nothing to the control plane from the internet"
            }
            Self::SshKeys => "no SSH keys on node groups",
            Self::Imds => "IMDSv2 required with hop limit 1 on nodes",
            Self::NetworkAcl => "a bastion subnet with its own ACL; node subnets admit 22 only from it",
            Self::SshEgressPolicy => "pods cannot reach port 22 (NetworkPolicy, Calico)",
            Self::EndpointAccess => "private endpoint on, public off or limited",
            Self::Logging => "all five control-plane log types",
            Self::SecretsEncryption => "secrets encrypted with a KMS key",
            Self::Tags => "the cluster, its node groups and its own security groups carry the cluster tag",
        }
    }

    /// Whether the step needs the cluster API.
    pub fn needs_cluster_api(self) -> bool {
        matches!(self, Self::AccessMapping | Self::RbacBindings | Self::SystemMasters | Self::SshEgressPolicy)
    }
}

/// What inspection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state", content = "detail")]
pub enum Planned {
    /// Nothing to do.
    Compliant,
    /// These changes.
    Changes(Vec<Change>),
    /// The step could not look (and so changes nothing).
    CannotInspect(String),
}

/// A step's current state and its plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepPlan {
    /// The step.
    pub step: StepId,
    /// What is there now, in words.
    pub current: Vec<String>,
    /// What to do.
    pub planned: Planned,
    /// Parts the step could not inspect (a node group or launch template that could not be
    /// read), and why; nothing is planned for them, and the run is incomplete.
    pub unread: Vec<String>,
    /// Changes the what-if refused: made on the model, they break a required flow.
    pub refused: Vec<Refused>,
    /// Who else manages what the changes touch (a stack, eksctl's ClusterConfig).
    pub ownership: Vec<Ownership>,
}

/// A planned change that is not made, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    /// The change.
    pub change: Change,
    /// Why it is not made (the flow it would break).
    pub why: String,
}

impl StepPlan {
    /// The changes `--apply` would make with these options (not those it only reports, nor
    /// those the what-if refused).
    pub fn automated(&self, options: &Options) -> Vec<&Change> {
        match &self.planned {
            Planned::Changes(changes) => changes
                .iter()
                .filter(|c| c.not_applied(options).is_none() && !self.refused.iter().any(|r| &r.change == *c))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// How applying a step went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome", content = "detail")]
pub enum Outcome {
    /// Nothing needed doing.
    Unchanged,
    /// The changes were made, and inspecting again found them in place. Listed, each in a
    /// sentence: changes the plan showed that a fresh look no longer called for when the step
    /// ran (an earlier step did them, or the resource changed), and what making the others
    /// met on the way (a race with another run, and what became of it).
    Applied(Vec<String>),
    /// Some changes are reported, not made (node-group replacements not asked for).
    NotApplied(Vec<String>),
    /// A change failed, or did not hold.
    Failed(String),
    /// The step could not inspect; nothing was changed.
    CannotInspect(String),
}

/// A step's plan and outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// The plan it started from.
    pub plan: StepPlan,
    /// What happened.
    pub outcome: Outcome,
}

/// Applies one step's plan and checks that it held.
pub async fn apply(target: &Target<'_>, options: &Options, plan: StepPlan) -> StepResult {
    let shown = match &plan.planned {
        Planned::Compliant => return StepResult { plan, outcome: Outcome::Unchanged },
        Planned::CannotInspect(why) => {
            let outcome = Outcome::CannotInspect(why.clone());
            return StepResult { plan, outcome };
        }
        Planned::Changes(changes) => changes,
    };
    // An earlier step may have done part of this one's work (a node group replaced for its
    // public addresses no longer has its SSH key): make only what is still to do, and only
    // what was shown.
    let mut fresh = steps::inspect(target, options, plan.step, &mut steps::Discovered::default()).await;
    fresh.refused = plan.refused.clone();
    let still = fresh.automated(options);
    let to_make: Vec<Change> = still.iter().filter(|c| shown.contains(c)).map(|c| (*c).clone()).collect();
    let mut remarks: Vec<String> = plan
        .automated(options)
        .into_iter()
        .filter(|c| !still.contains(c))
        .map(|c| format!("no longer needed when it ran: {c}"))
        .collect();
    for change in &to_make {
        match steps::make(target, options, change).await {
            Ok(notes) => remarks.extend(notes),
            Err(why) => return StepResult { plan, outcome: Outcome::Failed(format!("{change}: {why}")) },
        }
    }
    // Read the state afresh: the change must be visible to count as done.
    let mut again = steps::inspect(target, options, plan.step, &mut steps::Discovered::default()).await;
    again.refused = plan.refused.clone();
    let reported: Vec<String> = match &again.planned {
        Planned::Changes(left) => left
            .iter()
            .filter_map(|c| {
                let refused = plan.refused.iter().find(|r| &r.change == c).map(|r| r.why.as_str());
                refused.or(c.not_applied(options)).map(|why| format!("{c}: not applied: {why}"))
            })
            .collect(),
        _ => Vec::new(),
    };
    let outcome = match again.automated(options).first() {
        Some(left) => Outcome::Failed(format!("did not hold: still to do: {left}")),
        None if !reported.is_empty() => Outcome::NotApplied(reported),
        None => Outcome::Applied(remarks),
    };
    StepResult { plan, outcome }
}
