//! Authentication the way EKS does it: the bearer token is a presigned STS
//! `GetCallerIdentity` URL; the server checks that it is for this cluster and not expired,
//! replays it against STS (the emulator's) to learn the caller's ARN, and maps that ARN to
//! a Kubernetes user and groups through the cluster's access entries and aws-auth.
//!
//! The emulator's STS (with eksharden's plugin) checks the signature of keys it issued, as
//! STS does; for the tests' own key, which the emulator never issued, this server does what
//! STS would: it recomputes the SigV4 signature with the secret from the registry the tests
//! fill, and the server's own cluster name as the signed `x-k8s-aws-id` header. Either way a
//! token signed for another cluster, or changed in any byte, fails; a key nobody issued is
//! rejected.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings};
use aws_sigv4::sign::v4;
use base64::Engine;
use serde_json::Value;

use super::rbac::User;
use super::store::Store;

/// Secret keys by access key id: what STS knows and this server must, to check signatures.
pub type Secrets = Arc<Mutex<HashMap<String, String>>>;

/// The identity moto answers for a key it never issued.
const UNKNOWN_CALLER: &str = "arn:aws:sts::123456789012:user/moto";

fn access_key_of(query: &[(String, String)]) -> String {
    query
        .iter()
        .find(|(k, _)| k == "X-Amz-Credential")
        .and_then(|(_, v)| v.split('/').next())
        .unwrap_or_default()
        .to_owned()
}

/// How long EKS accepts a token after it was signed.
const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Checks tokens for one cluster.
pub struct Authenticator {
    /// The cluster name a token must be signed for.
    pub cluster: String,
    /// The region of the STS endpoint.
    pub region: String,
    /// The emulator (STS and EKS).
    pub aws: SocketAddr,
    /// The secrets of the known access keys.
    pub secrets: Secrets,
    /// The role that created the cluster, which EKS maps to `system:masters` without any
    /// visible mapping (the bootstrap admin of CONFIG_MAP clusters).
    pub creator: Option<String>,
}

