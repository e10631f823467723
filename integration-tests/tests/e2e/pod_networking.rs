//! Pods apart from their nodes (issue 13, "Pod networking that separates pods from nodes"):
//! for custom networking and for security groups for pods, `create` makes what the mode needs
//! (read back from EC2, IAM and EKS), `harden` applies the ENIConfigs or SecurityGroupPolicies
//! naming the pods group (read back from the API server) and then plans nothing, and `verify`
//! judges pods to nodes on 22 at the security-group layer, from the pods' own interfaces.

use aws_sdk_ec2::types::Filter;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, PostParams};
use serde_json::{json, Value};

use super::harden_json::HardenJson;
use super::{block_on, created_with_api_server, kube_client, node_general_group, role_group, run, tagged, Created};
use eksharden_aws::Aws;

/// The vpc-cni add-on's configuration, as EKS reports it.
fn cni_configuration(aws: &Aws, cluster: &str) -> Value {
    let addon = block_on(aws.eks.describe_addon().cluster_name(cluster).addon_name("vpc-cni").send()).unwrap();
    serde_json::from_str(addon.addon().unwrap().configuration_values().unwrap()).unwrap()
}

/// Installs a CRD in the test API server, as the VPC CNI add-on or EKS would.
fn install_crd(created: &Created, group: &str, kind: &str, plural: &str, version: &str, namespaced: bool) {
    let token = block_on(eksharden_aws::token::token(&created.aws, &created.cluster, None)).unwrap().token;
    let crds: Api<CustomResourceDefinition> = Api::all(kube_client(&created.server.url(), &token));
    let crd = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": { "name": format!("{plural}.{group}") },
        "spec": { "group": group, "scope": if namespaced { "Namespaced" } else { "Cluster" },
                  "names": { "plural": plural, "singular": kind.to_lowercase(), "kind": kind },
                  "versions": [{ "name": version, "served": true, "storage": true, "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    }))
    .unwrap();
    block_on(crds.create(&PostParams::default(), &crd)).unwrap();
}

/// Runs the `pod-networking` step (planned, or applied with `--apply --yes`).
fn harden(created: &Created, extra: &[&str]) -> HardenJson {
    let url = created.server.url();
    let mut args = vec![
        "harden",
        created.cluster.as_str(),
        "--region",
        created.region.as_str(),
        "--kube-endpoint",
        url.as_str(),
        "--only",
        "pod-networking",
        "--format",
        "json",
    ];
    args.extend(extra);
    HardenJson::of(&run(&created.target, &args))
}

/// `verify`'s JSON report, with the cluster API.
fn verify(created: &Created) -> Value {
    let url = created.server.url();
    let args = ["verify", &created.cluster, "--region", &created.region, "--kube-endpoint", &url, "--format", "json"];
    let verified = run(&created.target, &args);
    assert!(verified.stdout.starts_with('{'), "{}\n{}", verified.stdout, verified.stderr);
    serde_json::from_str(&verified.stdout).unwrap()
}

/// The flows of `report` with id `id` from the pods' role: their status and words.
fn from_pods<'r>(report: &'r Value, id: &str) -> Vec<(&'r str, String)> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id && f["title"].as_str().unwrap().starts_with("pods -> "))
        .map(|f| {
            let words: Vec<&str> = f["cells"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["explanation"].as_array().unwrap())
                .filter_map(Value::as_str)
                .collect();
            (f["status"].as_str().unwrap(), words.join("\n"))
        })
        .collect()
}

/// What every flow of `report` that did not pass says.
fn not_passing(report: &Value) -> Vec<String> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] != "pass")
        .map(|f| format!("{} {}: {}", f["status"], f["title"], f["cells"]))
        .collect()
}

