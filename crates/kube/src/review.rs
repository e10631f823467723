//! Proof of an identity's rights: a SubjectAccessReview asks the API server whether a user
//! with groups may do something; a SelfSubjectAccessReview, sent with an identity's own
//! token (acting as an IAM role), asks it about the caller.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec, SubjectAccessReview,
    SubjectAccessReviewSpec, SubjectAccessReviewStatus,
};
use kube::api::{Api, PostParams};
use kube::Client;

use crate::error::KubeError;

/// An action on a kind of resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The verb (`get`, `delete`, `*`).
    pub verb: String,
    /// The API group (`""` for the core group, `*` for all).
    pub group: String,
    /// The resource (`configmaps`, `*`).
    pub resource: String,
    /// The namespace, or every namespace.
    pub namespace: Option<String>,
}

impl Action {
    /// Everything, everywhere: what an administrator must be allowed.
    pub fn everything() -> Self {
        Self { verb: "*".into(), group: "*".into(), resource: "*".into(), namespace: None }
    }

    /// `verb` on `resource` of the core group, in every namespace.
    pub fn core(verb: &str, resource: &str) -> Self {
        Self { verb: verb.into(), group: String::new(), resource: resource.into(), namespace: None }
    }

    fn attributes(&self) -> ResourceAttributes {
        ResourceAttributes {
            verb: Some(self.verb.clone()),
            group: Some(self.group.clone()),
            resource: Some(self.resource.clone()),
            namespace: self.namespace.clone(),
            ..ResourceAttributes::default()
        }
    }
}

/// The answer of a review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action is allowed.
    pub allowed: bool,
    /// The authorizer's reason, if it gave one.
    pub reason: String,
}

fn decision(status: Option<SubjectAccessReviewStatus>) -> Decision {
    let status = status.unwrap_or_default();
    Decision { allowed: status.allowed, reason: status.reason.unwrap_or_default() }
}

/// Whether `user` in `groups` may do `action` (needs the right to create SubjectAccessReviews).
pub async fn subject_may(
    client: &Client,
    user: &str,
    groups: &[String],
    action: &Action,
) -> Result<Decision, KubeError> {
    let review = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(user.to_owned()),
            groups: Some(groups.to_vec()),
            resource_attributes: Some(action.attributes()),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let api: Api<SubjectAccessReview> = Api::all(client.clone());
    let answer =
        api.create(&PostParams::default(), &review).await.map_err(|e| KubeError::new("SubjectAccessReview", e))?;
    Ok(decision(answer.status))
}

/// Whether the caller of `client` may do `action`.
pub async fn may(client: &Client, action: &Action) -> Result<Decision, KubeError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(action.attributes()),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer =
        api.create(&PostParams::default(), &review).await.map_err(|e| KubeError::new("SelfSubjectAccessReview", e))?;
    Ok(decision(answer.status))
}
