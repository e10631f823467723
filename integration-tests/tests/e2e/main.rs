//! End to end on the AWS emulator: `create` and `delete` as a user runs them, with the
//! resulting state read back through the EC2, EKS and IAM APIs.
//!
//! Every test starts its own emulator (moto with eksharden's plugin) on a free loopback port.
//! With `EKSHARDEN_E2E_ENDPOINT` (LocalStack) or `EKSHARDEN_E2E_PROFILE` (a sandbox account)
//! set, the tests that need no fault injection run against that instead.

mod cluster_group;
mod degraded;
mod deploy;
mod eksctl;
mod existing_vpc;
mod faults;
mod fleet;
mod handmade;
mod harden;
mod harden_json;
mod kube;
mod pod_networking;
mod pod_policy;
mod readback;
mod region;
mod report;
mod safety;
mod verify;
mod workloads;

use std::path::PathBuf;

use eksharden_aws::{Aws, Settings};
use eksharden_cli::exit::Exit;
use eksharden_spec::{load, SourceFile, ValidSpec};
use integration_tests::cli::{eksharden, isolate_from_real_aws, repo_root, Run, TEST_AWS_ENVIRONMENT};
use integration_tests::kube_server::{KubeServer, KubeServerOptions, Secrets};
use integration_tests::moto::{Moto, MotoOptions};

/// Where the tests send AWS calls.
pub enum Target {
    /// A local emulator started for this test.
    Emulator(Moto),
    /// An endpoint or profile named by the environment.
    External {
        /// The endpoint URL, for LocalStack or a proxy.
        endpoint: Option<String>,
        /// The profile, for a sandbox account.
        profile: Option<String>,
    },
}

impl Target {
    /// The emulator, or the external target the environment names.
    pub fn start() -> Self {
        let endpoint = std::env::var("EKSHARDEN_E2E_ENDPOINT").ok();
        let profile = std::env::var("EKSHARDEN_E2E_PROFILE").ok();
        if endpoint.is_some() || profile.is_some() {
            return Self::External { endpoint, profile };
        }
        Self::emulator(&MotoOptions::default())
    }

    /// Always the local emulator (for tests that inject faults into it).
    pub fn emulator(options: &MotoOptions) -> Self {
        isolate_from_real_aws();
        Self::Emulator(Moto::start_with(options))
    }

    /// The command-line options that point eksharden at the target.
    pub fn args(&self) -> Vec<String> {
        match self {
            Self::Emulator(moto) => vec!["--endpoint-url".into(), moto.endpoint()],
            Self::External { endpoint, profile } => {
                let mut args = Vec::new();
                if let Some(endpoint) = endpoint {
                    args.extend(["--endpoint-url".into(), endpoint.clone()]);
                }
                if let Some(profile) = profile {
                    args.extend(["--profile".into(), profile.clone()]);
                }
                args
            }
        }
    }

    /// Clients for reading state back.
    pub fn aws(&self, region: &str) -> Aws {
        let settings = match self {
            Self::Emulator(moto) => Settings { endpoint_url: Some(moto.endpoint()), ..Settings::default() },
            Self::External { endpoint, profile } => {
                Settings { endpoint_url: endpoint.clone(), profile: profile.clone(), region: None }
            }
        };
        block_on(Aws::connect(&settings, Some(region))).expect("a region")
    }
}

/// Runs a future on the test binary's one runtime (tests are not async; the CLI makes its own).
/// One runtime, because a kube-rs client keeps a worker task on the runtime that made it.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
        .block_on(future)
}