#[test]
fn custom_networking_puts_pods_in_subnets_of_their_own_whose_group_nodes_do_not_admit_on_22() {
    let created = created_with_api_server("custom-networking");
    let (aws, cluster) = (&created.aws, created.cluster.as_str());

    // The secondary block and one pod subnet per zone, routed as the zone's node subnet.
    let vpcs =
        block_on(aws.ec2.describe_vpcs().filters(tagged(eksharden_spec::model::CLUSTER_TAG, cluster)).send()).unwrap();
    let vpc = &vpcs.vpcs()[0];
    let blocks: Vec<&str> = vpc.cidr_block_association_set().iter().filter_map(|a| a.cidr_block()).collect();
    assert!(blocks.contains(&"100.64.0.0/16"), "{blocks:?}");
    let subnets = block_on(
        aws.ec2
            .describe_subnets()
            .filters(tagged(eksharden_spec::model::CLUSTER_TAG, cluster))
            .filters(tagged(eksharden_plan::stacks::ROLE_TAG, "pods"))
            .send(),
    )
    .unwrap();
    let mut pod_subnets: Vec<(String, String, String)> = subnets
        .subnets()
        .iter()
        .map(|s| {
            let zone = s.availability_zone().unwrap().to_owned();
            (zone, s.cidr_block().unwrap().to_owned(), s.subnet_id().unwrap().to_owned())
        })
        .collect();
    pod_subnets.sort();
    let zones_and_blocks: Vec<(&str, &str)> = pod_subnets.iter().map(|(z, b, _)| (z.as_str(), b.as_str())).collect();
    assert_eq!(
        zones_and_blocks,
        [("eu-west-1a", "100.64.0.0/18"), ("eu-west-1b", "100.64.64.0/18"), ("eu-west-1c", "100.64.128.0/18")]
    );
    for (zone, _, id) in &pod_subnets {
        let tables = block_on(
            aws.ec2
                .describe_route_tables()
                .filters(Filter::builder().name("association.subnet-id").values(id).build())
                .send(),
        )
        .unwrap();
        let routes = tables.route_tables()[0].routes();
        assert!(
            routes.iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && r.nat_gateway_id().is_some()),
            "{zone}: out through NAT"
        );
    }

    // The VPC CNI's settings, as EKS reports them.
    let configuration = cni_configuration(aws, cluster);
    assert_eq!(configuration["env"]["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"], "true", "{configuration}");
    assert_eq!(configuration["env"]["ENI_CONFIG_LABEL_DEF"], "topology.kubernetes.io/zone", "{configuration}");
    assert_eq!(configuration["enableNetworkPolicy"], "true", "{configuration}");

    // harden applies one ENIConfig per zone (once the add-on has installed its CRD), then plans nothing.
    let group = role_group(aws, cluster, "pods");
    let refused = harden(&created, &[]);
    let (state, detail) = refused.planned("pod-networking");
    assert_eq!(state, "cannotInspect", "no CRD yet: {detail}");
    assert!(
        detail
            .to_string()
            .contains("eniconfigs.crd.k8s.amazonaws.com is not installed (the vpc-cni add-on installs it)"),
        "{detail}"
    );
    install_crd(&created, "crd.k8s.amazonaws.com", "ENIConfig", "eniconfigs", "v1alpha1", false);
    let planned = harden(&created, &[]);
    assert_eq!(planned.planned("pod-networking").0, "changes");
    let applied = harden(&created, &["--apply", "--yes"]);
    assert!(applied.held("pod-networking"), "{:?}", applied.outcome("pod-networking"));
    for (zone, _, subnet) in &pod_subnets {
        let key = ("crd.k8s.amazonaws.com/v1alpha1/eniconfigs".into(), String::new(), zone.clone());
        let stored = created.server.object(&key).unwrap_or_else(|| panic!("ENIConfig {zone}"));
        assert_eq!(stored["spec"], json!({ "subnet": subnet, "securityGroups": [group] }), "{zone}");
    }
    assert_eq!(harden(&created, &[]).planned("pod-networking").0, "compliant");

    // verify: pods are in their subnets (representatives, as no pod runs), and what the nodes'
    // groups do not admit from them decides pods to nodes on 22.
    let report = verify(&created);
    let judged = from_pods(&report, "pods-no-ssh-to-nodes");
    assert!(!judged.is_empty(), "pods to nodes on 22 is judged from the pods' role");
    let nodes = node_general_group(aws, cluster);
    for (status, words) in &judged {
        assert_eq!(*status, "pass", "{words}");
        for layer in [
            format!("22 blocked at source security groups (outbound): no outbound rule of {group} matches"),
            format!("22 blocked at destination security groups (inbound): no inbound rule of {nodes} matches"),
        ] {
            assert!(words.contains(&layer), "{words}");
        }
    }
    assert!(not_passing(&report).iter().all(|f| !f.starts_with("\"fail\"")), "{:#?}", not_passing(&report));
    for id in ["pods-to-api", "nodes-to-pods", "pods-to-kubelet", "pods-to-pods"] {
        let flows = report["flows"].as_array().unwrap().iter().filter(|f| f["id"] == id).count();
        assert!(flows > 0, "{id} is checked");
    }

    // Rules letting the pods out to the nodes on 22 and the nodes admit them: the security
    // groups let it through, and the node-subnet ACL, the layer left, is named as blocking it.
    let on_22 = |peer: &str| {
        aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .user_id_group_pairs(aws_sdk_ec2::types::UserIdGroupPair::builder().group_id(peer).build())
            .build()
    };
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&nodes).ip_permissions(on_22(&group)).send()).unwrap();
    block_on(aws.ec2.authorize_security_group_egress().group_id(&group).ip_permissions(on_22(&nodes)).send()).unwrap();
    for (status, words) in from_pods(&verify(&created), "pods-no-ssh-to-nodes") {
        assert_eq!(status, "pass", "{words}");
        assert!(words.contains("22 blocked at destination subnet ACL (inbound)"), "{words}");
        assert!(!words.contains("security groups"), "the groups admit it now: {words}");
    }

    // Custom networking turned off in the add-on: pods are back on their nodes' interfaces, so
    // verify judges them there again (no policy: a finding), and harden turns it back on.
    let off = r#"{"enableNetworkPolicy":"true","env":{"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG":"false"}}"#;
    block_on(aws.eks.update_addon().cluster_name(cluster).addon_name("vpc-cni").configuration_values(off).send())
        .unwrap();
    let report = verify(&created);
    assert!(from_pods(&report, "pods-no-ssh-to-nodes").is_empty(), "no pods of their own now");
    let shared: Vec<&Value> = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "pods-no-ssh-to-nodes" && f["status"] == "fail")
        .collect();
    assert!(!shared.is_empty(), "pods on the nodes' interfaces, with no policy, are a finding");
    let notes = report["notes"].to_string();
    assert!(notes.contains("the vpc-cni add-on does not turn custom networking on"), "{notes}");
    let planned = harden(&created, &[]);
    let (state, detail) = planned.planned("pod-networking");
    assert_eq!(state, "changes", "{detail}");
    assert!(detail.to_string().contains("setPodNetworking"), "{detail}");
    assert!(harden(&created, &["--apply", "--yes"]).held("pod-networking"));
    assert_eq!(cni_configuration(aws, cluster)["env"]["AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"], "true");
    assert!(!from_pods(&verify(&created), "pods-no-ssh-to-nodes").is_empty(), "pods apart again");
}

