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
                Exit::Infrastructure
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

fn write_files(dir: &Path, plan: &Plan, graph: &Value) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir.join("templates"))?;
    std::fs::create_dir_all(dir.join("manifests"))?;
    for stack in &plan.stacks {
        let path = dir.join("templates").join(format!("{}.json", stack.kind.short_name()));
        std::fs::write(path, pretty(&stack.template))?;
    }
    for manifest in &plan.manifests {
        std::fs::write(dir.join("manifests").join(manifest.file_name), manifest.content)?;
    }
    std::fs::write(dir.join("stack-graph.json"), pretty(graph))?;
    Ok(plan.stacks.len() + plan.manifests.len() + 1)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).expect("plain JSON") + "\n"
}
