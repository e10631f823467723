//! CloudFormation stacks: reading their state, waiting on them, deploying and deleting the
//! stacks of a plan in dependency order.

mod delete;
mod deploy;
mod preview;
mod state;
mod wait;

use std::collections::BTreeMap;
use std::fmt;

pub use delete::{delete, DeleteReport};
pub use deploy::{deploy, DeployOptions, DeployReport, StackOutcome};
pub use preview::{preview, Preview};
pub use state::{describe, StackInfo};
pub use wait::Polling;

/// Outputs of the stacks of a plan, by short stack name and output key.
pub type Outputs = BTreeMap<String, BTreeMap<String, String>>;

/// Why a stack did not reach the state it was driven to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFailure {
    /// The short stack name (`cluster`).
    pub stack: String,
    /// The stack's final status.
    pub status: String,
    /// The first resource that failed: logical id, type, status and reason.
    pub resource: Option<FailedResource>,
    /// What to do next.
    pub advice: String,
}

/// The resource whose failure failed a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedResource {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its status (`CREATE_FAILED`).
    pub status: String,
    /// CloudFormation's reason.
    pub reason: String,
}

impl fmt::Display for StackFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stack {} ended in {}", self.stack, self.status)?;
        if let Some(r) = &self.resource {
            write!(f, ": resource {} ({}) {}: {}", r.logical_id, r.resource_type, r.status, r.reason)?;
        }
        Ok(())
    }
}
