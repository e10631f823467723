//! The network-policy layer (issue 13, "Network policies that are enforced"): on a created
//! cluster whose nodes admit each other on port 22 (as the EKS cluster security group's
//! self rule does, so only a network policy keeps pods off port 22 of the nodes), `verify`
//! reads the cluster's NetworkPolicies and what enforces them. Without the policy, pods to
//! nodes on 22 is a finding naming the namespaces; with it and the VPC CNI's policy agent
//! on (the add-on `create` installs), a pass naming both; with the agent turned off through
//! the EKS API, a finding naming the missing enforcer, which `harden` turns back on (read
//! back), and a second run plans nothing. Calico running is an enforcer too.

use aws_sdk_ec2::types::{IpPermission, UserIdGroupPair};
use k8s_openapi::api::apps::v1::DaemonSet;
use kube::api::{Api, PostParams};
use serde_json::Value;

use super::harden_json::HardenJson;
use super::{block_on, created_with_api_server, kube_client, node_general_group, run, Created};

/// The status and words of flow `id` and of posture check `check` in a JSON report.
fn judged(report: &Value, flow: &str, check: &str) -> ((String, String), (String, String)) {
    let of = |items: &str, id: &str, words: &str| {
        let item = report[items].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{id}"));
        let said = match words {
            "cells" => item["cells"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["explanation"].as_array().unwrap().clone())
                .collect::<Vec<_>>(),
            _ => item[words].as_array().unwrap().clone(),
        };
        let said: Vec<&str> = said.iter().filter_map(Value::as_str).collect();
        (item["status"].as_str().unwrap().to_owned(), said.join("\n"))
    };
    (of("flows", flow, "cells"), of("posture", check, "details"))
}

