//! The node, identity, add-on and compute features eksctl users bring (`examples/workloads.yaml`
//! and `examples/auto-mode.yaml`), created on the emulator and read back from EKS, EC2 and
//! IAM: Bottlerocket and mixed-instance groups, pre-bootstrap commands, add-ons with their
//! Pod Identity roles, IAM roles for service accounts, Fargate profiles, EKS Auto Mode; then
//! `verify` passes, and a role whose trust is widened comes back as a finding.

use base64::Engine;
use eksharden_aws::creator::policy_text;
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;
use eksharden_spec::model::NodeGroup;
use eksharden_spec::ValidSpec;
use serde_json::Value;

use super::deploy::{assert_nothing_left, check_cluster};
use super::verify::{failed, finding, verify};
use super::{block_on, create, example, run, Target};

/// The trust policy of `role_arn`, as IAM holds it.
async fn trust(aws: &Aws, role_arn: &str) -> Value {
    let name = role_arn.rsplit('/').next().unwrap();
    let role = aws.iam.get_role().role_name(name).send().await.unwrap();
    serde_json::from_str(&policy_text(role.role().unwrap().assume_role_policy_document().unwrap_or_default())).unwrap()
}

/// The latest user data of the launch template tagged for `group`, decoded.
async fn user_data(aws: &Aws, cluster: &str, group: &NodeGroup) -> String {
    let name = format!("{cluster}-node-{}", group.name);
    let templates = aws
        .ec2
        .describe_launch_templates()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Name").values(name).build())
        .send()
        .await
        .unwrap();
    let id = templates.launch_templates()[0].launch_template_id().unwrap();
    let versions = aws.ec2.describe_launch_template_versions().launch_template_id(id).versions("$Latest").send().await;
    let data =
        versions.unwrap().launch_template_versions()[0].launch_template_data().unwrap().user_data().unwrap().to_owned();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(data).unwrap()).unwrap()
}

/// The Pod Identity association of `namespace/service_account`, as EKS describes it.
async fn association(
    aws: &Aws,
    cluster: &str,
    namespace: &str,
    service_account: &str,
) -> aws_sdk_eks::types::PodIdentityAssociation {
    let listed = aws
        .eks
        .list_pod_identity_associations()
        .cluster_name(cluster)
        .namespace(namespace)
        .service_account(service_account)
        .send()
        .await
        .unwrap();
    let [summary] = listed.associations() else {
        panic!("one association of {namespace}/{service_account}: {listed:?}")
    };
    let id = summary.association_id().unwrap();
    let described = aws.eks.describe_pod_identity_association().cluster_name(cluster).association_id(id).send().await;
    described.unwrap().association().unwrap().clone()
}

/// A Pod Identity role trusts EKS Pod Identity for this one service account of this cluster.
fn assert_pod_identity_trust(trust: &Value, cluster: &str, namespace: &str, service_account: &str) {
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Principal"]["Service"], "pods.eks.amazonaws.com", "{trust:#}");
    let equals = &statement["Condition"]["StringEquals"];
    assert_eq!(equals["aws:RequestTag/kubernetes-namespace"], namespace, "{trust:#}");
    assert_eq!(equals["aws:RequestTag/kubernetes-service-account"], service_account, "{trust:#}");
    assert_eq!(equals["aws:RequestTag/eks-cluster-name"], cluster, "{trust:#}");
}

fn group<'a>(spec: &'a ValidSpec, name: &str) -> &'a NodeGroup {
    spec.node_groups.iter().find(|g| g.name == name).unwrap()
}

async fn check_node_groups(aws: &Aws, spec: &ValidSpec) {
    let cluster = &spec.metadata.name;
    // Bottlerocket, managed: EKS's Bottlerocket AMI type, its admin container off.
    let rocket = aws.eks.describe_nodegroup().cluster_name(cluster).nodegroup_name("rocket-spot").send().await.unwrap();
    let rocket = rocket.nodegroup().unwrap();
    assert_eq!(rocket.ami_type().map(|t| t.as_str()), Some("BOTTLEROCKET_x86_64"));
    assert_eq!(rocket.update_config().and_then(|u| u.max_unavailable_percentage()), Some(33));
    let settings = user_data(aws, cluster, group(spec, "rocket-spot")).await;
    assert!(settings.contains("[settings.host-containers.admin]\nenabled = false"), "{settings}");
    assert!(settings.contains("[settings.host-containers.control]\nenabled = true"), "{settings}");
    // Bottlerocket, self-managed: its own cluster settings, labels and hardening.
    let settings = user_data(aws, cluster, group(spec, "rocket-self")).await;
    assert!(settings.contains(&format!("cluster-name = \"{cluster}\"")), "{settings}");
    assert!(settings.contains("cluster-dns-ip = \"172.20.0.10\""), "{settings}");
    assert!(settings.contains("[settings.kubernetes.node-labels]\n\"os\" = \"bottlerocket\""), "{settings}");
    assert!(settings.contains("[settings.host-containers.admin]\nenabled = false"), "{settings}");
    // The mixed group: its commands in a part of their own, before eksharden's; its nodes of
    // the policy's first type (the launch template names none: only the policy can).
    let mixed = group(spec, "mixed");
    let text = user_data(aws, cluster, mixed).await;
    let mail = mailparse::parse_mail(text.as_bytes()).unwrap();
    assert_eq!(mail.subparts.len(), 2, "{text}");
    assert_eq!(mail.subparts[0].ctype.mimetype, "text/x-shellscript");
    let script = String::from_utf8(mail.subparts[0].get_body_raw().unwrap()).unwrap();
    assert_eq!(script, format!("#!/bin/bash\nset -o errexit\n{}\n", mixed.pre_bootstrap_commands.join("\n")));
    assert_eq!(mail.subparts[1].ctype.mimetype, "application/node.eks.aws");
    let filter = |name: &str, value: &str| aws_sdk_ec2::types::Filter::builder().name(name).values(value).build();
    let instances = aws
        .ec2
        .describe_instances()
        .filters(filter("tag:eksharden.dev/node-group", "mixed"))
        .filters(filter("instance-state-name", "running"))
        .send()
        .await
        .unwrap();
    let types: Vec<&str> = instances
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| i.instance_type())
        .map(|t| t.as_str())
        .collect();
    assert_eq!(types, ["c6i.large"], "the policy's first type");
}

