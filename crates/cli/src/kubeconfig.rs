//! Writing the cluster's kubeconfig entry: cluster, user and context named by the cluster
//! ARN (as `aws eks update-kubeconfig` does), merged into the file with every other entry
//! kept. The user authenticates through an exec credential plugin; no token is stored.
//!
//! A kubeconfig holds a user's access to all their clusters, so writing one never risks it:
//! - a file that is not a kubeconfig is refused before anything is created or written;
//! - each file is replaced whole, through a temporary file in the same folder and a rename,
//!   so a full disk or a killed process leaves the old file as it was; the file's mode is
//!   kept (0600 when new) and a symbolic link stays a link to the file it names;
//! - the read, merge and write hold the lock kubectl and client-go take (`<file>.lock`,
//!   created exclusively), so concurrent writers, eksharden or kubectl, all land;
//! - with a `$KUBECONFIG` list, each entry goes where kubectl would put it: to the file that
//!   already holds that entry, else to the first file of the list that exists, else the last;
//!   the current context likewise to the first existing file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eksharden_aws::cluster::ClusterSummary;
use serde_yaml::{Mapping, Value};

/// How long a writer waits for another to release the lock.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The fields of a kubeconfig (client-go's `Config`); a file with any other is something else.
const TOP_LEVEL: [&str; 8] =
    ["apiVersion", "kind", "preferences", "clusters", "users", "contexts", "current-context", "extensions"];

/// The entry lists of a kubeconfig, with the key of each entry's body.
const LISTS: [(&str, &str); 3] = [("clusters", "cluster"), ("users", "user"), ("contexts", "context")];

/// Why a kubeconfig could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// The file exists and is not a kubeconfig; it was not touched.
    #[error("{path} is not a kubeconfig ({reason}); it was left as it is")]
    NotAKubeconfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading, writing or renaming failed; the file is as it was.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// Another writer held the lock for too long.
    #[error("{lock} has been held for {seconds} s; if no kubectl or eksharden is running, remove it")]
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// How long eksharden waited.
        seconds: u64,
    },
}

/// The kubeconfig files in play, in order: the explicit path; else each file of
/// `$KUBECONFIG`; else `~/.kube/config`. Empty when none can be named.
pub fn files(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let files: Vec<PathBuf> = std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()).collect();
        if !files.is_empty() {
            return files;
        }
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".kube").join("config")).into_iter().collect()
}