/// Creates IAM roles that the account's root may assume.
pub fn create_roles(aws: &Aws, names: &[&str]) {
    let trust = serde_json::json!({ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:root" }, "Action": "sts:AssumeRole" }] });
    for name in names {
        block_on(aws.iam.create_role().role_name(*name).assume_role_policy_document(trust.to_string()).send()).unwrap();
    }
}

/// The secrets the test API server knows: the tests' own key (keys the emulator issues are
/// added as tests assume roles).
pub fn test_secrets() -> Secrets {
    let (key, secret) = (TEST_AWS_ENVIRONMENT[0].1, TEST_AWS_ENVIRONMENT[1].1);
    std::sync::Arc::new(std::sync::Mutex::new([(key.to_owned(), secret.to_owned())].into()))
}

/// A client of the test API server at `url` with `token`, on the shared runtime.
pub fn kube_client(url: &str, token: &str) -> eksharden_kube::Client {
    block_on(async { eksharden_kube::connect(url, None, token) }).unwrap()
}

/// A cluster `create` made from an example, with its test API server.
pub struct Created {
    /// The emulator.
    pub target: Target,
    /// Clients of the cluster's region.
    pub aws: Aws,
    /// The cluster's API server.
    pub server: KubeServer,
    /// The cluster's name.
    pub cluster: String,
    /// Its region.
    pub region: String,
}

/// Creates example `name` on a fresh emulator and starts its API server, whose bootstrap
/// admin is the test's own identity (EKS makes the creator one).
pub fn created_with_api_server(name: &str) -> Created {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example(name);
    let dir = tempfile::tempdir().unwrap();
    let created = create(&target, &file, &dir).0;
    assert_eq!(created.exit, Exit::Ok, "{}\n{}", created.stdout, created.stderr);
    let (cluster, region) = (spec.metadata.name.clone(), spec.metadata.region.clone());
    let aws = target.aws(&region);
    let server = api_server_for_caller(&target, &cluster, &region);
    Created { target, aws, server, cluster, region }
}

/// Gives the account a trail of every region's management events, as its owner would once
/// `harden` reported none: a bucket (through CloudFormation, the SDK the tests have for S3),
/// then the trail, logging.
pub fn account_trail(aws: &Aws) {
    let template = serde_json::json!({ "Resources": { "Bucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "account-trail-logs" } } } });
    let stacks = &aws.cloudformation;
    block_on(stacks.create_stack().stack_name("account-trail-bucket").template_body(template.to_string()).send())
        .unwrap();
    let created = (0..100).any(|_| {
        let described = block_on(stacks.describe_stacks().stack_name("account-trail-bucket").send()).unwrap();
        let status = described.stacks()[0].stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        std::thread::sleep(std::time::Duration::from_millis(100));
        status == "CREATE_COMPLETE"
    });
    assert!(created, "the trail's bucket was made");
    let trails = &aws.cloudtrail;
    block_on(
        trails.create_trail().name("account").s3_bucket_name("account-trail-logs").is_multi_region_trail(true).send(),
    )
    .unwrap();
    block_on(trails.start_logging().name("account").send()).unwrap();
}

/// The id of the node-general security group eksharden made for `cluster`.
pub fn node_general_group(aws: &Aws, cluster: &str) -> String {
    role_group(aws, cluster, "node-general")
}

/// Admits SSH from the whole IPv4 internet to `group`, as a careless rule does.
pub fn open_ssh_to_the_internet(aws: &Aws, group: &str) {
    let ssh = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(group).ip_permissions(ssh).send()).unwrap();
}

/// The id of the one security group eksharden made for `cluster` with role tag `role`.
pub fn role_group(aws: &Aws, cluster: &str, role: &str) -> String {
    let groups = block_on(
        aws.ec2
            .describe_security_groups()
            .filters(tagged(eksharden_spec::model::CLUSTER_TAG, cluster))
            .filters(tagged(eksharden_plan::stacks::ROLE_TAG, role))
            .send(),
    )
    .unwrap();
    assert_eq!(groups.security_groups().len(), 1, "one {role} group");
    groups.security_groups()[0].group_id().unwrap().to_owned()
}

/// An EC2 filter on tag `key` = `value`.
pub fn tagged(key: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(format!("tag:{key}")).values(value).build()
}

/// The test API server for `cluster`, whose bootstrap admin is the test's own identity (EKS
/// makes the creator one).
pub fn api_server_for_caller(target: &Target, cluster: &str, region: &str) -> KubeServer {
    let Target::Emulator(moto) = target else { panic!("the test API server needs the emulator") };
    KubeServer::start(KubeServerOptions {
        cluster: cluster.to_owned(),
        region: region.to_owned(),
        aws: moto.address(),
        secrets: test_secrets(),
        creator: Some("arn:aws:sts::123456789012:user/moto".into()),
    })
}

/// A cluster made through the EKS API in its own VPC; returns the security group EKS made.
pub fn cluster_through_the_api(aws: &Aws, cluster: &str, block: &str) -> String {
    let vpc = block_on(aws.ec2.create_vpc().cidr_block(format!("{block}.0.0/16")).send()).unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let subnet = block_on(aws.ec2.create_subnet().vpc_id(&vpc).cidr_block(format!("{block}.1.0/24")).send()).unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_owned();
    let network = aws_sdk_eks::types::VpcConfigRequest::builder().subnet_ids(&subnet).build();
    let created = block_on(
        aws.eks
            .create_cluster()
            .name(cluster)
            .role_arn("arn:aws:iam::123456789012:role/cluster")
            .resources_vpc_config(network)
            .send(),
    )
    .unwrap();
    created.cluster().unwrap().resources_vpc_config().unwrap().cluster_security_group_id().unwrap().to_owned()
}

/// An example's path and its validated spec.
pub fn example(name: &str) -> (String, ValidSpec) {
    let path = repo_root().join("examples").join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = load(&SourceFile { name: path.display().to_string(), text }).expect("a valid example").spec;
    (path.display().to_string(), spec)
}

/// Runs `eksharden COMMAND ARGS… TARGET-ARGS --no-progress`.
pub fn run(target: &Target, args: &[&str]) -> Run {
    let target_args = target.args();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(target_args.iter().map(String::as_str));
    all.push("--no-progress");
    eksharden(&all)
}

/// `create -f FILE` with a throwaway kubeconfig; returns the run and the kubeconfig path.
pub fn create(target: &Target, file: &str, dir: &tempfile::TempDir) -> (Run, PathBuf) {
    let kubeconfig = dir.path().join("kubeconfig");
    let run = run(target, &["create", "-f", file, "--yes", "--kubeconfig", kubeconfig.to_str().unwrap()]);
    (run, kubeconfig)
}

/// Launches a node of `cluster`'s node group `group` in `subnet`, with `groups` and a public
/// address, as the group's Auto Scaling group would; returns the instance id.
pub fn launch_public_node(aws: &Aws, cluster: &str, group: &str, subnet: &str, groups: Vec<String>) -> String {
    let tags =
        [(eksharden_spec::model::CLUSTER_TAG, cluster), ("eks:cluster-name", cluster), ("eks:nodegroup-name", group)];
    block_on(integration_tests::shapes::launch(aws, &tags, subnet, &groups, true)).unwrap()
}
