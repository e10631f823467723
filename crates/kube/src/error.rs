//! Errors of the Kubernetes edge.

/// A call to the cluster API that failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} failed: {message}")]
pub struct KubeError {
    /// What was being done (`read aws-auth`).
    pub operation: String,
    /// The HTTP status the API server answered, if it answered.
    pub status: Option<u16>,
    /// The error, in words.
    pub message: String,
}

impl KubeError {
    /// Wraps a kube-rs error of `operation`.
    pub fn new(operation: impl Into<String>, error: kube::Error) -> Self {
        let status = match &error {
            kube::Error::Api(status) => Some(status.code),
            _ => None,
        };
        let message = match &error {
            kube::Error::Api(status) => format!("{} ({})", status.message, status.reason),
            other => other.to_string(),
        };
        Self { operation: operation.into(), status, message }
    }

    /// Whether the write lost a race (HTTP 409 on a stale resourceVersion).
    pub fn is_conflict(&self) -> bool {
        self.status == Some(409)
    }

    /// Whether the object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}
