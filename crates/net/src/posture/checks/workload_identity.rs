//! Each role pods assume trusts one service account of this cluster: a Pod Identity role
//! requires the namespace and service account in the session tags EKS sets, a role for
//! service accounts pins its OIDC token's `sub` and `aud`.

use crate::posture::{TrustStatement, WorkloadAccess, WorkloadRole};
use crate::report::Status;

use super::{Check, Input, Judged};

/// The check.
pub static CHECK: Check = Check {
    id: "workload-identity-scoped",
    title: "Each role pods assume trusts one service account",
    citation: "AWS-EKS-IDENTITY",
    judge,
};

fn judge(Input { facts, .. }: &Input) -> Judged {
    let Some(roles) = &facts.workload_roles else {
        return (Status::Unknown, vec!["the Pod Identity associations or IAM roles could not be read".to_owned()]);
    };
    let mut broad = Vec::new();
    let mut unread = Vec::new();
    for role in roles {
        match &role.trust {
            None => unread.push(format!("role {}: its trust policy could not be read", role.role_arn)),
            Some(trust) => broad.extend(too_broad(role, trust)),
        }
    }
    if !broad.is_empty() {
        broad.extend(unread);
        return (Status::Fail, broad);
    }
    if !unread.is_empty() {
        return (Status::Unknown, unread);
    }
    if roles.is_empty() {
        return (
            Status::Pass,
            vec!["no Pod Identity association and no role trusting the cluster's OIDC provider".to_owned()],
        );
    }
    let pod_identity = roles.iter().filter(|r| matches!(r.access, WorkloadAccess::PodIdentity { .. })).count();
    let detail = format!(
        "{pod_identity} Pod Identity association(s) and {} role(s) for service accounts, each trusted by one service account",
        roles.len() - pod_identity
    );
    (Status::Pass, vec![detail])
}

/// What is wrong with `role`'s trust, in sentences; nothing when every statement that
/// admits its path pins one service account.
fn too_broad(role: &WorkloadRole, trust: &[TrustStatement]) -> Vec<String> {
    let arn = &role.role_arn;
    match &role.access {
        WorkloadAccess::PodIdentity { namespace, service_account, session_tags } => {
            let account = format!("{namespace}/{service_account}");
            if !session_tags {
                return vec![format!(
                    "the Pod Identity association of {account} passes no session tags: role {arn} cannot tell this service account from any other pod of the cluster"
                )];
            }
            let pinned = |s: &&TrustStatement| {
                s.pinned("aws:RequestTag/kubernetes-namespace") == Some(namespace)
                    && s.pinned("aws:RequestTag/kubernetes-service-account") == Some(service_account)
            };
            let broad = trust
                .iter()
                .filter(|s| s.admits("Service", "pods.eks.amazonaws.com", &["sts:AssumeRole", "sts:TagSession"]))
                .any(|s| !pinned(&s));
            broad
                .then(|| {
                    format!(
                        "role {arn}, associated with {account}, trusts EKS Pod Identity without requiring that namespace and service account (aws:RequestTag/kubernetes-namespace and kubernetes-service-account): any pod given an association to it can assume it"
                    )
                })
                .into_iter()
                .collect()
        }
        WorkloadAccess::ServiceAccountToken { issuer } => {
            let admitting = trust.iter().filter(|s| {
                federated(s, issuer)
                    .is_some_and(|provider| s.admits("Federated", provider, &["sts:AssumeRoleWithWebIdentity"]))
            });
            admitting
                .filter_map(|s| {
                    let subject = s.pinned(&format!("{issuer}:sub"));
                    let audience = s.pinned(&format!("{issuer}:aud"));
                    let one_account = subject.is_some_and(|v| v.starts_with("system:serviceaccount:") && v.matches(':').count() == 3);
                    match (one_account, audience) {
                        (true, Some("sts.amazonaws.com")) => None,
                        (true, _) => Some(format!("role {arn} trusts the cluster's OIDC provider without pinning the token's audience ({issuer}:aud = sts.amazonaws.com)")),
                        (false, _) => Some(format!(
                            "role {arn} trusts the cluster's OIDC provider without pinning one service account ({issuer}:sub = system:serviceaccount:NAMESPACE:NAME): every service account of the cluster can assume it"
                        )),
                    }
                })
                .take(1)
                .collect()
        }
    }
}

