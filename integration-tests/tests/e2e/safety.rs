//! Nothing injected, nothing lost: the kubeconfig is never damaged and a failed write does not
//! skip the hardening; `verify` says when node groups are gone; runs that meet each other
//! converge; an interrupted `create` says what CloudFormation still does.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use eksharden_aws::{creator, Aws};
use eksharden_cli::exit::Exit;
use eksharden_spec::ValidSpec;
use integration_tests::cli::{binary, TEST_AWS_ENVIRONMENT};
use integration_tests::fault_proxy::{FaultProxy, Faults};
use integration_tests::moto::MotoOptions;

use super::harden_json::HardenJson;
use super::{block_on, cluster_through_the_api, example, run, Target};

/// A kubeconfig with `clusters` entries of other clusters, about 3 KB each.
fn large_kubeconfig(clusters: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: Config\npreferences: {}\ncurrent-context: other-0\nclusters:\n");
    let ca = "Q0E".repeat(900);
    for i in 0..clusters {
        text += &format!("- name: other-{i}\n  cluster:\n    server: https://other-{i}.example\n    certificate-authority-data: {ca}\n");
    }
    text += "users:\n";
    for i in 0..clusters {
        text += &format!("- name: other-{i}\n  user:\n    token: not-a-real-token-{i}\n");
    }
    text += "contexts:\n";
    for i in 0..clusters {
        text += &format!("- name: other-{i}\n  context:\n    cluster: other-{i}\n    user: other-{i}\n");
    }
    text
}

/// The stack names in the emulator.
fn stack_names(target: &Target, region: &str) -> Vec<String> {
    let aws = target.aws(region);
    let stacks = block_on(aws.cloudformation.describe_stacks().send()).unwrap();
    let mut names: Vec<String> = stacks.stacks().iter().filter_map(|s| s.stack_name().map(str::to_owned)).collect();
    names.sort();
    names
}

/// The binary with the target's arguments and the tests' environment.
fn binary_command(target: &Target, args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command.args(args).args(target.args()).arg("--no-progress").envs(TEST_AWS_ENVIRONMENT);
    command
}

#[test]
fn a_file_that_is_not_a_kubeconfig_is_refused_before_anything_is_created() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "remember: rotate the keys on Monday\n").unwrap();
    let created = run(&target, &["create", "-f", &file, "--yes", "--kubeconfig", notes.to_str().unwrap()]);
    assert_eq!(created.exit, Exit::Input, "{}", created.stderr);
    assert!(created.stderr.contains("is not a kubeconfig"), "{}", created.stderr);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "remember: rotate the keys on Monday\n");
    assert!(stack_names(&target, &spec.metadata.region).is_empty(), "nothing was created");
}

#[test]
fn a_failed_kubeconfig_write_leaves_the_file_whole_and_the_hardening_and_verify_still_run() {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    let before = large_kubeconfig(74);
    assert!(before.len() > 200_000, "{} bytes", before.len());
    std::fs::write(&kubeconfig, &before).unwrap();
    // The file size limit, as on a full disk: no file over 100 KiB can be written. The
    // signal it raises is ignored, so the write fails with EFBIG as on a full disk.
    let mut command = Command::new("sh");
    command
        .args(["-c", "trap '' XFSZ; ulimit -f 200; exec \"$0\" \"$@\""])
        .arg(binary())
        .args(["create", "-f", &file, "--yes", "--kubeconfig", kubeconfig.to_str().unwrap(), "--no-progress"])
        .args(target.args())
        .envs(TEST_AWS_ENVIRONMENT);
    let output = command.output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("the kubeconfig entry was not written"), "{stderr}");
    assert!(stderr.contains("not done: the kubeconfig entry"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&kubeconfig).unwrap(), before, "the old kubeconfig is whole");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary or lock file is left");
    // The hardening went on: the creator role is stripped, read back from IAM.
    let aws = target.aws(&spec.metadata.region);
    let role = block_on(creator::inspect(&aws, &spec.metadata.name)).unwrap().expect("the creator role");
    assert!(role.is_stripped(), "{role:?}");
    assert!(stderr.contains("creator-role: applied, and it held"), "{stderr}");
    // And verify ran.
    assert!(stdout.contains(&format!("verify {} (", spec.metadata.name)), "{stdout}");
}

