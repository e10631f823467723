//! The VPC: address space, zones, NAT, bastion, VPC endpoints, and API endpoint access.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Cidr;

/// How many zones `create` takes from the region when a spec names none (as eksctl does).
pub const ZONES_FROM_REGION: usize = 3;

/// Zone ids where EKS does not place a cluster's control plane (AWS-EKS-NETWORK).
pub const ZONE_IDS_NOT_FOR_EKS: [&str; 3] = ["use1-az3", "usw1-az2", "cac1-az3"];

/// The dedicated VPC of the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vpc {
    /// The VPC's CIDR block, /16 to /20 when subnets are laid out automatically.
    pub cidr: Cidr,
    /// At least two availability zones of the region. Without them (as eksctl takes a file
    /// that names none), `create` chooses the region's zones; see `zones_from_region`.
    #[serde(default)]
    pub availability_zones: Vec<String>,
    /// Set by the loader when the spec names no zones: `availability_zones` then holds the
    /// zones assumed for `validate` and `render` (the region's a, b and c), and `create`
    /// replaces them with zones the region offers to EKS, read from EC2. Not part of the file.
    #[serde(skip)]
    #[schemars(skip)]
    pub zones_from_region: bool,
    /// Subnet blocks per zone; laid out from `cidr` when absent. With `existing`, filled by
    /// `create` from the given subnets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnets: Option<Subnets>,
    /// An existing VPC to create the cluster in, instead of a dedicated one: eksharden then
    /// creates only what it owns in it (its security groups, the bastion subnet, VPC
    /// endpoints and flow logs where the spec asks for them), and never edits the VPC's
    /// subnets, routes or network ACLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingVpc>,
    /// How private subnets reach the internet.
    #[serde(default)]
    pub nat: NatMode,
    /// A bastion subnet with its own network ACL, the only SSH path to nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bastion: Option<Bastion>,
    /// CIDR blocks of a VPN or Direct Connect network that reaches the VPC privately;
    /// an operator path to a private-only endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpn_cidrs: Vec<Cidr>,
    /// AWS services reached through VPC endpoints, with their own security group.
    #[serde(default)]
    pub endpoints: Vec<VpcEndpointService>,
    /// VPC flow logs to CloudWatch Logs.
    #[serde(default = "yes")]
    pub flow_logs: bool,
    /// The address family of pods and services. `IPv6` makes the VPC dual-stack (an
    /// Amazon-provided /56, a /64 per subnet, an egress-only internet gateway for the
    /// private subnets) and the cluster an EKS IPv6 cluster, as eksctl's
    /// `kubernetesNetworkConfig.ipFamily: IPv6` does.
    #[serde(default)]
    pub ip_family: IpFamily,
}

/// An existing VPC, by id, with its subnets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExistingVpc {
    /// The VPC's id (`vpc-...`); `vpc.cidr` must be one of its blocks.
    pub id: String,
    /// The node subnets, by id (`subnet-...`) or by their block: no route to an internet
    /// gateway, no public addresses, in at least two zones; `create` checks each.
    pub private_subnets: Vec<String>,
    /// Load-balancer subnets, by id or block (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_subnets: Vec<String>,
    /// What `create` read from EC2 (not part of the file).
    #[serde(skip)]
    #[schemars(skip)]
    pub resolved: Option<ResolvedVpc>,
    /// Set by the loader when the file gives no `vpc.cidr` (an eksctl file): `create` takes
    /// the VPC's own block. Not part of the file.
    #[serde(skip)]
    #[schemars(skip)]
    pub cidr_from_vpc: bool,
}

/// An existing VPC as `create` read it: its subnets' ids, and the route tables eksharden's
/// own resources use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVpc {
    /// The node subnets' ids, in the order given.
    pub private_subnet_ids: Vec<String>,
    /// The load-balancer subnets' ids, in the order given.
    pub public_subnet_ids: Vec<String>,
    /// The route tables of the node subnets (a gateway endpoint is added to them).
    pub private_route_tables: Vec<String>,
    /// The route table of the first public subnet, for the bastion subnet (none: the
    /// bastion subnet gets a table of its own without a route out).
    pub public_route_table: Option<String>,
}

impl ExistingVpc {
    /// Whether `entry` names a subnet by id (else by its block).
    pub fn is_subnet_id(entry: &str) -> bool {
        entry.starts_with("subnet-")
    }
}

/// The address family of a cluster's pods and services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum IpFamily {
    /// IPv4 (EKS's default).
    #[default]
    #[serde(rename = "IPv4")]
    Ipv4,
    /// IPv6: pods and services get IPv6 addresses; nodes are dual-stack.
    #[serde(rename = "IPv6")]
    Ipv6,
}

