//! The emulator's own tests: pytest over `moto/tests`, one test per gap the package
//! `moto/eksharden_moto` records (each against a server of its own, through boto3), and the
//! checks of the record itself (every gap has its test; the README lists them as generated).

use std::process::Command;

use integration_tests::python::PythonEnv;

#[test]
fn every_gap_the_emulator_closes_is_shown_closed_by_its_test() {
    let python = PythonEnv::ensure().expect("the Python tools install");
    let package = integration_tests::cli::crate_dir().join("moto");
    let output = Command::new(python.bin("python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .current_dir(&package)
        .env("PYTHONPATH", &package)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Only the emulator: no profile or credentials of the machine reach boto3.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("pytest runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "pytest over the emulator failed:\n{said}");
    assert!(said.contains(" passed") && !said.contains("skipped"), "pytest ran no test, or skipped some:\n{said}");
}