#[test]
fn security_groups_for_pods_give_the_namespaces_pods_a_group_nodes_do_not_admit_on_22() {
    let created = created_with_api_server("security-groups-for-pods");
    let (aws, cluster) = (&created.aws, created.cluster.as_str());

    // The pods group names its namespaces; EKS may give pods branch interfaces; the CNI asks for them.
    let group = role_group(aws, cluster, "pods");
    let described = block_on(aws.ec2.describe_security_groups().group_ids(&group).send()).unwrap();
    let tags = described.security_groups()[0].tags();
    let namespaces = tags.iter().find(|t| t.key() == Some(eksharden_plan::stacks::POD_NAMESPACES_TAG));
    assert_eq!(namespaces.and_then(|t| t.value()), Some("shop"), "{tags:?}");
    let role = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    let role = role.cluster().unwrap().role_arn().unwrap().rsplit('/').next().unwrap().to_owned();
    let attached = block_on(aws.iam.list_attached_role_policies().role_name(&role).send()).unwrap();
    let policies: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
    assert!(policies.contains(&"AmazonEKSVPCResourceController"), "{policies:?}");
    let configuration = cni_configuration(aws, cluster);
    assert_eq!(configuration["env"]["ENABLE_POD_ENI"], "true", "{configuration}");
    assert_eq!(configuration["init"]["env"]["DISABLE_TCP_EARLY_DEMUX"], "true", "{configuration}");

    // harden applies the namespace's SecurityGroupPolicy (making the namespace), then plans nothing.
    install_crd(&created, "vpcresources.k8s.aws", "SecurityGroupPolicy", "securitygrouppolicies", "v1beta1", true);
    assert_eq!(harden(&created, &[]).planned("pod-networking").0, "changes");
    let applied = harden(&created, &["--apply", "--yes"]);
    assert!(applied.held("pod-networking"), "{:?}", applied.outcome("pod-networking"));
    let key = ("vpcresources.k8s.aws/v1beta1/securitygrouppolicies".into(), "shop".into(), "eksharden-pods".into());
    let stored = created.server.object(&key).expect("the SecurityGroupPolicy in shop");
    assert_eq!(stored["spec"], json!({ "podSelector": {}, "securityGroups": { "groupIds": [group] } }));
    assert!(created.server.object(&("v1/namespaces".into(), String::new(), "shop".into())).is_some());
    assert_eq!(harden(&created, &[]).planned("pod-networking").0, "compliant");

    // verify: the selected pods' branch interfaces (representatives in the node subnets) are
    // kept from 22 by the groups; the pods no SecurityGroupPolicy selects still share their
    // node's interface, so that flow is still judged by network policies.
    let report = verify(&created);
    let nodes = node_general_group(aws, cluster);
    let judged = from_pods(&report, "pods-no-ssh-to-nodes");
    assert!(!judged.is_empty());
    for (status, words) in judged {
        assert_eq!(status, "pass", "{words}");
        assert!(words.contains(&format!("no inbound rule of {nodes} matches")), "{words}");
    }
    // No NetworkPolicy was applied (only this step ran): the pods that share their node's
    // interface are open on 22, and that is the one finding.
    let failing: Vec<String> = not_passing(&report).into_iter().filter(|f| f.starts_with("\"fail\"")).collect();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert!(failing[0].starts_with("\"fail\" \"node group general -> node group general: tcp 22\""), "{}", failing[0]);
    assert!(failing[0]
        .contains("no network policy blocks the pods of namespace(s) default, kube-public, kube-system, shop"));
}
