//! The writes the hardening steps make outside CloudFormation, one function per kind of
//! change, each waiting until the change is visible.

use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, PrefixListId, UserIdGroupPair};
use aws_sdk_eks::types::{LogSetup, LogType, Logging, VpcConfigRequest};
use eksharden_net::model::{Peer, SgRule};
use eksharden_net::{Protocol, RuleProtocol};

use crate::client::Aws;
use crate::cluster::wait_active;
use crate::error::{aws_error, AwsError};

/// How long EKS gets to finish a configuration update.
const UPDATE_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Sets the API endpoint's access: private on or off, public on or off and its blocks.
pub async fn set_endpoint_access(
    aws: &Aws,
    cluster: &str,
    private: bool,
    public: bool,
    cidrs: &[String],
) -> Result<(), AwsError> {
    let mut config = VpcConfigRequest::builder().endpoint_private_access(private).endpoint_public_access(public);
    if public {
        config = config.set_public_access_cidrs(Some(cidrs.to_vec()));
    }
    aws.eks
        .update_cluster_config()
        .name(cluster)
        .resources_vpc_config(config.build())
        .send()
        .await
        .map_err(aws_error("EKS.UpdateClusterConfig"))?;
    wait_active(aws, cluster, &[], UPDATE_LIMIT).await.map(|_| ())
}

/// Turns on the control-plane log `types`.
pub async fn enable_logging(aws: &Aws, cluster: &str, types: &[String]) -> Result<(), AwsError> {
    let setup = LogSetup::builder()
        .set_types(Some(types.iter().map(|t| LogType::from(t.as_str())).collect()))
        .enabled(true)
        .build();
    aws.eks
        .update_cluster_config()
        .name(cluster)
        .logging(Logging::builder().cluster_logging(setup).build())
        .send()
        .await
        .map_err(aws_error("EKS.UpdateClusterConfig"))?;
    wait_active(aws, cluster, &[], UPDATE_LIMIT).await.map(|_| ())
}

/// Removes one inbound rule of `group`.
pub async fn revoke_ingress(aws: &Aws, group: &str, rule: &SgRule) -> Result<(), AwsError> {
    let protocol = match rule.protocol {
        RuleProtocol::All => "-1",
        RuleProtocol::One(Protocol::Tcp) => "tcp",
        RuleProtocol::One(Protocol::Udp) => "udp",
        RuleProtocol::One(Protocol::Icmp) => "icmp",
        RuleProtocol::Other => {
            return Err(AwsError {
                operation: "EC2.RevokeSecurityGroupIngress",
                code: None,
                message: "a rule of an unmodelled protocol".into(),
            })
        }
    };
    let mut permission = IpPermission::builder().ip_protocol(protocol);
    if protocol != "-1" {
        permission = permission.from_port(i32::from(rule.ports.from)).to_port(i32::from(rule.ports.to));
    }
    permission = match &rule.peer {
        Peer::Cidr(cidr) => permission.ip_ranges(IpRange::builder().cidr_ip(cidr.to_string()).build()),
        Peer::Group(id) => permission.user_id_group_pairs(UserIdGroupPair::builder().group_id(id).build()),
        Peer::PrefixList(id) => permission.prefix_list_ids(PrefixListId::builder().prefix_list_id(id).build()),
    };
    aws.ec2
        .revoke_security_group_ingress()
        .group_id(group)
        .ip_permissions(permission.build())
        .send()
        .await
        .map_err(aws_error("EC2.RevokeSecurityGroupIngress"))?;
    Ok(())
}

/// Stops `subnet` from giving instances public addresses.
pub async fn stop_public_addresses(aws: &Aws, subnet: &str) -> Result<(), AwsError> {
    aws.ec2
        .modify_subnet_attribute()
        .subnet_id(subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .map_err(aws_error("EC2.ModifySubnetAttribute"))?;
    Ok(())
}
