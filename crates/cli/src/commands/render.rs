//! `eksharden render`: the templates, stack graph and manifests of a spec, with no AWS call.

use std::path::Path;

use eksharden_plan::{plan, waves, Plan, StackKind};
use serde_json::{json, Value};

use super::load_checked;
use crate::args::RenderArgs;
use crate::exit::Exit;
use crate::output::Output;

/// Runs `render`.
pub fn run(args: &RenderArgs, out: &mut Output) -> Exit {
    let loaded = match load_checked(&args.file, out) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let plan = plan(&loaded.spec);
    let graph = match stack_graph(&plan) {
        Ok(graph) => graph,
        Err(message) => {
            out.error(&message);
            return Exit::Infrastructure;
        }
    };
    match &args.out {
        None => {
            let bundle = json!({
                "graph": graph,
                "templates": plan.stacks.iter().map(|s| (s.kind.short_name(), s.template.clone())).collect::<serde_json::Map<_, _>>(),
                "manifests": plan.manifests.iter().map(|m| (m.file_name.to_owned(), Value::String(m.content.to_owned()))).collect::<serde_json::Map<_, _>>(),
            });
            let _ = writeln!(out.stdout, "{}", serde_json::to_string_pretty(&bundle).expect("plain JSON"));
            Exit::Ok
        }
        Some(dir) => match write_files(dir, &plan, &graph) {
            Ok(files) => {
                out.note(&format!(
                    "wrote {files} files to {} ({} stacks, {} manifests)",
                    dir.display(),
                    plan.stacks.len(),
                    plan.manifests.len()
                ));
                Exit::Ok
            }
            Err(error) => {
                out.error(&format!("cannot write to {}: {error}", dir.display()));
                if error.kind() == std::io::ErrorKind::InvalidInput {
                    Exit::Input
                } else {
                    Exit::Infrastructure
                }
            }
        },
    }
}

/// The stack graph as JSON: each stack, what it needs, and the deployment waves.
fn stack_graph(plan: &Plan) -> Result<Value, String> {
    let waves = waves(&plan.stacks).map_err(|e| format!("internal error: the planned stacks are not a graph: {e}"))?;
    let stacks: Vec<Value> = plan
        .stacks
        .iter()
        .map(|stack| {
            json!({
                "name": stack.kind,
                "stackName": stack.stack_name,
                "template": format!("templates/{}.json", stack.kind.short_name()),
                "dependsOn": stack.dependencies(),
                "parameters": stack.parameters,
                "serviceRole": stack.service_role,
                "capabilities": if stack.named_iam { vec!["CAPABILITY_NAMED_IAM"] } else { vec![] },
            })
        })
        .collect();
    let waves: Vec<Vec<StackKind>> =
        waves.iter().map(|w| w.iter().map(|&i| plan.stacks[i].kind.clone()).collect()).collect();
    Ok(json!({ "cluster": plan.cluster, "region": plan.region, "stacks": stacks, "waves": waves }))
}

/// Writes the plan under `dir`: `templates/`, `manifests/` and `stack-graph.json`. Files of
/// an earlier render that this plan no longer has are removed; nothing is written through a
/// symbolic link, so a link planted in the folder cannot send a file elsewhere.
fn write_files(dir: &Path, plan: &Plan, graph: &Value) -> std::io::Result<usize> {
    let templates: Vec<(String, String)> =
        plan.stacks.iter().map(|s| (format!("{}.json", s.kind.short_name()), pretty(&s.template))).collect();
    let manifests: Vec<(String, String)> =
        plan.manifests.iter().map(|m| (m.file_name.to_owned(), m.content.to_owned())).collect();
    let folders = [("templates", &templates, "json"), ("manifests", &manifests, "yaml")];
    let mut files = vec![(dir.join("stack-graph.json"), pretty(graph))];
    for (folder, contents, _) in &folders {
        let folder = dir.join(folder);
        refuse_link(&folder)?;
        std::fs::create_dir_all(&folder)?;
        files.extend(contents.iter().map(|(name, text)| (folder.join(name), text.clone())));
    }
    for (path, _) in &files {
        refuse_link(path)?;
    }
    for (folder, contents, extension) in folders {
        remove_stale(&dir.join(folder), extension, &contents.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())?;
    }
    for (path, text) in &files {
        std::fs::write(path, text)?;
    }
    Ok(files.len())
}

/// An error when `path` is a symbolic link.
fn refuse_link(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is a symbolic link; render writes only real files inside the folder", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Removes the `*.extension` files of `folder` that are not in `keep`: what an earlier render
/// of another spec left. Other files are the user's and stay.
fn remove_stale(folder: &Path, extension: &str, keep: &[&str]) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = Path::new(name.as_ref()).extension().is_some_and(|e| e == extension);
        if ours && !keep.contains(&name.as_ref()) && !entry.file_type()?.is_dir() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("plain JSON") + "\n"
}
