//! EKS add-ons: names, versions, configuration values, and the policies of their service
//! accounts.

use super::duplicates;
use super::identity::{check_policy_arn, check_policy_document};
use crate::diagnostic::Finding;
use crate::model::{network_policy_setting, ClusterSpec, POD_IDENTITY_AGENT, VPC_CNI};
use crate::path::Path;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let at = Path::root().key("addons");
    duplicates(spec.addons.iter().map(|a| &a.name), |i| at.index(i).key("name"), "add-on", findings);
    for (i, addon) in spec.addons.iter().enumerate() {
        let at = at.index(i);
        let name_ok = !addon.name.is_empty()
            && addon.name.len() <= 100
            && addon.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !name_ok {
            findings.push(
                Finding::error(at.key("name"), format!("`{}` is not an add-on name", addon.name.escape_debug()))
                    .with_hint(
                    "write the name EKS lists, like vpc-cni or aws-ebs-csi-driver (`aws eks describe-addon-versions`)",
                ),
            );
        }
        if let Some(version) = &addon.version {
            let version_ok = version.starts_with(|c: char| c == 'v' || c.is_ascii_digit())
                && version.len() <= 100
                && version.chars().all(|c| c.is_ascii_alphanumeric() || ".-_+".contains(c));
            if !version_ok {
                findings.push(
                    Finding::error(at.key("version"), format!("`{}` is not an add-on version", version.escape_debug()))
                        .with_hint(
                            "write a version EKS lists, like v1.19.2-eksbuild.1, or leave it out for EKS's default",
                        ),
                );
            }
        }
        if let Some(values) = &addon.configuration_values {
            match serde_json::from_str::<serde_json::Value>(values) {
                Ok(serde_json::Value::Object(_)) => {
                    if addon.name == VPC_CNI && network_policy_setting(values) == Some(false) {
                        findings.push(
                            Finding::warning(
                                at.key("configurationValues"),
                                "the VPC CNI's network policy agent is off: nothing enforces the SSH egress policy",
                            )
                            .with_hint("leave enableNetworkPolicy out (eksharden turns it on) unless Calico runs"),
                        );
                    }
                }
                Ok(_) => findings
                    .push(Finding::error(at.key("configurationValues"), "configuration values are a JSON object")),
                Err(error) => findings.push(
                    Finding::error(
                        at.key("configurationValues"),
                        format!("configuration values are not JSON: {error}"),
                    )
                    .with_hint("write a JSON object, like '{\"enableNetworkPolicy\": \"true\"}'"),
                ),
            }
        }
        for (j, arn) in addon.policy_arns.iter().enumerate() {
            check_policy_arn(arn, &at.key("policyArns").index(j), findings);
        }
        if let Some(policy) = &addon.policy {
            check_policy_document(policy, &at.key("policy"), findings);
        }
        if let Some(boundary) = &addon.permissions_boundary {
            check_policy_arn(boundary, &at.key("permissionsBoundary"), findings);
        }
        if addon.has_role() && addon.role_service_account().is_none() {
            findings.push(
                Finding::error(
                    at.key("policyArns"),
                    format!("eksharden does not know the service account of add-on `{}`", addon.name),
                )
                .with_hint("name it in serviceAccount")
                .at_key(),
            );
        }
        if addon.name == POD_IDENTITY_AGENT && spec.auto_mode_on() {
            findings.push(Finding::warning(at.key("name"), "EKS Auto Mode runs the Pod Identity agent itself"));
        }
    }
}
