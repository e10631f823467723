//! The Kubernetes edge of eksharden: who may do what inside the cluster.
//!
//! `aws_auth` reads and updates the aws-auth ConfigMap, keeping every entry and field it
//! does not manage and retrying on a concurrent edit; `rbac` applies the ClusterRoleBindings
//! of the admin and viewer groups; `network_policy` applies the policies that block pod
//! egress to port 22; `pod_policies` reads the NetworkPolicies and what enforces them; `review` proves an identity's rights with access reviews. Only this
//! crate knows kube-rs.

pub mod apply;
pub mod aws_auth;
pub mod client;
pub mod error;
pub mod network_policy;
pub mod pod_networking;
pub mod pod_policies;
pub mod rbac;
pub mod review;

pub use client::{connect, reachable};
pub use error::KubeError;
pub use kube::Client;
