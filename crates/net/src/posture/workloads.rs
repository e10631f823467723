//! What runs pods besides node groups, and the roles pods assume: the facts the compute and
//! workload-identity checks judge.

use serde::Serialize;

/// Compute that AWS runs: EKS Auto Mode and Fargate profiles.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Compute {
    /// EKS Auto Mode's built-in node pools, when Auto Mode is on (an empty list: on, with
    /// pools of the user's own only).
    pub auto_mode_pools: Option<Vec<String>>,
    /// The Fargate profiles.
    pub fargate_profiles: Vec<String>,
}

impl Compute {
    /// What runs pods besides node groups, for people; `None` when nothing does.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(pools) = &self.auto_mode_pools {
            let pools = if pools.is_empty() { "pools of your own".to_owned() } else { pools.join(", ") };
            parts.push(format!("EKS Auto Mode runs the nodes ({pools}): AWS manages them, with no SSH"));
        }
        if !self.fargate_profiles.is_empty() {
            parts.push(format!(
                "Fargate runs the pods of profiles {}: no node to reach",
                self.fargate_profiles.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// A role pods assume, and how.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadRole {
    /// The role's ARN.
    pub role_arn: String,
    /// How pods reach it.
    pub access: WorkloadAccess,
    /// The statements of its trust policy; `None` when the role could not be read.
    pub trust: Option<Vec<TrustStatement>>,
}

/// How pods assume a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum WorkloadAccess {
    /// An EKS Pod Identity association for one service account.
    PodIdentity {
        /// The service account's namespace.
        namespace: String,
        /// The service account.
        service_account: String,
        /// Whether EKS passes the session tags a trust policy can check.
        session_tags: bool,
    },
    /// A web identity from the cluster's OIDC provider (IAM roles for service accounts).
    ServiceAccountToken {
        /// The issuer's host and path, the prefix of its condition keys.
        issuer: String,
    },
}

/// One statement of a trust policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrustStatement {
    /// `Allow` (else it denies).
    pub allow: bool,
    /// The principals it names: (`Service`, `pods.eks.amazonaws.com`), (`Federated`, an
    /// OIDC provider's ARN), (`AWS`, ...).
    pub principals: Vec<(String, String)>,
    /// Its actions.
    pub actions: Vec<String>,
    /// Its conditions.
    pub conditions: Vec<TrustCondition>,
}

/// A condition of a statement: `StringEquals` on a key with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustCondition {
    /// The operator (`StringEquals`, `StringLike`, ...).
    pub operator: String,
    /// The key, as written.
    pub key: String,
    /// The values.
    pub values: Vec<String>,
}

impl TrustStatement {
    /// Whether it allows `principal` of `kind` one of `actions`.
    pub fn admits(&self, kind: &str, principal: &str, actions: &[&str]) -> bool {
        let action_matches =
            |a: &String| a == "*" || a == "sts:*" || actions.iter().any(|wanted| a.eq_ignore_ascii_case(wanted));
        self.allow
            && self
                .principals
                .iter()
                .any(|(k, p)| (k == kind && (p == principal || p == "*")) || (k == "AWS" && p == "*"))
            && self.actions.iter().any(action_matches)
    }

    /// The one value `key` must equal for the statement to apply, if it pins one: a
    /// `StringEquals` (or a `StringLike` without wildcards) with a single value.
    pub fn pinned(&self, key: &str) -> Option<&str> {
        let pins = |c: &&TrustCondition| {
            c.key.eq_ignore_ascii_case(key)
                && c.values.len() == 1
                && (c.operator == "StringEquals" || (c.operator == "StringLike" && !c.values[0].contains(['*', '?'])))
        };
        self.conditions.iter().find(pins).map(|c| c.values[0].as_str())
    }
}
