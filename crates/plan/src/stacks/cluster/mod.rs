//! The `cluster` stack: the EKS cluster, its secrets key, access entries, and the EKS-SG-ROLES
//! outbound rule of the cluster security group EKS creates; its add-ons, Fargate profiles
//! and EKS Auto Mode settings.

mod addons;
mod compute;

use eksharden_spec::model::{AccessMode, ClusterSpec, CreatorRole, IpFamily};
use eksharden_spec::values::Cidr;
use serde_json::{json, Value};

use super::{Context, Inputs};
use crate::cfn::{get_att, reference, sub, Template};
use crate::graph::{OutputRef, Stack, StackKind};
use crate::rules::Group;
use crate::stacks::{iam, network, security_groups};

/// Outputs other stacks read.
pub mod outputs {
    /// The cluster name.
    pub const CLUSTER_NAME: &str = "ClusterName";
    /// The API server endpoint URL.
    pub const ENDPOINT: &str = "Endpoint";
    /// The cluster CA, base64.
    pub const CERTIFICATE_AUTHORITY: &str = "CertificateAuthorityData";
    /// The security group EKS created for the cluster.
    pub const CLUSTER_SECURITY_GROUP_ID: &str = "ClusterSecurityGroupId";
    /// The Kubernetes service block EKS assigned to an IPv6 cluster (from fc00::/7).
    pub const SERVICE_IPV6_CIDR: &str = "ServiceIpv6Cidr";
    /// The cluster's OIDC issuer URL (made when the spec needs the OIDC provider).
    pub const OIDC_ISSUER_URL: &str = "OidcIssuerUrl";
}

/// The Kubernetes groups eksharden maps admins and viewers to, bound by RBAC to
/// `cluster-admin` and `view` (never `system:masters`, STACKROX-EKS).
pub mod groups {
    /// Administrators.
    pub const ADMINS: &str = "eksharden:admins";
    /// Read-only users.
    pub const VIEWERS: &str = "eksharden:viewers";
}

/// The cluster stack.
pub fn stack(cx: &Context) -> Stack {
    let spec = cx.spec;
    let mut t = Template::new(format!("eksharden {}: EKS cluster", cx.cluster()));
    let mut inputs = Inputs::default();
    inputs.bind(
        &mut t,
        "PrivateSubnetIds",
        "List<AWS::EC2::Subnet::Id>",
        "Control-plane ENI subnets (private)",
        StackKind::Network,
        network::outputs::PRIVATE_SUBNET_IDS,
    );
    inputs.bind(
        &mut t,
        "ControlPlaneSecurityGroupId",
        "AWS::EC2::SecurityGroup::Id",
        "The additional cluster security group",
        StackKind::SecurityGroups,
        &security_groups::output_name(Group::ControlPlane),
    );
    inputs.bind(
        &mut t,
        "ClusterRoleArn",
        "String",
        "The EKS cluster service role",
        StackKind::Iam,
        iam::outputs::CLUSTER_ROLE_ARN,
    );

    let key_arn = match &spec.hardening.secrets_encryption.kms_key_arn {
        Some(arn) => Value::String(arn.to_string()),
        None => {
            secrets_key(cx, &mut t);
            get_att("SecretsKey", "Arn")
        }
    };
    let access = &spec.access;
    let endpoint = &spec.endpoint_access;
    let mut vpc_config = json!({
        "SubnetIds": reference("PrivateSubnetIds"),
        "SecurityGroupIds": [reference("ControlPlaneSecurityGroupId")],
        "EndpointPrivateAccess": endpoint.private,
        "EndpointPublicAccess": endpoint.public,
    });
    if endpoint.public {
        vpc_config["PublicAccessCidrs"] = endpoint.public_access_cidrs.iter().map(ToString::to_string).collect();
    }
    let mut cluster = json!({
        "Name": cx.cluster(),
        "Version": spec.metadata.version,
        "RoleArn": reference("ClusterRoleArn"),
        "ResourcesVpcConfig": vpc_config,
        "KubernetesNetworkConfig": match spec.vpc.ip_family {
            IpFamily::Ipv4 => json!({ "IpFamily": "ipv4", "ServiceIpv4Cidr": service_cidr(spec).to_string() }),
            // EKS assigns an IPv6 cluster's service block itself.
            IpFamily::Ipv6 => json!({ "IpFamily": "ipv6" }),
        },
        "Logging": { "ClusterLogging": { "EnabledTypes": spec.hardening.logging.iter().map(|l| json!({ "Type": l.eks_name() })).collect::<Vec<_>>() } },
        "EncryptionConfig": [{ "Provider": { "KeyArn": key_arn }, "Resources": ["secrets"] }],
        "AccessConfig": {
            "AuthenticationMode": access.mode.eks_name(),
            // STACKROX-EKS: the creator keeps no admin access. EKS requires the bootstrap
            // entry in CONFIG_MAP mode; there the hardening steps remove it from aws-auth.
            "BootstrapClusterCreatorAdminPermissions": access.mode == AccessMode::AwsAuth,
        },
        "Tags": cx.tag_list("cluster"),
    });
    if spec.auto_mode_on() {
        compute::auto_mode(cx, &mut t, &mut inputs, &mut cluster);
    }
    t.resource("Cluster", "AWS::EKS::Cluster", cluster);
    if access.mode.uses_access_entries() {
        access_entries(cx, &mut t);
    }
    // EKS-SG-ROLES, "Cluster Security Group", outbound: TCP 443 to itself (APIServer).
    t.resource(
        "ClusterSecurityGroupEgressApiServer",
        "AWS::EC2::SecurityGroupEgress",
        json!({
            "GroupId": get_att("Cluster", "ClusterSecurityGroupId"),
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "DestinationSecurityGroupId": get_att("Cluster", "ClusterSecurityGroupId"),
            "Description": "EKS-SG-ROLES Cluster Security Group (MySelf) - APIServer; AWS-EKS-SG restricting cluster traffic: outbound TCP 443",
        }),
    );

    addons::addons(cx, &mut t, &mut inputs);
    compute::fargate_profiles(cx, &mut t, &mut inputs);

    t.output(outputs::CLUSTER_NAME, reference("Cluster"), "The EKS cluster");
    t.output("ClusterArn", get_att("Cluster", "Arn"), "The EKS cluster ARN");
    t.output(outputs::ENDPOINT, get_att("Cluster", "Endpoint"), "The API server endpoint");
    t.output(outputs::CERTIFICATE_AUTHORITY, get_att("Cluster", "CertificateAuthorityData"), "The cluster CA");
    t.output(
        outputs::CLUSTER_SECURITY_GROUP_ID,
        get_att("Cluster", "ClusterSecurityGroupId"),
        "The security group EKS created",
    );
    if spec.identity.needs_oidc_provider() {
        t.output(outputs::OIDC_ISSUER_URL, get_att("Cluster", "OpenIdConnectIssuerUrl"), "The cluster's OIDC issuer");
    }
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        t.output(
            outputs::SERVICE_IPV6_CIDR,
            get_att("Cluster", "KubernetesNetworkConfig.ServiceIpv6Cidr"),
            "The Kubernetes service block EKS assigned",
        );
    }

    let service_role = (access.creator_role == CreatorRole::Dedicated)
        .then(|| OutputRef { stack: StackKind::Iam, output: iam::outputs::CREATOR_ROLE_ARN.into() });
    Stack {
        kind: StackKind::Cluster,
        stack_name: StackKind::Cluster.stack_name(cx.cluster()),
        template: t.build(),
        parameters: inputs.into_bindings(),
        service_role,
        named_iam: false,
    }
}

