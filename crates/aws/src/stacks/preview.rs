//! What `create` would do to each stack, found with read-only calls (DescribeStacks,
//! GetTemplate): the dry run writes nothing, not even a change set.

use std::collections::BTreeSet;

use eksharden_plan::Plan;
use serde_json::Value;

use super::deploy::resolve_inputs;
use super::state::{deployed_template, describe};
use super::Outputs;
use crate::client::Aws;
use crate::error::AwsError;

/// What would happen to one stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preview {
    /// It does not exist and would be created.
    Create,
    /// It exists and matches the plan.
    Unchanged,
    /// It exists and differs: these resources and parameters would change.
    Update {
        /// Logical ids of resources the plan adds.
        added: Vec<String>,
        /// Logical ids of resources the plan removes.
        removed: Vec<String>,
        /// Logical ids of resources whose properties differ.
        modified: Vec<String>,
        /// Parameters whose values differ.
        parameters: Vec<String>,
    },
    /// It is in ROLLBACK_COMPLETE and would be deleted and created again.
    Replace,
    /// It is in a state `create` cannot act on.
    Blocked {
        /// Its status.
        status: String,
    },
}

/// Previews every stack of `plan`.
pub async fn preview(aws: &Aws, plan: &Plan) -> Result<Vec<(String, Preview)>, AwsError> {
    let mut outputs = Outputs::new();
    let mut previews = Vec::new();
    for stack in &plan.stacks {
        let short = stack.kind.short_name();
        let preview = match describe(aws, &stack.stack_name).await? {
            None => Preview::Create,
            Some(info) if info.status == "ROLLBACK_COMPLETE" => Preview::Replace,
            Some(info) if info.status.ends_with("_FAILED") || !info.is_settled() => {
                Preview::Blocked { status: info.status }
            }
            Some(info) => {
                let inputs = resolve_inputs(stack, &outputs);
                let current = deployed_template(aws, &info.id).await?;
                let parameters: Vec<String> = inputs
                    .parameters
                    .iter()
                    .filter(|(k, v)| info.parameters.get(*k) != Some(*v))
                    .map(|(k, _)| k.clone())
                    .collect();
                outputs.insert(short.clone(), info.outputs);
                diff_resources(&current, &stack.template, parameters)
            }
        };
        previews.push((short, preview));
    }
    Ok(previews)
}

fn diff_resources(current: &Value, planned: &Value, parameters: Vec<String>) -> Preview {
    let resources = |t: &Value| t.get("Resources").and_then(Value::as_object).cloned().unwrap_or_default();
    let (old, new) = (resources(current), resources(planned));
    let old_ids: BTreeSet<&String> = old.keys().collect();
    let new_ids: BTreeSet<&String> = new.keys().collect();
    let added: Vec<String> = new_ids.difference(&old_ids).map(|s| (*s).clone()).collect();
    let removed: Vec<String> = old_ids.difference(&new_ids).map(|s| (*s).clone()).collect();
    let modified: Vec<String> =
        new_ids.intersection(&old_ids).filter(|id| old[**id] != new[**id]).map(|s| (*s).clone()).collect();
    let rest_differs =
        current.get("Outputs") != planned.get("Outputs") || current.get("Parameters") != planned.get("Parameters");
    if added.is_empty() && removed.is_empty() && modified.is_empty() && parameters.is_empty() && !rest_differs {
        Preview::Unchanged
    } else {
        Preview::Update { added, removed, modified, parameters }
    }
}