pub(crate) fn yes() -> bool {
    true
}

/// Explicit subnet blocks, one per availability zone, in the order of `availabilityZones`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subnets {
    /// Node subnets: no route to the internet gateway, no public IPs.
    pub private: Vec<Cidr>,
    /// Load-balancer and NAT subnets.
    pub public: Vec<Cidr>,
}

/// NAT gateways for the private subnets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum NatMode {
    /// One NAT gateway for all zones.
    Single,
    /// One NAT gateway per zone.
    #[default]
    HighlyAvailable,
    /// No NAT: nodes reach AWS only through VPC endpoints.
    None,
}

/// The bastion subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bastion {
    /// The bastion subnet's block, inside the VPC and apart from the other subnets.
    pub cidr: Cidr,
    /// Where SSH to the bastion may come from.
    #[serde(default)]
    pub allow_ssh_from: Vec<Cidr>,
}

/// An AWS service reached through a VPC endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum VpcEndpointService {
    /// Amazon ECR API.
    #[serde(rename = "ecr.api")]
    EcrApi,
    /// Amazon ECR Docker registry.
    #[serde(rename = "ecr.dkr")]
    EcrDkr,
    /// Amazon S3 (a gateway endpoint).
    #[serde(rename = "s3")]
    S3,
    /// AWS STS.
    #[serde(rename = "sts")]
    Sts,
    /// Amazon EC2.
    #[serde(rename = "ec2")]
    Ec2,
    /// CloudWatch Logs.
    #[serde(rename = "logs")]
    Logs,
    /// Amazon EKS.
    #[serde(rename = "eks")]
    Eks,
    /// EKS Pod Identity.
    #[serde(rename = "eks-auth")]
    EksAuth,
    /// Elastic Load Balancing.
    #[serde(rename = "elasticloadbalancing")]
    ElasticLoadBalancing,
    /// Systems Manager (Session Manager needs ssm, ssmmessages and ec2messages).
    #[serde(rename = "ssm")]
    Ssm,
    /// Session Manager messages.
    #[serde(rename = "ssmmessages")]
    SsmMessages,
    /// EC2 messages, for the SSM agent.
    #[serde(rename = "ec2messages")]
    Ec2Messages,
    /// AWS KMS.
    #[serde(rename = "kms")]
    Kms,
}

impl VpcEndpointService {
    /// The service's name in `com.amazonaws.REGION.NAME`.
    pub fn name(self) -> &'static str {
        match self {
            Self::EcrApi => "ecr.api",
            Self::EcrDkr => "ecr.dkr",
            Self::S3 => "s3",
            Self::Sts => "sts",
            Self::Ec2 => "ec2",
            Self::Logs => "logs",
            Self::Eks => "eks",
            Self::EksAuth => "eks-auth",
            Self::ElasticLoadBalancing => "elasticloadbalancing",
            Self::Ssm => "ssm",
            Self::SsmMessages => "ssmmessages",
            Self::Ec2Messages => "ec2messages",
            Self::Kms => "kms",
        }
    }

    /// Whether AWS offers this service as a gateway endpoint (route-table based) rather
    /// than an interface endpoint (ENIs with a security group).
    pub fn is_gateway(self) -> bool {
        self == Self::S3
    }

    /// The endpoints Systems Manager's Session Manager needs, the way into nodes instead of
    /// SSH (STACKROX-EKS).
    pub const SESSION_MANAGER: [Self; 3] = [Self::Ssm, Self::SsmMessages, Self::Ec2Messages];

    /// The endpoints nodes need to join a cluster and pull images with no NAT (the set
    /// eksctl requires for fully private clusters).
    pub const REQUIRED_WITHOUT_NAT: [Self; 5] = [Self::EcrApi, Self::EcrDkr, Self::S3, Self::Sts, Self::Ec2];
}

/// Access to the Kubernetes API endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointAccess {
    /// The endpoint is reachable from inside the VPC.
    #[serde(default = "yes")]
    pub private: bool,
    /// The endpoint is reachable from the internet, from `publicAccessCidrs` only.
    #[serde(default)]
    pub public: bool,
    /// Where the public endpoint may be reached from; never `0.0.0.0/0`.
    #[serde(default)]
    pub public_access_cidrs: Vec<Cidr>,
}

impl Default for EndpointAccess {
    fn default() -> Self {
        Self { private: true, public: false, public_access_cidrs: Vec::new() }
    }
}
