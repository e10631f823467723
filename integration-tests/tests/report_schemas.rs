//! The schema checks of the CI formats can fail: a document that breaks each schema is
//! refused, saying where. (`e2e verify` checks eksharden's own reports against them.)

use integration_tests::schemas::{violations, Schema};

#[test]
fn the_sarif_schema_refuses_what_sarif_2_1_0_does_not_allow() {
    let valid = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "eksharden"}}, "results": []}]}"#;
    assert_eq!(violations(Schema::Sarif, valid), Vec::<String>::new());
    let wrong_level = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}"#;
    let said = violations(Schema::Sarif, wrong_level);
    assert!(said.iter().any(|v| v.starts_with("runs/0/results/0/level")), "{said:?}");
    assert!(!violations(Schema::Sarif, r#"{"version": "2.0.0", "runs": []}"#).is_empty());
}

#[test]
fn the_junit_schema_refuses_what_the_format_does_not_know() {
    let valid = r#"<testsuites><testsuite name="flows" tests="1" failures="1"><testcase name="a" classname="flows.a"><failure message="m">why</failure></testcase></testsuite></testsuites>"#;
    assert_eq!(violations(Schema::Junit, valid), Vec::<String>::new());
    let nameless =
        r#"<testsuites><testsuite name="flows" tests="1"><testcase classname="flows.a"/></testsuite></testsuites>"#;
    assert!(!violations(Schema::Junit, nameless).is_empty());
    let unknown = r#"<testsuites><testsuite name="flows" tests="1"><testcase name="a"><passed/></testcase></testsuite></testsuites>"#;
    assert!(!violations(Schema::Junit, unknown).is_empty());
    let negative = r#"<testsuites><testsuite name="flows" tests="-1"/></testsuites>"#;
    assert!(!violations(Schema::Junit, negative).is_empty());
}
