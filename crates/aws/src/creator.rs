//! The dedicated creator role after creation (STACKROX-EKS, "Dedicated IAM Role for EKS Cluster
//! Creation"): stripped of its permissions and of the right to assume it, but kept for
//! break-glass repair. The permissions it had are kept, unattached, in a customer-managed
//! policy; re-granting (for `delete`, or by hand) puts them back as the role's inline policy,
//! restores CloudFormation's trust and removes the spare policy, so the role is again exactly
//! what its stack created.

use crate::client::Aws;
use crate::error::{absent_as_none, aws_error, AwsError};

/// The inline policy the iam stack gives the creator role.
pub const INLINE_POLICY: &str = "create-cluster";

/// The trust that lets nobody assume the role.
const WITHDRAWN_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"WithdrawnByEksharden","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

/// CloudFormation's trust, as the iam stack writes it.
const CLOUDFORMATION_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The creator role's name.
pub fn role_name(cluster: &str) -> String {
    format!("eksharden-{cluster}-creator")
}

fn spare_policy_name(cluster: &str) -> String {
    format!("eksharden-{cluster}-creator-break-glass")
}

/// What the creator role can do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatorState {
    /// The role's ARN.
    pub arn: String,
    /// Its inline policies.
    pub inline: Vec<String>,
    /// Its attached managed policies.
    pub attached: Vec<String>,
    /// Whether its trust policy allows anyone to assume it.
    pub assumable: bool,
}

impl CreatorState {
    /// Whether it has no permissions and nobody may assume it.
    pub fn is_stripped(&self) -> bool {
        self.inline.is_empty() && self.attached.is_empty() && !self.assumable
    }
}

/// An IAM policy document as text (the API returns it URL-encoded).
pub fn policy_text(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            (bytes[i] == b'%' && i + 2 < bytes.len()).then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok()).flatten();
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The creator role's state, or `None` when the cluster has no dedicated creator role.
pub async fn inspect(aws: &Aws, cluster: &str) -> Result<Option<CreatorState>, AwsError> {
    let found = aws.iam.get_role().role_name(role_name(cluster)).send().await.map_err(aws_error("IAM.GetRole"));
    let Some(role) = absent_as_none(found)?.and_then(|response| response.role().cloned()) else { return Ok(None) };
    let inline = aws
        .iam
        .list_role_policies()
        .role_name(role.role_name())
        .send()
        .await
        .map_err(aws_error("IAM.ListRolePolicies"))?;
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(role.role_name())
        .send()
        .await
        .map_err(aws_error("IAM.ListAttachedRolePolicies"))?;
    let trust = policy_text(role.assume_role_policy_document().unwrap_or_default());
    Ok(Some(CreatorState {
        arn: role.arn().to_owned(),
        inline: inline.policy_names().to_vec(),
        attached: attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect(),
        assumable: trust.contains("\"Allow\""),
    }))
}

/// Strips the role: keeps its inline policy aside, unattached; removes it; withdraws the trust.
pub async fn strip(aws: &Aws, cluster: &str) -> Result<(), AwsError> {
    let role = role_name(cluster);
    let Some(state) = inspect(aws, cluster).await? else { return Ok(()) };
    // Another run may strip the role at the same time: a policy it already kept aside or
    // removed is taken as done.
    for name in &state.inline {
        let policy = aws.iam.get_role_policy().role_name(&role).policy_name(name).send().await;
        let Some(policy) = absent_as_none(policy.map_err(aws_error("IAM.GetRolePolicy")))? else { continue };
        if name == INLINE_POLICY && spare_policy(aws, cluster, &state.arn).await?.is_none() {
            let kept = aws
                .iam
                .create_policy()
                .policy_name(spare_policy_name(cluster))
                .description("eksharden: the creator role's permissions, kept unattached for break-glass repair")
                .policy_document(policy_text(policy.policy_document()))
                .send()
                .await
                .map_err(aws_error("IAM.CreatePolicy"));
            match kept {
                Err(error) if error.code.as_deref() == Some("EntityAlreadyExists") => {}
                other => {
                    other?;
                }
            }
        }
        let removed = aws.iam.delete_role_policy().role_name(&role).policy_name(name).send().await;
        absent_as_none(removed.map_err(aws_error("IAM.DeleteRolePolicy")))?;
    }
    for arn in &state.attached {
        let detached = aws.iam.detach_role_policy().role_name(&role).policy_arn(arn).send().await;
        absent_as_none(detached.map_err(aws_error("IAM.DetachRolePolicy")))?;
    }
    aws.iam
        .update_assume_role_policy()
        .role_name(&role)
        .policy_document(WITHDRAWN_TRUST)
        .send()
        .await
        .map_err(aws_error("IAM.UpdateAssumeRolePolicy"))?;
    Ok(())
}

/// The ARN of the spare policy, if it exists.
async fn spare_policy(aws: &Aws, cluster: &str, role_arn: &str) -> Result<Option<String>, AwsError> {
    let account = role_arn.split(':').nth(4).unwrap_or_default();
    let arn = format!("arn:aws:iam::{account}:policy/{}", spare_policy_name(cluster));
    let found = aws.iam.get_policy().policy_arn(&arn).send().await.map_err(aws_error("IAM.GetPolicy"));
    Ok(absent_as_none(found)?.map(|_| arn))
}

/// Puts the creator role back as its stack made it; returns whether it was stripped.
pub async fn regrant(aws: &Aws, cluster: &str) -> Result<bool, AwsError> {
    let role = role_name(cluster);
    let Some(state) = inspect(aws, cluster).await? else { return Ok(false) };
    let Some(spare) = spare_policy(aws, cluster, &state.arn).await? else { return Ok(false) };
    let policy = aws.iam.get_policy().policy_arn(&spare).send().await.map_err(aws_error("IAM.GetPolicy"))?;
    let version = policy.policy().and_then(|p| p.default_version_id()).unwrap_or("v1").to_owned();
    let document = aws
        .iam
        .get_policy_version()
        .policy_arn(&spare)
        .version_id(version)
        .send()
        .await
        .map_err(aws_error("IAM.GetPolicyVersion"))?;
    let text = policy_text(document.policy_version().and_then(|v| v.document()).unwrap_or_default());
    aws.iam
        .put_role_policy()
        .role_name(&role)
        .policy_name(INLINE_POLICY)
        .policy_document(text)
        .send()
        .await
        .map_err(aws_error("IAM.PutRolePolicy"))?;
    aws.iam
        .update_assume_role_policy()
        .role_name(&role)
        .policy_document(CLOUDFORMATION_TRUST)
        .send()
        .await
        .map_err(aws_error("IAM.UpdateAssumeRolePolicy"))?;
    aws.iam.delete_policy().policy_arn(&spare).send().await.map_err(aws_error("IAM.DeletePolicy"))?;
    Ok(true)
}
