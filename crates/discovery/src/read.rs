//! What the AWS edge reads for discovery, as plain data: the cluster's configuration, its
//! managed node groups with their launch templates, and the VPC with its instances.

use std::collections::HashMap;

use eksharden_net::model::Model;
use eksharden_net::posture::Imds;

/// The cluster's configuration.
#[derive(Debug, Clone, Default)]
pub struct ClusterInfo {
    /// The cluster's ARN.
    pub arn: String,
    /// The cluster's tags.
    pub tags: HashMap<String, String>,
    /// The API server endpoint.
    pub endpoint: String,
    /// The cluster CA, base64.
    pub certificate_authority: String,
    /// The VPC id.
    pub vpc: String,
    /// The control plane's subnets.
    pub subnets: Vec<String>,
    /// The security group EKS created.
    pub cluster_group: Option<String>,
    /// The additional security groups.
    pub additional_groups: Vec<String>,
    /// Private endpoint access.
    pub private: bool,
    /// Public endpoint access.
    pub public: bool,
    /// The blocks admitted to the public endpoint.
    pub public_cidrs: Vec<String>,
    /// The enabled log types.
    pub logging: Vec<String>,
    /// The KMS key for secrets.
    pub secrets_key: Option<String>,
    /// The authentication mode.
    pub authentication_mode: Option<String>,
    /// The Kubernetes version.
    pub version: Option<String>,
    /// Whether the cluster's pods and services use IPv6 (`kubernetesNetworkConfig.ipFamily`).
    pub ipv6: bool,
    /// EKS Auto Mode's built-in node pools, when Auto Mode is on.
    pub auto_mode_pools: Option<Vec<String>>,
    /// The `vpc-cni` add-on, read apart from the cluster (whether its configuration turns a
    /// pod-networking mode on decides where pods are).
    pub vpc_cni: eksharden_net::posture::VpcCniAddon,
    /// The cluster's OIDC issuer URL.
    pub oidc_issuer: Option<String>,
}

/// A managed node group.
#[derive(Debug, Clone, Default)]
pub struct ManagedNodeGroup {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its tags.
    pub tags: HashMap<String, String>,
    /// The subnets it launches into.
    pub subnets: Vec<String>,
    /// Its largest size.
    pub max_size: i32,
    /// The SSH key of its remote access settings.
    pub ssh_key: Option<String>,
    /// The security group EKS made for remote access.
    pub remote_access_group: Option<String>,
    /// The ARN of the IAM role its nodes run as.
    pub node_role: Option<String>,
    /// Its launch template's settings, when it has one and it could be read.
    pub launch_template: Option<LaunchTemplate>,
    /// What about it could not be read (its description, its launch template), and why.
    pub unread: Vec<String>,
}

/// The settings of a launch template version that matter here.
#[derive(Debug, Clone, Default)]
pub struct LaunchTemplate {
    /// Its id and version, for the report.
    pub name: String,
    /// Security groups (directly or on its network interfaces).
    pub groups: Vec<String>,
    /// Instance metadata settings.
    pub imds: Option<Imds>,
    /// An SSH key.
    pub key_name: Option<String>,
}

/// An instance in the VPC, as far as discovery needs it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The instance id.
    pub id: String,
    /// Its tags.
    pub tags: HashMap<String, String>,
    /// The SSH key it was launched with.
    pub key_name: Option<String>,
    /// Whether IMDSv2 is required, and the hop limit.
    pub imds: Option<Imds>,
    /// Its network interfaces, the primary one first.
    pub enis: Vec<String>,
    /// The ARN of its instance profile, if it has one.
    pub instance_profile: Option<String>,
}

/// What EC2 says about a VPC: the model, plus what roles are built from.
pub struct Network {
    /// The model, with the real interfaces.
    pub model: Model,
    /// Running and pending instances.
    pub instances: Vec<Instance>,
    /// The tags of each security group and subnet, by id.
    pub tags: HashMap<String, HashMap<String, String>>,
    /// The description of each interface, by id.
    pub descriptions: HashMap<String, String>,
    /// What could not be read (a part of the VPC, prefix lists).
    pub notes: Vec<String>,
}
