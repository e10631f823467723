//! The Kubernetes manifests eksharden applies, from the repository's `manifests/` folder.

use eksharden_spec::model::ClusterSpec;

/// A manifest file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manifest {
    /// The file name, as written by `render`.
    pub file_name: &'static str,
    /// The YAML text.
    pub content: &'static str,
    /// What it is for.
    pub purpose: &'static str,
}

/// The NetworkPolicy that blocks pod egress to port 22, applied in every namespace.
pub const DENY_POD_SSH_EGRESS: Manifest = Manifest {
    file_name: "deny-pod-ssh-egress.yaml",
    content: include_str!("../../../manifests/deny-pod-ssh-egress.yaml"),
    purpose: "NetworkPolicy: no pod egress to port 22 (STACKROX-EKS)",
};

/// The Calico GlobalNetworkPolicy that denies pod egress to port 22, where Calico runs.
pub const CALICO_DENY_SSH_EGRESS: Manifest = Manifest {
    file_name: "calico-deny-ssh-egress.yaml",
    content: include_str!("../../../manifests/calico-deny-ssh-egress.yaml"),
    purpose: "Calico GlobalNetworkPolicy: deny pod egress to port 22 (STACKROX-EKS), applied where its CRD exists",
};

/// The ClusterRoleBindings of the admin and viewer groups.
pub const RBAC_BINDINGS: Manifest = Manifest {
    file_name: "rbac-bindings.yaml",
    content: include_str!("../../../manifests/rbac-bindings.yaml"),
    purpose: "ClusterRoleBindings: eksharden:admins to cluster-admin, eksharden:viewers to view",
};

/// The manifests a spec calls for.
pub fn manifests(spec: &ClusterSpec) -> Vec<Manifest> {
    let mut manifests = vec![RBAC_BINDINGS];
    if spec.hardening.ssh.network_policy {
        manifests.extend([DENY_POD_SSH_EGRESS, CALICO_DENY_SSH_EGRESS]);
    }
    manifests
}