/// The Kubernetes service block: EKS's usual choice, 172.20.0.0/16, or 10.100.0.0/16 when
/// that overlaps the VPC or a VPN range. Set explicitly so self-managed nodes can be told it.
pub fn service_cidr(spec: &ClusterSpec) -> Cidr {
    let candidates = ["172.20.0.0/16", "10.100.0.0/16"].map(|c| c.parse::<Cidr>().expect("a valid block"));
    let clashes = |c: &Cidr| c.overlaps(&spec.vpc.cidr) || spec.vpc.vpn_cidrs.iter().any(|v| v.overlaps(c));
    candidates.iter().find(|c| !clashes(c)).copied().unwrap_or(candidates[1])
}

fn secrets_key(cx: &Context, t: &mut Template) {
    t.resource(
        "SecretsKey",
        "AWS::KMS::Key",
        json!({
            "Description": format!("eksharden {}: envelope encryption of Kubernetes secrets", cx.cluster()),
            "EnableKeyRotation": true,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": { "AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root") },
                    "Action": "kms:*",
                    "Resource": "*",
                }],
            },
            "Tags": cx.tag_list("secrets"),
        }),
    );
    t.resource(
        "SecretsKeyAlias",
        "AWS::KMS::Alias",
        json!({
            "AliasName": format!("alias/eksharden/{}/secrets", cx.cluster()),
            "TargetKeyId": reference("SecretsKey"),
        }),
    );
}

fn access_entries(cx: &Context, t: &mut Template) {
    let access = &cx.spec.access;
    let lists = [
        (&access.admins, "Admin", groups::ADMINS, "AmazonEKSClusterAdminPolicy"),
        (&access.viewers, "Viewer", groups::VIEWERS, "AmazonEKSViewPolicy"),
    ];
    for (principals, role, group, policy) in lists {
        for (i, principal) in principals.iter().enumerate() {
            t.resource(
                &format!("{role}AccessEntry{i}"),
                "AWS::EKS::AccessEntry",
                json!({
                    "ClusterName": reference("Cluster"),
                    "PrincipalArn": principal.arn.to_string(),
                    "Type": "STANDARD",
                    "KubernetesGroups": [group],
                    "AccessPolicies": [{
                        "PolicyArn": sub(&format!("arn:${{AWS::Partition}}:eks::aws:cluster-access-policy/{policy}")),
                        "AccessScope": { "Type": "cluster" },
                    }],
                    "Tags": cx.tag_list(&format!("{}-{i}", role.to_lowercase())),
                }),
            );
        }
    }
}
