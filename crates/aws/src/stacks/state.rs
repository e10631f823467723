//! Reading a stack's current state.

use std::collections::BTreeMap;

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// What CloudFormation says about an existing stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInfo {
    /// The stack id (an ARN), stable across a deletion.
    pub id: String,
    /// The status, like `CREATE_COMPLETE`.
    pub status: String,
    /// Outputs by key.
    pub outputs: BTreeMap<String, String>,
    /// Parameters by key.
    pub parameters: BTreeMap<String, String>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
    /// The service role CloudFormation assumes for it.
    pub role_arn: Option<String>,
}

impl StackInfo {
    /// Whether nothing is in progress: the stack can be acted on.
    pub fn is_settled(&self) -> bool {
        !self.status.ends_with("_IN_PROGRESS")
    }
}

/// The stack named `name` (or with that id), or `None` if there is none.
pub async fn describe(aws: &Aws, name: &str) -> Result<Option<StackInfo>, AwsError> {
    let response = match aws
        .cloudformation
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .map_err(aws_error("CloudFormation.DescribeStacks"))
    {
        Ok(response) => response,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error),
    };
    let Some(stack) = response.stacks().first() else { return Ok(None) };
    let status = stack.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
    if status == "DELETE_COMPLETE" {
        return Ok(None);
    }
    Ok(Some(StackInfo {
        id: stack.stack_id().unwrap_or(name).to_owned(),
        status,
        outputs: stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
            .collect(),
        parameters: stack
            .parameters()
            .iter()
            .filter_map(|p| Some((p.parameter_key()?.to_owned(), p.parameter_value()?.to_owned())))
            .collect(),
        termination_protection: stack.enable_termination_protection().unwrap_or(false),
        role_arn: stack.role_arn().map(str::to_owned),
    }))
}

/// The template a stack was deployed with, parsed; `Null` if it cannot be read as JSON.
pub async fn deployed_template(aws: &Aws, stack_id: &str) -> Result<serde_json::Value, AwsError> {
    let response = aws
        .cloudformation
        .get_template()
        .stack_name(stack_id)
        .send()
        .await
        .map_err(aws_error("CloudFormation.GetTemplate"))?;
    Ok(response.template_body().and_then(|body| serde_json::from_str(body).ok()).unwrap_or(serde_json::Value::Null))
}
