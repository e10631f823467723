//! The security-group profile (AWS-EKS-SG and EKS-SG-ROLES) and the role-based groups of EKS-SG-ROLES.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::{Cidr, Port};

/// Which security groups and rules to create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityGroups {
    /// The control-plane and node rule set.
    #[serde(default)]
    pub profile: SecurityGroupProfile,
    /// The node-group app group: application service ports behind the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<App>,
    /// The load-balancer group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancer>,
    /// The database group, reached from the app group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<Database>,
    /// The cache group, reached from the app group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<Cache>,
}

/// The control-plane and node rule profiles of the EKS security-group guide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SecurityGroupProfile {
    /// "Minimum inbound/outbound traffic" rows: API 443 and kubelet 10250 only.
    #[default]
    Minimum,
    /// "Recommended inbound/outbound traffic" rows: 443 and 1025-65535 to nodes.
    Recommended,
}

/// The node-group app security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct App {
    /// The ports application pods serve, reached from the load balancer.
    pub service_ports: Vec<Port>,
}

/// The load-balancer security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancer {
    /// The listener ports.
    pub listener_ports: Vec<Port>,
    /// Where clients come from; the one place `0.0.0.0/0` ingress is allowed.
    #[serde(default)]
    pub from: Vec<Cidr>,
    /// Managed prefix lists clients come from, like CloudFront's origin-facing list
    /// (EKS-SG-ROLES, "From CloudFront Only").
    #[serde(default)]
    pub from_prefix_lists: Vec<String>,
}

/// The database security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Database {
    /// The database port (MySQL 3306, PostgreSQL 5432, Oracle 1521, SQL Server 1433).
    pub port: Port,
}

/// The cache security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cache {
    /// The cache port (Redis 6379, Memcached 11211).
    pub port: Port,
}
