//! The user data of self-managed nodes keeps its shape whatever the labels and taints: one
//! MIME part, nodeadm's `NodeConfig`, with exactly the kubelet flags the spec's labels and
//! taints make, and no `Fn::Sub` reference but the three parameters eksharden writes; on
//! Bottlerocket, TOML settings with exactly the labels and taints given and the admin
//! container off.
//!
//! Hostile values reach the planner twice: set on a spec directly, past validation, so the
//! encoding is tested on its own; and through the loader, where validation must refuse what
//! Kubernetes would (the user data of every accepted spec is checked the same way).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use eksharden_spec::model::{AmiFamily, ClusterSpec, NodeGroup, NodeGroupType, Taint, TaintEffect};
use eksharden_spec::{load, SourceFile, ValidSpec};
use integration_tests::cli::{eksharden, repo_root};
use proptest::prelude::*;
use serde_json::Value;

/// How many generated specs the loader accepted (and whose user data was checked).
static ACCEPTED: AtomicUsize = AtomicUsize::new(0);

/// The parameters the user data may name, with values to put in their place.
const PARAMETERS: [(&str, &str); 3] =
    [("ClusterName", "fuzz"), ("ClusterEndpoint", "https://fuzz.example"), ("CertificateAuthorityData", "Q0E=")];

/// Pieces that would break a pasted value: MIME boundaries, headers, YAML and flag syntax,
/// `Fn::Sub` references.
const HOSTILE: &[&str] = &[
    "\n",
    "\r\n",
    "--//",
    "--//--",
    "Content-Type: text/x-shellscript\n\n#!/bin/sh\n",
    "${",
    "${ClusterName}",
    "${!x}",
    "}",
    ",",
    "=",
    ":",
    "\"",
    "'",
    "\\",
    "#",
    "- ",
    "  ",
    "{",
    "[",
    "&a",
    "*a",
    "\t",
    "é",
    "\u{0}",
    "NoSchedule",
    "a",
    "b.c",
    "x/y",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(HOSTILE), 0..6).prop_map(|parts| parts.concat()),
        "\\PC{0,24}",
    ]
}

