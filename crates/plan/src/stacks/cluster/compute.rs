//! Fargate profiles and EKS Auto Mode: compute AWS runs, in the cluster's private subnets.

use serde_json::{json, Value};

use crate::cfn::{reference, tag_list, Template};
use crate::graph::StackKind;
use crate::stacks::{iam, Context, Inputs};

/// One `AWS::EKS::FargateProfile` per profile, in the private subnets (Fargate takes no
/// others), with the pod execution role of the `iam` stack. EKS creates one profile of a
/// cluster at a time, so each waits for the one before.
pub(super) fn fargate_profiles(cx: &Context, t: &mut Template, inputs: &mut Inputs) {
    if cx.spec.fargate_profiles.is_empty() {
        return;
    }
    inputs.bind(
        t,
        "FargatePodExecutionRoleArn",
        "String",
        "The Fargate pod execution role",
        StackKind::Iam,
        iam::outputs::FARGATE_POD_EXECUTION_ROLE_ARN,
    );
    let mut before: Option<String> = None;
    for profile in &cx.spec.fargate_profiles {
        let id = format!("FargateProfile{}", crate::cfn::pascal_case(&profile.name));
        let mut tags = cx.tags(&format!("fargate-{}", profile.name));
        tags.retain(|(key, _)| !profile.tags.contains_key(key));
        tags.extend(profile.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        let selectors: Vec<Value> = profile
            .selectors
            .iter()
            .map(|s| {
                let labels: Vec<Value> = s.labels.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect();
                json!({ "Namespace": s.namespace, "Labels": labels })
            })
            .collect();
        let properties = json!({
                "ClusterName": reference("Cluster"),
                "FargateProfileName": profile.name,
                "PodExecutionRoleArn": reference("FargatePodExecutionRoleArn"),
                "Subnets": reference("PrivateSubnetIds"),
                "Selectors": selectors,
                "Tags": tag_list(&tags),
        });
        match &before {
            Some(previous) => t.resource_after(&id, "AWS::EKS::FargateProfile", properties, previous),
            None => t.resource(&id, "AWS::EKS::FargateProfile", properties),
        };
        before = Some(id);
    }
}

/// EKS Auto Mode's three settings, on together as EKS requires: compute (the built-in node
/// pools, with the node role of the `iam` stack), block storage, and load balancing.
pub(super) fn auto_mode(cx: &Context, t: &mut Template, inputs: &mut Inputs, cluster: &mut Value) {
    let pools: Vec<&str> = cx.spec.auto_mode.iter().flat_map(|a| &a.node_pools).map(|p| p.eks_name()).collect();
    let mut compute = json!({ "Enabled": true, "NodePools": pools });
    if iam::auto_mode_nodes(cx) {
        inputs.bind(
            t,
            "AutoModeNodeRoleArn",
            "String",
            "The role of Auto Mode's nodes",
            StackKind::Iam,
            iam::outputs::AUTO_MODE_NODE_ROLE_ARN,
        );
        compute["NodeRoleArn"] = reference("AutoModeNodeRoleArn");
    }
    cluster["ComputeConfig"] = compute;
    cluster["StorageConfig"] = json!({ "BlockStorage": { "Enabled": true } });
    cluster["KubernetesNetworkConfig"]["ElasticLoadBalancing"] = json!({ "Enabled": true });
}