#[test]
fn pods_to_nodes_on_22_follows_the_policies_and_their_enforcer() {
    let Created { target, aws, server, cluster, region } = created_with_api_server("minimal");
    // The nodes admit each other on 22, as the EKS cluster group's all-traffic self rule does.
    let nodes = node_general_group(&aws, &cluster);
    let itself = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(&nodes).build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&nodes).ip_permissions(itself).send()).unwrap();

    let url = server.url();
    let verify = || {
        let verified =
            run(&target, &["verify", &cluster, "--region", &region, "--kube-endpoint", &url, "--format", "json"]);
        assert!(verified.stdout.starts_with('{'), "{}\n{}", verified.stdout, verified.stderr);
        serde_json::from_str::<Value>(&verified.stdout).unwrap()
    };
    // No policy yet (create ran without the cluster API): each namespace is open.
    let ((flow, words), (check, details)) = judged(&verify(), "pods-no-ssh-to-nodes", "network-policies-enforced");
    assert_eq!(flow, "fail", "{words}");
    assert!(
        words.contains("no network policy blocks the pods of namespace(s) default, kube-public, kube-system"),
        "{words}"
    );
    assert_eq!(check, "pass", "{details}");
    assert!(details.contains("vpc-cni add-on, enableNetworkPolicy"), "{details}");

    // The policy applied by harden, the add-on's agent on: a pass naming both.
    let applied = run(
        &target,
        &[
            "harden",
            &cluster,
            "--region",
            &region,
            "--kube-endpoint",
            &url,
            "--only",
            "ssh-egress-policy",
            "--apply",
            "--yes",
        ],
    );
    for namespace in ["default", "kube-public", "kube-system"] {
        let key = ("networking.k8s.io/v1/networkpolicies".into(), namespace.into(), "eksharden-deny-ssh-egress".into());
        assert!(server.object(&key).is_some(), "{namespace}: {}\n{}", applied.stdout, applied.stderr);
    }
    let ((flow, words), _) = judged(&verify(), "pods-no-ssh-to-nodes", "network-policies-enforced");
    assert_eq!(flow, "pass", "{words}");
    assert!(
        words.contains("blocked at the network-policy layer by NetworkPolicy eksharden-deny-ssh-egress (in all 3 namespaces), enforced by the VPC CNI's network policy agent"),
        "{words}"
    );
    // Without the cluster API the layer is not read: a warning, never a pass.
    let blind = run(&target, &["verify", &cluster, "--region", &region, "--format", "json"]);
    let ((flow, words), (check, _)) =
        judged(&serde_json::from_str(&blind.stdout).unwrap(), "pods-no-ssh-to-nodes", "network-policies-enforced");
    assert_eq!((flow.as_str(), check.as_str()), ("warn", "pass"), "{words}");
    assert!(words.contains("the network-policy layer was not read"), "{words}");

    // The agent turned off through the EKS API: the policy is inert, and both say so.
    block_on(
        aws.eks
            .update_addon()
            .cluster_name(&cluster)
            .addon_name("vpc-cni")
            .configuration_values(r#"{"enableNetworkPolicy":"false","env":{"WARM_IP_TARGET":"2"}}"#)
            .send(),
    )
    .unwrap();
    let ((flow, words), (check, details)) = judged(&verify(), "pods-no-ssh-to-nodes", "network-policies-enforced");
    assert_eq!(flow, "fail", "{words}");
    assert!(words.contains("NetworkPolicy eksharden-deny-ssh-egress (in all 3 namespaces) would block it, but nothing enforces network policies"), "{words}");
    assert_eq!(check, "fail", "{details}");
    assert!(
        details.contains(
            "the vpc-cni add-on has enableNetworkPolicy off, and neither the VPC CNI's policy agent nor Calico runs"
        ),
        "{details}"
    );

    // harden turns the agent back on, keeping the rest of the configuration; then nothing is left to do.
    let harden = |extra: &[&str]| {
        let mut args = vec![
            "harden",
            cluster.as_str(),
            "--region",
            region.as_str(),
            "--kube-endpoint",
            url.as_str(),
            "--only",
            "network-policy-enforcer",
            "--format",
            "json",
        ];
        args.extend(extra);
        HardenJson::of(&run(&target, &args))
    };
    let planned = harden(&[]);
    assert_eq!(planned.planned("network-policy-enforcer").0, "changes");
    assert!(
        block_on(aws.eks.describe_addon().cluster_name(&cluster).addon_name("vpc-cni").send())
            .unwrap()
            .addon()
            .unwrap()
            .configuration_values()
            .unwrap()
            .contains("\"false\""),
        "a plan changes nothing"
    );
    let applied = harden(&["--apply", "--yes"]);
    assert!(applied.held("network-policy-enforcer"), "{:?}", applied.outcome("network-policy-enforcer"));
    let configuration = block_on(aws.eks.describe_addon().cluster_name(&cluster).addon_name("vpc-cni").send()).unwrap();
    let configuration: Value =
        serde_json::from_str(configuration.addon().unwrap().configuration_values().unwrap()).unwrap();
    assert_eq!(configuration, serde_json::json!({"enableNetworkPolicy": "true", "env": {"WARM_IP_TARGET": "2"}}));
    assert_eq!(harden(&[]).planned("network-policy-enforcer").0, "compliant");
    assert_eq!(judged(&verify(), "pods-no-ssh-to-nodes", "network-policies-enforced").0 .0, "pass");

    // Calico's node agent enforces policies as well, whatever the add-on says.
    block_on(
        aws.eks
            .update_addon()
            .cluster_name(&cluster)
            .addon_name("vpc-cni")
            .configuration_values(r#"{"enableNetworkPolicy":"false"}"#)
            .send(),
    )
    .unwrap();
    let token = block_on(eksharden_aws::token::token(&aws, &cluster, None)).unwrap().token;
    let client = kube_client(&url, &token);
    let calico: DaemonSet = serde_json::from_value(serde_json::json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": { "name": "calico-node", "namespace": "calico-system" },
        "spec": { "selector": { "matchLabels": { "k8s-app": "calico-node" } },
                  "template": { "metadata": { "labels": { "k8s-app": "calico-node" } },
                                "spec": { "containers": [{ "name": "calico-node", "image": "calico/node" }] } } }
    }))
    .unwrap();
    block_on(Api::<DaemonSet>::namespaced(client, "calico-system").create(&PostParams::default(), &calico)).unwrap();
    let ((flow, words), (check, details)) = judged(&verify(), "pods-no-ssh-to-nodes", "network-policies-enforced");
    assert_eq!((flow.as_str(), check.as_str()), ("pass", "pass"), "{words}\n{details}");
    assert!(details.contains("Calico (calico-node in calico-system)"), "{details}");
}
