//! The steps, their plans and their outcomes.

use async_trait::async_trait;
use eksharden_aws::discover;
use eksharden_aws::AwsError;
use eksharden_discovery::Discovery;
use eksharden_net::model::Unread;
use serde::Serialize;

use crate::change::Change;
use crate::error::HardenError;
use crate::ownership::Ownership;
use crate::{steps, Options, Target};

/// A hardening step: what it makes true and how it looks. Its changes are its own types
/// ([`Alteration`](crate::change::Alteration)), which know how to make themselves. Every
/// step is one module of `steps/`, listed once in its table.
#[async_trait]
pub trait Step: Sync {
    /// The id users pass to `--only` (kebab-case).
    fn id(&self) -> &'static str;

    /// What the step makes true.
    fn title(&self) -> &'static str;

    /// Whether it needs the cluster API.
    fn needs_cluster_api(&self) -> bool {
        false
    }

    /// Whether `create` runs it on a cluster its stacks just made: the stacks do not make
    /// it true by themselves (the creator role is stripped only once the cluster exists).
    fn after_create(&self) -> bool {
        false
    }

    /// Reads the current state: it in words, and the changes it calls for.
    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError>;
}

/// A step that judges from what discovery read, with a pure judgement of the discovery and
/// the options (so it is tested on plain data).
pub struct AwsStep {
    /// See [`Step::id`].
    pub id: &'static str,
    /// See [`Step::title`].
    pub title: &'static str,
    /// See [`Step::after_create`].
    pub after_create: bool,
    /// The parts of the VPC it judges from: without one of them it cannot inspect.
    pub reads: &'static [Unread],
    /// The judgement: the current state in words, and the changes it calls for.
    pub judge: fn(&Discovery, &Options) -> Inspected,
}

#[async_trait]
impl Step for AwsStep {
    fn id(&self) -> &'static str {
        self.id
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn after_create(&self) -> bool {
        self.after_create
    }

    async fn inspect(&self, at: &mut Inspection<'_, '_>) -> Result<Inspected, HardenError> {
        let options = at.options;
        Ok((self.judge)(at.discovery(self.reads).await?, options))
    }
}

/// A step, by its id: the handle plans, options and the command line pass around.
#[derive(Clone, Copy)]
pub struct StepId(&'static dyn Step);

impl StepId {
    /// Every step, in the order they run (the table's): identity first, so that a later step
    /// never runs without a working admin path.
    pub fn all() -> impl Iterator<Item = StepId> {
        steps::TABLE.iter().map(|&step| StepId(step))
    }

    /// The step with `id`.
    pub fn parse(id: &str) -> Option<Self> {
        Self::all().find(|s| s.id() == id)
    }

    /// The id users pass to `--only`.
    pub fn id(self) -> &'static str {
        self.0.id()
    }

    /// What the step makes true.
    pub fn title(self) -> &'static str {
        self.0.title()
    }

    /// Whether the step needs the cluster API.
    pub fn needs_cluster_api(self) -> bool {
        self.0.needs_cluster_api()
    }

    /// Whether `create` runs it (see [`Step::after_create`]).
    pub fn after_create(self) -> bool {
        self.0.after_create()
    }

    /// Inspects the step and plans its changes.
    pub(crate) async fn inspect(self, target: &Target<'_>, options: &Options, discovered: &mut Discovered) -> StepPlan {
        let mut at = Inspection { target, options, discovered };
        let (current, planned, unread) = match self.0.inspect(&mut at).await {
            Ok(Inspected { current, changes, unread }) if changes.is_empty() => (current, Planned::Compliant, unread),
            Ok(Inspected { current, changes, unread }) => (current, Planned::Changes(changes), unread),
            Err(why) => (Vec::new(), Planned::CannotInspect(format!("cannot inspect: {why}")), Vec::new()),
        };
        StepPlan { step: self, current, planned, unread, refused: Vec::new(), ownership: Vec::new() }
    }
}

impl PartialEq for StepId {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for StepId {}

impl std::fmt::Debug for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for StepId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// What a step found: the current state in words, the changes it calls for, and the parts
/// it could not read (nothing is planned for them).
#[derive(Debug, Default)]
pub struct Inspected {
    /// What is there now, in words.
    pub current: Vec<String>,
    /// The changes it calls for.
    pub changes: Vec<Change>,
    /// Parts it could not read, and why.
    pub unread: Vec<String>,
}

impl Inspected {
    /// What is there and what to change.
    pub fn new(current: Vec<String>, changes: Vec<Change>) -> Self {
        Self { current, changes, unread: Vec::new() }
    }
}

/// What a step inspects through: the cluster, the options, and what discovery read (read
/// once per plan and shared by the steps).
pub struct Inspection<'a, 't> {
    /// The cluster.
    pub target: &'a Target<'t>,
    /// What the user asked for.
    pub options: &'a Options,
    discovered: &'a mut Discovered,
}

impl Inspection<'_, '_> {
    /// What EC2 and EKS say about the cluster, provided `parts` of the VPC were read (a step
    /// judges from them; without one it cannot inspect, and the other steps go on).
    pub async fn discovery(&mut self, parts: &[Unread]) -> Result<&Discovery, HardenError> {
        let found = self.discovered.get(self.target).await.as_ref().map_err(|e| HardenError::Aws(e.clone()))?;
        match found.model.unread_of(parts) {
            Some(why) => Err(HardenError::Unread(why)),
            None => Ok(found),
        }
    }
}

/// What EC2 and EKS say about the cluster, read on first use and shared by the steps that
/// inspect it (a plan reads it once; the check after a change reads it afresh).
#[derive(Default)]
pub(crate) struct Discovered(Option<Result<Discovery, AwsError>>);

impl Discovered {
    /// What discovery found, if it ran and succeeded.
    pub fn found(&self) -> Option<&Discovery> {
        self.0.as_ref().and_then(|found| found.as_ref().ok())
    }

    async fn get(&mut self, target: &Target<'_>) -> &Result<Discovery, AwsError> {
        if self.0.is_none() {
            self.0 = Some(discover::discover(target.aws, target.cluster).await);
        }
        self.0.as_ref().expect("filled above")
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
    let mut fresh = plan.step.inspect(target, options, &mut Discovered::default()).await;
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
        match change.make(target, options).await {
            Ok(notes) => remarks.extend(notes),
            Err(why) => return StepResult { plan, outcome: Outcome::Failed(format!("{change}: {why}")) },
        }
    }
    // Read the state afresh: the change must be visible to count as done.
    let mut again = plan.step.inspect(target, options, &mut Discovered::default()).await;
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
