//! Checks on the repository itself that cost nothing to run.

use integration_tests::cli::repo_root;

#[test]
fn the_checked_in_schema_is_current() {
    let written = std::fs::read_to_string(repo_root().join("schema/eksharden.schema.json")).unwrap_or_default();
    let current = serde_json::to_string_pretty(&eksharden_spec::json_schema()).unwrap() + "\n";
    assert!(written == current, "schema/eksharden.schema.json is stale: run `cargo xtask schema`");
}

#[test]
fn the_schema_command_prints_the_same_schema() {
    let run = integration_tests::cli::eksharden(&["schema"]);
    let printed: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(printed, eksharden_spec::json_schema());
    assert_eq!(printed["title"], "eksharden Cluster");
    assert!(printed["properties"]["vpc"].is_object());
}

#[test]
fn every_example_names_itself_in_its_header_comment() {
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('#'), "{} should open with a comment saying what it shows", path.display());
    }
}

/// Every file a reader of the repository, or a user of its output, meets: sources, manifests,
/// examples, the emulator plugin and the documents.
fn readable_files() -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| ["rs", "yaml", "md", "py", "snap", "json"].contains(&e.to_str().unwrap()))
            {
                out.push(path);
            }
        }
    }
    let root = repo_root();
    let mut files = Vec::new();
    for dir in [
        "crates",
        "xtask",
        "integration-tests/src",
        "integration-tests/tests",
        "integration-tests/moto",
        "manifests",
        "examples",
        "schema",
        "docs",
    ] {
        walk(&root.join(dir), &mut files);
    }
    files.extend(["README.md", "ARCHITECTURE.md"].map(|f| root.join(f)));
    files
}

/// The ids `docs/sources.md` lists: the first cell of each row of its table.
fn source_ids() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("docs/sources.md")).unwrap();
    text.lines()
        .filter_map(|line| line.strip_prefix("| "))
        .filter_map(|row| row.split(" |").next())
        .filter(|id| *id != "id" && !id.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_cited_source_is_listed_and_no_text_cites_a_document_readers_do_not_have() {
    let ids = source_ids();
    assert!(ids.len() >= 5, "{ids:?}");
    // A citation is an id of these families: AWS-…, EKS-…, STACKROX-…, EKSHARDEN-….
    let cited = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))
            .map(|word| word.trim_end_matches('-'))
            .filter(|word| ["AWS-", "EKS-", "STACKROX-", "EKSHARDEN-"].iter().any(|p| word.starts_with(p)))
            .map(str::to_owned)
            .collect()
    };
    let mut unknown = Vec::new();
    let mut internal = Vec::new();
    let mut citations = 0;
    for path in readable_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for id in cited(&text) {
            citations += 1;
            if !ids.contains(&id) {
                unknown.push(format!("{}: {id}", path.display()));
            }
        }
        // This file names the patterns it looks for.
        let this_test = path.ends_with("tests/tidy.rs");
        for (n, line) in text.lines().enumerate().filter(|_| !this_test) {
            let lower = line.to_lowercase();
            let names_seed = ["seed 0", "seeds 0", "seed-0", "seeds/"].iter().any(|s| lower.contains(s));
            if names_seed || line.contains("DESIGN") {
                internal.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(citations > 100, "only {citations} citations found: the check would prove little");
    assert!(unknown.is_empty(), "cited ids missing from docs/sources.md:\n{}", unknown.join("\n"));
    assert!(internal.is_empty(), "text citing a document that is not in the repository:\n{}", internal.join("\n"));
}

/// Every citation the report prints (each flow requirement's and posture check's) opens with
/// an id of `docs/sources.md`: a check that cites a source in words is caught here.
#[test]
fn every_check_of_the_report_cites_a_listed_source() {
    use eksharden_net::policy::{requirements, PolicyInput};
    use eksharden_net::topology::{Members, NodePurpose, Role, RoleKind, Topology};
    let ids = source_ids();
    let kinds = [
        RoleKind::ControlPlane,
        RoleKind::NodeGroup { purpose: Some(NodePurpose::App) },
        RoleKind::Bastion,
        RoleKind::LoadBalancer,
        RoleKind::Database,
        RoleKind::Cache,
        RoleKind::OtherHost,
        RoleKind::Internet,
        RoleKind::ListedNetworks,
        RoleKind::PublicApi,
    ];
    let roles = kinds.map(|kind| Role { kind, name: String::new(), members: Members::Enis(Vec::new()) });
    let topology = Topology { roles: roles.to_vec(), family: Default::default() };
    // The fullest example (recommended profile, load balancer, database, cache, bastion) and
    // a cluster known only from AWS, between them every requirement the policy has.
    let text = std::fs::read_to_string(repo_root().join("examples/full.yaml")).unwrap();
    let full = eksharden_spec::load(&eksharden_spec::SourceFile { name: "full.yaml".into(), text }).unwrap().spec;
    let spec_like = eksharden_cli::commands::verify::policy_input(&full);
    let mut citations: Vec<&str> = [spec_like, PolicyInput::discovered(&eksharden_spec::model::GUARDED_PORTS)]
        .iter()
        .flat_map(|input| requirements(&topology, input))
        .map(|r| r.citation)
        .collect();
    let facts = eksharden_net::posture::ClusterFacts::default();
    let discovered = PolicyInput::discovered(&eksharden_spec::model::GUARDED_PORTS);
    let posture = eksharden_net::posture::check(&facts, &eksharden_net::Model::default(), &discovered);
    citations.extend(posture.iter().map(|p| p.citation));
    assert!(citations.len() > 30, "{citations:?}");
    for citation in citations {
        let id = citation.split([':', ';', ',', ' ']).next().unwrap();
        assert!(ids.iter().any(|listed| listed == id), "{citation:?} does not open with an id of docs/sources.md");
    }
}