async fn check_identity(aws: &Aws, spec: &ValidSpec) -> String {
    let cluster = &spec.metadata.name;
    let described = aws.eks.describe_cluster().name(cluster).send().await.unwrap();
    let issuer = described.cluster().unwrap().identity().unwrap().oidc().unwrap().issuer().unwrap().to_owned();
    let host_path = issuer.strip_prefix("https://").unwrap();
    // The OIDC provider of this cluster's issuer, for STS.
    let providers = aws.iam.list_open_id_connect_providers().send().await.unwrap();
    let provider = providers
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|arn| arn.ends_with(&format!("oidc-provider/{host_path}")))
        .expect("the cluster's OIDC provider")
        .to_owned();
    let got = aws.iam.get_open_id_connect_provider().open_id_connect_provider_arn(&provider).send().await.unwrap();
    assert_eq!(got.client_id_list(), ["sts.amazonaws.com"]);
    // The role for backend/s3-reader trusts that provider, for that service account only.
    let roles = aws.iam.list_roles().send().await.unwrap();
    let irsa: Vec<&str> = roles
        .roles()
        .iter()
        .filter(|r| r.role_name().contains("-identity-ServiceAccountRole"))
        .map(|r| r.arn())
        .collect();
    let [irsa] = irsa.as_slice() else { panic!("one role for service accounts: {irsa:?}") };
    let document = trust(aws, irsa).await;
    let statement = &document["Statement"][0];
    assert_eq!(statement["Principal"]["Federated"], provider.as_str(), "{document:#}");
    assert_eq!(
        statement["Condition"]["StringEquals"][format!("{host_path}:sub")],
        "system:serviceaccount:backend:s3-reader"
    );
    assert_eq!(statement["Condition"]["StringEquals"][format!("{host_path}:aud")], "sts.amazonaws.com");
    // Pod Identity: the association's role trusts backend/cache-writer only, with its policy.
    let cache = association(aws, cluster, "backend", "cache-writer").await;
    let cache_role = cache.role_arn().unwrap().to_owned();
    assert_pod_identity_trust(&trust(aws, &cache_role).await, cluster, "backend", "cache-writer");
    let name = cache_role.rsplit('/').next().unwrap();
    let inline = aws.iam.get_role_policy().role_name(name).policy_name("workload").send().await.unwrap();
    assert!(policy_text(inline.policy_document()).contains("dynamodb:PutItem"));
    cache_role
}

