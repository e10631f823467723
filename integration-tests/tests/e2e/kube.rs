//! The Kubernetes side against the test API server, which authenticates EKS tokens by
//! replaying them against the emulator's STS and authorizes with RBAC: the token itself,
//! the aws-auth round trip under a concurrent edit, proof of rights by acting as IAM roles,
//! the `system:masters` bypass and the API server's reconciliation of `cluster-admin`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use base64::Engine;
use eksharden_aws::{token, Aws};
use eksharden_cli::exit::Exit;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_kube::review::{self, Action};
use eksharden_kube::KubeError;
use integration_tests::cli::TEST_AWS_ENVIRONMENT;
use integration_tests::kube_server::{KubeServer, KubeServerOptions, Secrets, AUTOUPDATE};
use integration_tests::moto::MotoOptions;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, PostParams};
use serde_json::json;

use super::{block_on, create, create_roles, example, kube_client, run, test_secrets, Target};

const CLUSTER: &str = "prod-a";
const REGION: &str = "eu-west-1";

/// The emulator, the API server in front of it, and credentials for a few IAM roles.
struct Cluster {
    _target: Target,
    aws: Aws,
    secrets: Secrets,
    server: KubeServer,
    creator: Credentials,
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::123456789012:role/{name}")
}

impl Cluster {
    /// A cluster whose creator role is its invisible bootstrap admin, as in EKS.
    fn start() -> Self {
        let target = Target::emulator(&MotoOptions::default());
        let Target::Emulator(moto) = &target else { unreachable!() };
        let aws = target.aws(REGION);
        let secrets = test_secrets();
        create_roles(&aws, &["creator", "platform-admin", "oncall", "stranger", "break-glass"]);
        let server = KubeServer::start(KubeServerOptions {
            cluster: CLUSTER.into(),
            region: REGION.into(),
            aws: moto.address(),
            secrets: secrets.clone(),
            creator: Some(role_arn("creator")),
        });
        let mut cluster = Self { _target: target, aws, secrets, server, creator: Credentials::for_tests() };
        cluster.creator = cluster.act_as("creator");
        cluster
    }

    /// Credentials of `role`, assumed through the emulator's STS; the server learns the
    /// secret as STS would know it.
    fn act_as(&self, role: &str) -> Credentials {
        let credentials = block_on(token::assumed(&self.aws, &role_arn(role))).unwrap();
        self.secrets.lock().unwrap().insert(credentials.access_key_id().into(), credentials.secret_access_key().into());
        credentials
    }

    fn token(&self, credentials: &Credentials) -> String {
        token::presign(credentials, REGION, CLUSTER, SystemTime::now()).unwrap().token
    }

    fn client(&self, credentials: &Credentials) -> kube::Client {
        self.client_with_token(&self.token(credentials))
    }

    fn client_with_token(&self, token: &str) -> kube::Client {
        kube_client(&self.server.url(), token)
    }
}

fn may(client: &kube::Client, action: &Action) -> Result<bool, KubeError> {
    block_on(review::may(client, action)).map(|d| d.allowed)
}

fn status_of(result: Result<bool, KubeError>) -> Option<u16> {
    result.err().and_then(|e| e.status)
}

#[test]
fn the_token_is_a_presigned_get_caller_identity_bound_to_the_cluster() {
    let cluster = Cluster::start();
    let token = cluster.token(&cluster.creator);
    let url = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.strip_prefix("k8s-aws-v1.").unwrap()).unwrap(),
    )
    .unwrap();
    let parsed = url::Url::parse(&url).unwrap();
    let query: HashMap<String, String> = parsed.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
    assert_eq!(parsed.host_str(), Some("sts.eu-west-1.amazonaws.com"));
    assert_eq!(query["Action"], "GetCallerIdentity");
    assert_eq!(query["Version"], "2011-06-15");
    assert_eq!(query["X-Amz-SignedHeaders"], "host;x-k8s-aws-id");
    assert_eq!(query["X-Amz-Expires"], "60");
    assert!(query["X-Amz-Credential"].ends_with("/eu-west-1/sts/aws4_request"));
    assert!(query.contains_key("X-Amz-Security-Token"), "assumed-role credentials carry their session token");
    assert!(!token.contains('='), "base64url without padding");

    let everything = Action::everything();
    assert!(may(&cluster.client_with_token(&token), &everything).unwrap(), "accepted for its cluster");
    let elsewhere = token::presign(&cluster.creator, REGION, "another-cluster", SystemTime::now()).unwrap().token;
    assert_eq!(
        status_of(may(&cluster.client_with_token(&elsewhere), &everything)),
        Some(401),
        "another cluster's token"
    );
    let old = token::presign(&cluster.creator, REGION, CLUSTER, SystemTime::now() - Duration::from_secs(16 * 60))
        .unwrap()
        .token;
    assert_eq!(status_of(may(&cluster.client_with_token(&old), &everything)), Some(401), "an expired token");
    let tampered = {
        let changed = url.replace("Version=2011-06-15", "Version=2011-06-16");
        format!("k8s-aws-v1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(changed))
    };
    assert_eq!(status_of(may(&cluster.client_with_token(&tampered), &everything)), Some(401), "a tampered token");

    // Credentials the server's registry never saw: the emulator's STS checks the signature.
    let unregistered = block_on(token::assumed(&cluster.aws, &role_arn("creator"))).unwrap();
    let token = cluster.token(&unregistered);
    assert!(may(&cluster.client_with_token(&token), &everything).unwrap(), "verified by STS");
    let url = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.strip_prefix("k8s-aws-v1.").unwrap()).unwrap(),
    )
    .unwrap();
    let changed = url.replace("Version=2011-06-15", "Version=2011-06-16");
    let tampered = format!("k8s-aws-v1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(changed));
    assert_eq!(
        status_of(may(&cluster.client_with_token(&tampered), &everything)),
        Some(401),
        "STS rejects the signature"
    );
    let elsewhere = token::presign(&unregistered, REGION, "another-cluster", SystemTime::now()).unwrap().token;
    assert_eq!(status_of(may(&cluster.client_with_token(&elsewhere), &everything)), Some(401));
}

