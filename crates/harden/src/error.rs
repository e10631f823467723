//! Why a step could not inspect, or a change could not be made.

use eksharden_aws::AwsError;
use eksharden_kube::KubeError;

/// A failure of a hardening step.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HardenError {
    /// An AWS call failed.
    #[error("{}: {}", .0.operation, .0.message)]
    Aws(#[from] AwsError),
    /// A call to the cluster API failed.
    #[error(transparent)]
    Kube(#[from] KubeError),
    /// The cluster API cannot be reached (the step needs it).
    #[error("the cluster API is not reachable: {0}")]
    ClusterApiUnreachable(String),
    /// Discovery could not read what the step judges from.
    #[error("{0}")]
    Unread(String),
    /// A replacement admin could not be proven by acting as it, so `system:masters` stays.
    #[error("refused to remove system:masters, nothing was removed: {0}")]
    Unproven(String),
    /// A change eksharden reports and leaves to the user (self-managed nodes).
    #[error("{0}")]
    NotMine(&'static str),
}
