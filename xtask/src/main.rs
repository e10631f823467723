//! `cargo xtask`: project automation.
//!
//! - `setup`: install the pinned Python tools the tests use (cfn-lint) into their virtual
//!   environment under the target directory.
//! - `test`: `setup`, then every test of the workspace. This is the README's test command.
//! - `demo`: the main job on this machine: validate and render `examples/full.yaml`, lint
//!   the templates with cfn-lint, and print the stack graph.
//! - `schema [--check]`: write `schema/eksharden.schema.json`, or check it is current.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use integration_tests::python::PythonEnv;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup().map(|_| ()),
        Some("test") => test(&args[1..]),
        Some("demo") => demo(),
        Some("schema") => schema(args.get(1).is_some_and(|a| a == "--check")),
        _ => Err("usage: cargo xtask <setup | test [CARGO TEST ARGS] | demo | schema [--check]>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn setup() -> Result<PythonEnv, String> {
    eprintln!("xtask: installing the pinned Python tools (first run only)");
    PythonEnv::ensure()
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn test(extra: &[String]) -> Result<(), String> {
    setup()?;
    run(cargo().args(["test", "--workspace"]).args(extra))
}

fn demo() -> Result<(), String> {
    let python = setup()?;
    let out = root().join("target").join("demo");
    let spec = root().join("examples").join("full.yaml");
    run(cargo().args(["build", "--quiet", "-p", "eksharden-cli"]))?;
    let eksharden = |args: &[&str]| {
        let mut command = cargo();
        command.args(["run", "--quiet", "-p", "eksharden-cli", "--"]).args(args);
        command
    };
    let spec = spec.to_str().ok_or("the repository path is not UTF-8")?;
    run(&mut eksharden(&["validate", "-f", spec]))?;
    run(&mut eksharden(&["render", "-f", spec, "--out", out.to_str().ok_or("the target path is not UTF-8")?]))?;
    let templates: Vec<PathBuf> = std::fs::read_dir(out.join("templates"))
        .map_err(|e| format!("cannot list the templates: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    run(Command::new(python.bin("cfn-lint")).arg("--").args(&templates))?;
    eprintln!("xtask: cfn-lint found no problem in {} templates", templates.len());
    let graph = std::fs::read_to_string(out.join("stack-graph.json"))
        .map_err(|e| format!("cannot read the stack graph: {e}"))?;
    let graph: serde_json::Value =
        serde_json::from_str(&graph).map_err(|e| format!("the stack graph is not JSON: {e}"))?;
    for (i, wave) in graph["waves"].as_array().into_iter().flatten().enumerate() {
        let names: Vec<&str> = wave.as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
        println!("wave {}: {}", i + 1, names.join(", "));
    }
    println!("templates, stack graph and manifests are in {}", out.display());
    Ok(())
}

fn schema(check: bool) -> Result<(), String> {
    let path = root().join("schema").join("eksharden.schema.json");
    let current = serde_json::to_string_pretty(&eksharden_spec::json_schema()).expect("plain JSON") + "\n";
    if check {
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        return if written == current {
            Ok(())
        } else {
            Err(format!("{} is stale: run `cargo xtask schema`", path.display()))
        };
    }
    std::fs::create_dir_all(path.parent().expect("a folder")).map_err(|e| e.to_string())?;
    std::fs::write(&path, current).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
