//! The command line as a user meets it: exit codes, where messages go, terminal rendering,
//! and the eksctl import.

use eksharden_cli::exit::Exit;
use eksharden_cli::output::Output;
use eksharden_spec::model::{AccessMode, NatMode, NodeGroupType, TaintEffect};
use eksharden_spec::{load, Dialect, SourceFile};
use integration_tests::cli::{eksharden, examples, repo_root};

fn example(name: &str) -> String {
    repo_root().join("examples").join(format!("{name}.yaml")).display().to_string()
}

#[test]
fn every_example_validates_with_exit_0() {
    for name in examples() {
        let run = eksharden(&["validate", "-f", &example(&name)]);
        assert_eq!(run.exit, Exit::Ok, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(": valid ("), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains(": error: "), "{name}: {}", run.stderr);
    }
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(eksharden(&[]).exit, Exit::Input);
    assert_eq!(eksharden(&["validate"]).exit, Exit::Input);
    assert_eq!(eksharden(&["frobnicate"]).exit, Exit::Input);
    let help = eksharden(&["--help"]);
    assert_eq!(help.exit, Exit::Ok);
    assert!(help.stdout.contains("Exit codes: 0 ok, 1 findings, 2 input or usage error"));
}

#[test]
fn a_missing_file_is_an_input_error() {
    let run = eksharden(&["validate", "-f", "/nonexistent/cluster.yaml"]);
    assert_eq!(run.exit, Exit::Input);
    assert!(run.stderr.starts_with("error: cannot read /nonexistent/cluster.yaml"), "{}", run.stderr);
}

#[test]
fn an_unwritable_output_directory_is_an_infrastructure_failure() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let inside_a_file = file.path().join("out");
    let run = eksharden(&["render", "-f", &example("minimal"), "--out", inside_a_file.to_str().unwrap()]);
    assert_eq!(run.exit, Exit::Infrastructure, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write to"), "{}", run.stderr);
}

#[test]
fn quiet_keeps_errors_and_drops_warnings() {
    let loud = eksharden(&["validate", "-f", &example("eksctl-cluster")]);
    assert!(loud.stderr.contains(": warning: "), "{}", loud.stderr);
    let quiet = eksharden(&["validate", "-q", "-f", &example("eksctl-cluster")]);
    assert_eq!(quiet.exit, Exit::Ok);
    assert_eq!(quiet.stderr, "");
    let failing = eksharden(&["validate", "-q", "-f", "tests/invalid-specs/cidr-prefix-33.yaml"]);
    assert!(failing.stderr.contains(": error: "), "{}", failing.stderr);
}

#[test]
fn on_a_terminal_errors_show_the_offending_line() {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut output =
        Output { stdout: &mut stdout, stderr: &mut stderr, terminal: true, colour: false, quiet: false, verbose: 0 };
    let exit =
        eksharden_cli::run(["eksharden", "validate", "-f", "tests/invalid-specs/cidr-prefix-33.yaml"], &mut output);
    assert_eq!(exit, Exit::Input);
    let text = String::from_utf8(stderr).unwrap();
    assert!(text.contains("cidr: 10.0.0.0/33"), "the source line is shown:\n{text}");
    assert!(text.contains("tests/invalid-specs/cidr-prefix-33.yaml:7:9"), "the location is shown:\n{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes when colour is off:\n{text}");
}

#[test]
fn completions_are_generated() {
    let run = eksharden(&["completions", "bash"]);
    assert_eq!(run.exit, Exit::Ok);
    assert!(run.stdout.contains("eksharden") && run.stdout.contains("validate") && run.stdout.contains("render"));
}