/// The minimal example, created on its own emulator: the target, the spec file and clients.
fn created_minimal() -> (Target, String, ValidSpec, Aws) {
    let target = Target::emulator(&MotoOptions::default());
    let (file, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let (created, _) = super::create(&target, &file, &dir);
    assert_eq!(created.exit, Exit::Ok, "{}", created.stderr);
    let aws = target.aws(&spec.metadata.region);
    (target, file, spec, aws)
}

#[test]
fn verify_names_the_node_groups_that_are_gone() {
    let (target, file, spec, aws) = created_minimal();
    block_on(aws.eks.delete_nodegroup().cluster_name(&spec.metadata.name).nodegroup_name("general").send()).unwrap();
    let verified = run(&target, &["verify", "-f", &file]);
    assert_eq!(verified.exit, Exit::Findings, "{}\n{}", verified.stdout, verified.stderr);
    assert!(verified.stdout.contains("node group general, named by the spec, does not exist"), "{}", verified.stdout);
}

#[test]
fn verify_reports_a_creator_role_that_was_not_stripped() {
    let (target, file, spec, aws) = created_minimal();
    // As a create killed after its stacks leaves it: permissions back, trust restored.
    assert!(block_on(creator::regrant(&aws, &spec.metadata.name)).unwrap());
    let verified = run(&target, &["verify", "-f", &file]);
    assert_eq!(verified.exit, Exit::Findings, "{}", verified.stdout);
    assert!(verified.stdout.contains("creator-role-stripped"), "{}", verified.stdout);
    assert!(verified.stdout.contains("still holds create-cluster"), "{}", verified.stdout);
}

#[test]
fn two_creates_at_once_both_finish_with_one_set_of_stacks_and_both_kubeconfig_entries() {
    let target = Target::emulator(&MotoOptions::default());
    let (first, spec) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, large_kubeconfig(20)).unwrap();
    let spawn = |file: &str| {
        binary_command(&target, &["create", "-f", file, "--yes", "--kubeconfig", kubeconfig.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn(&first), spawn(&first)];
    for child in runs {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
    }
    let expected: Vec<String> = {
        let mut names: Vec<String> = eksharden_plan::plan(&spec).stacks.into_iter().map(|s| s.stack_name).collect();
        names.sort();
        names
    };
    assert_eq!(stack_names(&target, &spec.metadata.region), expected);
    let config: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    let clusters = config["clusters"].as_sequence().unwrap();
    assert_eq!(clusters.len(), 21, "the 20 other clusters and this one, once");
}

#[test]
fn two_creates_of_different_clusters_at_once_both_land_in_one_kubeconfig() {
    let target = Target::emulator(&MotoOptions::default());
    let (first, _) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let second = dir.path().join("second.yaml");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&second, text.replace("name: minimal", "name: second").replace("10.10.", "10.11.")).unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, large_kubeconfig(74)).unwrap();
    let spawn = |file: &str| {
        binary_command(&target, &["create", "-f", file, "--yes", "--kubeconfig", kubeconfig.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn(&first), spawn(second.to_str().unwrap())];
    for child in runs {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let config: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
    for list in ["clusters", "users", "contexts"] {
        let names: Vec<&str> =
            config[list].as_sequence().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 76, "{list}: {names:?}");
        assert!(
            names.iter().any(|n| n.ends_with(":cluster/minimal"))
                && names.iter().any(|n| n.ends_with(":cluster/second"))
        );
    }
}

#[test]
fn an_interrupted_create_says_which_stacks_go_on_and_exits_130() {
    let target = Target::emulator(&MotoOptions { stack_seconds: Some(3.0), ..MotoOptions::default() });
    let (file, _) = example("minimal");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    let mut child =
        binary_command(&target, &["create", "-f", &file, "--yes", "--kubeconfig", kubeconfig.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (code, rest) = interrupt_at(child, stderr, "network: create");
    assert_eq!(code, Some(130), "{rest}");
    let line = |prefix: &str| rest.lines().find_map(|l| l.trim().strip_prefix(prefix)).unwrap_or_default().to_owned();
    assert!(line("still in progress in CloudFormation (they go on): ").contains("network"), "{rest}");
    assert!(line("not started: ").contains("cluster"), "{rest}");
    assert!(rest.contains("hint: run the same command again"), "{rest}");
    let (again, _) = super::create(&target, &file, &dir);
    assert_eq!(again.exit, Exit::Ok, "{}", again.stderr);
}

#[test]
fn two_harden_runs_at_once_leave_one_enabled_key() {
    let moto = Target::emulator(&MotoOptions::default());
    let Target::Emulator(emulator) = &moto else { unreachable!("an emulator") };
    // Both runs reach CreateAlias before either's alias exists: the race, every time.
    let faults = Faults { delay: Some(("kms:CreateAlias", Duration::from_secs(3))), ..Faults::default() };
    let proxy = FaultProxy::start(emulator.address(), faults, 1);
    let (cluster, region) = ("raced", "eu-west-1");
    let aws = moto.aws(region);
    cluster_through_the_api(&aws, cluster, "10.41");
    let spawn = || {
        Command::new(binary())
            .args(["harden", cluster, "--region", region, "--only", "secrets-encryption", "--apply", "--yes"])
            .args(["--endpoint-url", &proxy.endpoint(), "--no-progress"])
            .envs(TEST_AWS_ENVIRONMENT)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn(), spawn()];
    let outputs: Vec<String> = runs
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let text =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            assert!(text.contains("secrets-encryption applied, and it held"), "{text}");
            text
        })
        .collect();
    assert_eq!(
        outputs.iter().filter(|o| o.contains("is scheduled for deletion in 7 days")).count(),
        1,
        "the run that lost the race says so: {outputs:?}"
    );
    // Read back: of the keys made for the cluster, one is enabled and named by the alias and
    // the cluster; the other waits for deletion.
    let keys = block_on(aws.kms.list_keys().send()).unwrap();
    let mut states = Vec::new();
    for key in keys.keys() {
        let described = block_on(aws.kms.describe_key().key_id(key.key_id().unwrap()).send()).unwrap();
        let metadata = described.key_metadata().unwrap();
        states.push((metadata.arn().unwrap().to_owned(), metadata.key_state().unwrap().as_str().to_owned()));
    }
    states.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(states.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(), ["Enabled", "PendingDeletion"], "{states:?}");
    let aliased = block_on(aws.kms.describe_key().key_id(format!("alias/eksharden/{cluster}")).send()).unwrap();
    assert_eq!(aliased.key_metadata().unwrap().arn(), Some(states[0].0.as_str()));
    let described = block_on(aws.eks.describe_cluster().name(cluster).send()).unwrap();
    let used = described.cluster().unwrap().encryption_config()[0].provider().unwrap().key_arn().unwrap().to_owned();
    assert_eq!(used, states[0].0);
}

#[test]
fn harden_closes_internet_ingress_to_the_control_plane() {
    let target = Target::emulator(&MotoOptions::default());
    let (cluster, region) = ("open-plane", "eu-west-1");
    let aws = target.aws(region);
    let group = cluster_through_the_api(&aws, cluster, "10.42");
    // SSH open to the whole internet, IPv4 and IPv6.
    let open = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .ipv6_ranges(aws_sdk_ec2::types::Ipv6Range::builder().cidr_ipv6("::/0").build())
        .build();
    block_on(aws.ec2.authorize_security_group_ingress().group_id(&group).ip_permissions(open).send()).unwrap();
    let harden = |extra: &[&str]| {
        let mut args = vec!["harden", cluster, "--region", region, "--only", "ssh-ingress"];
        args.extend(extra);
        run(&target, &args)
    };
    let verified = run(&target, &["verify", cluster, "--region", region]);
    assert_eq!(verified.exit, Exit::Findings, "{}", verified.stdout);
    for block in ["tcp 22 from 0.0.0.0/0", "tcp 22 from ::/0"] {
        assert!(verified.stdout.contains(block), "open-ingress names {block}:\n{}", verified.stdout);
    }
    let planned = harden(&[]);
    assert!(
        planned.stdout.contains(&format!("revoke {group}")) || planned.stdout.contains(&group),
        "{}",
        planned.stdout
    );
    assert!(planned.stdout.contains("revoke") && planned.stdout.contains("from 0.0.0.0/0"), "{}", planned.stdout);
    assert!(planned.stdout.contains("from ::/0"), "{}", planned.stdout);
    let applied = harden(&["--apply", "--yes", "--format", "json"]);
    assert!(HardenJson::of(&applied).held("ssh-ingress"), "{}\n{}", applied.stdout, applied.stderr);
    let described = block_on(aws.ec2.describe_security_groups().group_ids(&group).send()).unwrap();
    let open_left: Vec<_> = described.security_groups()[0]
        .ip_permissions()
        .iter()
        .filter(|p| {
            p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0"))
                || p.ipv6_ranges().iter().any(|r| r.cidr_ipv6() == Some("::/0"))
        })
        .collect();
    assert!(open_left.is_empty(), "{open_left:?}");
}

#[test]
fn a_password_in_the_kube_endpoint_is_never_printed() {
    let target = Target::emulator(&MotoOptions::default());
    let (cluster, region) = ("secret-url", "eu-west-1");
    cluster_through_the_api(&target.aws(region), cluster, "10.43");
    let url = "https://admin:hunter2@127.0.0.1:1";
    let run = run(
        &target,
        &["harden", cluster, "--region", region, "--only", "access-mapping", "--kube-endpoint", url, "-vv"],
    );
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("https://***@127.0.0.1:1"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

/// Sends SIGINT to `child` shortly after a line of `stream` contains `cue`; returns the
/// exit code and everything `stream` printed.
fn interrupt_at(mut child: std::process::Child, stream: impl std::io::Read, cue: &str) -> (Option<i32>, String) {
    let mut lines = BufReader::new(stream);
    let mut seen = String::new();
    while !seen.contains(cue) {
        let mut line = String::new();
        if lines.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen += &line;
    }
    // Time for the call that follows the cue to go out.
    std::thread::sleep(Duration::from_millis(300));
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    std::io::Read::read_to_string(&mut lines, &mut seen).unwrap();
    (child.wait().unwrap().code(), seen)
}

#[test]
fn an_interrupted_delete_says_which_stacks_go_on_and_exits_130() {
    let (target, file, spec, _) = created_minimal();
    let Target::Emulator(moto) = &target else { unreachable!("an emulator") };
    // Each deletion is held back, so the run is interrupted while one is under way.
    let faults = Faults { delay: Some(("cloudformation:DeleteStack", Duration::from_secs(3))), ..Faults::default() };
    let proxy = FaultProxy::start(moto.address(), faults, 5);
    let mut child = Command::new(binary())
        .args(["delete", "-f", &file, "--yes", "--no-progress", "--endpoint-url", &proxy.endpoint()])
        .envs(TEST_AWS_ENVIRONMENT)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (code, said) = interrupt_at(child, stderr, "nodegroup-general: delete");
    assert_eq!(code, Some(130), "{said}");
    assert!(said.contains("still in progress in CloudFormation (they go on): nodegroup-general"), "{said}");
    assert!(said.contains("hint: run the same command again"), "{said}");
    let again = run(&target, &["delete", "-f", &file, "--yes"]);
    assert_eq!(again.exit, Exit::Ok, "{}", again.stderr);
    assert!(stack_names(&target, &spec.metadata.region).is_empty(), "the second run finished the job");
}

#[test]
fn an_interrupted_harden_says_which_step_it_was_in_and_exits_130() {
    let target = Target::emulator(&MotoOptions::default());
    let Target::Emulator(moto) = &target else { unreachable!("an emulator") };
    let (cluster, region) = ("cut-short", "eu-west-1");
    cluster_through_the_api(&target.aws(region), cluster, "10.45");
    let faults =
        Faults { delay: Some(("eks:POST /clusters/{}/update-config", Duration::from_secs(5))), ..Faults::default() };
    let proxy = FaultProxy::start(moto.address(), faults, 5);
    let mut child = Command::new(binary())
        .args(["harden", cluster, "--region", region, "--only", "logging", "--apply", "--yes", "--no-progress"])
        .args(["--endpoint-url", &proxy.endpoint()])
        .envs(TEST_AWS_ENVIRONMENT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    // The plan is printed, then the held logging update: interrupt while it is held.
    let (code, _) = interrupt_at(child, stdout, "applying:");
    let mut said = String::new();
    std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut said).unwrap();
    assert_eq!(code, Some(130), "{said}");
    assert!(said.contains("interrupted during step logging"), "{said}");
    assert!(said.contains("hint: run the same command again"), "{said}");
}
