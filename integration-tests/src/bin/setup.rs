//! `cargo xtask setup`: installs the pinned Python tools the tests use (the moto emulator and
//! cfn-lint) into their virtual environment under the target directory, and the headless
//! Chromium the report's browser test drives (the Debian package, when it is missing).

use std::process::ExitCode;

fn main() -> ExitCode {
    let done =
        integration_tests::python::PythonEnv::ensure().map(|_| ()).and_then(|()| integration_tests::browser::ensure());
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("setup: {message}");
            ExitCode::FAILURE
        }
    }
}
