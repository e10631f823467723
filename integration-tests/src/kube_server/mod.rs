//! A test Kubernetes API server that kube-rs talks to unchanged, over real HTTP.
//!
//! It serves ConfigMaps, Namespaces, ClusterRoles, ClusterRoleBindings, Roles,
//! RoleBindings, NetworkPolicies, CustomResourceDefinitions and the resources they define,
//! SubjectAccessReviews and SelfSubjectAccessReviews, and the discovery documents; every
//! object has a resourceVersion and a write with a stale one gets 409. It authenticates
//! EKS tokens as EKS does (see `auth`), authorizes with RBAC (see `rbac`), with
//! `system:masters` bypassing it, and restores the default `cluster-admin` binding at every
//! start unless it is annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`
//! (see `defaults`). A test can make a concurrent edit land just before the next write to
//! an object, and can restart the server on the same port with the same state.

mod auth;
mod defaults;
mod rbac;
mod routes;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use auth::{access_policy_group, Secrets};
pub use defaults::AUTOUPDATE;
pub use store::{Edit, Key};

/// What the server needs to know about its cluster.
pub struct KubeServerOptions {
    /// The cluster name tokens must be signed for.
    pub cluster: String,
    /// The region of its STS endpoint.
    pub region: String,
    /// The emulator that answers STS and EKS calls.
    pub aws: SocketAddr,
    /// The secret keys of the credentials the tests hold.
    pub secrets: Secrets,
    /// The role that created the cluster (mapped to `system:masters` invisibly, as EKS does).
    pub creator: Option<String>,
}

struct Shared {
    store: Mutex<store::Store>,
    auth: auth::Authenticator,
}

/// A running server; stopped when dropped.
pub struct KubeServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl KubeServer {
    /// Starts a server with a new cluster's objects on a free loopback port.
    pub fn start(options: KubeServerOptions) -> Self {
        let mut store = store::Store::default();
        defaults::seed(&mut store);
        let auth = auth::Authenticator {
            cluster: options.cluster,
            region: options.region,
            aws: options.aws,
            secrets: options.secrets,
            creator: options.creator,
        };
        let shared = Arc::new(Shared { store: Mutex::new(store), auth });
        Self::serve(shared, SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    fn serve(shared: Arc<Shared>, address: SocketAddr) -> Self {
        defaults::reconcile(&mut shared.store.lock().unwrap());
        // After a restart the old listener may take a moment to let go of the port.
        let mut bound = tiny_http::Server::http(address);
        for _ in 0..100 {
            if bound.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            bound = tiny_http::Server::http(address);
        }
        let server = Arc::new(bound.expect("the test API server binds"));
        let address = server.server_addr().to_ip().expect("an IP address");
        let thread = {
            let (server, shared) = (server.clone(), shared.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    routes::handle(&shared, request);
                }
            })
        };
        Self { address, shared, server, thread: Some(thread) }
    }

    /// The URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops and starts the server on the same port, keeping every object, as an API server
    /// restart does (and reconciling the defaults, as it does at start).
    pub fn restart(mut self) -> Self {
        self.stop();
        let shared = self.shared.clone();
        let address = self.address;
        drop(self);
        Self::serve(shared, address)
    }

    /// Makes `edit` happen to the object at `key` just before the next write to it, as if
    /// another client wrote first.
    pub fn edit_before_next_write(&self, key: Key, edit: Edit) {
        self.shared.store.lock().unwrap().edit_before_next_write(key, edit);
    }

    /// The stored object at `key`, as the server holds it.
    pub fn object(&self, key: &Key) -> Option<serde_json::Value> {
        self.shared.store.lock().unwrap().get(key).cloned()
    }

    fn stop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for KubeServer {
    fn drop(&mut self) {
        self.stop();
    }
}
