//! Writing the cluster's kubeconfig entry: cluster, user and context named by the cluster
//! ARN (as `aws eks update-kubeconfig` does), merged into the file with every other entry
//! kept. The user authenticates through an exec credential plugin; no token is stored.

use std::path::{Path, PathBuf};

use eksharden_aws::cluster::ClusterSummary;
use serde_yaml::{Mapping, Value};

/// Where the entry goes: the explicit path, the first of `$KUBECONFIG`, or `~/.kube/config`.
pub fn default_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    if let Some(first) = std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next()) {
        return Some(first);
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube").join("config"))
}

/// How the exec plugin is called: `eksharden token` for the cluster, region and profile.
pub fn exec(cluster: &str, region: &str, profile: Option<&str>) -> Value {
    let mut exec = Mapping::new();
    exec.insert("apiVersion".into(), "client.authentication.k8s.io/v1beta1".into());
    exec.insert("command".into(), "eksharden".into());
    let args = ["token", "--cluster", cluster, "--region", region];
    exec.insert("args".into(), Value::Sequence(args.iter().map(|a| Value::from(*a)).collect()));
    if let Some(profile) = profile {
        let mut env = Mapping::new();
        env.insert("name".into(), "AWS_PROFILE".into());
        env.insert("value".into(), profile.into());
        exec.insert("env".into(), Value::Sequence(vec![Value::Mapping(env)]));
    }
    exec.insert("interactiveMode".into(), "Never".into());
    Value::Mapping(exec)
}

/// Writes (or replaces) the entry for `cluster` in `path` and makes it the current context.
pub fn write_entry(path: &Path, cluster: &ClusterSummary, exec: Value) -> Result<(), String> {
    let mut config: Value = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => {
            serde_yaml::from_str(&text).map_err(|e| format!("{} is not valid YAML: {e}", path.display()))?
        }
        Ok(_) => Value::Null,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if !config.is_mapping() {
        config = serde_yaml::from_str("apiVersion: v1\nkind: Config\npreferences: {}\n").expect("valid YAML");
    }
    let name = cluster.arn.clone();
    let entry = |key: &str, body: Value| {
        let mut m = Mapping::new();
        m.insert("name".into(), name.clone().into());
        m.insert(key.into(), body);
        Value::Mapping(m)
    };
    let mut cluster_body = Mapping::new();
    cluster_body.insert("server".into(), cluster.endpoint.clone().into());
    cluster_body.insert("certificate-authority-data".into(), cluster.certificate_authority.clone().into());
    let mut user_body = Mapping::new();
    user_body.insert("exec".into(), exec);
    let mut context_body = Mapping::new();
    context_body.insert("cluster".into(), name.clone().into());
    context_body.insert("user".into(), name.clone().into());
    let map = config.as_mapping_mut().expect("a mapping");
    upsert(map, "clusters", entry("cluster", Value::Mapping(cluster_body)));
    upsert(map, "users", entry("user", Value::Mapping(user_body)));
    upsert(map, "contexts", entry("context", Value::Mapping(context_body)));
    map.insert("current-context".into(), name.into());
    let text = serde_yaml::to_string(&config).map_err(|e| format!("cannot write the kubeconfig: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    restrict_permissions(path)
}

/// Replaces the entry with the same name in the list `key`, or appends it.
fn upsert(map: &mut Mapping, key: &str, entry: Value) {
    let list = map.entry(key.into()).or_insert_with(|| Value::Sequence(Vec::new()));
    if !list.is_sequence() {
        *list = Value::Sequence(Vec::new());
    }
    let items = list.as_sequence_mut().expect("a sequence");
    match items.iter_mut().find(|item| item.get("name") == entry.get("name")) {
        Some(existing) => *existing = entry,
        None => items.push(entry),
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {}: {e}", path.display()))
}

#[cfg(not(unix))]
fn restrict_permissions(_: &Path) -> Result<(), String> {
    Ok(())
}
