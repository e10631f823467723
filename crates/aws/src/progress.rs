//! What the deployer reports while it works, for the CLI to show.

/// What is being done to a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackAction {
    /// Creating it.
    Create,
    /// Updating it through a change set.
    Update,
    /// It exists and matches the plan.
    Unchanged,
    /// Deleting a stack in ROLLBACK_COMPLETE, to create it again.
    Replace,
    /// Deleting it.
    Delete,
    /// Not started, because a stack it needs failed.
    Skip,
}

impl StackAction {
    /// The verb shown to users.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Skip => "skip",
        }
    }
}

/// A stack event, as CloudFormation reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    /// The resource's logical id (the stack's own name for stack events).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The status, like `CREATE_COMPLETE`.
    pub status: String,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

/// Receives progress. Implementations must be cheap: they are called from the deploy loop,
/// which drives every stack from one task (so no `Send` is needed).
pub trait Progress {
    /// Work on `stack` starts.
    fn started(&self, stack: &str, action: StackAction);
    /// A new event of `stack`.
    fn event(&self, stack: &str, event: &StackEvent);
    /// `stack` ended with `status` (`CREATE_COMPLETE`, `ROLLBACK_COMPLETE`, …).
    fn finished(&self, stack: &str, action: StackAction, status: &str, ok: bool);
}

/// Progress that goes nowhere.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &str, _: StackAction) {}
    fn event(&self, _: &str, _: &StackEvent) {}
    fn finished(&self, _: &str, _: StackAction, _: &str, _: bool) {}
}
