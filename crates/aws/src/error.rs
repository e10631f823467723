//! Errors of the AWS edge.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// What kind of failure a call met, told by the SDK's error types, not by its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The service answered with an error (its code is in [`AwsError::code`]).
    Service,
    /// No credentials could be found (no profile, environment or instance role).
    MissingCredentials,
    /// The call timed out (after its retries).
    Timeout,
    /// The request could not be sent or its answer not read (a refused connection, DNS).
    Network,
    /// The answer could not be understood, or the request not built.
    Malformed,
    /// Found wanting by eksharden itself: an answer that lacks what it needs, a wait that
    /// ended in a failed state.
    Local,
}

/// A call to AWS that failed after its retries.
#[derive(Debug, Clone, thiserror::Error)]
pub struct AwsError {
    /// What kind of failure it was.
    pub kind: ErrorKind,
    /// The operation, like `CloudFormation.CreateStack`.
    pub operation: &'static str,
    /// The service's error code, when it gave one (`ValidationError`).
    pub code: Option<String>,
    /// The error with its causes.
    pub message: String,
    /// The SDK's error it was made from, with its chain of causes (none for eksharden's own).
    #[source]
    pub source: Option<Arc<dyn Error + Send + Sync>>,
}

impl AwsError {
    /// eksharden's own finding about an answer of `operation` (no service error behind it).
    pub fn local(operation: &'static str, message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Local, operation, code: None, message: message.into(), source: None }
    }

    /// Wraps an SDK error of `operation`.
    pub fn new<E>(
        operation: &'static str,
        error: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
    ) -> Self
    where
        E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + Send + Sync + 'static,
    {
        use aws_smithy_runtime_api::client::result::SdkError;
        let code = error.as_service_error().and_then(|e| e.code()).map(str::to_owned);
        let message = match error.as_service_error().and_then(|e| e.message()) {
            Some(message) => message.to_owned(),
            None => causes(&error),
        };
        let kind = match &error {
            SdkError::ServiceError(_) => ErrorKind::Service,
            SdkError::TimeoutError(_) => ErrorKind::Timeout,
            _ if caused_by::<aws_credential_types::provider::error::CredentialsError>(&error) => {
                ErrorKind::MissingCredentials
            }
            SdkError::DispatchFailure(failure) if failure.is_timeout() => ErrorKind::Timeout,
            SdkError::DispatchFailure(_) => ErrorKind::Network,
            _ => ErrorKind::Malformed,
        };
        Self { kind, operation, code, message, source: Some(Arc::new(error)) }
    }

    /// Whether no credentials could be found (no profile, environment or instance role).
    pub fn is_missing_credentials(&self) -> bool {
        self.kind == ErrorKind::MissingCredentials
    }

    /// Whether the service said the thing does not exist: by its error code (`…NotFound…`,
    /// IAM's `NoSuchEntity`), or for CloudFormation, whose code for it is the generic
    /// `ValidationError`, by the one sentence it uses ("Stack with id … does not exist").
    pub fn is_not_found(&self) -> bool {
        match self.code.as_deref() {
            Some(code) if code.contains("NotFound") || code == "NoSuchEntity" => true,
            Some("ValidationError") => {
                self.operation.starts_with("CloudFormation.") && self.message.ends_with("does not exist")
            }
            _ => false,
        }
    }
}

/// Whether an error of type `T` is somewhere in `error`'s chain of causes.
fn caused_by<T: Error + 'static>(error: &(dyn Error + 'static)) -> bool {
    let mut next: Option<&(dyn Error + 'static)> = Some(error);
    while let Some(cause) = next {
        if cause.is::<T>() {
            return true;
        }
        next = cause.source();
    }
    false
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

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::error::CredentialsError;
    use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::{AwsError, ErrorKind};

    type Sdk = SdkError<DescribeStacksError, Response>;

    fn service(code: &str, message: &str) -> Sdk {
        let error = DescribeStacksError::generic(ErrorMetadata::builder().code(code).message(message).build());
        SdkError::service_error(error, Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty()))
    }

    #[test]
    fn failures_are_told_apart_by_the_sdk_types_not_by_their_words() {
        let timeout: Sdk = SdkError::timeout_error("the operation took longer than 30s");
        assert_eq!(AwsError::new("CloudFormation.DescribeStacks", timeout).kind, ErrorKind::Timeout);
        let no_credentials: Sdk = SdkError::construction_failure(CredentialsError::not_loaded("no profile"));
        let error = AwsError::new("CloudFormation.DescribeStacks", no_credentials);
        assert!(error.is_missing_credentials(), "{error:?}");
        // The SDK's error stays behind it, with its causes.
        let mut chain = std::iter::successors(std::error::Error::source(&error), |e| e.source());
        assert!(chain.any(|cause| cause.is::<CredentialsError>()), "{error:?}");
        // A message that speaks of credentials does not make an error a missing-credentials one.
        let denied = AwsError::new("EKS.DescribeCluster", service("AccessDenied", "no credentials for that"));
        assert_eq!(denied.kind, ErrorKind::Service);
        assert!(!denied.is_missing_credentials());
    }

    #[test]
    fn not_found_is_read_from_the_code_and_from_cloudformation_s_one_sentence() {
        let missing = |operation, code, message| AwsError::new(operation, service(code, message)).is_not_found();
        assert!(missing("EC2.DescribeSecurityGroups", "InvalidGroup.NotFound", "The security group does not exist"));
        assert!(missing("IAM.GetRole", "NoSuchEntity", "The role cannot be found"));
        assert!(missing("CloudFormation.DescribeStacks", "ValidationError", "Stack with id x does not exist"));
        // A validation error that is not "does not exist", or the words from another service:
        assert!(!missing("CloudFormation.DescribeStacks", "ValidationError", "Template format error"));
        assert!(!missing("EKS.CreateNodegroup", "InvalidParameterException", "subnet not found in the VPC"));
    }
}