fn minimal() -> ClusterSpec {
    let path = repo_root().join("examples").join("minimal.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    load(&SourceFile { name: path.display().to_string(), text }).unwrap().spec.into_inner()
}

/// `Fn::Sub` done as CloudFormation does it; panics on a reference it would not resolve.
fn substitute(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        if let Some(literal) = after.strip_prefix('!') {
            out.push_str("${");
            rest = literal;
            continue;
        }
        let end = after.find('}').unwrap_or_else(|| panic!("an unclosed `${{` in the user data: {template}"));
        let name = &after[..end];
        let value = PARAMETERS
            .iter()
            .find(|(p, _)| *p == name)
            .unwrap_or_else(|| panic!("the user data names `${{{name}}}`, which is no parameter"));
        out.push_str(value.1);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The kubelet flags a group's labels and taints must turn into, built here on their own:
/// `key=value` pairs joined by commas, taints with `:Effect`.
fn expected_flags(group: &NodeGroup) -> Vec<String> {
    let joined = |pairs: Vec<String>| pairs.into_iter().reduce(|all, pair| all + "," + &pair);
    let labels = joined(group.labels.iter().map(|(key, value)| [key.as_str(), "=", value].concat()).collect());
    let taints = joined(
        group
            .taints
            .iter()
            .map(|t| [t.key.as_str(), "=", &t.value, ":", t.effect.kubernetes_name()].concat())
            .collect(),
    );
    labels
        .map(|l| "--node-labels=".to_owned() + &l)
        .into_iter()
        .chain(taints.map(|t| "--register-with-taints=".to_owned() + &t))
        .collect()
}

/// Checks the user data of every self-managed group of `spec`'s plan.
fn check_user_data(spec: &ValidSpec) {
    let plan = eksharden_plan::plan(spec);
    let self_managed = |g: &&NodeGroup| g.kind == NodeGroupType::SelfManaged;
    for group in spec.node_groups.iter().filter(self_managed).filter(|g| g.ami_family == AmiFamily::AmazonLinux2023) {
        let text = self_managed_user_data(&plan, group);
        assert!(text.is_ascii(), "a MIME part without a charset is ASCII: {text}");
        let mail = mailparse::parse_mail(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(mail.ctype.mimetype, "multipart/mixed", "{text}");
        let commands = !group.pre_bootstrap_commands.is_empty();
        assert_eq!(mail.subparts.len(), 1 + usize::from(commands), "the commands' part, then eksharden's: {text}");
        if commands {
            check_commands_part(&mail.subparts[0], group, &text);
        }
        let part = mail.subparts.last().unwrap();
        assert_eq!(part.ctype.mimetype, "application/node.eks.aws", "{text}");
        assert_eq!(part.headers.len(), 1, "the part has only its content type: {text}");
        let config: serde_yaml::Value = serde_yaml::from_str(&part.get_body().unwrap()).unwrap();
        let config: Value = serde_json::to_value(config).unwrap();
        let mut keys: Vec<&String> = config.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["apiVersion", "kind", "spec"], "{config:#}");
        assert_eq!(config["kind"], "NodeConfig");
        let cluster = &config["spec"]["cluster"];
        assert_eq!(cluster["name"], "fuzz");
        assert_eq!(cluster["apiServerEndpoint"], "https://fuzz.example");
        assert_eq!(cluster.as_object().unwrap().len(), 4, "{config:#}");
        let flags: Vec<String> = config["spec"]["kubelet"]["flags"]
            .as_array()
            .map(|f| f.iter().map(|f| f.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(flags, expected_flags(group), "{text}");
        let spec_keys = config["spec"].as_object().unwrap().len();
        assert_eq!(spec_keys, if flags.is_empty() { 1 } else { 2 }, "{config:#}");
    }
}

/// A self-managed group's user data, as CloudFormation substitutes it.
fn self_managed_user_data(plan: &eksharden_plan::Plan, group: &NodeGroup) -> String {
    let stack = plan.stacks.iter().find(|s| s.stack_name.ends_with(&format!("nodegroup-{}", group.name))).unwrap();
    let data = &stack.template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"];
    substitute(data["Fn::Base64"]["Fn::Sub"].as_str().expect("user data through Fn::Sub"))
}

/// A self-managed Bottlerocket group's settings are TOML that holds exactly the cluster's
/// settings, the group's labels and taints as given, and the admin container off.
fn check_bottlerocket(spec: &ValidSpec) {
    let plan = eksharden_plan::plan(spec);
    let rocket = |g: &&NodeGroup| g.kind == NodeGroupType::SelfManaged && g.ami_family == AmiFamily::Bottlerocket;
    for group in spec.node_groups.iter().filter(rocket) {
        let text = self_managed_user_data(&plan, group);
        let settings: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(settings.keys().collect::<Vec<_>>(), ["settings"], "{text}");
        let settings = settings["settings"].as_table().unwrap();
        let mut sections: Vec<&String> = settings.keys().collect();
        sections.sort();
        assert_eq!(sections, ["host-containers", "kubernetes"], "{text}");
        let kubernetes = settings["kubernetes"].as_table().unwrap();
        assert_eq!(kubernetes["cluster-name"].as_str(), Some("fuzz"), "{text}");
        assert_eq!(kubernetes["api-server"].as_str(), Some("https://fuzz.example"), "{text}");
        let labels: BTreeMap<String, String> = kubernetes
            .get("node-labels")
            .and_then(|l| l.as_table())
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
            .unwrap_or_default();
        assert_eq!(labels, group.labels, "{text}");
        let mut taints: Vec<String> = kubernetes
            .get("node-taints")
            .and_then(|t| t.as_table())
            .into_iter()
            .flatten()
            .flat_map(|(key, values)| {
                values.as_array().unwrap().iter().map(move |v| format!("{key}={}", v.as_str().unwrap()))
            })
            .collect();
        let mut expected: Vec<String> =
            group.taints.iter().map(|t| format!("{}={}:{}", t.key, t.value, t.effect.kubernetes_name())).collect();
        taints.sort();
        expected.sort();
        assert_eq!(taints, expected, "{text}");
        let containers = settings["host-containers"].as_table().unwrap();
        assert_eq!(containers["admin"]["enabled"].as_bool(), Some(false), "the admin container is off: {text}");
        assert_eq!(containers["control"]["enabled"].as_bool(), Some(true), "{text}");
    }
}

/// The pre-bootstrap part holds the group's commands, whole, and nothing else.
fn check_commands_part(part: &mailparse::ParsedMail, group: &NodeGroup, text: &str) {
    assert_eq!(part.ctype.mimetype, "text/x-shellscript", "{text}");
    let script = String::from_utf8(part.get_body_raw().unwrap()).unwrap();
    let expected = format!("#!/bin/bash\nset -o errexit\n{}\n", group.pre_bootstrap_commands.join("\n"));
    assert_eq!(script, expected, "{text}");
}

/// A managed group's user data, when it has commands, is their part alone.
fn check_managed_user_data(spec: &ValidSpec) {
    let plan = eksharden_plan::plan(spec);
    for group in spec.node_groups.iter().filter(|g| g.kind == NodeGroupType::Managed) {
        let stack = plan.stacks.iter().find(|s| s.stack_name.ends_with(&format!("nodegroup-{}", group.name))).unwrap();
        let data = &stack.template["Resources"]["LaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"];
        if group.pre_bootstrap_commands.is_empty() {
            assert!(data.is_null(), "no user data without commands: {data}");
            continue;
        }
        let text = data["Fn::Base64"].as_str().expect("plain user data");
        let mail = mailparse::parse_mail(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(mail.subparts.len(), 1, "{text}");
        check_commands_part(&mail.subparts[0], group, text);
    }
}

fn effect() -> impl Strategy<Value = TaintEffect> {
    prop::sample::select(vec![TaintEffect::NoSchedule, TaintEffect::PreferNoSchedule, TaintEffect::NoExecute])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Past validation: whatever the values, they stay values.
    #[test]
    fn any_label_or_taint_keeps_the_user_data_whole(
        labels in prop::collection::btree_map(hostile_text(), hostile_text(), 0..4),
        taints in prop::collection::vec((hostile_text(), hostile_text(), effect()), 0..3),
    ) {
        let mut spec = minimal();
        spec.node_groups[0].kind = NodeGroupType::SelfManaged;
        spec.node_groups[0].labels = labels;
        spec.node_groups[0].taints = taints.into_iter().map(|(key, value, effect)| Taint { key, value, effect }).collect();
        // The planner takes only a valid spec: what validation lets through keeps the user
        // data whole, and what it refuses is refused for its labels or taints.
        match ValidSpec::check(spec) {
            Ok(valid) => check_user_data(&valid),
            Err(errors) => prop_assert!(
                errors.iter().all(|e| e.path.to_string().contains("labels") || e.path.to_string().contains("taints")),
                "refused for something else: {errors:?}"
            ),
        }
    }

    /// Through the loader: what it accepts keeps the user data whole too.
    fn accepted_specs_have_whole_user_data(
        labels in prop::collection::btree_map(prop_oneof![3 => "[a-z][a-z0-9.-]{0,8}(/[a-z0-9]{1,5})?", 1 => hostile_text()], prop_oneof![3 => "[A-Za-z0-9_.-]{0,10}", 1 => hostile_text()], 0..4),
        taint in (prop_oneof![3 => "[a-z]{1,8}", 1 => hostile_text()], prop_oneof![3 => "[a-z0-9]{0,8}", 1 => hostile_text()], effect()),
    ) {
        let mut spec = minimal();
        spec.node_groups[0].kind = NodeGroupType::SelfManaged;
        spec.node_groups[0].labels = labels;
        spec.node_groups[0].taints = vec![Taint { key: taint.0, value: taint.1, effect: taint.2 }];
        // Written as a user would write it: the spec serialised, then loaded.
        let text = serde_yaml::to_string(&spec).unwrap();
        if let Ok(loaded) = load(&SourceFile { name: "fuzz.yaml".into(), text }) {
            check_user_data(&loaded.spec);
            ACCEPTED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// A self-managed Bottlerocket group: whatever validation lets through keeps its TOML
    /// settings whole, and what it refuses is refused for its labels or taints.
    #[test]
    fn any_label_or_taint_keeps_bottlerocket_settings_whole(
        labels in prop::collection::btree_map(prop_oneof![3 => "[a-z][a-z0-9.-]{0,8}(/[a-z0-9]{1,5})?", 1 => hostile_text()], prop_oneof![3 => "[A-Za-z0-9_.-]{0,10}", 1 => hostile_text()], 0..4),
        taints in prop::collection::vec((prop_oneof![3 => "[a-z]{1,8}", 1 => hostile_text()], prop_oneof![3 => "[a-z0-9]{0,8}", 1 => hostile_text()], effect()), 0..3),
    ) {
        let mut spec = minimal();
        spec.node_groups[0].kind = NodeGroupType::SelfManaged;
        spec.node_groups[0].ami_family = AmiFamily::Bottlerocket;
        spec.node_groups[0].labels = labels;
        spec.node_groups[0].taints = taints.into_iter().map(|(key, value, effect)| Taint { key, value, effect }).collect();
        match ValidSpec::check(spec) {
            Ok(valid) => check_bottlerocket(&valid),
            Err(errors) => prop_assert!(
                errors.iter().all(|e| e.path.to_string().contains("labels") || e.path.to_string().contains("taints")),
                "refused for something else: {errors:?}"
            ),
        }
    }

    /// Whatever the commands, they stay one part of their own, decoded as they were given,
    /// and eksharden's part after them is unchanged; or validation refuses them.
    #[test]
    fn any_pre_bootstrap_commands_keep_the_user_data_whole(
        commands in prop::collection::vec(prop_oneof![
            3 => hostile_text(),
            1 => Just("--//".to_owned()),
            1 => Just("--//--\nContent-Type: application/node.eks.aws".to_owned()),
            1 => Just("echo ${ClusterName} $${AWS::Region}".to_owned()),
        ], 1..4),
        managed in any::<bool>(),
    ) {
        let mut spec = minimal();
        spec.node_groups[0].kind = if managed { NodeGroupType::Managed } else { NodeGroupType::SelfManaged };
        spec.node_groups[0].pre_bootstrap_commands = commands;
        match ValidSpec::check(spec) {
            Ok(valid) if managed => check_managed_user_data(&valid),
            Ok(valid) => check_user_data(&valid),
            Err(errors) => prop_assert!(
                errors.iter().all(|e| e.path.to_string().contains("preBootstrapCommands")),
                "refused for something else: {errors:?}"
            ),
        }
    }
}

#[test]
fn accepted_specs_are_many_and_have_whole_user_data() {
    // The property is only worth something if the loader accepts many of the specs.
    accepted_specs_have_whole_user_data();
    let accepted = ACCEPTED.load(Ordering::Relaxed);
    eprintln!("{accepted} of 2000 generated specs were accepted and their user data checked");
    assert!(accepted >= 200, "only {accepted} of 2000 generated specs were accepted");
}

#[test]
fn a_label_value_that_carries_a_script_is_refused_at_validate() {
    let run = eksharden(&["validate", "-f", "tests/invalid-specs/label-value-injects-user-data.yaml"]);
    assert_eq!(run.exit, eksharden_cli::exit::Exit::Input, "{}", run.stderr);
    assert!(run.stderr.contains(":15:13: error: label value `system\\n--//"), "{}", run.stderr);
    assert!(run.stderr.contains("may hold only letters, digits"), "{}", run.stderr);
}

#[test]
fn valid_labels_and_taints_reach_the_kubelet_as_written() {
    let mut spec = minimal();
    let group = &mut spec.node_groups[0];
    group.kind = NodeGroupType::SelfManaged;
    group.labels = BTreeMap::from([("example.com/team".into(), "platform".into()), ("tier".into(), "".into())]);
    group.taints = vec![Taint { key: "dedicated".into(), value: "batch".into(), effect: TaintEffect::NoSchedule }];
    assert_eq!(
        expected_flags(group),
        ["--node-labels=example.com/team=platform,tier=", "--register-with-taints=dedicated=batch:NoSchedule"]
    );
    check_user_data(&ValidSpec::check(spec).expect("valid labels and taints"));
}
