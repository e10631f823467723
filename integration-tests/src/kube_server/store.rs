//! The object store: every object as JSON, with a resourceVersion from one counter, as
//! etcd gives the real API server.

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// Where an object lives: its resource (`v1/configmaps`,
/// `rbac.authorization.k8s.io/v1/clusterrolebindings`), namespace (empty when
/// cluster-scoped) and name.
pub type Key = (String, String, String);

/// An edit a test makes "concurrently": applied to the stored object just before the next
/// write to it, so that write carries a stale resourceVersion.
pub type Edit = Box<dyn FnOnce(&mut Value) + Send>;

/// The objects.
#[derive(Default)]
pub struct Store {
    objects: BTreeMap<Key, Value>,
    version: u64,
    edits: Vec<(Key, Edit)>,
}

impl Store {
    /// The object at `key`.
    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.objects.get(key)
    }

    /// The objects of a resource in a namespace (every namespace when `None`).
    pub fn list(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((r, ns, _), _)| r == resource && namespace.is_none_or(|n| n == ns))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The current resourceVersion of the store.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Stores `object` at `key` with a new resourceVersion (and a uid and creation time
    /// when it is new); returns it as stored.
    pub fn put(&mut self, key: Key, mut object: Value) -> Value {
        self.version += 1;
        let previous = self.objects.get(&key).map(|o| o["metadata"].clone());
        let metadata = object["metadata"].as_object_mut().expect("an object has metadata");
        metadata.insert("resourceVersion".into(), json!(self.version.to_string()));
        metadata.insert("name".into(), json!(key.2));
        if !key.1.is_empty() {
            metadata.insert("namespace".into(), json!(key.1));
        }
        let uid = previous
            .as_ref()
            .and_then(|m| m.get("uid").cloned())
            .unwrap_or_else(|| json!(format!("uid-{}", self.version)));
        metadata.insert("uid".into(), uid);
        let created = previous
            .as_ref()
            .and_then(|m| m.get("creationTimestamp").cloned())
            .unwrap_or_else(|| json!("2026-01-01T00:00:00Z"));
        metadata.insert("creationTimestamp".into(), created);
        self.objects.insert(key, object.clone());
        object
    }

    /// Removes the object at `key`.
    pub fn delete(&mut self, key: &Key) -> Option<Value> {
        self.version += 1;
        self.objects.remove(key)
    }

    /// Queues `edit` for the next write to `key`.
    pub fn edit_before_next_write(&mut self, key: Key, edit: Edit) {
        self.edits.push((key, edit));
    }

    /// Applies the queued edits of `key` (a concurrent writer getting there first).
    pub fn run_edits(&mut self, key: &Key) {
        let (due, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.edits).into_iter().partition(|(k, _)| k == key);
        self.edits = rest;
        for (_, edit) in due {
            if let Some(mut object) = self.objects.get(key).cloned() {
                edit(&mut object);
                self.put(key.clone(), object);
            }
        }
    }
}
