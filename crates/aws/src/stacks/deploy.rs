//! Deploying the stacks of a plan in dependency order.
//!
//! A stack starts as soon as every stack it needs outputs from is done (the graph's critical
//! path, not fixed waves); independent stacks run at the same time. A stack that exists and
//! matches the plan is left alone; one that differs is updated through a change set; one in
//! ROLLBACK_COMPLETE is deleted and created again. When a stack fails, the stacks that need
//! it are not started, and the ones already running finish.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, OnFailure, Parameter, Tag};
use eksharden_plan::{Plan, Stack, StackKind};
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::state::{deployed_template, describe, StackInfo};
use super::wait::{Polling, Watcher};
use super::{Outputs, StackFailure};
use crate::client::Aws;
use crate::error::{aws_error, AwsError};
use crate::progress::{Progress, StackAction};

/// How to deploy.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// How often to look at stacks in progress.
    pub polling: Polling,
    /// Tags put on every stack (the cluster tag).
    pub tags: Vec<(String, String)>,
}

/// How one stack ended.
#[derive(Debug)]
pub enum StackOutcome {
    /// It is in the planned state.
    Done {
        /// What was done.
        action: StackAction,
        /// Its final status.
        status: String,
    },
    /// CloudFormation could not bring it to the planned state.
    Failed(StackFailure),
    /// A call to AWS failed.
    Error(AwsError),
    /// Not started, because a stack it needs did not complete.
    Skipped {
        /// The stack it needed.
        needed: String,
    },
}

/// The result of a deployment.
#[derive(Debug, Default)]
pub struct DeployReport {
    /// Each stack's outcome, in the order they ended.
    pub outcomes: Vec<(String, StackOutcome)>,
    /// The outputs of the stacks that are done.
    pub outputs: Outputs,
}

impl DeployReport {
    /// Whether every stack is in its planned state.
    pub fn is_complete(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| matches!(o, StackOutcome::Done { .. }))
    }
}

enum Phase {
    Pending,
    Running,
    Done,
    NotDone,
}

/// Deploys every stack of `plan` (generic over the progress, so that a `Sync` one makes a
/// future that can move between threads).
pub async fn deploy<P: Progress + ?Sized>(
    aws: &Aws,
    plan: &Plan,
    progress: &P,
    options: &DeployOptions,
) -> DeployReport {
    let mut report = DeployReport::default();
    let mut phase: HashMap<StackKind, Phase> = plan.stacks.iter().map(|s| (s.kind.clone(), Phase::Pending)).collect();
    let mut running = FuturesUnordered::new();
    loop {
        for stack in &plan.stacks {
            if !matches!(phase[&stack.kind], Phase::Pending) {
                continue;
            }
            let dependencies = stack.dependencies();
            if let Some(failed) = dependencies.iter().find(|d| matches!(phase.get(d), Some(Phase::NotDone))) {
                phase.insert(stack.kind.clone(), Phase::NotDone);
                progress.finished(
                    &stack.kind.short_name(),
                    StackAction::Skip,
                    &format!("needs {failed}, which did not complete"),
                    false,
                );
                report.outcomes.push((stack.kind.short_name(), StackOutcome::Skipped { needed: failed.short_name() }));
                continue;
            }
            if dependencies.iter().all(|d| matches!(phase.get(d), Some(Phase::Done))) {
                phase.insert(stack.kind.clone(), Phase::Running);
                let inputs = resolve_inputs(stack, &report.outputs);
                running.push(
                    async move { (stack.kind.clone(), deploy_stack(aws, stack, inputs, progress, options).await) },
                );
            }
        }
        let Some((kind, result)) = running.next().await else { break };
        let short = kind.short_name();
        match result {
            Ok((action, info)) => {
                phase.insert(kind, Phase::Done);
                report.outputs.insert(short.clone(), info.outputs);
                report.outcomes.push((short, StackOutcome::Done { action, status: info.status }));
            }
            Err(error) => {
                phase.insert(kind, Phase::NotDone);
                let outcome = match error {
                    StackError::Failed(failure) => StackOutcome::Failed(failure),
                    StackError::Aws(error) => StackOutcome::Error(error),
                };
                report.outcomes.push((short, outcome));
            }
        }
    }
    report
}

/// A stack's parameters and service role, from the outputs of the stacks it needs.
pub(super) struct Inputs {
    pub parameters: BTreeMap<String, String>,
    pub role_arn: Option<String>,
}

pub(super) fn resolve_inputs(stack: &Stack, outputs: &Outputs) -> Inputs {
    let value = |stack: &StackKind, output: &str| {
        outputs.get(&stack.short_name()).and_then(|o| o.get(output)).cloned().unwrap_or_default()
    };
    Inputs {
        parameters: stack
            .parameters
            .iter()
            .map(|p| (p.parameter.clone(), value(&p.from.stack, &p.from.output)))
            .collect(),
        role_arn: stack.service_role.as_ref().map(|r| value(&r.stack, &r.output)),
    }
}

