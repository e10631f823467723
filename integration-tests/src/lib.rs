//! Test harnesses of eksharden: the pinned Python tools (cfn-lint) in a virtual environment
//! the harness installs itself, and helpers to run the CLI in-process.
//!
//! Nothing here reaches the internet at test time except the package index, once, to
//! install the pinned tools.

pub mod cli;
pub mod python;
