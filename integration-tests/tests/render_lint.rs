//! Every example renders into templates on which cfn-lint (pinned, installed by the harness)
//! reports no error and no warning.

use std::process::Command;

use eksharden_cli::exit::Exit;
use integration_tests::cli::{eksharden, examples, repo_root};
use integration_tests::python::PythonEnv;

#[test]
fn every_example_passes_cfn_lint() {
    let python = PythonEnv::ensure().expect("the Python tools install");
    let out = tempfile::tempdir().expect("a temporary directory");
    let mut templates = Vec::new();
    for example in examples() {
        let spec = repo_root().join("examples").join(format!("{example}.yaml"));
        let dir = out.path().join(&example);
        let run = eksharden(&["render", "-f", spec.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
        assert_eq!(run.exit, Exit::Ok, "render {example}: {}", run.stderr);
        let rendered: Vec<_> = std::fs::read_dir(dir.join("templates")).unwrap().map(|e| e.unwrap().path()).collect();
        assert!(rendered.len() >= 4, "{example}: expected at least four stacks, got {rendered:?}");
        templates.extend(rendered);
    }
    let lint = Command::new(python.bin("cfn-lint")).arg("--").args(&templates).output().expect("cfn-lint runs");
    assert!(
        lint.status.success(),
        "cfn-lint found problems (exit {}):\n{}{}",
        lint.status,
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

#[test]
fn cfn_lint_catches_a_broken_template() {
    // The lint test above means something only if cfn-lint flags real mistakes here.
    let python = PythonEnv::ensure().expect("the Python tools install");
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    let template = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"IpProtocol": "tcp", "FromPort": 22}}}}"#;
    std::fs::write(&broken, template).unwrap();
    let lint = Command::new(python.bin("cfn-lint")).arg(&broken).output().expect("cfn-lint runs");
    assert_eq!(lint.status.code().map(|c| c & 2), Some(2), "cfn-lint should report an error");
}
