//! Workload identity: IAM roles for service accounts (through the cluster's OIDC provider)
//! and EKS Pod Identity associations, each role trusted by one service account only.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Arn;

/// How pods get AWS credentials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identity {
    /// Register the cluster's OIDC issuer as an IAM identity provider. IAM roles for service
    /// accounts need it; it is made whenever `serviceAccountRoles` lists any.
    #[serde(default)]
    pub oidc_provider: bool,
    /// IAM roles for service accounts (IRSA): each role trusts the cluster's OIDC provider for
    /// its one service account (the token's `sub` and `aud` are both required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_account_roles: Vec<WorkloadRole>,
    /// EKS Pod Identity associations: each role trusts EKS Pod Identity for its one service
    /// account of this cluster (the session tags EKS sets are required). The
    /// `eks-pod-identity-agent` add-on is installed with them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_identity_associations: Vec<WorkloadRole>,
}

impl Identity {
    /// Whether the OIDC provider is made.
    pub fn needs_oidc_provider(&self) -> bool {
        self.oidc_provider || !self.service_account_roles.is_empty()
    }
}

/// An IAM role for one Kubernetes service account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadRole {
    /// The service account's namespace.
    pub namespace: String,
    /// The service account's name.
    pub service_account: String,
    /// Managed policies attached to the role eksharden makes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<Arn>,
    /// An inline policy document of the role eksharden makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// The permissions boundary of the role eksharden makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Arn>,
    /// A role of the user's instead of one eksharden makes: its trust policy is the user's,
    /// and `verify` cannot vouch for its scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<Arn>,
    /// Pod Identity only: a role in another account that EKS assumes from this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_role_arn: Option<Arn>,
    /// Pod Identity only: leave out the session tags EKS adds (the role's trust then cannot
    /// require them).
    #[serde(default)]
    pub disable_session_tags: bool,
}

impl WorkloadRole {
    /// Whether eksharden makes the role (rather than using the user's).
    pub fn makes_role(&self) -> bool {
        self.role_arn.is_none()
    }
}
