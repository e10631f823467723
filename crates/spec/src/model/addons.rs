//! EKS add-ons installed with the cluster.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Arn;

/// An EKS add-on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Addon {
    /// The add-on's name, as EKS lists it (`vpc-cni`, `coredns`, `aws-ebs-csi-driver`).
    pub name: String,
    /// The add-on version (`v1.19.2-eksbuild.1`); EKS's default for the cluster's Kubernetes
    /// version when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Configuration values: a JSON object, as the add-on's configuration schema takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration_values: Option<String>,
    /// Managed policies for the add-on's service account, given through an EKS Pod Identity
    /// association to a role eksharden makes for it alone (with `policy`, if any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<Arn>,
    /// An inline policy document for the add-on's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<serde_json::Value>,
    /// The permissions boundary of the add-on's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Arn>,
    /// The add-on's service account, for `policyArns`; known for the AWS add-ons that call
    /// AWS APIs (`vpc-cni`, `aws-ebs-csi-driver`, `aws-efs-csi-driver`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

impl Addon {
    /// Whether the add-on's service account gets a role: it has policies.
    pub fn has_role(&self) -> bool {
        !self.policy_arns.is_empty() || self.policy.is_some()
    }

    /// The service account the add-on's role is for: the one given, else the one the add-on
    /// is known to run as.
    pub fn role_service_account(&self) -> Option<&str> {
        self.service_account.as_deref().or_else(|| known_service_account(&self.name))
    }
}

/// The add-on that EKS Pod Identity needs on the nodes.
pub const POD_IDENTITY_AGENT: &str = "eks-pod-identity-agent";

/// The Amazon VPC CNI's add-on.
pub const VPC_CNI: &str = "vpc-cni";

/// The add-ons every cluster whose nodes are not EKS Auto Mode's gets, in the cluster stack
/// so that they run from the first node (AWS-EKS-COMPUTE, "Amazon EKS add-ons"): the VPC CNI
/// with its network policy agent on (AWS-EKS-NETPOL), kube-proxy, CoreDNS, and the Pod
/// Identity agent.
pub const DEFAULT_ADDONS: [&str; 4] = [VPC_CNI, "kube-proxy", "coredns", POD_IDENTITY_AGENT];

/// The VPC CNI configuration key that turns its network policy agent on (AWS-EKS-NETPOL).
pub const NETWORK_POLICY_KEY: &str = "enableNetworkPolicy";

/// What a VPC CNI configuration says of its network policy agent: `Some(on)` when it sets
/// [`NETWORK_POLICY_KEY`] (the add-on takes `"true"` or `"false"`), `None` when it does not
/// or is no JSON object.
pub fn network_policy_setting(configuration: &str) -> Option<bool> {
    let value: serde_json::Value = serde_json::from_str(configuration).ok()?;
    value.get(NETWORK_POLICY_KEY)?.as_str().map(|on| on == "true")
}

/// `configuration` (a JSON object, or none) with the VPC CNI's network policy agent on,
/// unless it says otherwise (then it is left as written, as is one that is no JSON object:
/// validation reports that).
pub fn with_network_policy(configuration: Option<&str>) -> Option<String> {
    network_policy_on(configuration, false)
}

/// `configuration` (a JSON object, or none) with the VPC CNI's network policy agent on,
/// whatever it said, and the rest kept: what `harden` sets. `None` when it is no JSON object.
pub fn network_policy_turned_on(configuration: Option<&str>) -> Option<String> {
    network_policy_on(configuration, true)
}

fn network_policy_on(configuration: Option<&str>, overwrite: bool) -> Option<String> {
    let mut object = match configuration {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) if overwrite || !object.contains_key(NETWORK_POLICY_KEY) => object,
            Ok(serde_json::Value::Object(_)) => return Some(text.to_owned()),
            _ => return (!overwrite).then(|| text.to_owned()),
        },
    };
    object.insert(NETWORK_POLICY_KEY.to_owned(), "true".into());
    Some(serde_json::Value::Object(object).to_string())
}

/// The service account an AWS add-on calls AWS APIs as (the EKS User Guide's add-on pages).
pub fn known_service_account(addon: &str) -> Option<&'static str> {
    match addon {
        "vpc-cni" => Some("aws-node"),
        "aws-ebs-csi-driver" => Some("ebs-csi-controller-sa"),
        "aws-efs-csi-driver" => Some("efs-csi-controller-sa"),
        "aws-mountpoint-s3-csi-driver" => Some("s3-csi-driver-sa"),
        "adot" => Some("opentelemetry-operator"),
        "amazon-cloudwatch-observability" => Some("cloudwatch-agent"),
        _ => None,
    }
}

/// The namespace of an add-on's service account: EKS's AWS add-ons run in `kube-system`
/// (`amazon-cloudwatch-observability` in `amazon-cloudwatch`, `adot` in
/// `opentelemetry-operator-system`).
pub fn addon_namespace(addon: &str) -> &'static str {
    match addon {
        "amazon-cloudwatch-observability" => "amazon-cloudwatch",
        "adot" => "opentelemetry-operator-system",
        _ => "kube-system",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_network_policy_agent_is_on_unless_the_spec_says_otherwise_and_harden_turns_it_on() {
        assert_eq!(with_network_policy(None).as_deref(), Some(r#"{"enableNetworkPolicy":"true"}"#));
        let env = r#"{"env": {"WARM_IP_TARGET": "2"}}"#;
        assert_eq!(
            with_network_policy(Some(env)).as_deref(),
            Some(r#"{"env":{"WARM_IP_TARGET":"2"},"enableNetworkPolicy":"true"}"#)
        );
        let off = r#"{"enableNetworkPolicy": "false"}"#;
        assert_eq!(with_network_policy(Some(off)).as_deref(), Some(off), "the spec's choice, as written");
        assert_eq!(with_network_policy(Some("[1]")).as_deref(), Some("[1]"), "validation reports it");
        assert_eq!(network_policy_turned_on(Some(off)).as_deref(), Some(r#"{"enableNetworkPolicy":"true"}"#));
        assert_eq!(network_policy_turned_on(Some("not json")), None);
        assert_eq!(network_policy_setting(off), Some(false));
        assert_eq!(network_policy_setting(r#"{"enableNetworkPolicy": "true"}"#), Some(true));
        assert_eq!((network_policy_setting(env), network_policy_setting("[1]")), (None, None));
    }
}
