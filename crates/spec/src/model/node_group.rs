//! Node groups: managed or self-managed, always in private subnets.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A group of worker nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeGroup {
    /// Unique within the cluster: letters, digits and hyphens.
    pub name: String,
    /// Managed by EKS, or an Auto Scaling group eksharden manages.
    #[serde(default, rename = "type")]
    pub kind: NodeGroupType,
    /// Which EKS-SG-ROLES role group the nodes join besides the general one.
    #[serde(default)]
    pub role: NodeGroupRole,
    /// The EC2 instance type.
    #[serde(default = "default_instance_type")]
    pub instance_type: String,
    /// Further instance types a managed group may launch, after `instanceType` (EKS chooses
    /// among them; with spot capacity, more types mean fewer interruptions). Of one
    /// architecture, as the group has one AMI type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_instance_types: Vec<String>,
    /// On-demand or spot capacity (spot: managed groups).
    #[serde(default)]
    pub capacity: Capacity,
    /// Lower bound of the group.
    #[serde(default = "default_min")]
    pub min_size: u32,
    /// Upper bound of the group.
    #[serde(default = "default_max")]
    pub max_size: u32,
    /// Nodes wanted now; `minSize` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_size: Option<u32>,
    /// Root volume size in GiB; always encrypted.
    #[serde(default = "default_volume")]
    pub volume_size: u32,
    /// Root volume type.
    #[serde(default)]
    pub volume_type: VolumeType,
    /// Provisioned IOPS of the root volume (gp3: 3000 to 16000; io1 and io2, which need it:
    /// 100 to 64000 and 256000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_iops: Option<u32>,
    /// Throughput of a gp3 root volume in MiB/s (125 to 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_throughput: Option<u32>,
    /// The KMS key that encrypts the root volume (an ARN, a key id or an alias), instead of
    /// the account's default EBS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_kms_key: Option<String>,
    /// Kubernetes labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Kubernetes taints.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// AWS tags of the group, its instances and their volumes, besides the cluster's
    /// (`metadata.tags`); a key in both takes the group's value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Shell commands run on each node before it joins the cluster, in a user-data part of
    /// their own (encoded, so nothing in them can change the user data's structure).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_bootstrap_commands: Vec<String>,
    /// The nodes' operating system: the EKS-optimized Amazon Linux 2023 or Bottlerocket.
    #[serde(default)]
    pub ami_family: AmiFamily,
    /// A custom AMI of the family (self-managed groups), instead of the EKS-optimized one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ami: Option<String>,
    /// A self-managed group with several types or spot capacity launches through a mixed
    /// instances policy: this many instances on demand first (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_base_capacity: Option<u32>,
    /// Of the instances above the base, the percentage on demand (default: 0 with spot
    /// capacity, 100 without).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_percentage_above_base: Option<u32>,
    /// How many nodes an update of a managed group may take down at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateConfig>,
    /// The node subnets the group uses, when not all of them: zones of `vpc.availabilityZones`
    /// (a dedicated VPC) or entries of `vpc.existing.privateSubnets` (an existing one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    /// Security groups of the user's (ids), put on the nodes beside eksharden's; `verify`
    /// reads their rules like the rest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_security_groups: Vec<String>,
    /// An EC2 key pair. Rejected while SSH is locked down (STACKROX-EKS, "Control SSH Access").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_key: Option<String>,
}

impl NodeGroup {
    /// Every instance type the group may launch, `instanceType` first.
    pub fn instance_types(&self) -> Vec<&str> {
        std::iter::once(self.instance_type.as_str())
            .chain(self.extra_instance_types.iter().map(String::as_str))
            .collect()
    }

    /// Whether a self-managed group launches through a mixed instances policy (several
    /// types, or spot capacity).
    pub fn is_mixed(&self) -> bool {
        self.kind == NodeGroupType::SelfManaged
            && (!self.extra_instance_types.is_empty() || self.capacity == Capacity::Spot)
    }

