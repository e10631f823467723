//! Proof that a replacement admin works, by acting as it: assume its IAM role, take an EKS
//! token as that role, and ask the API server whether it may do everything (a
//! SelfSubjectAccessReview). Only then may `system:masters` go: never leave the cluster
//! without a proven admin path.

use std::time::SystemTime;

use eksharden_aws::token;
use eksharden_kube::review::{self, Action};

use crate::{KubeAccess, Target};

/// Proves every admin in `admins`; returns what was proven, or why the proof failed.
pub async fn prove_admins(target: &Target<'_>, access: &KubeAccess, admins: &[String]) -> Result<Vec<String>, String> {
    if admins.is_empty() {
        return Err(
            "no replacement admin was named (--admin-role): the cluster would be left without a proven admin".into()
        );
    }
    let mut proven = Vec::new();
    for admin in admins {
        let credentials = token::assumed(target.aws, admin)
            .await
            .map_err(|e| format!("{admin} cannot be assumed: {}: {}", e.operation, e.message))?;
        let token = token::presign(&credentials, &target.aws.region, target.cluster, SystemTime::now())
            .map_err(|e| format!("no token for {admin}: {}", e.message))?;
        let client =
            eksharden_kube::connect(&access.endpoint, access.ca.as_deref(), &token.token).map_err(|e| e.to_string())?;
        let decision = review::may(&client, &Action::everything())
            .await
            .map_err(|e| format!("{admin} could not be proven: {e}"))?;
        if !decision.allowed {
            return Err(format!("{admin} is not allowed everything: {}", decision.reason));
        }
        proven.push(admin.clone());
    }
    Ok(proven)
}