/// Checks that each of `files` that exists is a kubeconfig, before anything is created.
pub fn check(files: &[PathBuf]) -> Result<(), KubeconfigError> {
    for path in files {
        read(path)?;
    }
    Ok(())
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

/// Writes (or replaces) the entry for `cluster` and makes it the current context, each part
/// in the file kubectl would write it to. Returns the files written.
pub fn write_entry(files: &[PathBuf], cluster: &ClusterSummary, exec: Value) -> Result<Vec<PathBuf>, KubeconfigError> {
    let name = cluster.arn.as_str();
    let mut cluster_body = Mapping::new();
    cluster_body.insert("server".into(), cluster.endpoint.clone().into());
    cluster_body.insert("certificate-authority-data".into(), cluster.certificate_authority.clone().into());
    let mut user_body = Mapping::new();
    user_body.insert("exec".into(), exec);
    let mut context_body = Mapping::new();
    context_body.insert("cluster".into(), name.into());
    context_body.insert("user".into(), name.into());
    let bodies = [Value::Mapping(cluster_body), Value::Mapping(user_body), Value::Mapping(context_body)];

    let default = default_file(files);
    let mut changes: Vec<(PathBuf, Vec<Change>)> = Vec::new();
    let mut add = |path: PathBuf, change: Change| match changes.iter_mut().find(|(p, _)| *p == path) {
        Some((_, list)) => list.push(change),
        None => changes.push((path, vec![change])),
    };
    for ((list, key), body) in LISTS.iter().zip(bodies) {
        let holder = files.iter().find(|f| read(f).ok().flatten().is_some_and(|config| holds(&config, list, name)));
        let path = holder.cloned().unwrap_or_else(|| default.clone());
        add(path, Change::Upsert { list, key, name: name.to_owned(), body });
    }
    add(default, Change::CurrentContext(name.to_owned()));
    // One order for every writer, so two runs never wait on each other's second lock.
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut written = Vec::new();
    for (path, list) in changes {
        update(&path, |config| {
            for change in &list {
                change.apply(config);
            }
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The file new entries go to: the first that exists, else the last (kubectl's rule).
fn default_file(files: &[PathBuf]) -> PathBuf {
    files.iter().find(|f| f.exists()).or(files.last()).cloned().unwrap_or_default()
}

/// One change to one file.
enum Change {
    /// Replace the entry named `name` in `list`, or append it.
    Upsert { list: &'static str, key: &'static str, name: String, body: Value },
    /// Set `current-context`.
    CurrentContext(String),
}

impl Change {
    fn apply(&self, config: &mut Mapping) {
        match self {
            Self::Upsert { list, key, name, body } => {
                let mut entry = Mapping::new();
                entry.insert("name".into(), name.as_str().into());
                entry.insert((*key).into(), body.clone());
                let items = config.entry((*list).into()).or_insert_with(|| Value::Sequence(Vec::new()));
                if !items.is_sequence() {
                    // `read` accepts only a list or null here.
                    *items = Value::Sequence(Vec::new());
                }
                let items = items.as_sequence_mut().expect("a sequence");
                match items.iter_mut().find(|item| item.get("name").and_then(Value::as_str) == Some(name)) {
                    Some(existing) => *existing = Value::Mapping(entry),
                    None => items.push(Value::Mapping(entry)),
                }
            }
            Self::CurrentContext(name) => {
                config.insert("current-context".into(), name.as_str().into());
            }
        }
    }
}

/// Whether `config`'s `list` holds an entry named `name`.
fn holds(config: &Mapping, list: &str, name: &str) -> bool {
    config
        .get(list)
        .and_then(Value::as_sequence)
        .is_some_and(|items| items.iter().any(|i| i.get("name").and_then(Value::as_str) == Some(name)))
}

/// Reads `path` as a kubeconfig: `None` when it does not exist or is empty.
fn read(path: &Path) -> Result<Option<Mapping>, KubeconfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(KubeconfigError::Io { action: "read", path: path.to_path_buf(), source }),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let not = |reason: String| KubeconfigError::NotAKubeconfig { path: path.to_path_buf(), reason };
    let value: Value = serde_yaml::from_str(&text).map_err(|e| not(format!("not YAML: {e}")))?;
    let Value::Mapping(config) = value else {
        return Err(not("its top level is not a mapping".into()));
    };
    if let Some(key) = config.keys().find(|k| !k.as_str().is_some_and(|k| TOP_LEVEL.contains(&k))) {
        return Err(not(format!("`{}` is no field of a kubeconfig", one_line(key))));
    }
    match config.get("kind") {
        None | Some(Value::Null) => {}
        Some(Value::String(kind)) if kind == "Config" => {}
        Some(other) => return Err(not(format!("kind is {}, not Config", one_line(other)))),
    }
    for (list, _) in LISTS {
        match config.get(list) {
            None | Some(Value::Null) => {}
            Some(Value::Sequence(items)) => {
                if let Some(i) = items.iter().position(|i| i.get("name").and_then(Value::as_str).is_none()) {
                    return Err(not(format!("entry {i} of `{list}` has no name")));
                }
            }
            Some(_) => return Err(not(format!("`{list}` is not a list"))),
        }
    }
    if config.get("current-context").is_some_and(|c| !c.is_string() && !c.is_null()) {
        return Err(not("`current-context` is not a string".into()));
    }
    Ok(Some(config))
}

fn one_line(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_default().trim().replace('\n', " ")
}

/// Reads `path` under the lock, lets `change` edit it, and replaces it whole. A path that
/// names no regular file (`/dev/null`, a pipe) is written in place: it is never replaced.
fn update(path: &Path, change: impl FnOnce(&mut Mapping)) -> Result<(), KubeconfigError> {
    let target = resolve_links(path);
    let edited = |config: Option<Mapping>| {
        let mut config = config.unwrap_or_else(new_config);
        change(&mut config);
        serde_yaml::to_string(&Value::Mapping(config)).expect("a mapping serialises")
    };
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        let text = edited(read(&target)?);
        let written = OpenOptions::new().write(true).open(&target).and_then(|mut f| f.write_all(text.as_bytes()));
        return written.map_err(|source| KubeconfigError::Io { action: "write", path: target, source });
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|source| KubeconfigError::Io {
        action: "create",
        path: dir.clone(),
        source,
    })?;
    let _lock = Lock::take(&target)?;
    let text = edited(read(&target)?);
    replace(&target, &dir, text.as_bytes())
}

fn new_config() -> Mapping {
    let mut config = Mapping::new();
    config.insert("apiVersion".into(), "v1".into());
    config.insert("kind".into(), "Config".into());
    config.insert("preferences".into(), Value::Mapping(Mapping::new()));
    config
}

/// The file `path` finally names, following symbolic links (up to 40, as the kernel does),
/// so that writing it keeps the links.
fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(next) => {
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                }
            }
            Err(_) => break,
        }
    }
    current
}

