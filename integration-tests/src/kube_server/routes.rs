//! Requests: authenticate, parse the path, authorize, then act on the store.

use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response};

use super::rbac::{authorize, Attributes, User};
use super::store::Store;
use super::Shared;

/// A served resource.
struct Resource {
    group: String,
    version: String,
    plural: String,
    kind: String,
    namespaced: bool,
}

impl Resource {
    fn new(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool) -> Self {
        Self { group: group.into(), version: version.into(), plural: plural.into(), kind: kind.into(), namespaced }
    }

    /// The store's name for the resource.
    fn key(&self) -> String {
        if self.group.is_empty() {
            format!("{}/{}", self.version, self.plural)
        } else {
            format!("{}/{}/{}", self.group, self.version, self.plural)
        }
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The built-in resources and those the stored CRDs define.
fn resources(store: &Store) -> Vec<Resource> {
    let mut served = vec![
        Resource::new("", "v1", "configmaps", "ConfigMap", true),
        Resource::new("", "v1", "namespaces", "Namespace", false),
        Resource::new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        Resource::new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
        Resource::new("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        Resource::new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
        Resource::new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
        Resource::new("apps", "v1", "daemonsets", "DaemonSet", true),
        Resource::new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
        Resource::new("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false),
        Resource::new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
    ];
    for crd in store.list("apiextensions.k8s.io/v1/customresourcedefinitions", None) {
        let spec = &crd["spec"];
        for version in spec["versions"].as_array().into_iter().flatten().filter_map(|v| v["name"].as_str()) {
            served.push(Resource::new(
                spec["group"].as_str().unwrap_or_default(),
                version,
                spec["names"]["plural"].as_str().unwrap_or_default(),
                spec["names"]["kind"].as_str().unwrap_or_default(),
                spec["scope"] == "Namespaced",
            ));
        }
    }
    served
}

/// A parsed resource path.
struct Target {
    resource: Resource,
    namespace: String,
    name: String,
}

fn parse(store: &Store, path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (namespace, plural, name) = match rest {
        ["namespaces", ns, plural] => (*ns, *plural, ""),
        ["namespaces", ns, plural, name] => (*ns, *plural, *name),
        [plural] => ("", *plural, ""),
        [plural, name] => ("", *plural, *name),
        _ => return None,
    };
    let resource =
        resources(store).into_iter().find(|r| r.group == group && r.version == version && r.plural == plural)?;
    Some(Target { resource, namespace: namespace.into(), name: name.into() })
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    (
        code,
        json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code }),
    )
}

/// Answers one request.
pub(super) fn handle(shared: &Shared, mut request: Request) {
    let mut body = String::new();
    let _ = request.as_reader().read_to_string(&mut body);
    let token = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .and_then(|h| h.value.as_str().strip_prefix("Bearer ").map(str::to_owned));
    let method = request.method().clone();
    let path = request.url().split('?').next().unwrap_or_default().to_owned();
    let (code, answer) = {
        let mut store = shared.store.lock().unwrap();
        match token.map(|t| shared.auth.authenticate(&store, &t)) {
            None => status(401, "Unauthorized", "no bearer token"),
            Some(Err(why)) => status(401, "Unauthorized", &why),
            Some(Ok(user)) => respond(&mut store, &user, &method, &path, &body),
        }
    };
    let header = Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    let response = Response::from_string(answer.to_string()).with_status_code(code).with_header(header);
    let _ = request.respond(response);
}

fn verb(method: &Method, named: bool) -> &'static str {
    match (method, named) {
        (Method::Get, true) => "get",
        (Method::Get, false) => "list",
        (Method::Post, _) => "create",
        (Method::Put, _) => "update",
        (Method::Patch, _) => "patch",
        (Method::Delete, _) => "delete",
        _ => "unknown",
    }
}

fn respond(store: &mut Store, user: &User, method: &Method, path: &str, body: &str) -> (u16, Value) {
    let Some(target) = parse(store, path) else {
        let attributes = Attributes {
            verb: "get".into(),
            group: String::new(),
            resource: String::new(),
            namespace: String::new(),
            name: String::new(),
            path: path.into(),
        };
        let (allowed, reason) = authorize(store, user, &attributes);
        if !allowed {
            return status(403, "Forbidden", &reason);
        }
        return discovery(store, path)
            .unwrap_or_else(|| status(404, "NotFound", &format!("the server could not find {path}")));
    };
    let attributes = Attributes {
        verb: verb(method, !target.name.is_empty()).into(),
        group: target.resource.group.clone(),
        resource: target.resource.plural.clone(),
        namespace: target.namespace.clone(),
        name: target.name.clone(),
        path: String::new(),
    };
    let (allowed, reason) = authorize(store, user, &attributes);
    if !allowed {
        return status(
            403,
            "Forbidden",
            &format!("{:?} cannot {} {}: {reason}", user.name, attributes.verb, target.resource.plural),
        );
    }
    let key = (target.resource.key(), target.namespace.clone(), target.name.clone());
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    match (method, target.name.is_empty()) {
        (Method::Get, true) => {
            let namespace = (!target.namespace.is_empty()).then_some(target.namespace.as_str());
            let items = store.list(&target.resource.key(), namespace);
            (
                200,
                json!({ "apiVersion": target.resource.api_version(), "kind": format!("{}List", target.resource.kind), "metadata": { "resourceVersion": store.version().to_string() }, "items": items }),
            )
        }
        (Method::Get, false) => match store.get(&key) {
            Some(object) => (200, object.clone()),
            None => status(404, "NotFound", &format!("{} {:?} not found", target.resource.plural, target.name)),
        },
        (Method::Post, true) if target.resource.group == "authorization.k8s.io" => {
            review(store, user, &target.resource, parsed)
        }
        (Method::Post, true) => {
            let Some(mut object) = parsed else { return status(400, "BadRequest", "the body is not JSON") };
            let name = object["metadata"]["name"].as_str().unwrap_or_default().to_owned();
            let key = (target.resource.key(), target.namespace.clone(), name.clone());
            if store.get(&key).is_some() {
                return status(409, "AlreadyExists", &format!("{} {name:?} already exists", target.resource.plural));
            }
            object["metadata"].as_object_mut().map(|m| m.remove("resourceVersion"));
            (201, store.put(key, typed(object, &target.resource)))
        }
        (Method::Put, false) => {
            store.run_edits(&key);
            let Some(current) = store.get(&key) else {
                return status(404, "NotFound", &format!("{} {:?} not found", target.resource.plural, target.name));
            };
            let Some(object) = parsed else { return status(400, "BadRequest", "the body is not JSON") };
            let sent = object["metadata"]["resourceVersion"].as_str().unwrap_or_default();
            if !sent.is_empty() && sent != current["metadata"]["resourceVersion"].as_str().unwrap_or_default() {
                return status(409, "Conflict", &format!("Operation cannot be fulfilled on {} {:?}: the object has been modified; please apply your changes to the latest version and try again", target.resource.plural, target.name));
            }
            (200, store.put(key, typed(object, &target.resource)))
        }
        (Method::Delete, false) => match store.delete(&key) {
            Some(object) => (200, object),
            None => status(404, "NotFound", &format!("{} {:?} not found", target.resource.plural, target.name)),
        },
        _ => status(405, "MethodNotAllowed", &format!("{method} is not served on {path}")),
    }
}

fn typed(mut object: Value, resource: &Resource) -> Value {
    object["apiVersion"] = json!(resource.api_version());
    object["kind"] = json!(resource.kind);
    object
}

/// A SubjectAccessReview (for the user and groups it names) or a SelfSubjectAccessReview
/// (for the caller), answered by the same authorizer as every request.
fn review(store: &Store, caller: &User, resource: &Resource, body: Option<Value>) -> (u16, Value) {
    let Some(mut review) = body else { return status(400, "BadRequest", "the body is not JSON") };
    let spec = review["spec"].clone();
    let subject = if resource.plural == "selfsubjectaccessreviews" {
        caller.clone()
    } else {
        User {
            name: spec["user"].as_str().unwrap_or_default().into(),
            groups: spec["groups"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect(),
        }
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let attributes = match (&spec["resourceAttributes"], &spec["nonResourceAttributes"]) {
        (r, _) if r.is_object() => Attributes {
            verb: text(&r["verb"]),
            group: text(&r["group"]),
            resource: text(&r["resource"]),
            namespace: text(&r["namespace"]),
            name: text(&r["name"]),
            path: String::new(),
        },
        (_, n) => Attributes {
            verb: text(&n["verb"]),
            group: String::new(),
            resource: String::new(),
            namespace: String::new(),
            name: String::new(),
            path: text(&n["path"]),
        },
    };
    let (allowed, reason) = authorize(store, &subject, &attributes);
    review["status"] = json!({ "allowed": allowed, "reason": reason });
    review["metadata"] = json!({});
    (201, typed(review, resource))
}

/// `/version`, `/api`, `/apis` and the resource lists of each group version.
fn discovery(store: &Store, path: &str) -> Option<(u16, Value)> {
    let served = resources(store);
    let path = path.trim_end_matches('/');
    let document = match path {
        "/version" => {
            json!({ "major": "1", "minor": "31", "gitVersion": "v1.31.0-eks-test", "platform": "linux/amd64" })
        }
        "/api" => json!({ "kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [] }),
        "/apis" => {
            let mut groups: Vec<(String, String)> =
                served.iter().filter(|r| !r.group.is_empty()).map(|r| (r.group.clone(), r.version.clone())).collect();
            groups.sort();
            groups.dedup();
            let groups: Vec<Value> = groups
                .iter()
                .map(|(g, v)| json!({ "name": g, "versions": [{ "groupVersion": format!("{g}/{v}"), "version": v }], "preferredVersion": { "groupVersion": format!("{g}/{v}"), "version": v } }))
                .collect();
            json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
        }
        _ => {
            let group_version = path.strip_prefix("/api/").or_else(|| path.strip_prefix("/apis/"))?;
            let listed: Vec<Value> = served
                .iter()
                .filter(|r| r.api_version() == group_version)
                .map(|r| json!({ "name": r.plural, "singularName": "", "namespaced": r.namespaced, "kind": r.kind, "verbs": ["create", "delete", "get", "list", "update"] }))
                .collect();
            if listed.is_empty() {
                return None;
            }
            json!({ "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": listed })
        }
    };
    Some((200, document))
}
