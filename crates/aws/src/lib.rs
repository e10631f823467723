//! The AWS edge of eksharden: SDK configuration, the CloudFormation stack deployer, cluster
//! readiness, the inventory of what a cluster leaves behind, discovery, and the EKS token.
//!
//! This is one of the two crates that know AWS SDK types; they are converted into plain
//! eksharden types here and go no further.

pub mod acls;
pub mod addons;
pub mod changes;
pub mod client;
pub mod clock;
pub mod cluster;
pub mod creator;
pub mod discover;
pub mod error;
pub mod existing_vpc;
pub mod flow_logs;
pub mod identity;
pub mod inventory;
pub mod nodegroups;
pub mod progress;
pub mod session_manager;
pub mod stacks;
pub mod token;
pub mod zones;

pub use client::{Aws, Settings};
pub use error::AwsError;
pub use progress::{Progress, StackAction, StackEvent};
