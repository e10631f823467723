//! Hardening settings: SSH lockdown, control-plane logging, secrets encryption, IMDS.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::network::yes;
use crate::values::{Arn, Port};

/// The hardening settings; every default is the hardened choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hardening {
    /// How SSH to nodes is locked down.
    #[serde(default)]
    pub ssh: SshLockdown,
    /// Control-plane log types sent to CloudWatch Logs.
    #[serde(default = "LogType::all")]
    pub logging: Vec<LogType>,
    /// Envelope encryption of Kubernetes secrets.
    #[serde(default)]
    pub secrets_encryption: SecretsEncryption,
    /// Instance metadata service settings of every node.
    #[serde(default)]
    pub imds: Imds,
    /// Close down the cluster security group EKS makes (STACKROX-EKS, "Close down the cluster
    /// security group"): only 443, 10250 and DNS within the group instead of all traffic, and
    /// no all-traffic outbound rule. Off by default: nodes that carry only that group (EKS
    /// gives it to managed nodes without a launch template of their own) need more, which
    /// `create` and `harden` check before changing anything.
    #[serde(default)]
    pub close_cluster_security_group: bool,
}

impl Default for Hardening {
    fn default() -> Self {
        Self {
            ssh: SshLockdown::default(),
            logging: LogType::all(),
            secrets_encryption: SecretsEncryption::default(),
            imds: Imds::default(),
            close_cluster_security_group: false,
        }
    }
}

/// SSH to nodes only from the bastion subnet (STACKROX-EKS, "Control SSH Access to Nodes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SshLockdown {
    /// Node-subnet network ACL: each guarded port from the bastion subnet, then an explicit deny.
    #[serde(default = "yes")]
    pub nacl: bool,
    /// The sensitive ports ("sensitive ports like ssh", STACKROX-EKS) that reach nodes only
    /// from the bastion: guarded by the node-subnet ACL and checked by `verify`.
    #[serde(default = "default_guarded_ports")]
    pub guarded_ports: Vec<Port>,
    /// A NetworkPolicy blocking pod egress to port 22.
    #[serde(default = "yes")]
    pub network_policy: bool,
}

impl SshLockdown {
    /// Whether any SSH lockdown is on, which forbids SSH keys on node groups.
    pub fn is_on(&self) -> bool {
        self.nacl || self.network_policy
    }
}

impl Default for SshLockdown {
    fn default() -> Self {
        Self { nacl: true, guarded_ports: default_guarded_ports(), network_policy: true }
    }
}

/// Whether a stateless network ACL can deny `port` inbound: only below the ephemeral range
/// (1024-65535), since a deny inside it would also drop the replies to connections the nodes
/// make. A guarded port above it (3389) is left to the security groups, which are stateful.
pub fn acl_can_guard(port: u16) -> bool {
    port < 1024
}

/// The ports guarded when a spec names none: SSH and RDP.
pub const GUARDED_PORTS: [u16; 2] = [22, 3389];

fn default_guarded_ports() -> Vec<Port> {
    GUARDED_PORTS.iter().map(|&p| Port(p)).collect()
}

/// A control-plane log type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LogType {
    /// API server logs.
    Api,
    /// Audit logs.
    Audit,
    /// Authenticator logs.
    Authenticator,
    /// Controller manager logs.
    ControllerManager,
    /// Scheduler logs.
    Scheduler,
}

impl LogType {
    /// All five types.
    pub fn all() -> Vec<Self> {
        vec![Self::Api, Self::Audit, Self::Authenticator, Self::ControllerManager, Self::Scheduler]
    }

    /// The EKS name of the type.
    pub fn eks_name(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Audit => "audit",
            Self::Authenticator => "authenticator",
            Self::ControllerManager => "controllerManager",
            Self::Scheduler => "scheduler",
        }
    }
}

/// Envelope encryption of secrets with KMS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretsEncryption {
    /// An existing KMS key; absent or null: eksharden creates one.
    #[serde(default)]
    pub kms_key_arn: Option<Arn>,
}

/// Instance metadata service settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Imds {
    /// IMDSv2 only.
    #[serde(default = "yes")]
    pub tokens_required: bool,
    /// Hop limit of the metadata response; 1 keeps it from pods on the node network.
    #[serde(default = "default_hop_limit")]
    pub hop_limit: u8,
}

fn default_hop_limit() -> u8 {
    1
}

impl Default for Imds {
    fn default() -> Self {
        Self { tokens_required: true, hop_limit: 1 }
    }
}
