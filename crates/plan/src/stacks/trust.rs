//! Trust policies of the roles pods and AWS-run compute assume, each scoped as narrowly as
//! the service allows: one service account of this cluster for EKS Pod Identity and IAM
//! roles for service accounts (the EKS User Guide's "Scope the role trust"), this cluster's
//! Fargate profiles for the pod execution role.

use serde_json::{json, Value};

use crate::cfn::sub;

/// The audience of the web identity tokens the cluster's OIDC issuer gives pods for AWS.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// The `Fn::Sub` variable an IRSA trust policy takes: the issuer's host and path
/// (`oidc.eks.REGION.amazonaws.com/id/ID`), the prefix of its condition keys.
pub const ISSUER_HOST_PATH: &str = "IssuerHostPath";

/// A role's trust for EKS Pod Identity: only for `namespace`/`service_account` of this
/// cluster, in this account (the session tags EKS sets, required on the request).
pub fn pod_identity(cluster: &str, namespace: &str, service_account: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EksPodIdentityForOneServiceAccount",
            "Effect": "Allow",
            "Principal": { "Service": "pods.eks.amazonaws.com" },
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": sub("${AWS::AccountId}"),
                    "aws:RequestTag/eks-cluster-name": cluster,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                },
                "ArnEquals": { "aws:SourceArn": cluster_arn(cluster) },
            },
        }],
    })
}

/// A role's trust for one service account through the cluster's OIDC provider, as the text
/// of an `Fn::Sub` (condition keys start with the issuer, known once the cluster exists; a
/// key cannot be an intrinsic function, so the document is text). It names the variables
/// `OidcProviderArn` and [`ISSUER_HOST_PATH`]. Namespace and name are Kubernetes names
/// (no `$`, quote or backslash), checked by validation; JSON-escaped all the same.
pub fn service_account_text(namespace: &str, service_account: &str) -> String {
    let subject = format!("system:serviceaccount:{namespace}:{service_account}");
    let document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "WebIdentityForOneServiceAccount",
            "Effect": "Allow",
            "Principal": { "Federated": "${OidcProviderArn}" },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("${{{ISSUER_HOST_PATH}}}:sub"): subject.replace("${", "${!"),
                    format!("${{{ISSUER_HOST_PATH}}}:aud"): STS_AUDIENCE,
                },
            },
        }],
    });
    document.to_string()
}

/// The pod execution role's trust: Fargate, for this cluster's profiles only.
pub fn fargate(cluster: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "eks-fargate-pods.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnLike": {
                    "aws:SourceArn": sub(&format!(
                        "arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:fargateprofile/{cluster}/*"
                    )),
                },
            },
        }],
    })
}

/// The cluster's ARN, for `Fn::Sub`.
fn cluster_arn(cluster: &str) -> Value {
    sub(&format!("arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{cluster}"))
}