fn aws_auth_key() -> (String, String, String) {
    ("v1/configmaps".into(), "kube-system".into(), "aws-auth".into())
}

#[test]
fn aws_auth_keeps_what_it_does_not_manage_and_survives_a_concurrent_edit() {
    let cluster = Cluster::start();
    let admin = cluster.client(&cluster.creator);
    let original = ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some("aws-auth".into()),
            namespace: Some("kube-system".into()),
            annotations: Some([("team".to_owned(), "platform".to_owned())].into()),
            ..Default::default()
        },
        data: Some(
            [
                (
                    "mapRoles".to_owned(),
                    "- rolearn: arn:aws:iam::123456789012:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n  x-custom-note: keep me\n".to_owned(),
                ),
                ("mapUsers".to_owned(), "- userarn: arn:aws:iam::123456789012:user/alice\n  username: alice\n  groups: [devs]\n".to_owned()),
                ("mapAccounts".to_owned(), "- \"444455556666\"\n".to_owned()),
            ]
            .into(),
        ),
        ..Default::default()
    };
    let maps: Api<ConfigMap> = Api::namespaced(admin.clone(), "kube-system");
    block_on(maps.create(&PostParams::default(), &original)).unwrap();

    let platform = IdentityMapping {
        arn: role_arn("platform-admin"),
        username: "platform-admin:{{SessionName}}".into(),
        groups: vec!["eksharden:admins".into()],
    };
    let updated = block_on(aws_auth::map_roles(&admin, std::slice::from_ref(&platform))).unwrap();
    assert_eq!((updated.changed, updated.attempts), (true, 1));
    let stored = cluster.server.object(&aws_auth_key()).unwrap();
    let roles: serde_yaml::Value = serde_yaml::from_str(stored["data"]["mapRoles"].as_str().unwrap()).unwrap();
    assert_eq!(roles[0]["x-custom-note"], "keep me", "fields eksharden does not know survive");
    assert_eq!(roles[0]["groups"][1], "system:nodes");
    assert_eq!(roles[1]["rolearn"], platform.arn.as_str());
    assert_eq!(stored["data"]["mapAccounts"], original.data.as_ref().unwrap()["mapAccounts"].as_str());
    assert_eq!(stored["data"]["mapUsers"], original.data.as_ref().unwrap()["mapUsers"].as_str());
    assert_eq!(stored["metadata"]["annotations"]["team"], "platform");
    // The same again changes nothing.
    assert!(!block_on(aws_auth::map_roles(&admin, std::slice::from_ref(&platform))).unwrap().changed);

    // Someone else adds a user between eksharden's read and its write.
    cluster.server.edit_before_next_write(
        aws_auth_key(),
        Box::new(|map| {
            let users = map["data"]["mapUsers"].as_str().unwrap().to_owned();
            map["data"]["mapUsers"] = json!(format!(
                "{users}- userarn: arn:aws:iam::123456789012:user/bob\n  username: bob\n  groups: [devs]\n"
            ));
        }),
    );
    let viewer = IdentityMapping {
        arn: role_arn("oncall"),
        username: "oncall".into(),
        groups: vec!["eksharden:viewers".into()],
    };
    let updated = block_on(aws_auth::map_roles(&admin, &[platform, viewer])).unwrap();
    assert_eq!((updated.changed, updated.attempts), (true, 2), "a 409, a fresh read, a second write");
    let read = block_on(aws_auth::read(&admin)).unwrap().unwrap();
    assert!(read.users.iter().any(|u| u.username == "bob"), "the concurrent edit survives: {read:?}");
    assert!(read.roles.iter().any(|r| r.username == "oncall"), "and so does eksharden's: {read:?}");
    assert_eq!(read.roles.len(), 3);
}

