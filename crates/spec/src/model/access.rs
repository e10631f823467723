//! Who may use the cluster, and how identities are mapped.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Arn;

/// Access to the Kubernetes API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Access {
    /// How IAM identities are mapped into the cluster.
    #[serde(default)]
    pub mode: AccessMode,
    /// Which identity creates the cluster.
    #[serde(default)]
    pub creator_role: CreatorRole,
    /// Cluster administrators, mapped to a group other than `system:masters`.
    #[serde(default)]
    pub admins: Vec<Principal>,
    /// Read-only users.
    #[serde(default)]
    pub viewers: Vec<Principal>,
    /// Set by the loader for an eksctl file that names no admin: eksctl makes the identity
    /// that creates the cluster its administrator, so `create` maps that identity (its IAM
    /// role or user, read from STS) as an admin, bound through RBAC like any other, never in
    /// `system:masters`. Not part of the file.
    #[serde(skip)]
    #[schemars(skip)]
    pub admins_from_caller: bool,
}

/// The cluster's authentication mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AccessMode {
    /// The `aws-auth` ConfigMap only (`CONFIG_MAP`).
    AwsAuth,
    /// EKS access entries only (`API`).
    #[default]
    AccessEntries,
    /// Both (`API_AND_CONFIG_MAP`).
    Both,
}

impl AccessMode {
    /// The EKS `authenticationMode` value.
    pub fn eks_name(self) -> &'static str {
        match self {
            Self::AwsAuth => "CONFIG_MAP",
            Self::AccessEntries => "API",
            Self::Both => "API_AND_CONFIG_MAP",
        }
    }

    /// Whether access entries are in use.
    pub fn uses_access_entries(self) -> bool {
        self != Self::AwsAuth
    }
}

/// The identity that creates the cluster, which EKS makes a permanent administrator
/// (STACKROX-EKS, "Dedicated IAM Role for EKS Cluster Creation").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CreatorRole {
    /// A role made for this cluster only, stripped of its permissions after creation.
    #[default]
    Dedicated,
    /// Whoever runs eksharden.
    Caller,
}

/// An IAM role or user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Principal {
    /// The role or user ARN.
    pub arn: Arn,
}
