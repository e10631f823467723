//! The EKS bearer token: a presigned STS `GetCallerIdentity` request whose signature covers
//! the `x-k8s-aws-id: <cluster>` header, base64url without padding, prefixed `k8s-aws-v1.`.
//! The API server (or its authenticator) replays the request against STS to learn who is
//! calling; the signed header binds the token to one cluster.
//!
//! The token is a credential: it is never logged, and its `Debug` form hides it.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4;
use base64::Engine;

use crate::client::Aws;
use crate::error::{aws_error, AwsError, ErrorKind};

/// The header whose signed value names the cluster.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// The prefix of every EKS token.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// How long the presigned request is valid for STS.
pub const PRESIGN_EXPIRY: Duration = Duration::from_secs(60);
/// How long EKS accepts a token after it was signed (aws-iam-authenticator: 15 minutes); the
/// exec credential says it expires a minute earlier so kubectl asks for a new one in time.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// A bearer token for one cluster.
#[derive(Clone)]
pub struct EksToken {
    /// `k8s-aws-v1.<base64url presigned URL>`.
    pub token: String,
    /// When clients should get a new one.
    pub expires: SystemTime,
}

impl fmt::Debug for EksToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EksToken").field("token", &"** redacted **").field("expires", &self.expires).finish()
    }
}

/// The regional STS endpoint a token is presigned for.
pub fn sts_host(region: &str) -> String {
    format!("sts.{region}.amazonaws.com")
}

/// Presigns the token of `cluster` with `credentials`, as signed at `now`.
pub fn presign(credentials: &Credentials, region: &str, cluster: &str, now: SystemTime) -> Result<EksToken, AwsError> {
    let failed = |what: String| AwsError::local("EKS token", what);
    let host = sts_host(region);
    let url = format!("https://{host}/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(PRESIGN_EXPIRY);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| failed(e.to_string()))?
        .into();
    let headers = [("host", host.as_str()), (CLUSTER_ID_HEADER, cluster)];
    let signable = SignableRequest::new("GET", url.clone(), headers.into_iter(), SignableBody::Bytes(&[]))
        .map_err(|e| failed(e.to_string()))?;
    let (instructions, _) = sign(signable, &params).map_err(|e| failed(e.to_string()))?.into_parts();
    let mut request = http::Request::get(url).body(()).map_err(|e| failed(e.to_string()))?;
    instructions.apply_to_request_http1x(&mut request);
    let presigned = request.uri().to_string();
    Ok(EksToken {
        token: format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(presigned)),
        expires: now + TOKEN_LIFETIME,
    })
}

/// The token of `cluster` for the caller's credentials, or for `role` assumed with them
/// ("act as").
pub async fn token(aws: &Aws, cluster: &str, role: Option<&str>) -> Result<EksToken, AwsError> {
    let credentials = match role {
        None => {
            let provider =
                aws.credentials.as_ref().ok_or_else(|| AwsError::local("EKS token", "no credentials were found"))?;
            provider.provide_credentials().await.map_err(|e| {
                let message = format!("an error occurred while loading credentials: {e}");
                AwsError {
                    kind: ErrorKind::MissingCredentials,
                    source: Some(std::sync::Arc::new(e)),
                    ..AwsError::local("EKS token", message)
                }
            })?
        }
        Some(role) => assumed(aws, role).await?,
    };
    presign(&credentials, &aws.region, cluster, SystemTime::now())
}

/// Temporary credentials of `role`.
pub async fn assumed(aws: &Aws, role: &str) -> Result<Credentials, AwsError> {
    assumed_with(aws, role, None).await
}

/// Temporary credentials of `role`, giving the external id its trust asks for, if any.
pub async fn assumed_with(aws: &Aws, role: &str, external_id: Option<&str>) -> Result<Credentials, AwsError> {
    let response = aws
        .sts
        .assume_role()
        .role_arn(role)
        .role_session_name("eksharden")
        .set_external_id(external_id.map(str::to_owned))
        .send()
        .await
        .map_err(aws_error("STS.AssumeRole"))?;
    let c = response.credentials().ok_or_else(|| AwsError::local("STS.AssumeRole", "no credentials in the answer"))?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        SystemTime::try_from(*c.expiration()).ok(),
        "sts-assume-role",
    ))
}

/// The `ExecCredential` document kubectl's exec plugin reads.
pub fn exec_credential(token: &EksToken) -> serde_json::Value {
    let expires = aws_smithy_types::DateTime::from(token.expires)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "spec": {},
        "status": { "expirationTimestamp": expires, "token": token.token },
    })
}
