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
