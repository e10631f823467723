//! Authorization as Kubernetes RBAC does it (kubernetes.io/docs/reference/access-authn-authz/rbac):
//! a request is allowed when a rule of a role bound to the user, one of its groups, or
//! `system:authenticated` covers its verb, API group, resource (and name, if the rule
//! lists names), or its non-resource path. Members of `system:masters` are allowed
//! everything without any binding: the API server short-circuits RBAC for that group.

use serde_json::Value;

use super::store::Store;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The groups (with `system:authenticated`).
    pub groups: Vec<String>,
}

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    /// `get`, `list`, `create`, `update`, `delete`, ... or `*` (asking for every verb).
    pub verb: String,
    /// The API group, `""` for the core group.
    pub group: String,
    /// The resource (`configmaps`), or empty for a non-resource request.
    pub resource: String,
    /// The namespace, empty for cluster-scoped requests.
    pub namespace: String,
    /// The object's name, if the request names one.
    pub name: String,
    /// The path of a non-resource request (`/version`).
    pub path: String,
}

/// Whether `user` may do what `attributes` say, and why.
pub fn authorize(store: &Store, user: &User, attributes: &Attributes) -> (bool, String) {
    if user.groups.iter().any(|g| g == "system:masters") {
        return (true, "system:masters bypasses RBAC".into());
    }
    // EKS access policies are an authorizer of their own, before RBAC.
    if user.groups.iter().any(|g| g == "eks-access-policy:AmazonEKSClusterAdminPolicy") {
        return (true, "allowed by the access policy AmazonEKSClusterAdminPolicy".into());
    }
    let viewer = ["eks-access-policy:AmazonEKSViewPolicy", "eks-access-policy:AmazonEKSAdminViewPolicy"];
    if user.groups.iter().any(|g| viewer.contains(&g.as_str()))
        && ["get", "list", "watch"].contains(&attributes.verb.as_str())
    {
        return (true, "allowed by an EKS view access policy".into());
    }
    let bindings =
        store.list("rbac.authorization.k8s.io/v1/clusterrolebindings", None).into_iter().map(|b| (b, None)).chain(
            store
                .list("rbac.authorization.k8s.io/v1/rolebindings", Some(&attributes.namespace))
                .into_iter()
                .filter(|_| !attributes.namespace.is_empty())
                .map(|b| (b, Some(attributes.namespace.clone()))),
        );
    for (binding, namespace) in bindings {
        if !binds(&binding, user) {
            continue;
        }
        let role_ref = &binding["roleRef"];
        let role_name = role_ref["name"].as_str().unwrap_or_default().to_owned();
        let role = match (role_ref["kind"].as_str(), &namespace) {
            (Some("Role"), Some(ns)) => {
                store.get(&("rbac.authorization.k8s.io/v1/roles".into(), ns.clone(), role_name.clone()))
            }
            (Some("ClusterRole"), _) => {
                store.get(&("rbac.authorization.k8s.io/v1/clusterroles".into(), String::new(), role_name.clone()))
            }
            _ => None,
        };
        let Some(role) = role else { continue };
        for rule in role["rules"].as_array().into_iter().flatten() {
            if covers(rule, attributes) {
                let by = binding["metadata"]["name"].as_str().unwrap_or_default();
                return (true, format!("allowed by binding {by:?} of role {role_name:?}"));
            }
        }
    }
    (false, format!("no RBAC rule allows {} {} for user {:?}", attributes.verb, describe(attributes), user.name))
}

