//! The region comes from `--region`, the spec, or the SDK's own chain (the profile's
//! `region`, `AWS_DEFAULT_REGION`), never from a hard-coded default; and what depends on the
//! day (a version's support) follows `EKSHARDEN_TODAY`.

use std::process::Command;

use integration_tests::cli::{binary, TEST_AWS_ENVIRONMENT};
use integration_tests::moto::MotoOptions;

use super::{cluster_through_the_api, Target};

/// `eksharden ARGS` as a process with the tests' environment and `config` as the AWS config
/// file; returns the exit code and everything printed.
fn eksharden_with_config(
    target: &Target,
    config: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String) {
    let output = Command::new(binary())
        .args(args)
        .args(target.args())
        .arg("--no-progress")
        .env_clear()
        .envs(TEST_AWS_ENVIRONMENT)
        .env("AWS_CONFIG_FILE", config)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn a_profile_names_the_region_when_nothing_else_does() {
    let target = Target::emulator(&MotoOptions::default());
    cluster_through_the_api(&target.aws("ap-southeast-2"), "far-away", "10.44");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile prod]\nregion = ap-southeast-2\n").unwrap();

    let (code, text) = eksharden_with_config(&target, &config, &["verify", "far-away"], &[("AWS_PROFILE", "prod")]);
    assert!(code == 0 || code == 1, "{text}");
    assert!(text.contains("verify far-away (ap-southeast-2)"), "{text}");

    let (code, text) =
        eksharden_with_config(&target, &config, &["verify", "far-away"], &[("AWS_DEFAULT_REGION", "ap-southeast-2")]);
    assert!(code == 0 || code == 1, "{text}");

    let (code, text) = eksharden_with_config(&target, &config, &["verify", "far-away"], &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no AWS region was given or found"), "{text}");
    assert!(text.contains("hint: pass --region, set AWS_REGION, or set `region` in the AWS profile"), "{text}");
}

#[test]
fn harden_says_when_the_version_is_past_standard_support() {
    let target = Target::emulator(&MotoOptions::default());
    // The emulator makes clusters at 1.35, in standard support until 2027-03-27.
    cluster_through_the_api(&target.aws("eu-west-1"), "aging", "10.46");
    let harden = |today: &str| {
        let output = Command::new(binary())
            .args(["harden", "aging", "--region", "eu-west-1", "--only", "logging", "--no-progress"])
            .args(target.args())
            .envs(TEST_AWS_ENVIRONMENT)
            .env("EKSHARDEN_TODAY", today)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let later = harden("2027-06-01");
    assert!(later.contains("Kubernetes 1.35 is in extended support until 2028-03-27 (USD 0.60"), "{later}");
    assert!(later.contains("hint: eksharden does not upgrade clusters"), "{later}");
    let today = harden("2026-11-29");
    assert!(!today.contains("Kubernetes 1.35"), "nothing to say in standard support:\n{today}");
}