async fn check_addons_and_fargate(aws: &Aws, spec: &ValidSpec) {
    let cluster = &spec.metadata.name;
    let mut listed = aws.eks.list_addons().cluster_name(cluster).send().await.unwrap().addons().to_vec();
    listed.sort();
    // The spec's add-ons, and the Pod Identity agent its associations need.
    assert_eq!(listed, ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
    let cni = aws.eks.describe_addon().cluster_name(cluster).addon_name("vpc-cni").send().await.unwrap();
    let cni = cni.addon().unwrap();
    assert_eq!(cni.configuration_values(), Some(r#"{"enableNetworkPolicy": "true"}"#));
    assert_eq!(cni.pod_identity_associations().len(), 1);
    let node = association(aws, cluster, "kube-system", "aws-node").await;
    assert_eq!(node.owner_arn(), cni.addon_arn());
    let role = node.role_arn().unwrap();
    assert_pod_identity_trust(&trust(aws, role).await, cluster, "kube-system", "aws-node");
    let attached =
        aws.iam.list_attached_role_policies().role_name(role.rsplit('/').next().unwrap()).send().await.unwrap();
    let attached: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
    assert_eq!(attached, ["AmazonEKS_CNI_Policy"]);
    // The Fargate profile: the private subnets only, the pod execution role of this cluster.
    let profile =
        aws.eks.describe_fargate_profile().cluster_name(cluster).fargate_profile_name("serverless").send().await;
    let profile = profile.unwrap().fargate_profile().unwrap().clone();
    let described = aws.eks.describe_cluster().name(cluster).send().await.unwrap();
    let private = described.cluster().unwrap().resources_vpc_config().unwrap().subnet_ids().to_vec();
    assert_eq!(profile.subnets(), private.as_slice(), "Fargate runs in the cluster's private subnets");
    let selectors: Vec<(&str, usize)> =
        profile.selectors().iter().map(|s| (s.namespace().unwrap(), s.labels().map_or(0, |l| l.len()))).collect();
    assert_eq!(selectors, [("serverless", 0), ("jobs", 1)]);
    assert_eq!(profile.tags().and_then(|t| t.get("billing")).map(String::as_str), Some("fargate"));
    let execution = trust(aws, profile.pod_execution_role_arn().unwrap()).await;
    let source = execution["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"].as_str().unwrap();
    assert!(source.ends_with(&format!(":fargateprofile/{cluster}/*")), "{execution:#}");
}

#[test]
fn eksctl_features_are_created_read_back_and_verified() {
    let target = Target::start();
    let (file, spec) = example("workloads");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws(&spec.metadata.region);
    block_on(check_cluster(&aws, &spec));
    block_on(check_node_groups(&aws, &spec));
    let cache_role = block_on(check_identity(&aws, &spec));
    block_on(check_addons_and_fargate(&aws, &spec));

    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Ok, "{report:#}");
    assert!(failed(&report).is_empty(), "{:?}", failed(&report));
    let posture = |id: &str| report["posture"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(posture("workload-identity-scoped")["status"], "pass");
    let nodes = posture("node-groups-present")["details"].to_string();
    assert!(nodes.contains("Fargate runs the pods of profiles serverless"), "{nodes}");

    // Widen the Pod Identity role's trust to any service account: verify names it.
    let mut widened = block_on(trust(&aws, &cache_role));
    let equals = widened["Statement"][0]["Condition"]["StringEquals"].as_object_mut().unwrap();
    equals.remove("aws:RequestTag/kubernetes-service-account");
    let name = cache_role.rsplit('/').next().unwrap();
    block_on(aws.iam.update_assume_role_policy().role_name(name).policy_document(widened.to_string()).send()).unwrap();
    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Findings);
    assert_eq!(failed(&report), ["workload-identity-scoped"]);
    let said = finding(&report, "workload-identity-scoped");
    assert!(said.contains(&cache_role) && said.contains("backend/cache-writer"), "{said}");

    let deleted = run(&target, &["delete", "-f", &file, "--yes"]);
    assert_eq!(deleted.exit, Exit::Ok, "{}", deleted.stderr);
    block_on(assert_nothing_left(&aws, &spec.metadata.name));
    let providers = block_on(aws.iam.list_open_id_connect_providers().send()).unwrap();
    assert!(providers.open_id_connect_provider_list().is_empty(), "the OIDC provider went with its stack");
}

#[test]
fn an_auto_mode_cluster_is_created_read_back_and_verified() {
    let target = Target::start();
    let (file, spec) = example("auto-mode");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws(&spec.metadata.region);
    block_on(check_cluster(&aws, &spec));
    let described = block_on(aws.eks.describe_cluster().name(&spec.metadata.name).send()).unwrap();
    let cluster = described.cluster().unwrap();
    let compute = cluster.compute_config().unwrap();
    assert_eq!(compute.enabled(), Some(true));
    assert_eq!(compute.node_pools(), ["general-purpose", "system"]);
    assert_eq!(cluster.storage_config().and_then(|s| s.block_storage()).and_then(|b| b.enabled()), Some(true));
    let balancing = cluster.kubernetes_network_config().and_then(|k| k.elastic_load_balancing());
    assert_eq!(balancing.and_then(|b| b.enabled()), Some(true));
    let node_role = compute.node_role_arn().unwrap().rsplit('/').next().unwrap();
    let attached = block_on(aws.iam.list_attached_role_policies().role_name(node_role).send()).unwrap();
    let mut attached: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_name()).collect();
    attached.sort_unstable();
    assert_eq!(attached, ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodeMinimalPolicy"]);
    let cluster_role = cluster.role_arn().unwrap().rsplit('/').next().unwrap();
    let attached = block_on(aws.iam.list_attached_role_policies().role_name(cluster_role).send()).unwrap();
    assert_eq!(attached.attached_policies().len(), 5, "EKS's and Auto Mode's four: {attached:?}");

    let (exit, report) = verify(&target, &file);
    assert_eq!(exit, Exit::Ok, "{report:#}");
    let nodes = report["posture"].as_array().unwrap().iter().find(|c| c["id"] == "node-groups-present").unwrap();
    assert_eq!(nodes["status"], "pass", "Auto Mode's nodes are not missing node groups: {nodes:#}");
    assert!(nodes["details"][0].as_str().unwrap().contains("EKS Auto Mode runs the nodes (general-purpose, system)"));
}