enum StackError {
    Failed(StackFailure),
    Aws(AwsError),
}

impl From<AwsError> for StackError {
    fn from(error: AwsError) -> Self {
        Self::Aws(error)
    }
}

/// CloudFormation's error code for a stack name already taken.
const ALREADY_EXISTS: &str = "AlreadyExistsException";

/// How many times one stack's deployment joins another run's work before giving up.
const MAX_JOINS: u32 = 5;

/// Whether `error` came from racing another operation on the stack: CloudFormation answers
/// `ValidationError` and the stack is now in progress.
async fn is_busy(aws: &Aws, stack: &str, error: &AwsError) -> bool {
    error.code.as_deref() == Some("ValidationError")
        && describe(aws, stack).await.ok().flatten().is_some_and(|info| !info.is_settled())
}

/// Statuses from which a stack can be updated.
const UPDATABLE: [&str; 5] =
    ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"];

async fn deploy_stack<P: Progress + ?Sized>(
    aws: &Aws,
    stack: &Stack,
    inputs: Inputs,
    progress: &P,
    options: &DeployOptions,
) -> Result<(StackAction, StackInfo), StackError> {
    let short = stack.kind.short_name();
    let mut watcher = Watcher::new(aws, progress, &short, options.polling);
    let mut replacing = false;
    let mut action = StackAction::Create;
    let mut joins = 0;
    let result = loop {
        let Some(info) = describe(aws, &stack.stack_name).await? else {
            action = if replacing { StackAction::Replace } else { StackAction::Create };
            progress.started(&short, action);
            match create(aws, stack, &inputs, options, &mut watcher).await {
                // Another run created it between our look and our call: join its progress.
                Err(StackError::Aws(error)) if error.code.as_deref() == Some(ALREADY_EXISTS) && joins < MAX_JOINS => {
                    joins += 1;
                    continue;
                }
                created => break created.map(|info| (action, info)),
            }
        };
        if !info.is_settled() {
            // An earlier, interrupted run (or someone else) is working on it: let it finish.
            watcher.wait(&info.id).await?;
            continue;
        }
        if info.status == "ROLLBACK_COMPLETE" {
            action = StackAction::Replace;
            progress.started(&short, action);
            remove(aws, &info, &mut watcher).await?;
            replacing = true;
            continue;
        }
        if !UPDATABLE.contains(&info.status.as_str()) {
            break Err(StackError::Failed(watcher.failure(&info.id, &info.status).await));
        }
        if !info.termination_protection {
            set_termination_protection(aws, &stack.stack_name, true).await?;
        }
        if is_unchanged(aws, stack, &inputs, &info).await? {
            progress.started(&short, StackAction::Unchanged);
            break Ok((StackAction::Unchanged, info));
        }
        action = StackAction::Update;
        progress.started(&short, action);
        match update(aws, stack, &inputs, &info, &mut watcher).await {
            // Another run started an operation on it since our look: wait for it, look again.
            Err(StackError::Aws(error)) if joins < MAX_JOINS && is_busy(aws, &stack.stack_name, &error).await => {
                joins += 1;
                continue;
            }
            updated => break updated,
        }
    };
    match &result {
        Ok((done, info)) => progress.finished(&short, *done, &info.status, true),
        Err(StackError::Failed(failure)) => progress.finished(&short, action, &failure.status, false),
        Err(StackError::Aws(error)) => progress.finished(&short, action, &error.to_string(), false),
    }
    result
}

fn parameters(inputs: &Inputs) -> Vec<Parameter> {
    inputs.parameters.iter().map(|(k, v)| Parameter::builder().parameter_key(k).parameter_value(v).build()).collect()
}

fn capabilities(stack: &Stack) -> Vec<Capability> {
    if stack.named_iam {
        vec![Capability::CapabilityNamedIam]
    } else {
        Vec::new()
    }
}

async fn create<P: Progress + ?Sized>(
    aws: &Aws,
    stack: &Stack,
    inputs: &Inputs,
    options: &DeployOptions,
    watcher: &mut Watcher<'_, P>,
) -> Result<StackInfo, StackError> {
    let tags: Vec<Tag> = options.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    let response = aws
        .cloudformation
        .create_stack()
        .stack_name(&stack.stack_name)
        .template_body(stack.template.to_string())
        .set_parameters(Some(parameters(inputs)))
        .set_capabilities(Some(capabilities(stack)))
        .set_role_arn(inputs.role_arn.clone())
        .set_tags(Some(tags))
        .enable_termination_protection(true)
        .on_failure(OnFailure::Rollback)
        .send()
        .await
        .map_err(aws_error("CloudFormation.CreateStack"))?;
    let id = response.stack_id().unwrap_or(&stack.stack_name).to_owned();
    settle(watcher, &id, "CREATE_COMPLETE").await
}

