//! Snapshots of every rendered template and stack graph, for every example.

use eksharden_cli::exit::Exit;
use integration_tests::cli::{eksharden, examples, repo_root};

#[test]
fn rendered_templates_match_their_snapshots() {
    for example in examples() {
        let spec = repo_root().join("examples").join(format!("{example}.yaml"));
        let run = eksharden(&["render", "-q", "-f", spec.to_str().unwrap()]);
        assert_eq!(run.exit, Exit::Ok, "{}", run.stderr);
        let bundle: serde_json::Value = serde_json::from_str(&run.stdout).expect("render prints JSON");
        insta::assert_json_snapshot!(format!("{example}-stack-graph"), bundle["graph"]);
        for (stack, template) in bundle["templates"].as_object().expect("templates by stack") {
            insta::assert_json_snapshot!(format!("{example}-{stack}"), template);
        }
    }
}