#[test]
fn acting_as_mapped_roles_proves_their_rights() {
    let cluster = Cluster::start();
    let creator = cluster.client(&cluster.creator);
    let mappings = [
        IdentityMapping {
            arn: role_arn("platform-admin"),
            username: "platform-admin".into(),
            groups: vec!["eksharden:admins".into()],
        },
        IdentityMapping {
            arn: role_arn("oncall"),
            username: "oncall".into(),
            groups: vec!["eksharden:viewers".into()],
        },
    ];
    block_on(aws_auth::map_roles(&creator, &mappings)).unwrap();
    let applied = block_on(eksharden_kube::rbac::apply_bindings(
        &creator,
        eksharden_plan::manifests::RBAC_BINDINGS.content,
        eksharden_kube::apply::Mode::Apply,
    ))
    .unwrap();
    assert_eq!(applied.len(), 2);

    let admin = cluster.client(&cluster.act_as("platform-admin"));
    assert!(may(&admin, &Action::everything()).unwrap(), "the admin role may do everything");
    let viewer = cluster.client(&cluster.act_as("oncall"));
    assert!(may(&viewer, &Action::core("get", "configmaps")).unwrap());
    assert!(!may(&viewer, &Action::core("delete", "configmaps")).unwrap(), "viewers cannot write");
    assert!(!may(&viewer, &Action::everything()).unwrap());
    let stranger = cluster.client(&cluster.act_as("stranger"));
    assert_eq!(
        status_of(may(&stranger, &Action::core("get", "configmaps"))),
        Some(401),
        "unmapped: rejected at authentication"
    );
    // The admin can ask about others, by user and groups.
    let asked = block_on(review::subject_may(
        &admin,
        "oncall",
        &["eksharden:viewers".into()],
        &Action::core("update", "configmaps"),
    ))
    .unwrap();
    assert!(!asked.allowed, "{asked:?}");
}

#[test]
fn system_masters_bypasses_rbac_and_the_server_restores_cluster_admin() {
    let cluster = Cluster::start();
    let creator = cluster.client(&cluster.creator);
    let masters = IdentityMapping {
        arn: role_arn("break-glass"),
        username: "break-glass".into(),
        groups: vec!["system:masters".into()],
    };
    block_on(aws_auth::map_roles(&creator, &[masters])).unwrap();
    let bindings: Api<ClusterRoleBinding> = Api::all(creator.clone());
    block_on(bindings.delete("cluster-admin", &Default::default())).unwrap();
    let break_glass = cluster.client(&cluster.act_as("break-glass"));
    assert!(may(&break_glass, &Action::everything()).unwrap(), "system:masters needs no binding at all");

    // A restart puts back the binding, and then the subject removed from it.
    let server = cluster.server.restart();
    let restored = server.object(&crb_key("cluster-admin")).expect("recreated at start");
    assert_eq!(restored["subjects"][0]["name"], "system:masters");
    let creator = {
        let token = token::presign(&cluster.creator, REGION, CLUSTER, SystemTime::now()).unwrap().token;
        kube_client(&server.url(), &token)
    };
    let bindings: Api<ClusterRoleBinding> = Api::all(creator);
    let mut binding = block_on(bindings.get("cluster-admin")).unwrap();
    binding.subjects = Some(Vec::new());
    block_on(bindings.replace("cluster-admin", &PostParams::default(), &binding)).unwrap();
    let server = server.restart();
    assert_eq!(
        server.object(&crb_key("cluster-admin")).unwrap()["subjects"][0]["name"],
        "system:masters",
        "undone by the restart"
    );

    // With autoupdate "false" the removal stays.
    let token = token::presign(&cluster.creator, REGION, CLUSTER, SystemTime::now()).unwrap().token;
    let bindings: Api<ClusterRoleBinding> = Api::all(kube_client(&server.url(), &token));
    let mut binding = block_on(bindings.get("cluster-admin")).unwrap();
    binding.subjects = Some(Vec::new());
    binding.metadata.annotations.get_or_insert_default().insert(AUTOUPDATE.into(), "false".into());
    block_on(bindings.replace("cluster-admin", &PostParams::default(), &binding)).unwrap();
    let server = server.restart();
    assert_eq!(server.object(&crb_key("cluster-admin")).unwrap()["subjects"], json!([]), "kept as annotated");
}

