//! eksctl-style files of our own, one per kind of cluster eksctl users write, each saying on
//! its first line what `validate` must make of it: `# expect: valid`, or
//! `# expect: refused: <words of the error>` (a refusal from the README's list). A valid file
//! must also plan.

use eksharden_spec::{load, SourceFile};
use integration_tests::cli::repo_root;

#[test]
fn each_eksctl_file_validates_or_is_refused_as_it_says() {
    let dir = repo_root().join("integration-tests/tests/eksctl-files");
    let listed = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<_> = listed.map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expect = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("an expect line");
        let loaded = load(&SourceFile { name: name.clone(), text: text.clone() });
        match (expect.strip_prefix("refused: "), loaded) {
            (None, Ok(loaded)) => {
                assert_eq!(expect, "valid", "{name}");
                let plan = eksharden_plan::plan(&loaded.spec);
                assert!(plan.stacks.len() >= 4 + loaded.spec.node_groups.len(), "{name}");
            }
            (None, Err(rejected)) => panic!("{name} should validate: {:#?}", rejected.diagnostics),
            (Some(words), Ok(_)) => panic!("{name} should be refused: {words}"),
            (Some(words), Err(rejected)) => assert!(
                rejected.diagnostics.iter().any(|d| d.is_error() && d.message.contains(words)),
                "{name}: no error says {words:?}: {:#?}",
                rejected.diagnostics
            ),
        }
    }
}