/// The OIDC provider of `issuer` a statement names, if it names it.
fn federated<'s>(statement: &'s TrustStatement, issuer: &str) -> Option<&'s str> {
    let provider = format!(":oidc-provider/{issuer}");
    statement.principals.iter().find(|(kind, p)| kind == "Federated" && p.ends_with(&provider)).map(|(_, p)| p.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyInput;
    use crate::posture::{ClusterFacts, TrustCondition};

    fn equals(key: &str, value: &str) -> TrustCondition {
        TrustCondition { operator: "StringEquals".into(), key: key.into(), values: vec![value.into()] }
    }

    fn pod_identity(conditions: Vec<TrustCondition>, session_tags: bool) -> WorkloadRole {
        WorkloadRole {
            role_arn: "arn:aws:iam::111122223333:role/reader".into(),
            access: WorkloadAccess::PodIdentity {
                namespace: "apps".into(),
                service_account: "reader".into(),
                session_tags,
            },
            trust: Some(vec![TrustStatement {
                allow: true,
                principals: vec![("Service".into(), "pods.eks.amazonaws.com".into())],
                actions: vec!["sts:AssumeRole".into(), "sts:TagSession".into()],
                conditions,
            }]),
        }
    }

    const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";

    fn irsa(conditions: Vec<TrustCondition>) -> WorkloadRole {
        WorkloadRole {
            role_arn: "arn:aws:iam::111122223333:role/s3".into(),
            access: WorkloadAccess::ServiceAccountToken { issuer: ISSUER.into() },
            trust: Some(vec![TrustStatement {
                allow: true,
                principals: vec![("Federated".into(), format!("arn:aws:iam::111122223333:oidc-provider/{ISSUER}"))],
                actions: vec!["sts:AssumeRoleWithWebIdentity".into()],
                conditions,
            }]),
        }
    }

    fn judged(roles: Vec<WorkloadRole>) -> Status {
        let facts = ClusterFacts { workload_roles: Some(roles), ..ClusterFacts::default() };
        judge(&Input { facts: &facts, model: &Default::default(), expected: &PolicyInput::discovered(&[22]) }).0
    }

    #[test]
    fn a_role_scoped_to_its_service_account_passes_and_a_broader_one_fails() {
        let scoped = || {
            vec![
                equals("aws:RequestTag/kubernetes-namespace", "apps"),
                equals("aws:RequestTag/kubernetes-service-account", "reader"),
            ]
        };
        assert_eq!(judged(vec![pod_identity(scoped(), true)]), Status::Pass);
        assert_eq!(judged(vec![pod_identity(scoped(), false)]), Status::Fail, "no session tags");
        assert_eq!(judged(vec![pod_identity(scoped()[..1].to_vec(), true)]), Status::Fail, "namespace only");
        let other = vec![
            equals("aws:RequestTag/kubernetes-namespace", "apps"),
            equals("aws:RequestTag/kubernetes-service-account", "writer"),
        ];
        assert_eq!(judged(vec![pod_identity(other, true)]), Status::Fail, "another service account");
        let sub = |v: &str| equals(&format!("{ISSUER}:sub"), v);
        let aud = equals(&format!("{ISSUER}:aud"), "sts.amazonaws.com");
        assert_eq!(judged(vec![irsa(vec![sub("system:serviceaccount:apps:s3"), aud.clone()])]), Status::Pass);
        assert_eq!(judged(vec![irsa(vec![sub("system:serviceaccount:apps:s3")])]), Status::Fail, "no audience");
        assert_eq!(judged(vec![irsa(vec![aud.clone()])]), Status::Fail, "no subject");
        let like = TrustCondition {
            operator: "StringLike".into(),
            key: format!("{ISSUER}:sub"),
            values: vec!["system:serviceaccount:apps:*".into()],
        };
        assert_eq!(judged(vec![irsa(vec![like, aud])]), Status::Fail, "a wildcard subject");
        assert_eq!(judged(Vec::new()), Status::Pass);
        let facts = ClusterFacts::default();
        let unread =
            judge(&Input { facts: &facts, model: &Default::default(), expected: &PolicyInput::discovered(&[22]) }).0;
        assert_eq!(unread, Status::Unknown);
    }
}