/// Writes `bytes` to a temporary file beside `target` and renames it over `target`, with
/// `target`'s mode (0600 for a new file). On any failure the temporary file is removed and
/// `target` is as it was.
fn replace(target: &Path, dir: &Path, bytes: &[u8]) -> Result<(), KubeconfigError> {
    let file_name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.eksharden-{}.tmp", std::process::id()));
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| KubeconfigError::Io { action, path, source }
    };
    let result = (|| {
        let mut file = create_private(&temporary).map_err(io("create", &temporary))?;
        copy_mode(target, &file).map_err(io("set the mode of", &temporary))?;
        file.write_all(bytes).map_err(io("write", &temporary))?;
        file.sync_all().map_err(io("write", &temporary))?;
        std::fs::rename(&temporary, target).map_err(io("replace", target))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

/// Gives `file` the permissions of `target` where it exists (a new file keeps 0600).
fn copy_mode(target: &Path, file: &File) -> std::io::Result<()> {
    match std::fs::metadata(target) {
        Ok(metadata) => file.set_permissions(metadata.permissions()),
        Err(_) => Ok(()),
    }
}

/// kubectl's and client-go's lock on a kubeconfig: `<file>.lock`, created exclusively and
/// removed when done.
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn take(target: &Path) -> Result<Self, KubeconfigError> {
        let mut name = target.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(Self { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if started.elapsed() > LOCK_WAIT {
                        return Err(KubeconfigError::Locked { lock: path, seconds: LOCK_WAIT.as_secs() });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(source) => return Err(KubeconfigError::Io { action: "lock", path, source }),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str) -> ClusterSummary {
        ClusterSummary {
            name: name.into(),
            arn: format!("arn:aws:eks:eu-west-1:111122223333:cluster/{name}"),
            endpoint: format!("https://{name}.example"),
            certificate_authority: "Q0E=".into(),
            version: "1.33".into(),
            private_endpoint: true,
            public_endpoint: false,
        }
    }

    fn names(path: &Path, list: &str) -> Vec<String> {
        let config = read(path).unwrap().unwrap();
        config[list].as_sequence().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn refuses_what_is_not_a_kubeconfig_and_leaves_it() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("notes.txt", "remember the milk\nand the eggs\n"),
            ("notes.yaml", "remember: rotate the keys on Monday\n"),
            ("list.yaml", "- a\n- b\n"),
            ("mapping.yaml", "clusters:\n  a: {server: x}\n"),
            ("pod.yaml", "apiVersion: v1\nkind: Pod\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let error = check(std::slice::from_ref(&path)).unwrap_err();
            assert!(matches!(error, KubeconfigError::NotAKubeconfig { .. }), "{name}: {error}");
            assert!(write_entry(std::slice::from_ref(&path), &summary("a"), exec("a", "eu-west-1", None)).is_err());
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "{name} was changed");
        }
    }

    #[test]
    fn merges_and_keeps_other_entries_fields_and_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: https://other}\n  extra: kept\n\
             users: []\ncontexts: []\ncurrent-context: other\npreferences: {colors: true}\nextensions:\n- name: x\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let written = write_entry(std::slice::from_ref(&path), &summary("a"), exec("a", "eu-west-1", None)).unwrap();
        assert_eq!(written, std::slice::from_ref(&path));
        assert_eq!(names(&path, "clusters"), ["other", "arn:aws:eks:eu-west-1:111122223333:cluster/a"]);
        let config = read(&path).unwrap().unwrap();
        assert_eq!(config["clusters"][0]["extra"], "kept");
        assert_eq!(config["preferences"]["colors"], true);
        assert_eq!(config["extensions"][0]["name"], "x");
        assert_eq!(config["current-context"], "arn:aws:eks:eu-west-1:111122223333:cluster/a");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert!(!dir.path().join("config.lock").exists(), "the lock is released");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
    }

    #[test]
    fn a_new_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config");
        write_entry(std::slice::from_ref(&path), &summary("a"), exec("a", "eu-west-1", None)).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_device_is_written_in_place_and_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let null = PathBuf::from("/dev/null");
        write_entry(std::slice::from_ref(&null), &summary("a"), exec("a", "eu-west-1", None)).unwrap();
        assert!(std::fs::metadata(&null).unwrap().file_type().is_char_device(), "/dev/null is still the device");
        assert!(!Path::new("/dev/null.lock").exists());
    }

    #[test]
    fn a_symbolic_link_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real-config");
        std::fs::write(&real, "apiVersion: v1\nkind: Config\n").unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("real-config", &link).unwrap();
        write_entry(std::slice::from_ref(&link), &summary("a"), exec("a", "eu-west-1", None)).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(names(&real, "contexts"), ["arn:aws:eks:eu-west-1:111122223333:cluster/a"]);
    }

    #[test]
    fn a_list_of_files_is_written_as_kubectl_writes_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
        // None exists: the last of the list.
        write_entry(&[a.clone(), b.clone()], &summary("one"), exec("one", "eu-west-1", None)).unwrap();
        assert!(!a.exists() && b.exists());
        // The entry exists in b, a now exists: the entry stays in b, the context goes to a.
        std::fs::write(&a, "apiVersion: v1\nkind: Config\n").unwrap();
        write_entry(&[a.clone(), b.clone()], &summary("one"), exec("one", "eu-west-1", None)).unwrap();
        assert_eq!(names(&b, "clusters").len(), 1);
        assert!(read(&a).unwrap().unwrap().get("clusters").is_none());
        assert_eq!(read(&a).unwrap().unwrap()["current-context"], "arn:aws:eks:eu-west-1:111122223333:cluster/one");
        // A new entry: the first file that exists.
        write_entry(&[c.clone(), a.clone(), b.clone()], &summary("two"), exec("two", "eu-west-1", None)).unwrap();
        assert_eq!(names(&a, "users"), ["arn:aws:eks:eu-west-1:111122223333:cluster/two"]);
        assert!(!c.exists());
    }

    #[test]
    fn concurrent_writers_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let name = format!("c{i}");
                    write_entry(&[path], &summary(&name), exec(&name, "eu-west-1", None)).unwrap();
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(names(&path, "clusters").len(), 8);
        assert_eq!(names(&path, "users").len(), 8);
    }
}