impl Authenticator {
    /// The user behind `token`, or why it is rejected.
    pub fn authenticate(&self, store: &Store, token: &str) -> Result<User, String> {
        let encoded = token.strip_prefix("k8s-aws-v1.").ok_or("not an EKS token")?;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| "the token is not base64url")?;
        let presigned = url::Url::parse(&String::from_utf8(decoded).map_err(|_| "the token is not text")?)
            .map_err(|e| format!("the token is not a URL: {e}"))?;
        let host = presigned.host_str().unwrap_or_default().to_owned();
        if presigned.scheme() != "https"
            || !(host == format!("sts.{}.amazonaws.com", self.region) || host == "sts.amazonaws.com")
        {
            return Err(format!("the token is not for STS: {host}"));
        }
        let query: Vec<(String, String)> =
            presigned.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if param("Action") != Some("GetCallerIdentity") {
            return Err("the token is not a GetCallerIdentity request".into());
        }
        let signed = param("X-Amz-SignedHeaders").unwrap_or_default();
        if !signed.split(';').any(|h| h == "x-k8s-aws-id") {
            return Err("the token does not sign the x-k8s-aws-id header".into());
        }
        let signed_at =
            parse_amz_date(param("X-Amz-Date").unwrap_or_default()).ok_or("the token has no valid X-Amz-Date")?;
        let age = SystemTime::now().duration_since(signed_at).unwrap_or_default();
        if age > TOKEN_LIFETIME {
            return Err(format!("the token expired: signed {} s ago", age.as_secs()));
        }
        self.check_signature(&presigned, &query, signed_at)?;
        let arn = self.caller(&presigned)?;
        if arn == UNKNOWN_CALLER && !self.secrets.lock().unwrap().contains_key(&access_key_of(&query)) {
            return Err("unknown access key (InvalidClientTokenId)".into());
        }
        self.map(store, &arn)
    }

    /// Recomputes the signature as STS would, for this cluster.
    fn check_signature(
        &self,
        presigned: &url::Url,
        query: &[(String, String)],
        signed_at: SystemTime,
    ) -> Result<(), String> {
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let access_key = access_key_of(query);
        // Keys the emulator issued (assumed roles) are checked by its STS when the token is
        // replayed; the tests' own key is checked here.
        let Some(secret) = self.secrets.lock().unwrap().get(&access_key).cloned() else { return Ok(()) };
        let credentials = Credentials::new(access_key, secret, param("X-Amz-Security-Token"), None, "registry");
        let mut base = presigned.clone();
        base.query_pairs_mut().clear().extend_pairs(
            query.iter().filter(|(k, _)| !k.starts_with("X-Amz-")).map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = param("X-Amz-Expires").and_then(|e| e.parse().ok()).map(Duration::from_secs);
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sts")
            .time(signed_at)
            .settings(settings)
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let host = presigned.host_str().unwrap_or_default();
        let headers = [("host", host), ("x-k8s-aws-id", self.cluster.as_str())];
        let signable = SignableRequest::new("GET", base.to_string(), headers.into_iter(), SignableBody::Bytes(&[]))
            .map_err(|e| e.to_string())?;
        let (_, expected) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
        if param("X-Amz-Signature").as_deref() == Some(expected.as_str()) {
            Ok(())
        } else {
            Err("the signature does not match (SignatureDoesNotMatch): changed, or signed for another cluster".into())
        }
    }

    /// Replays the presigned request against the emulator's STS, as EKS does against STS.
    fn caller(&self, presigned: &url::Url) -> Result<String, String> {
        let target = format!("{}?{}", presigned.path(), presigned.query().unwrap_or_default());
        let host = presigned.host_str().unwrap_or_default();
        let (status, body) = http_get(self.aws, host, &target, &[("x-k8s-aws-id", &self.cluster)])?;
        if status != 200 {
            return Err(format!("STS refused the token: HTTP {status}"));
        }
        between(&body, "<Arn>", "</Arn>").map(str::to_owned).ok_or_else(|| "STS gave no ARN".into())
    }

    /// Maps an STS ARN to a user through access entries, then aws-auth, as EKS does.
    fn map(&self, store: &Store, arn: &str) -> Result<User, String> {
        let (principal, session) = principal_of(arn);
        let account = arn.split(':').nth(4).unwrap_or_default();
        let with_authenticated = |name: String, mut groups: Vec<String>| {
            groups.push("system:authenticated".into());
            User { name, groups }
        };
        if self.creator.as_deref() == Some(principal.as_str()) {
            return Ok(with_authenticated(format!("kubernetes-admin:{principal}"), vec!["system:masters".into()]));
        }
        // EKS reads access entries only in the API modes and aws-auth only in the
        // CONFIG_MAP modes; a cluster that says nothing is in CONFIG_MAP (the API default).
        let mode = self.eks_get(&format!("/clusters/{}", self.cluster))?["cluster"]["accessConfig"]
            ["authenticationMode"]
            .as_str()
            .unwrap_or("CONFIG_MAP")
            .to_owned();
        let entries = if mode.starts_with("API") { self.access_entries()? } else { Vec::new() };
        for entry in entries {
            if entry["principalArn"].as_str() == Some(principal.as_str()) {
                let mut groups: Vec<String> = entry["kubernetesGroups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect();
                groups.extend(
                    entry["accessPolicies"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p["policyArn"].as_str())
                        .map(access_policy_group),
                );
                let name =
                    entry["username"].as_str().map_or_else(|| arn.to_owned(), |u| template(u, &session, account));
                return Ok(with_authenticated(name, groups));
            }
        }
        if !mode.ends_with("CONFIG_MAP") {
            return Err(format!("{arn} has no access entry (authentication mode {mode}: aws-auth is not read)"));
        }
        let data = store
            .get(&("v1/configmaps".into(), "kube-system".into(), "aws-auth".into()))
            .map(|m| m["data"].clone())
            .unwrap_or(Value::Null);
        for (key, arn_key) in [("mapRoles", "rolearn"), ("mapUsers", "userarn")] {
            let entries: Value = data[key].as_str().and_then(|t| serde_yaml::from_str(t).ok()).unwrap_or(Value::Null);
            for entry in entries.as_array().into_iter().flatten() {
                let mapped = entry[arn_key].as_str().map(strip_path);
                if mapped.as_deref() == Some(principal.as_str()) {
                    let groups = entry["groups"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|g| g.as_str().map(str::to_owned))
                        .collect();
                    let name = template(entry["username"].as_str().unwrap_or(arn), &session, account);
                    return Ok(with_authenticated(name, groups));
                }
            }
        }
        Err(format!("{arn} is not mapped to any user (no access entry, no aws-auth entry)"))
    }

    /// A GET of the emulator's EKS API (Null when not found).
    fn eks_get(&self, path: &str) -> Result<Value, String> {
        let host = format!("eks.{}.amazonaws.com", self.region);
        let auth = format!("AWS4-HMAC-SHA256 Credential=AKIDEKSHARDENTEST/20260101/{}/eks/aws4_request, SignedHeaders=host, Signature=0", self.region);
        let (status, body) = http_get(self.aws, &host, path, &[("authorization", &auth)])?;
        if status == 404 {
            return Ok(Value::Null);
        }
        serde_json::from_str(&body).map_err(|e| format!("EKS answered {status}: {e}"))
    }

    /// The cluster's access entries, from the emulator's EKS API.
    fn access_entries(&self) -> Result<Vec<Value>, String> {
        let list = self.eks_get(&format!("/clusters/{}/access-entries", self.cluster))?;
        let mut entries = Vec::new();
        for principal in list["accessEntries"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let encoded: String = url::form_urlencoded::byte_serialize(principal.as_bytes()).collect();
            let path = format!("/clusters/{}/access-entries/{encoded}", self.cluster);
            entries.push(self.eks_get(&path)?["accessEntry"].clone());
        }
        Ok(entries)
    }
}

/// The group an EKS access policy stands for in this server's authorizer.
pub fn access_policy_group(policy: &str) -> String {
    format!("eks-access-policy:{}", policy.rsplit('/').next().unwrap_or(policy))
}

/// `arn:aws:sts::1:assumed-role/Name/session` is the role `arn:aws:iam::1:role/Name` in
/// session `session`; anything else is itself.
fn principal_of(arn: &str) -> (String, String) {
    match arn.split_once(":assumed-role/") {
        Some((prefix, rest)) => {
            let (role, session) = rest.split_once('/').unwrap_or((rest, ""));
            (format!("{}:role/{role}", prefix.replacen(":sts:", ":iam:", 1)), session.to_owned())
        }
        None => (arn.to_owned(), String::new()),
    }
}

/// A role ARN without its path, as EKS compares them.
fn strip_path(arn: &str) -> String {
    match arn.split_once(":role/") {
        Some((prefix, rest)) => format!("{prefix}:role/{}", rest.rsplit('/').next().unwrap_or(rest)),
        None => arn.to_owned(),
    }
}

fn template(username: &str, session: &str, account: &str) -> String {
    username
        .replace("{{SessionName}}", session)
        .replace("{{SessionNameRaw}}", session)
        .replace("{{AccountID}}", account)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    Some(&text[from..from + text[from..].find(end)?])
}

fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let parsed = aws_smithy_types::DateTime::from_str(
        &format!(
            "{}-{}-{}T{}:{}:{}Z",
            text.get(0..4)?,
            text.get(4..6)?,
            text.get(6..8)?,
            text.get(9..11)?,
            text.get(11..13)?,
            text.get(13..15)?
        ),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .ok()?;
    SystemTime::try_from(parsed).ok()
}

/// A plain HTTP GET to the emulator with a `Host` header, the way a client reaches AWS.
fn http_get(address: SocketAddr, host: &str, target: &str, headers: &[(&str, &str)]) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(address).map_err(|e| format!("cannot reach the emulator: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status")?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}