fn crb_key(name: &str) -> (String, String, String) {
    ("rbac.authorization.k8s.io/v1/clusterrolebindings".into(), String::new(), name.into())
}

#[test]
fn no_secret_or_token_is_printed_at_any_verbosity() {
    let target = Target::start();
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let (created, kubeconfig) = create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let mut printed = vec![created.stdout, created.stderr, std::fs::read_to_string(kubeconfig).unwrap()];
    let region = spec.metadata.region.as_str();
    // Each command must do its work (its exit code says so), or the check below would pass
    // on commands that stopped before printing anything.
    let role = "arn:aws:iam::123456789012:role/none";
    for (args, expected) in [
        (vec!["create", "-f", file.as_str(), "--yes", "--kubeconfig", "/dev/null", "-vv"], Exit::Ok),
        (vec!["verify", "-f", file.as_str(), "-vv", "--format", "json"], Exit::Ok),
        (vec!["create", "-f", file.as_str(), "--dry-run", "-vv"], Exit::Ok),
        (vec!["token", "--cluster", "minimal", "--region", region, "-vv"], Exit::Ok),
        // A role that does not exist: the error is reported, and nothing secret with it.
        (vec!["token", "--cluster", "minimal", "--region", region, "--role-arn", role, "-vv"], Exit::Infrastructure),
        (vec!["delete", "minimal", "--region", region, "--yes", "-vv"], Exit::Ok),
    ] {
        let done = run(&target, &args);
        assert_eq!(done.exit, expected, "{args:?}:\n{}", done.stderr);
        if args[0] != "token" {
            printed.push(done.stdout);
        }
        printed.push(done.stderr);
    }
    let secret = TEST_AWS_ENVIRONMENT[1].1;
    for text in &printed {
        assert!(!text.contains(secret), "the secret key was printed:\n{text}");
        assert!(!text.contains("k8s-aws-v1."), "a token was printed:\n{text}");
        assert!(!text.contains("X-Amz-Signature"), "a presigned URL was printed:\n{text}");
        assert!(!text.contains("FQoGZXIvYXdzE"), "a session token was printed:\n{text}");
    }
}

#[test]
fn the_ssh_egress_policy_goes_into_every_namespace_and_to_calico_where_it_runs() {
    use eksharden_kube::apply::Applied;
    use eksharden_plan::manifests::{CALICO_DENY_SSH_EGRESS, DENY_POD_SSH_EGRESS};
    let cluster = Cluster::start();
    let admin = cluster.client(&cluster.creator);
    let apply = || {
        block_on(eksharden_kube::network_policy::apply_ssh_egress_policies(
            &admin,
            DENY_POD_SSH_EGRESS.content,
            CALICO_DENY_SSH_EGRESS.content,
            eksharden_kube::apply::Mode::Apply,
        ))
        .unwrap()
    };
    let first = apply();
    let namespaces: Vec<&str> = first.namespaces.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(namespaces, ["default", "kube-public", "kube-system"]);
    assert!(first.namespaces.iter().all(|(_, a)| *a == Applied::Created));
    assert_eq!(first.calico, None, "no Calico CRD, no Calico policy");
    let stored = cluster
        .server
        .object(&(
            "networking.k8s.io/v1/networkpolicies".into(),
            "kube-system".into(),
            "eksharden-deny-ssh-egress".into(),
        ))
        .unwrap();
    assert_eq!(stored["spec"]["policyTypes"], json!(["Egress"]));
    assert_eq!(stored["spec"]["egress"][0]["ports"][0], json!({ "protocol": "TCP", "port": 1, "endPort": 21 }));

    // Calico installed: its CRD appears, and the global policy is applied through it.
    let crds: Api<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition> =
        Api::all(admin.clone());
    let crd = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": { "name": "globalnetworkpolicies.crd.projectcalico.org" },
        "spec": { "group": "crd.projectcalico.org", "scope": "Cluster",
                  "names": { "plural": "globalnetworkpolicies", "singular": "globalnetworkpolicy", "kind": "GlobalNetworkPolicy" },
                  "versions": [{ "name": "v1", "served": true, "storage": true, "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    }))
    .unwrap();
    block_on(crds.create(&PostParams::default(), &crd)).unwrap();
    let second = apply();
    assert!(second.namespaces.iter().all(|(_, a)| *a == Applied::Unchanged), "{second:?}");
    assert_eq!(second.calico, Some(Applied::Created));
    let calico = cluster
        .server
        .object(&(
            "crd.projectcalico.org/v1/globalnetworkpolicies".into(),
            String::new(),
            "eksharden-deny-ssh-egress".into(),
        ))
        .unwrap();
    assert_eq!(calico["spec"]["egress"][0]["action"], "Deny");
    assert_eq!(apply().calico, Some(Applied::Unchanged));
}