#[test]
fn the_eksctl_example_translates_field_by_field() {
    let text = std::fs::read_to_string(example("eksctl-cluster")).unwrap();
    let loaded = load(&SourceFile { name: "eksctl-cluster.yaml".into(), text }).expect("the example is valid");
    assert_eq!(loaded.dialect, Dialect::Eksctl);
    let spec = &loaded.spec;
    assert_eq!(
        (spec.metadata.name.as_str(), spec.metadata.region.as_str(), spec.metadata.version.as_str()),
        ("legacy", "us-east-2", "1.33")
    );
    assert_eq!(spec.metadata.tags["owner"], "data-team");
    assert_eq!(spec.vpc.cidr.to_string(), "10.20.0.0/16");
    assert_eq!(spec.vpc.availability_zones, ["us-east-2a", "us-east-2b"]);
    assert_eq!(spec.vpc.nat, NatMode::Single);
    assert!(spec.endpoint_access.private && spec.endpoint_access.public);
    assert_eq!(spec.endpoint_access.public_access_cidrs[0].to_string(), "198.51.100.0/24");
    assert_eq!(spec.access.mode, AccessMode::Both);
    assert_eq!(spec.access.admins[0].arn.as_str(), "arn:aws:iam::111122223333:role/legacy-admin");
    let [self_managed, managed] = &spec.node_groups[..] else { panic!("two node groups: {:?}", spec.node_groups) };
    assert_eq!((self_managed.name.as_str(), self_managed.kind), ("ng-system", NodeGroupType::SelfManaged));
    assert_eq!(self_managed.taints[0].effect, TaintEffect::NoSchedule);
    assert_eq!((managed.name.as_str(), managed.kind, managed.desired_size), ("ng-1", NodeGroupType::Managed, Some(2)));
    assert_eq!(managed.labels["role"], "worker");
    assert_eq!(spec.hardening.logging.len(), 5, "`*` enables every log type");
    // One warning per field that is not carried over, each at that field.
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.path.as_ref().unwrap().to_string()).collect();
    assert_eq!(warnings, ["iamIdentityMappings[0].groups"]);
    assert!(spec.identity.oidc_provider, "iam.withOIDC carries over");
    assert_eq!(self_managed.ami_family, eksharden_spec::model::AmiFamily::AmazonLinux2023);
}

#[test]
fn eksctl_dropped_fields_each_get_one_warning() {
    let text = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: a, region: us-east-2, annotations: {x: y}}\n\
        availabilityZones: [us-east-2a, us-east-2b]\nvpc: {hostnameType: resource-name, clusterEndpoints: {privateAccess: true, publicAccess: true}, publicAccessCIDRs: [198.51.100.0/24]}\n\
        iamIdentityMappings: [{arn: 'arn:aws:iam::111122223333:role/a', groups: [system:masters]}]\naddons: [{name: vpc-cni}]\nfargateProfiles: []\n\
        managedNodeGroups: [{name: m, spot: true, amiType: AL2_x86_64, instanceTypes: [m5.large, m5a.large]}]\n";
    let loaded = load(&SourceFile { name: "e.yaml".into(), text: text.into() }).expect("valid with warnings");
    let mut paths: Vec<String> = loaded.warnings.iter().map(|w| w.path.as_ref().unwrap().to_string()).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["iamIdentityMappings[0].groups", "managedNodeGroups[0].amiType", "metadata.annotations", "vpc.hostnameType",]
    );
}

#[test]
fn eksctl_ip_family_is_carried_and_its_service_cidr_is_said_to_be_dropped() {
    let config = |family: &str| {
        format!(
            "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {{name: a, region: us-east-2}}\n\
             availabilityZones: [us-east-2a, us-east-2b]\n\
             vpc: {{clusterEndpoints: {{privateAccess: true, publicAccess: true}}, publicAccessCIDRs: [198.51.100.0/24]}}\n\
             iamIdentityMappings: [{{arn: 'arn:aws:iam::111122223333:role/a', groups: [system:masters]}}]\n\
             managedNodeGroups: [{{name: m}}]\n\
             kubernetesNetworkConfig: {{ipFamily: {family}, serviceIPv4CIDR: 10.96.0.0/12}}\n"
        )
    };
    let loaded = load(&SourceFile { name: "e.yaml".into(), text: config("IPv6") }).expect("valid with warnings");
    assert_eq!(loaded.spec.vpc.ip_family, eksharden_spec::model::IpFamily::Ipv6);
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.path.as_ref().unwrap().to_string()).collect();
    assert_eq!(warnings, ["iamIdentityMappings[0].groups", "kubernetesNetworkConfig.serviceIPv4CIDR"]);
    let refused = load(&SourceFile { name: "e.yaml".into(), text: config("IPv5") }).unwrap_err();
    let error = refused.diagnostics.iter().find(|d| d.message == "unknown ipFamily").expect("refused");
    assert_eq!(error.path.as_ref().unwrap().to_string(), "kubernetesNetworkConfig.ipFamily");
    assert_eq!((error.location.line, error.location.column), (8, 37));
}

