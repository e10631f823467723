//! What a new cluster has, and what the API server restores at every start: the default
//! ClusterRoles and the `cluster-admin` binding to `system:masters`. Like the real API
//! server, it leaves a default object alone when it carries the annotation
//! `rbac.authorization.kubernetes.io/autoupdate: "false"`, and otherwise puts back what was
//! removed from it.

use serde_json::{json, Value};

use super::store::{Key, Store};

/// The annotation that stops the API server from reconciling a default object.
pub const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

fn cluster_role(name: &str, rules: Value) -> (Key, Value) {
    let object = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": { "name": name, "annotations": { AUTOUPDATE: "true" }, "labels": { "kubernetes.io/bootstrapping": "rbac-defaults" } },
        "rules": rules,
    });
    (("rbac.authorization.k8s.io/v1/clusterroles".into(), String::new(), name.into()), object)
}

fn cluster_role_binding(name: &str, role: &str, group: &str) -> (Key, Value) {
    let object = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": { "name": name, "annotations": { AUTOUPDATE: "true" }, "labels": { "kubernetes.io/bootstrapping": "rbac-defaults" } },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
        "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group }],
    });
    (("rbac.authorization.k8s.io/v1/clusterrolebindings".into(), String::new(), name.into()), object)
}

/// The bootstrap policy, reduced to what the tests exercise.
fn defaults() -> Vec<(Key, Value)> {
    let read = json!(["get", "list", "watch"]);
    vec![
        cluster_role(
            "cluster-admin",
            json!([
                { "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"] },
                { "nonResourceURLs": ["*"], "verbs": ["*"] },
            ]),
        ),
        cluster_role(
            "view",
            json!([
                { "apiGroups": [""], "resources": ["configmaps", "endpoints", "pods", "services", "namespaces"], "verbs": read },
                { "apiGroups": ["apps", "batch"], "resources": ["*"], "verbs": read },
                { "apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": read },
            ]),
        ),
        cluster_role(
            "system:basic-user",
            json!([
                { "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"] },
            ]),
        ),
        cluster_role(
            "system:discovery",
            json!([
                { "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"], "verbs": ["get"] },
            ]),
        ),
        cluster_role_binding("cluster-admin", "cluster-admin", "system:masters"),
        cluster_role_binding("system:basic-user", "system:basic-user", "system:authenticated"),
        cluster_role_binding("system:discovery", "system:discovery", "system:authenticated"),
    ]
}

fn namespace(name: &str) -> (Key, Value) {
    (
        ("v1/namespaces".into(), String::new(), name.into()),
        json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": name } }),
    )
}

/// Creates the namespaces of a new cluster.
pub fn seed(store: &mut Store) {
    for (key, object) in ["default", "kube-system", "kube-public"].map(namespace) {
        store.put(key, object);
    }
}

/// Restores the defaults, as the API server does when it starts: a missing default object
/// is created; one without `autoupdate: "false"` gets back the rules or subjects it lost.
pub fn reconcile(store: &mut Store) {
    for (key, wanted) in defaults() {
        let Some(current) = store.get(&key).cloned() else {
            store.put(key, wanted);
            continue;
        };
        if current["metadata"]["annotations"][AUTOUPDATE] == "false" {
            continue;
        }
        let mut next = current.clone();
        for field in ["rules", "subjects"] {
            let Some(wanted_items) = wanted[field].as_array() else { continue };
            let items = next[field].as_array().cloned().unwrap_or_default();
            let mut merged = items.clone();
            merged.extend(wanted_items.iter().filter(|w| !items.contains(w)).cloned());
            next[field] = Value::Array(merged);
        }
        if next != current {
            store.put(key, next);
        }
    }
}
