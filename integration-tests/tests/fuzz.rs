//! No input makes the loader or the planner panic: arbitrary text, mutated examples, and
//! generated specs. Every spec the loader accepts must also plan into a valid stack graph.

use eksharden_spec::{load, SourceFile};
use integration_tests::cli::repo_root;
use proptest::prelude::*;

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many generated specs were accepted and planned, and how many were tried.
static GENERATED: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

/// Loads `text`; when it is accepted, plans it and checks the plan is a graph. Returns
/// whether it was accepted.
fn load_and_plan(text: String) -> bool {
    let source = SourceFile { name: "fuzz.yaml".into(), text };
    match load(&source) {
        Ok(loaded) => {
            let plan = eksharden_plan::plan(&loaded.spec);
            eksharden_plan::waves(&plan.stacks).expect("an accepted spec plans into a graph");
            assert!(plan.stacks.iter().all(|s| s.template["Resources"].as_object().is_some_and(|r| !r.is_empty())));
            true
        }
        Err(rejected) => {
            assert!(!rejected.diagnostics.is_empty(), "a rejection says why");
            for d in &rejected.diagnostics {
                assert!(d.location.line >= 1 && d.location.column >= 1);
                assert!(d.location.offset + d.location.len <= source.text.len());
            }
            false
        }
    }
}

fn examples() -> Vec<String> {
    integration_tests::cli::examples()
        .iter()
        .map(|e| std::fs::read_to_string(repo_root().join("examples").join(format!("{e}.yaml"))).unwrap())
        .collect()
}

/// Fragments that stress a YAML reader and the validator.
const TOKENS: &[&str] = &[
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\t",
    "  ",
    "\n",
    "&a ",
    "*a",
    "!!int ",
    "'",
    "\"",
    "#",
    "---",
    "~",
    "null",
    "0",
    "-1",
    "70000",
    "1e9",
    "0.0.0.0/0",
    "10.0.0.0/33",
    "/",
    "é",
    "\u{0}",
    "arn:aws:iam::1:role/x",
    "true",
    "nodeGroups:",
    "vpc:",
    "cidr: ",
    "bastion: {}",
    "nat: none",
    "- name: a",
    "availabilityZones: []",
    "<<: *a",
    "? ",
    "|",
    ">",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        load_and_plan(text);
    }

    #[test]
    fn mutated_examples(example in 0usize..4, edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, 0usize..TOKENS.len(), 0usize..40), 1..6)) {
        let mut text = examples()[example].clone();
        for (at, kind, token, len) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) { i -= 1; }
            match kind {
                0 => text.insert_str(i, TOKENS[token]),
                1 => {
                    let mut end = (i + len).min(text.len());
                    while !text.is_char_boundary(end) { end -= 1; }
                    text.replace_range(i..end, "");
                }
                _ => {
                    let mut end = (i + len).min(text.len());
                    while !text.is_char_boundary(end) { end -= 1; }
                    text.replace_range(i..end, TOKENS[token]);
                }
            }
        }
        load_and_plan(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Specs built from mostly sensible values, with an invalid one now and then.
    fn generated_specs(
        prefix in prop_oneof![9 => 16u8..=20, 1 => 8u8..30],
        zones in prop_oneof![9 => 2usize..=4, 1 => 0usize..9],
        nat in prop::sample::select(vec!["single", "highlyAvailable", "none"]),
        bastion in prop::option::weighted(0.7, (prop_oneof![9 => Just(None), 1 => (0u8..=255).prop_map(Some)], prop_oneof![9 => 24u8..=28, 1 => 16u8..30])),
        public in any::<bool>(),
        profile in prop::sample::select(vec!["minimum", "recommended"]),
        ports in prop::collection::vec(prop_oneof![9 => 1024u32..65536, 1 => 0u32..70000], 0..4),
        groups in prop::collection::vec((0u32..4, 0u32..8, any::<bool>(), 0u8..3), 0..5),
        endpoints in prop_oneof![1 => Just(vec!["ecr.api", "ecr.dkr", "s3", "sts", "ec2"]), 1 => prop::sample::subsequence(vec!["ecr.api", "ecr.dkr", "s3", "sts", "ec2", "logs"], 0..6)],
    ) {
        let mut text = format!(
            "apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata: {{name: gen, region: eu-west-1}}\nvpc:\n  cidr: 10.0.0.0/{prefix}\n  nat: {nat}\n  availabilityZones: [{}]\n  endpoints: [{}]\n",
            (0..zones).map(|z| format!("eu-west-1{}", (b'a' + z as u8) as char)).collect::<Vec<_>>().join(", "),
            endpoints.join(", "),
        );
        if let Some((octet, bastion_prefix)) = bastion {
            // By default the last /24 of the VPC, which the automatic layout leaves free.
            let octet = octet.unwrap_or_else(|| u8::try_from((1u32 << 24u32.saturating_sub(u32::from(prefix)).min(8)) - 1).unwrap_or(255));
            text += &format!("  bastion: {{cidr: 10.0.{octet}.0/{bastion_prefix}, allowSshFrom: [203.0.113.0/24]}}\n");
        }
        if public {
            text += "endpointAccess: {public: true, publicAccessCidrs: [198.51.100.0/24]}\n";
        }
        text += &format!("securityGroups:\n  profile: {profile}\n");
        let has_app = !ports.is_empty();
        if has_app {
            let list: Vec<String> = ports.iter().map(u32::to_string).collect();
            text += &format!("  app: {{servicePorts: [{}]}}\n  loadBalancer: {{listenerPorts: [443], from: [0.0.0.0/0]}}\n  database: {{port: 5432}}\n", list.join(", "));
        }
        text += "access: {admins: [{arn: 'arn:aws:iam::111122223333:role/admin'}]}\nnodeGroups:\n";
        for (i, (min, extra, managed, role)) in groups.iter().enumerate() {
            let kind = if *managed { "managed" } else { "selfManaged" };
            let role = if has_app { ["general", "addon", "app"][*role as usize] } else { ["general", "addon"][*role as usize % 2] };
            text += &format!("  - {{name: ng{i}, type: {kind}, role: {role}, minSize: {min}, maxSize: {}}}\n", min + extra);
        }
        let accepted = load_and_plan(text);
        GENERATED[0].fetch_add(usize::from(accepted), Ordering::Relaxed);
        GENERATED[1].fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn generated_specs_are_often_valid() {
    // The generator is only worth running if the planner sees many accepted specs.
    generated_specs();
    let (accepted, tried) = (GENERATED[0].load(Ordering::Relaxed), GENERATED[1].load(Ordering::Relaxed));
    eprintln!("{accepted} of {tried} generated specs were accepted and planned");
    assert!(accepted * 5 >= tried, "only {accepted} of {tried} generated specs were accepted");
}
