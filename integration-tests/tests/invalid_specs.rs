//! Every file in `invalid-specs/` is rejected by `eksharden validate` with exit code 2 and
//! messages that name the file, line, column and problem. The messages are snapshotted.

use eksharden_cli::exit::Exit;
use integration_tests::cli::eksharden;

#[test]
fn invalid_specs_are_rejected_with_located_messages() {
    insta::glob!("invalid-specs/*.yaml", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        // A path relative to the package, as a user would type it, keeps snapshots portable.
        let relative = format!("tests/invalid-specs/{name}");
        let run = eksharden(&["validate", "-f", &relative]);
        assert_eq!(run.exit, Exit::Input, "{name}: expected exit code 2\n{}", run.stderr);
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.contains(": error: ")).collect();
        assert!(!errors.is_empty(), "{name}: no error message:\n{}", run.stderr);
        for line in &errors {
            let located = line
                .strip_prefix(&format!("{relative}:"))
                .and_then(|rest| rest.split_once(": error: "))
                .and_then(|(position, _)| position.split_once(':'))
                .is_some_and(|(l, c)| {
                    l.parse::<usize>().is_ok_and(|l| l >= 1) && c.parse::<usize>().is_ok_and(|c| c >= 1)
                });
            assert!(located, "{name}: the message does not name file, line and column: {line}");
        }
        assert!(run.stdout.is_empty(), "{name}: validate printed data on stdout: {}", run.stdout);
        insta::assert_snapshot!(run.stderr);
    });
}

#[test]
fn there_are_at_least_forty_invalid_specs() {
    let dir = integration_tests::cli::crate_dir().join("tests/invalid-specs");
    let count = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"))
        .count();
    assert!(count >= 40, "only {count} invalid specs");
}

#[test]
fn json_output_carries_the_same_locations() {
    let run = eksharden(&["validate", "--output", "json", "-f", "tests/invalid-specs/cidr-prefix-33.yaml"]);
    assert_eq!(run.exit, Exit::Input);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(report["valid"], false);
    let first = &report["diagnostics"][0];
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(7), Some(9)));
    assert_eq!(first["path"], "vpc.cidr");
    assert!(first["message"].as_str().unwrap().contains("prefix length"), "{first}");
}
