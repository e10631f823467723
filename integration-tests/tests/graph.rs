//! `eksharden graph -f FILE`: the picture of what a spec would make, with no AWS call, as DOT
//! that a DOT parser reads, as Mermaid and as SVG, each holding every group of the plan.

use eksharden_cli::exit::Exit;
use eksharden_spec::{load, SourceFile};
use integration_tests::cli::{eksharden, repo_root};

/// The logical ids of the groups `example`'s plan makes.
fn planned_groups(example: &str) -> Vec<&'static str> {
    let path = repo_root().join("examples").join(format!("{example}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let spec = load(&SourceFile { name: path.display().to_string(), text }).unwrap().spec;
    eksharden_plan::rules::groups(&spec).into_iter().map(|g| g.logical_id()).collect()
}

fn graph(example: &str, format: &str) -> String {
    let file = repo_root().join("examples").join(format!("{example}.yaml"));
    let run = eksharden(&["graph", "-f", file.to_str().unwrap(), "--format", format]);
    assert_eq!(run.exit, Exit::Ok, "{}", run.stderr);
    run.stdout
}

#[test]
fn the_picture_of_a_spec_holds_every_planned_group_in_each_format() {
    for example in ["full", "minimal", "custom-networking"] {
        let groups = planned_groups(example);
        let dot = graph(example, "dot");
        let parsed = layout::gv::DotParser::new(&dot).process();
        assert!(parsed.is_ok(), "{example}: the DOT does not parse: {parsed:?}\n{dot}");
        let mermaid = graph(example, "mermaid");
        assert!(mermaid.contains("flowchart LR"), "{mermaid}");
        let svg = graph(example, "svg");
        assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"), "{example}: not an SVG document");
        for group in groups {
            assert!(dot.contains(&format!("  {group} [label=")), "{example}: {group} is no node of the DOT");
            assert!(mermaid.contains(&format!("  {group}[\"")), "{example}: {group} is no node of the Mermaid");
            assert!(svg.contains(group), "{example}: {group} is not drawn in the SVG");
        }
        assert!(!dot.contains("color=red"), "{example}: the plan makes no rule a finding rests on");
    }
    insta::assert_snapshot!("full_dot", graph("full", "dot"));
}