    /// The desired size, defaulting to the minimum.
    pub fn desired(&self) -> u32 {
        self.desired_size.unwrap_or(self.min_size)
    }
}

/// The operating system of a group's nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AmiFamily {
    /// The EKS-optimized Amazon Linux 2023 AMI, joined by nodeadm.
    #[default]
    AmazonLinux2023,
    /// Bottlerocket, configured by TOML settings: its admin container (the SSH path) off,
    /// its control container (Systems Manager) on.
    Bottlerocket,
}

/// How many nodes an update of a managed group may replace at once: one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateConfig {
    /// A number of nodes (1 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<u32>,
    /// A percentage of the group (1 to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable_percentage: Option<u32>,
}

/// Whether an instance type is a Graviton (arm64) one: `m7g`, `c6gn`, `r7gd`.
pub fn is_graviton(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or_default();
    let after_generation =
        family.trim_start_matches(|c: char| c.is_ascii_lowercase()).trim_start_matches(|c: char| c.is_ascii_digit());
    after_generation.starts_with('g')
}

fn default_instance_type() -> String {
    "m6i.large".to_owned()
}
fn default_min() -> u32 {
    2
}
fn default_max() -> u32 {
    4
}
fn default_volume() -> u32 {
    50
}

/// An EBS volume type a root volume can have (st1 and sc1 cannot boot).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VolumeType {
    /// General purpose SSD, with IOPS and throughput of its own.
    #[default]
    Gp3,
    /// General purpose SSD of the previous generation.
    Gp2,
    /// Provisioned IOPS SSD.
    Io1,
    /// Provisioned IOPS SSD, newer.
    Io2,
}

impl VolumeType {
    /// The `VolumeType` EC2 takes.
    pub fn ec2_name(self) -> &'static str {
        match self {
            Self::Gp3 => "gp3",
            Self::Gp2 => "gp2",
            Self::Io1 => "io1",
            Self::Io2 => "io2",
        }
    }
}

/// How a group's instances are bought.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Capacity {
    /// On-demand instances.
    #[default]
    OnDemand,
    /// Spot instances, which EC2 may reclaim (managed groups drain them first).
    Spot,
}

impl Capacity {
    /// The `CapacityType` of a managed node group.
    pub fn eks_name(self) -> &'static str {
        match self {
            Self::OnDemand => "ON_DEMAND",
            Self::Spot => "SPOT",
        }
    }
}

/// Managed or self-managed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NodeGroupType {
    /// `AWS::EKS::Nodegroup` with a launch template.
    #[default]
    Managed,
    /// A launch template and an Auto Scaling group.
    SelfManaged,
}

/// The EKS-SG-ROLES role group a node group joins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NodeGroupRole {
    /// The node-group general group only.
    #[default]
    General,
    /// Also the add-on group (cluster add-ons that call AWS APIs).
    Addon,
    /// Also the app group (workloads behind the load balancer).
    App,
}

/// A Kubernetes taint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value.
    #[serde(default)]
    pub value: String,
    /// The effect.
    pub effect: TaintEffect,
}

/// A taint's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TaintEffect {
    /// Do not schedule pods that do not tolerate it.
    NoSchedule,
    /// Avoid scheduling pods that do not tolerate it.
    PreferNoSchedule,
    /// Evict pods that do not tolerate it.
    NoExecute,
}

impl TaintEffect {
    /// The name EKS managed node groups use (`NO_SCHEDULE`).
    pub fn eks_name(self) -> &'static str {
        match self {
            Self::NoSchedule => "NO_SCHEDULE",
            Self::PreferNoSchedule => "PREFER_NO_SCHEDULE",
            Self::NoExecute => "NO_EXECUTE",
        }
    }

    /// The Kubernetes name (`NoSchedule`).
    pub fn kubernetes_name(self) -> &'static str {
        match self {
            Self::NoSchedule => "NoSchedule",
            Self::PreferNoSchedule => "PreferNoSchedule",
            Self::NoExecute => "NoExecute",
        }
    }
}