#[test]
fn names_and_regions_that_aws_would_not_take_are_refused_before_any_call() {
    let long = "a".repeat(300);
    let cases: [&[&str]; 5] = [
        &["token", "--cluster", ""],
        &["token", "--cluster", &long],
        &["token", "--cluster", "prod", "--region", "evil.example#"],
        &["verify", "prod/../other"],
        &["harden", "prod", "--region", "eu-west-1/x"],
    ];
    for args in cases {
        let run = eksharden(args);
        assert_eq!(run.exit, Exit::Input, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("not an EKS cluster name") || run.stderr.contains("not an AWS region name"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_password_in_a_url_is_never_printed_back() {
    let run =
        eksharden(&["harden", "prod", "--region", "eu-west-1", "--kube-endpoint", "ftp://admin:hunter2@10.0.0.1/"]);
    assert_eq!(run.exit, Exit::Input, "{}", run.stderr);
    assert!(run.stderr.contains("ftp://***@10.0.0.1/"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"), "{}", run.stderr);
}

#[test]
fn render_writes_nothing_through_a_planted_link_and_clears_what_an_earlier_render_left() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    assert_eq!(eksharden(&["render", "-f", &example("full"), "--out", dir]).exit, Exit::Ok);
    let templates = out.path().join("templates");
    let stale = templates.join("nodegroup-system.json");
    assert!(stale.exists());
    std::fs::write(templates.join("notes.txt"), "mine").unwrap();
    assert_eq!(eksharden(&["render", "-f", &example("minimal"), "--out", dir]).exit, Exit::Ok);
    assert!(!stale.exists(), "a template of the earlier spec is removed");
    assert_eq!(std::fs::read_to_string(templates.join("notes.txt")).unwrap(), "mine", "other files stay");

    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("planted.json");
    std::fs::remove_file(templates.join("network.json")).unwrap();
    std::os::unix::fs::symlink(&target, templates.join("network.json")).unwrap();
    let run = eksharden(&["render", "-f", &example("minimal"), "--out", dir]);
    assert_eq!(run.exit, Exit::Input, "{}", run.stderr);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    assert!(!target.exists(), "nothing was written outside the folder");
}

#[test]
fn an_alias_bomb_and_a_large_file_are_refused_quickly() {
    let run = eksharden(&["validate", "-f", "tests/invalid-specs/alias-bomb.yaml"]);
    assert_eq!(run.exit, Exit::Input);
    assert!(run.stderr.contains("aliases expand the document past 100000 nodes"), "{}", run.stderr);
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), "a: b\n".repeat(4 * 1024 * 1024)).unwrap();
    let run = eksharden(&["validate", "-f", big.path().to_str().unwrap()]);
    assert_eq!(run.exit, Exit::Input);
    assert!(run.stderr.contains("the file is 20.0 MiB; a spec is at most 1 MiB"), "{}", run.stderr);
}

#[test]
fn a_version_in_extended_support_validates_with_a_warning_naming_its_date_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extended.yaml");
    let text = std::fs::read_to_string(example("minimal")).unwrap();
    std::fs::write(&path, text.replace("  region: eu-west-1\n", "  region: eu-west-1\n  version: \"1.32\"\n")).unwrap();
    // The tests' day is 2026-11-29 (EKSHARDEN_TODAY): 1.32 is in extended support.
    let run = eksharden(&["validate", "-f", path.to_str().unwrap()]);
    assert_eq!(run.exit, Exit::Ok, "{}", run.stderr);
    assert!(
        run.stderr.contains(":9:12: warning: Kubernetes 1.32 is in extended support until 2027-03-23"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("USD 0.60 per cluster hour instead of 0.10"), "{}", run.stderr);
}

#[test]
fn harden_takes_step_ids_from_the_table_and_typed_blocks_and_roles() {
    // The help lists every step, from the table of steps.
    let help = eksharden(&["harden", "--help"]);
    for step in eksharden_harden::StepId::all() {
        assert!(help.stdout.contains(step.id()), "{} is not in --only's help:\n{}", step.id(), help.stdout);
    }
    let cases: [(&[&str], &str); 5] = [
        (&["--only", "nope"], "invalid value 'nope' for '--only"),
        (&["--admin-role", "arn:aws:iam::111122223333:user/someone"], "not an IAM role ARN"),
        (&["--viewer-role", "platform-viewer"], "is not an ARN"),
        (&["--public-cidr", "0.0.0.0/0"], "that is the whole internet"),
        (&["--kms-key", "arn:aws:iam::111122223333:role/x"], "not a KMS key ARN"),
    ];
    for (args, said) in cases {
        let mut all = vec!["harden", "a-cluster", "--region", "eu-west-1"];
        all.extend(args);
        let run = eksharden(&all);
        assert_eq!(run.exit, Exit::Input, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn an_eksctl_file_without_zones_validates_naming_the_zones_it_assumes_and_who_chooses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-zones.yaml");
    let text = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: legacy\n  region: us-east-2\nvpc:\n  clusterEndpoints: {privateAccess: true, publicAccess: true}\n  publicAccessCIDRs: [198.51.100.0/24]\niamIdentityMappings:\n  - arn: arn:aws:iam::111122223333:role/admin\n    groups: [system:masters]\nmanagedNodeGroups:\n  - name: ng-1\n    instanceType: m5.large\n";
    std::fs::write(&file, text).unwrap();
    let run = eksharden(&["validate", "-f", file.to_str().unwrap()]);
    assert_eq!(run.exit, Exit::Ok, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: no availabilityZones: `create` takes 3 zones of us-east-2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("assume us-east-2a, us-east-2b, us-east-2c"), "{}", run.stderr);
    let loaded = load(&SourceFile { name: "no-zones.yaml".into(), text: text.into() }).unwrap();
    assert!(loaded.spec.vpc.zones_from_region);
    assert_eq!(loaded.spec.vpc.availability_zones, ["us-east-2a", "us-east-2b", "us-east-2c"]);
}

#[test]
fn the_smallest_eksctl_file_validates_saying_what_create_will_choose() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.yaml");
    let text = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: plain\n  region: us-west-2\nmanagedNodeGroups:\n  - name: ng-1\n    instanceType: m5.large\n    desiredCapacity: 1\n";
    std::fs::write(&file, text).unwrap();
    let run = eksharden(&["validate", "-f", file.to_str().unwrap()]);
    assert_eq!(run.exit, Exit::Ok, "{}", run.stderr);
    for said in [
        "no availabilityZones: `create` takes 3 zones of us-west-2",
        "operators reach it through the bastion subnet 192.168.255.240/28",
        "`create` maps the identity it runs as (its IAM role or user) to eksharden's admin group",
    ] {
        assert!(run.stderr.contains(said), "{said:?}:\n{}", run.stderr);
    }
    let loaded = load(&SourceFile { name: "plain.yaml".into(), text: text.into() }).unwrap();
    let group = &loaded.spec.node_groups[0];
    assert_eq!(
        (group.min_size, group.max_size, group.desired_size),
        (1, 1, Some(1)),
        "eksctl's sizes from desiredCapacity"
    );
    assert!(loaded.spec.access.admins_from_caller && loaded.spec.access.admins.is_empty());
}

/// An eksctl file with a public endpoint and an admin, and `node_groups` (their YAML).
fn eksctl(node_groups: &str) -> Result<eksharden_spec::LoadedSpec, eksharden_spec::Rejected> {
    let text = format!(
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: groups\n  region: us-west-2\navailabilityZones: [us-west-2a, us-west-2b]\nvpc:\n  clusterEndpoints: {{privateAccess: true, publicAccess: true}}\n  publicAccessCIDRs: [198.51.100.0/24]\niamIdentityMappings:\n  - arn: arn:aws:iam::111122223333:role/admin\n    groups: [system:masters]\n{node_groups}"
    );
    load(&SourceFile { name: "groups.yaml".into(), text })
}

#[test]
fn spot_and_several_instance_types_carry_over_to_both_kinds_of_group() {
    let loaded = eksctl(
        "managedNodeGroups:\n  - name: spot\n    instanceTypes: [m6i.large, m6a.large, m5.large]\n    spot: true\n    tags: {team: data}\n",
    )
    .expect("spot with several types is a managed group's");
    assert_eq!(loaded.spec.node_groups[0].tags["team"], "data", "a group's tags carry over");
    let group = &loaded.spec.node_groups[0];
    assert_eq!(group.instance_types(), ["m6i.large", "m6a.large", "m5.large"]);
    assert_eq!(group.capacity, eksharden_spec::model::Capacity::Spot);
    assert!(!loaded.warnings.iter().any(|w| w.message.contains("instanceTypes") || w.message.contains("spot")));
    let plan = eksharden_plan::plan(&loaded.spec);
    let stack = plan.stacks.iter().find(|s| s.stack_name.ends_with("nodegroup-spot")).unwrap();
    let properties = &stack.template["Resources"]["NodeGroup"]["Properties"];
    assert_eq!(properties["CapacityType"], "SPOT");
    assert_eq!(properties["InstanceTypes"], serde_json::json!(["m6i.large", "m6a.large", "m5.large"]));
    assert_eq!(properties["Tags"]["team"], "data");
    let bad_tag = eksctl("managedNodeGroups:\n  - name: t\n    tags: {\"aws:owner\": x}\n").unwrap_err();
    assert!(bad_tag.diagnostics.iter().any(|d| d.message.contains("reserved prefix `aws:`")), "{bad_tag:?}");
    // Mixed architectures: one group has one AMI type.
    let mixed = eksctl("managedNodeGroups:\n  - name: mixed\n    instanceTypes: [m6i.large, m7g.large]\n").unwrap_err();
    assert!(mixed.diagnostics.iter().any(|d| d.message.contains("run different architectures")), "{mixed:?}");
    // A self-managed group launches through a mixed instances policy; its on-demand share
    // is its own, which a managed group (all spot or all on demand) cannot have.
    let native = |group: &str| {
        let text = format!("apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata: {{name: c, region: eu-west-1, version: \"1.35\"}}\nvpc: {{cidr: 10.0.0.0/16, availabilityZones: [eu-west-1a, eu-west-1b], vpnCidrs: [172.16.0.0/16]}}\naccess:\n  admins: [{{arn: \"arn:aws:iam::111122223333:role/admin\"}}]\nnodeGroups:\n  - {group}\n");
        load(&SourceFile { name: "self.yaml".into(), text })
    };
    let mixed = native(
        "{name: self, type: selfManaged, capacity: spot, extraInstanceTypes: [c5.large], onDemandBaseCapacity: 1}",
    )
    .expect("a self-managed spot group");
    let plan = eksharden_plan::plan(&mixed.spec);
    let stack = plan.stacks.iter().find(|s| s.stack_name.ends_with("nodegroup-self")).unwrap();
    let policy = &stack.template["Resources"]["AutoScalingGroup"]["Properties"]["MixedInstancesPolicy"];
    assert_eq!(
        policy["LaunchTemplate"]["Overrides"],
        serde_json::json!([{"InstanceType": "m6i.large"}, {"InstanceType": "c5.large"}])
    );
    assert_eq!(policy["InstancesDistribution"]["OnDemandBaseCapacity"], 1);
    assert_eq!(policy["InstancesDistribution"]["OnDemandPercentageAboveBaseCapacity"], 0);
    assert!(stack.template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]
        .get("InstanceType")
        .is_none());
    for (group, words) in [
        ("{name: m, capacity: spot, onDemandBaseCapacity: 1}", "all spot or all on demand"),
        ("{name: s, type: selfManaged, onDemandPercentageAboveBase: 50}", "needs a mixed instances policy"),
        ("{name: s, type: selfManaged, capacity: spot, onDemandPercentageAboveBase: 150}", "a percentage is 0 to 100"),
    ] {
        let refused = native(group).unwrap_err();
        assert!(refused.diagnostics.iter().any(|d| d.message.contains(words)), "{group}: {refused:?}");
    }
}

#[test]
fn root_volumes_take_the_performance_ebs_allows_for_their_type() {
    let group = |volume: &str| eksctl(&format!("managedNodeGroups:\n  - name: ng\n    volumeSize: 100\n{volume}"));
    let loaded = group(
        "    volumeType: gp3\n    volumeIOPS: 6000\n    volumeThroughput: 500\n    volumeKmsKeyID: alias/nodes\n",
    )
    .expect("gp3 at 6000 IOPS and 500 MiB/s on 100 GiB");
    let plan = eksharden_plan::plan(&loaded.spec);
    let stack = plan.stacks.iter().find(|s| s.stack_name.ends_with("nodegroup-ng")).unwrap();
    let ebs = &stack.template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["BlockDeviceMappings"]
        [0]["Ebs"];
    assert_eq!(
        ebs,
        &serde_json::json!({"VolumeSize": 100, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true, "Iops": 6000, "Throughput": 500, "KmsKeyId": "alias/nodes"})
    );
    for (volume, said) in [
        ("    volumeType: io1\n", "io1 volumes need their IOPS"),
        ("    volumeType: gp2\n    volumeIOPS: 3000\n", "gp2 volumes take no provisioned IOPS"),
        ("    volumeIOPS: 60000\n", "60000 IOPS: gp3 takes 3000 to 16000"),
        ("    volumeType: io1\n    volumeIOPS: 6000\n", "6000 IOPS on 100 GiB: io1 allows at most 50 IOPS per GiB"),
        ("    volumeThroughput: 1000\n", "1000 MiB/s with 3000 IOPS: gp3 allows at most 0.25 MiB/s per IOPS"),
        ("    volumeKmsKeyID: my-key\n", "`my-key` names no KMS key"),
        ("    volumeType: st1\n", "unknown value `st1`"),
    ] {
        let refused = group(volume).unwrap_err();
        assert!(refused.diagnostics.iter().any(|d| d.message.contains(said)), "{said}: {refused:?}");
    }
}
