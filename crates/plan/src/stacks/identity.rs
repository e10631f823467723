//! The `identity` stack: the cluster's OIDC provider, IAM roles for service accounts, and
//! EKS Pod Identity associations. Planned only when the spec asks for any of them; it needs
//! the cluster (its OIDC issuer) and the `iam` stack (the Pod Identity roles).

use serde_json::{json, Value};

use super::{iam, trust, Context, Inputs};
use crate::cfn::{reference, Template};
use crate::graph::{Stack, StackKind};
use crate::stacks::cluster;

/// The identity stack, if the spec has workload identity.
pub fn stack(cx: &Context) -> Option<Stack> {
    let identity = &cx.spec.identity;
    if !identity.needs_oidc_provider() && identity.pod_identity_associations.is_empty() {
        return None;
    }
    let mut t =
        Template::new(format!("eksharden {}: workload identity (OIDC provider, IRSA, Pod Identity)", cx.cluster()));
    let mut inputs = Inputs::default();
    if !identity.pod_identity_associations.is_empty() {
        inputs.bind(
            &mut t,
            "ClusterName",
            "String",
            "The EKS cluster",
            StackKind::Cluster,
            cluster::outputs::CLUSTER_NAME,
        );
    }
    if identity.needs_oidc_provider() {
        oidc(cx, &mut t, &mut inputs);
    }
    for (i, role) in identity.pod_identity_associations.iter().enumerate() {
        let role_arn = match &role.role_arn {
            Some(arn) => Value::String(arn.to_string()),
            None => {
                let parameter = format!("PodIdentityRole{i}Arn");
                let description = format!("The role of {}/{}", role.namespace, role.service_account);
                inputs.bind(
                    &mut t,
                    &parameter,
                    "String",
                    &description,
                    StackKind::Iam,
                    &iam::outputs::pod_identity_role_arn(i),
                );
                reference(&parameter)
            }
        };
        let mut properties = json!({
            "ClusterName": reference("ClusterName"),
            "Namespace": role.namespace,
            "ServiceAccount": role.service_account,
            "RoleArn": role_arn,
            "Tags": cx.tag_list(&format!("pod-identity-{i}")),
        });
        if let Some(target) = &role.target_role_arn {
            properties["TargetRoleArn"] = target.to_string().into();
        }
        if role.disable_session_tags {
            properties["DisableSessionTags"] = true.into();
        }
        t.resource(&format!("PodIdentityAssociation{i}"), "AWS::EKS::PodIdentityAssociation", properties);
    }
    Some(Stack {
        kind: StackKind::Identity,
        stack_name: StackKind::Identity.stack_name(cx.cluster()),
        template: t.build(),
        parameters: inputs.into_bindings(),
        service_role: None,
        named_iam: true,
    })
}

/// The OIDC provider of the cluster's issuer, for the audience STS takes, and a role per
/// service account trusted through it.
fn oidc(cx: &Context, t: &mut Template, inputs: &mut Inputs) {
    inputs.bind(
        t,
        "OidcIssuerUrl",
        "String",
        "The cluster's OIDC issuer",
        StackKind::Cluster,
        cluster::outputs::OIDC_ISSUER_URL,
    );
    t.resource(
        "OidcProvider",
        "AWS::IAM::OIDCProvider",
        json!({
            "Url": reference("OidcIssuerUrl"),
            "ClientIdList": [trust::STS_AUDIENCE],
            "Tags": cx.tag_list("oidc"),
        }),
    );
    t.output("OidcProviderArn", reference("OidcProvider"), "The cluster's OIDC provider");
    let host_path = json!({ "Fn::Select": [1, { "Fn::Split": ["https://", reference("OidcIssuerUrl")] }] });
    for (i, role) in cx.spec.identity.service_account_roles.iter().enumerate().filter(|(_, r)| r.makes_role()) {
        let trust = json!({ "Fn::Sub": [
            trust::service_account_text(&role.namespace, &role.service_account),
            { trust::ISSUER_HOST_PATH: host_path, "OidcProviderArn": reference("OidcProvider") },
        ]});
        let description = format!("IAM role for service account {}/{}", role.namespace, role.service_account);
        let logical = format!("ServiceAccountRole{i}");
        t.resource(&logical, "AWS::IAM::Role", iam::workload_role(cx, role, trust, &description, &format!("irsa-{i}")));
        t.output(&format!("{logical}Arn"), crate::cfn::get_att(&logical, "Arn"), &description);
    }
}
