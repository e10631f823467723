//! `cargo xtask setup`: installs the pinned Python tools the tests use (the moto emulator and
//! cfn-lint) into their virtual environment under the target directory.

use std::process::ExitCode;

fn main() -> ExitCode {
    match integration_tests::python::PythonEnv::ensure() {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("setup: {message}");
            ExitCode::FAILURE
        }
    }
}