/// Waits for the stack and checks it reached `wanted`.
async fn settle<P: Progress + ?Sized>(
    watcher: &mut Watcher<'_, P>,
    id: &str,
    wanted: &str,
) -> Result<StackInfo, StackError> {
    match watcher.wait(id).await? {
        Some(info) if info.status == wanted => Ok(info),
        Some(info) => Err(StackError::Failed(watcher.failure(id, &info.status).await)),
        None => Err(StackError::Failed(watcher.failure(id, "DELETE_COMPLETE").await)),
    }
}

/// Deletes a stack (to create it again), lifting termination protection first.
async fn remove<P: Progress + ?Sized>(
    aws: &Aws,
    info: &StackInfo,
    watcher: &mut Watcher<'_, P>,
) -> Result<(), StackError> {
    if info.termination_protection {
        set_termination_protection(aws, &info.id, false).await?;
    }
    watcher.skip_past_events(&info.id).await?;
    aws.cloudformation
        .delete_stack()
        .stack_name(&info.id)
        .send()
        .await
        .map_err(aws_error("CloudFormation.DeleteStack"))?;
    match watcher.wait(&info.id).await? {
        None => Ok(()),
        Some(left) => Err(StackError::Failed(watcher.failure(&info.id, &left.status).await)),
    }
}

/// Turns termination protection on or off.
pub(super) async fn set_termination_protection(aws: &Aws, stack: &str, on: bool) -> Result<(), AwsError> {
    aws.cloudformation
        .update_termination_protection()
        .stack_name(stack)
        .enable_termination_protection(on)
        .send()
        .await
        .map(|_| ())
        .map_err(aws_error("CloudFormation.UpdateTerminationProtection"))
}

/// Whether the stack already has the planned template, parameters and service role.
async fn is_unchanged(aws: &Aws, stack: &Stack, inputs: &Inputs, info: &StackInfo) -> Result<bool, AwsError> {
    // Parameters the plan does not bind keep their template defaults, which the template
    // comparison covers.
    let bound_unchanged = inputs.parameters.iter().all(|(k, v)| info.parameters.get(k) == Some(v));
    if !bound_unchanged || info.role_arn != inputs.role_arn {
        return Ok(false);
    }
    Ok(deployed_template(aws, &info.id).await? == stack.template)
}

async fn update<P: Progress + ?Sized>(
    aws: &Aws,
    stack: &Stack,
    inputs: &Inputs,
    info: &StackInfo,
    watcher: &mut Watcher<'_, P>,
) -> Result<(StackAction, StackInfo), StackError> {
    let name = format!(
        "eksharden-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default()
    );
    aws.cloudformation
        .create_change_set()
        .stack_name(&stack.stack_name)
        .change_set_name(&name)
        .change_set_type(ChangeSetType::Update)
        .template_body(stack.template.to_string())
        .set_parameters(Some(parameters(inputs)))
        .set_capabilities(Some(capabilities(stack)))
        .set_role_arn(inputs.role_arn.clone())
        .send()
        .await
        .map_err(aws_error("CloudFormation.CreateChangeSet"))?;
    let started = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(watcher.polling.delay(started.elapsed())).await;
        let described = aws
            .cloudformation
            .describe_change_set()
            .stack_name(&info.id)
            .change_set_name(&name)
            .send()
            .await
            .map_err(aws_error("CloudFormation.DescribeChangeSet"))?;
        match described.status() {
            Some(ChangeSetStatus::CreateComplete) => break,
            Some(ChangeSetStatus::Failed) => {
                let reason = described.status_reason().unwrap_or_default();
                let _ = aws
                    .cloudformation
                    .delete_change_set()
                    .stack_name(&stack.stack_name)
                    .change_set_name(&name)
                    .send()
                    .await;
                if reason.contains("didn't contain changes") || reason.contains("No updates") {
                    return Ok((StackAction::Unchanged, info.clone()));
                }
                return Err(StackError::Failed(StackFailure {
                    stack: stack.kind.short_name(),
                    status: "CHANGE_SET_FAILED".into(),
                    resource: None,
                    advice: format!("the change set could not be created: {reason}"),
                }));
            }
            _ => {}
        }
    }
    watcher.skip_past_events(&info.id).await?;
    aws.cloudformation
        .execute_change_set()
        .stack_name(&info.id)
        .change_set_name(&name)
        .send()
        .await
        .map_err(aws_error("CloudFormation.ExecuteChangeSet"))?;
    settle(watcher, &info.id, "UPDATE_COMPLETE").await.map(|info| (StackAction::Update, info))
}
