//! Errors of the AWS edge.

use std::error::Error;
use std::fmt;

/// A call to AWS that failed after its retries.
#[derive(Debug, thiserror::Error)]
pub struct AwsError {
    /// The operation, like `CloudFormation.CreateStack`.
    pub operation: &'static str,
    /// The service's error code, when it gave one (`ValidationError`).
    pub code: Option<String>,
    /// The error with its causes.
    pub message: String,
}

impl AwsError {
    /// Wraps an SDK error of `operation`.
    pub fn new<E>(
        operation: &'static str,
        error: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    ) -> Self
    where
        E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + Send + Sync + 'static,
    {
        let code = error.as_service_error().and_then(|e| e.code()).map(str::to_owned);
        let message = match error.as_service_error().and_then(|e| e.message()) {
            Some(message) => message.to_owned(),
            None => causes(&error),
        };
        Self { operation, code, message }
    }

    /// Whether no credentials could be found (no profile, environment or instance role).
    pub fn is_missing_credentials(&self) -> bool {
        self.message.contains("loading credentials") || self.message.contains("no credentials")
    }

    /// Whether the service said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        self.message.contains("does not exist")
            || self.message.contains("not found")
            || self.code.as_deref().is_some_and(|c| c.contains("NotFound") || c == "NoSuchEntity")
    }
}

/// An error and its causes, one after the other: `dispatch failure: io error: connection refused`.
fn causes(error: &(dyn Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.operation, self.message),
            None => write!(f, "{} failed: {}", self.operation, self.message),
        }
    }
}

/// A lookup's result with "it does not exist" as `None`.
pub fn absent_as_none<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Shorthand: `.map_err(aws_error("CloudFormation.CreateStack"))`.
pub fn aws_error<E>(
    operation: &'static str,
) -> impl FnOnce(aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>) -> AwsError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + Send + Sync + 'static,
{
    move |error| AwsError::new(operation, error)
}