fn describe(a: &Attributes) -> String {
    if a.resource.is_empty() {
        a.path.clone()
    } else if a.group.is_empty() {
        a.resource.clone()
    } else {
        format!("{}.{}", a.resource, a.group)
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value.as_array().into_iter().flatten().filter_map(Value::as_str).collect()
}

fn binds(binding: &Value, user: &User) -> bool {
    binding["subjects"].as_array().into_iter().flatten().any(|subject| {
        let name = subject["name"].as_str().unwrap_or_default();
        match subject["kind"].as_str() {
            Some("User") => name == user.name,
            Some("Group") => user.groups.iter().any(|g| g == name),
            _ => false,
        }
    })
}

/// Whether a rule covers the request. `*` in a rule matches anything; a request for verb
/// `*` (or resource `*`) is covered only by a rule granting `*`.
fn covers(rule: &Value, a: &Attributes) -> bool {
    let matches = |list: &[&str], value: &str| list.contains(&"*") || list.contains(&value);
    let verbs = strings(&rule["verbs"]);
    if !matches(&verbs, &a.verb) {
        return false;
    }
    if a.resource.is_empty() {
        return strings(&rule["nonResourceURLs"])
            .iter()
            .any(|u| *u == "*" || *u == a.path || u.strip_suffix('*').is_some_and(|p| a.path.starts_with(p)));
    }
    let names = strings(&rule["resourceNames"]);
    matches(&strings(&rule["apiGroups"]), &a.group)
        && matches(&strings(&rule["resources"]), &a.resource)
        && (names.is_empty() || (!a.name.is_empty() && names.contains(&a.name.as_str())))
}

/// The RBAC semantics of kubernetes.io/docs/reference/access-authn-authz/rbac, one by one.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn store(role: Value, binding: Value) -> Store {
        let mut store = Store::default();
        let kind = |o: &Value| o["kind"].as_str().unwrap().to_owned();
        for object in [role, binding] {
            let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default().to_owned();
            let plural = format!("rbac.authorization.k8s.io/v1/{}s", kind(&object).to_lowercase());
            let name = object["metadata"]["name"].as_str().unwrap().to_owned();
            store.put((plural, namespace, name), object);
        }
        store
    }

    fn cluster_role(rules: Value) -> Value {
        json!({ "kind": "ClusterRole", "metadata": { "name": "r" }, "rules": rules })
    }

    fn binding(kind: &str, subject_kind: &str, subject: &str) -> Value {
        json!({ "kind": kind, "metadata": { "name": "b", "namespace": "team" },
                "roleRef": { "kind": "ClusterRole", "name": "r" }, "subjects": [{ "kind": subject_kind, "name": subject }] })
    }

    fn ask(verb: &str, group: &str, resource: &str, namespace: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            namespace: namespace.into(),
            name: name.into(),
            path: String::new(),
        }
    }

    fn alice(groups: &[&str]) -> User {
        User { name: "alice".into(), groups: groups.iter().map(|g| g.to_string()).collect() }
    }

    #[test]
    fn a_rule_needs_verb_group_and_resource_to_match() {
        let s = store(
            cluster_role(json!([{ "apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"] }])),
            binding("ClusterRoleBinding", "User", "alice"),
        );
        assert!(authorize(&s, &alice(&[]), &ask("get", "", "configmaps", "team", "x")).0);
        assert!(!authorize(&s, &alice(&[]), &ask("delete", "", "configmaps", "team", "x")).0, "verb");
        assert!(!authorize(&s, &alice(&[]), &ask("get", "apps", "configmaps", "team", "x")).0, "group");
        assert!(!authorize(&s, &alice(&[]), &ask("get", "", "secrets", "team", "x")).0, "resource");
        assert!(
            !authorize(&s, &User { name: "bob".into(), groups: vec![] }, &ask("get", "", "configmaps", "team", "x")).0,
            "subject"
        );
    }

    #[test]
    fn wildcards_grant_everything_and_only_they_satisfy_a_request_for_everything() {
        let s = store(
            cluster_role(json!([{ "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"] }])),
            binding("ClusterRoleBinding", "Group", "admins"),
        );
        assert!(authorize(&s, &alice(&["admins"]), &ask("*", "*", "*", "", "")).0);
        let s = store(
            cluster_role(json!([{ "apiGroups": [""], "resources": ["*"], "verbs": ["get"] }])),
            binding("ClusterRoleBinding", "Group", "admins"),
        );
        assert!(
            !authorize(&s, &alice(&["admins"]), &ask("*", "*", "*", "", "")).0,
            "get on the core group is not everything"
        );
    }

    #[test]
    fn resource_names_limit_a_rule_to_named_objects() {
        let s = store(
            cluster_role(
                json!([{ "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["aws-auth"], "verbs": ["get", "update"] }]),
            ),
            binding("ClusterRoleBinding", "User", "alice"),
        );
        assert!(authorize(&s, &alice(&[]), &ask("update", "", "configmaps", "kube-system", "aws-auth")).0);
        assert!(!authorize(&s, &alice(&[]), &ask("update", "", "configmaps", "kube-system", "other")).0);
        assert!(
            !authorize(&s, &alice(&[]), &ask("list", "", "configmaps", "kube-system", "")).0,
            "a list names no object"
        );
    }

    #[test]
    fn a_role_binding_grants_only_in_its_namespace() {
        let s = store(
            cluster_role(json!([{ "apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"] }])),
            binding("RoleBinding", "User", "alice"),
        );
        assert!(authorize(&s, &alice(&[]), &ask("get", "", "configmaps", "team", "x")).0);
        assert!(!authorize(&s, &alice(&[]), &ask("get", "", "configmaps", "kube-system", "x")).0);
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let s = store(
            cluster_role(json!([{ "nonResourceURLs": ["/version", "/apis/*"], "verbs": ["get"] }])),
            binding("ClusterRoleBinding", "User", "alice"),
        );
        let path = |p: &str| Attributes {
            verb: "get".into(),
            group: String::new(),
            resource: String::new(),
            namespace: String::new(),
            name: String::new(),
            path: p.into(),
        };
        assert!(authorize(&s, &alice(&[]), &path("/version")).0);
        assert!(authorize(&s, &alice(&[]), &path("/apis/rbac.authorization.k8s.io/v1")).0);
        assert!(!authorize(&s, &alice(&[]), &path("/api/v1")).0);
    }

    #[test]
    fn system_masters_needs_no_binding() {
        let s = Store::default();
        assert!(authorize(&s, &alice(&["system:masters"]), &ask("*", "*", "*", "", "")).0);
        assert!(!authorize(&s, &alice(&["system:authenticated"]), &ask("get", "", "configmaps", "", "")).0);
    }
}
