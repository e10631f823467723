//! A kube-rs client for an EKS cluster: its endpoint, its certificate authority, and a
//! bearer token (an EKS token, never stored).

use base64::Engine;
use kube::Client;
use secrecy::SecretString;

use crate::error::KubeError;

/// Connects to the API server at `endpoint`, trusting `ca` (base64 PEM, as EKS reports it)
/// when given, authenticating with `token`. Call it within the tokio runtime that will run
/// the client's requests: the client keeps a worker task there.
pub fn connect(endpoint: &str, ca: Option<&str>, token: &str) -> Result<Client, KubeError> {
    let failed = |message: String| KubeError { operation: "connect to the cluster API".into(), status: None, message };
    let url = endpoint.parse().map_err(|e| failed(format!("{endpoint} is not a URL: {e}")))?;
    let mut config = kube::Config::new(url);
    config.auth_info.token = Some(SecretString::from(token.to_owned()));
    if let Some(ca) = ca.filter(|c| !c.is_empty()) {
        let pem = base64::engine::general_purpose::STANDARD
            .decode(ca)
            .map_err(|e| failed(format!("the cluster CA is not base64: {e}")))?;
        config.root_cert = Some(pem_certificates(&pem));
    }
    Client::try_from(config).map_err(|e| KubeError::new("connect to the cluster API", e))
}

/// The DER certificates of a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    text.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .filter_map(|block| block.split("-----END CERTIFICATE-----").next())
        .filter_map(|body| {
            let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(body).ok()
        })
        .collect()
}

/// Checks that the API server answers (`/version`), so that steps that need it can say
/// "cannot inspect" up front instead of failing half-way.
pub async fn reachable(client: &Client) -> Result<(), KubeError> {
    client.apiserver_version().await.map(|_| ()).map_err(|e| KubeError::new("reach the cluster API", e))
}
