//! The EKS add-ons of the cluster stack, each service account with policies given its own
//! role through an EKS Pod Identity association.

use serde_json::json;

use crate::cfn::{reference, Template};
use crate::graph::StackKind;
use crate::stacks::{iam, Context, Inputs};

/// One `AWS::EKS::Addon` per add-on to install: the spec's, and the Pod Identity agent when
/// associations need it. On a conflict with a field a user changed in the cluster, EKS's
/// values win (`OVERWRITE`), so what runs is what the spec says.
pub(super) fn addons(cx: &Context, t: &mut Template, inputs: &mut Inputs) {
    for addon in cx.spec.addons_to_install() {
        let id = format!("Addon{}", crate::cfn::pascal_case(&addon.name));
        let mut properties = json!({
            "AddonName": addon.name,
            "ClusterName": reference("Cluster"),
            "ResolveConflicts": "OVERWRITE",
            "Tags": cx.tag_list(&format!("addon-{}", addon.name)),
        });
        if let Some(version) = &addon.version {
            properties["AddonVersion"] = version.clone().into();
        }
        if let Some(values) = &addon.configuration_values {
            properties["ConfigurationValues"] = values.clone().into();
        }
        if let (Some(service_account), true) = (addon.role_service_account(), addon.has_role()) {
            let parameter = format!("{id}RoleArn");
            inputs.bind(
                t,
                &parameter,
                "String",
                &format!("The role of add-on {}", addon.name),
                StackKind::Iam,
                &iam::outputs::addon_role_arn(&addon.name),
            );
            properties["PodIdentityAssociations"] =
                json!([{ "ServiceAccount": service_account, "RoleArn": reference(&parameter) }]);
        }
        t.resource(&id, "AWS::EKS::Addon", properties);
    }
}
