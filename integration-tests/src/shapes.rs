//! Clusters in the shapes other tools give them, built through the AWS APIs on the
//! emulator, for the tests and the demo: what `harden` and `verify` meet in the field.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, InstanceNetworkInterfaceSpecification, InstanceType, IpPermission, IpRange,
    Ipv6Range, LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData,
    ResourceType, Tag, TagSpecification, UserIdGroupPair,
};
use aws_sdk_eks::types::{LaunchTemplateSpecification, VpcConfigRequest};
use eksharden_aws::Aws;

/// What was built, for the checks that follow.
#[derive(Debug, Clone)]
pub struct HandMade {
    /// The VPC.
    pub vpc: String,
    /// The node group's security group.
    pub node_group: String,
    /// The first public subnet, where the node runs.
    pub public_subnet: String,
    /// Every subnet: the two public ones, then the two private ones.
    pub subnets: Vec<String>,
    /// The public subnets' route table (to the internet gateway).
    pub public_table: String,
    /// The private subnets' route table (to the NAT gateway).
    pub private_table: String,
    /// The internet gateway.
    pub internet_gateway: String,
    /// The running node.
    pub node: String,
}

/// Why a build step failed: the call and the error.
fn failed<E: std::fmt::Display>(call: &str) -> impl Fn(E) -> String + '_ {
    move |error| format!("{call}: {error}")
}

/// Builds, in `aws`'s region, a cluster as a team builds one by hand or with
/// terraform-aws-eks, made insecure as such clusters often are: a VPC with two public
/// subnets (assigning public addresses) and two private ones behind a NAT gateway; an extra
/// cluster group that takes 443 from the nodes; a node group that takes everything from
/// itself (DNS over UDP too) and the kubelet port from the control plane, and SSH from the
/// whole internet, IPv4 and IPv6; a public-only endpoint open to 0.0.0.0/0; a managed node
/// group `legacy` in the public subnets from a launch template with an SSH key and IMDSv1,
/// with one running node that has a public address. `cluster_tags` go on the cluster (an
/// eksctl cluster carries `alpha.eksctl.io/cluster-name`).
pub async fn hand_made(aws: &Aws, cluster: &str, cluster_tags: &[(&str, &str)]) -> Result<HandMade, String> {
    let ec2 = &aws.ec2;
    let zone = |letter: &str| format!("{}{letter}", aws.region);
    let vpc = ec2.create_vpc().cidr_block("10.50.0.0/16").send().await.map_err(failed("CreateVpc"))?;
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_owned();
    let gateway = ec2.create_internet_gateway().send().await.map_err(failed("CreateInternetGateway"))?;
    let gateway = gateway.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_owned();
    ec2.attach_internet_gateway()
        .vpc_id(&vpc)
        .internet_gateway_id(&gateway)
        .send()
        .await
        .map_err(failed("AttachInternetGateway"))?;

    let public_table = route_table(aws, &vpc, Route::Gateway(&gateway)).await?;
    let public_a = subnet(aws, &vpc, "10.50.0.0/24", &zone("a"), &public_table, true).await?;
    let public_b = subnet(aws, &vpc, "10.50.1.0/24", &zone("b"), &public_table, true).await?;
    let address = ec2.allocate_address().domain(DomainType::Vpc).send().await.map_err(failed("AllocateAddress"))?;
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&public_a)
        .allocation_id(address.allocation_id().unwrap_or_default())
        .send()
        .await
        .map_err(failed("CreateNatGateway"))?;
    let nat = nat.nat_gateway().and_then(|n| n.nat_gateway_id()).unwrap_or_default().to_owned();
    let private_table = route_table(aws, &vpc, Route::Nat(&nat)).await?;
    let private_a = subnet(aws, &vpc, "10.50.10.0/24", &zone("a"), &private_table, false).await?;
    let private_b = subnet(aws, &vpc, "10.50.11.0/24", &zone("b"), &private_table, false).await?;
    let subnets = vec![public_a.clone(), public_b.clone(), private_a.clone(), private_b.clone()];

    let cluster_group = group(aws, &vpc, &format!("{cluster}-cluster")).await?;
    let node_group = group(aws, &vpc, &format!("{cluster}-node")).await?;
    admit(aws, &cluster_group, "tcp", (443, 443), Source::Group(&node_group)).await?;
    admit(aws, &node_group, "tcp", (0, 65535), Source::Group(&node_group)).await?;
    admit(aws, &node_group, "udp", (53, 53), Source::Group(&node_group)).await?;
    admit(aws, &node_group, "tcp", (10250, 10250), Source::Group(&cluster_group)).await?;
    admit(aws, &node_group, "tcp", (22, 22), Source::Everywhere).await?;

    let network = VpcConfigRequest::builder()
        .set_subnet_ids(Some(vec![public_a.clone(), public_b.clone(), private_a, private_b]))
        .security_group_ids(&cluster_group)
        .endpoint_public_access(true)
        .endpoint_private_access(false)
        .public_access_cidrs("0.0.0.0/0")
        .build();
    let mut request = aws
        .eks
        .create_cluster()
        .name(cluster)
        .role_arn(format!("arn:aws:iam::123456789012:role/{cluster}-cluster"))
        .resources_vpc_config(network);
    for (key, value) in cluster_tags {
        request = request.tags(*key, *value);
    }
    request.send().await.map_err(failed("CreateCluster"))?;

    let metadata = LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_tokens(LaunchTemplateHttpTokensState::Optional)
        .http_put_response_hop_limit(2)
        .build();
    let data = RequestLaunchTemplateData::builder()
        .key_name("ops-key")
        .security_group_ids(&node_group)
        .metadata_options(metadata)
        .build();
    let template = ec2
        .create_launch_template()
        .launch_template_name(format!("{cluster}-legacy"))
        .launch_template_data(data)
        .send()
        .await
        .map_err(failed("CreateLaunchTemplate"))?;
    let template = template.launch_template().and_then(|t| t.launch_template_id()).unwrap_or_default().to_owned();
    node_role(aws, &format!("{cluster}-nodes")).await?;
    aws.eks
        .create_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name("legacy")
        .subnets(&public_a)
        .subnets(&public_b)
        .node_role(format!("arn:aws:iam::123456789012:role/{cluster}-nodes"))
        .launch_template(LaunchTemplateSpecification::builder().id(&template).version("1").build())
        .send()
        .await
        .map_err(failed("CreateNodegroup"))?;
    let node_tags = [("eks:cluster-name", cluster), ("eks:nodegroup-name", "legacy")];
    let node = launch(aws, &node_tags, &public_a, std::slice::from_ref(&node_group), true).await?;
    Ok(HandMade {
        vpc,
        node_group,
        public_subnet: public_a,
        subnets,
        public_table,
        private_table,
        internet_gateway: gateway,
        node,
    })
}

/// Makes `built`'s VPC dual-stack, as a team adds IPv6 to a VPC it has: an Amazon-provided
/// /56 on the VPC, a /64 on each subnet (which then gives IPv6 addresses to the interfaces
/// made in it), `::/0` to the internet gateway from the public subnets and to a new
/// egress-only internet gateway from the private ones, and an IPv6 address on the running
/// node. Returns the VPC's IPv6 block.
pub async fn add_ipv6(aws: &Aws, built: &HandMade) -> Result<String, String> {
    let ec2 = &aws.ec2;
    ec2.associate_vpc_cidr_block()
        .vpc_id(&built.vpc)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .map_err(failed("AssociateVpcCidrBlock"))?;
    let vpcs = ec2.describe_vpcs().vpc_ids(&built.vpc).send().await.map_err(failed("DescribeVpcs"))?;
    let block = vpcs
        .vpcs()
        .iter()
        .flat_map(|v| v.ipv6_cidr_block_association_set())
        .find_map(|a| a.ipv6_cidr_block())
        .ok_or("DescribeVpcs: no IPv6 block on the VPC")?
        .to_owned();
    let network: ipnet::Ipv6Net = block.parse().map_err(failed("the VPC's IPv6 block"))?;
    let mut slash_64s = network.subnets(64).map_err(failed("the VPC's IPv6 block"))?;
    for subnet in &built.subnets {
        let slash_64 = slash_64s.next().ok_or("the VPC's IPv6 block has too few /64s")?;
        ec2.associate_subnet_cidr_block()
            .subnet_id(subnet)
            .ipv6_cidr_block(slash_64.to_string())
            .send()
            .await
            .map_err(failed("AssociateSubnetCidrBlock"))?;
        ec2.modify_subnet_attribute()
            .subnet_id(subnet)
            .assign_ipv6_address_on_creation(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .map_err(failed("ModifySubnetAttribute"))?;
    }
    let egress_only = ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&built.vpc)
        .send()
        .await
        .map_err(failed("CreateEgressOnlyInternetGateway"))?;
    let egress_only = egress_only
        .egress_only_internet_gateway()
        .and_then(|g| g.egress_only_internet_gateway_id())
        .unwrap_or_default()
        .to_owned();
    let default = ec2.create_route().route_table_id(&built.public_table).destination_ipv6_cidr_block("::/0");
    default.gateway_id(&built.internet_gateway).send().await.map_err(failed("CreateRoute"))?;
    let default = ec2.create_route().route_table_id(&built.private_table).destination_ipv6_cidr_block("::/0");
    default.egress_only_internet_gateway_id(&egress_only).send().await.map_err(failed("CreateRoute"))?;
    let node = ec2.describe_instances().instance_ids(&built.node).send().await.map_err(failed("DescribeInstances"))?;
    let interface = node
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .flat_map(|i| i.network_interfaces())
        .find_map(|n| n.network_interface_id())
        .ok_or("DescribeInstances: the node has no interface")?
        .to_owned();
    ec2.assign_ipv6_addresses()
        .network_interface_id(interface)
        .ipv6_address_count(1)
        .send()
        .await
        .map_err(failed("AssignIpv6Addresses"))?;
    Ok(block)
}

/// Launches one instance into `subnet` with `tags` and `groups`, a public address if
/// `public`, as an Auto Scaling group would; returns its id.
pub async fn launch(
    aws: &Aws,
    tags: &[(&str, &str)],
    subnet: &str,
    groups: &[String],
    public: bool,
) -> Result<String, String> {
    let mut specification = TagSpecification::builder().resource_type(ResourceType::Instance);
    for (key, value) in tags {
        specification = specification.tags(Tag::builder().key(*key).value(*value).build());
    }
    let interface = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(subnet)
        .set_groups((!groups.is_empty()).then(|| groups.to_vec()))
        .associate_public_ip_address(public)
        // As on the nodes EKS launches: the interface goes with the instance.
        .delete_on_termination(true)
        .build();
    let launched = aws
        .ec2
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(InstanceType::M6iLarge)
        .min_count(1)
        .max_count(1)
        .network_interfaces(interface)
        .tag_specifications(specification.build())
        .send()
        .await
        .map_err(failed("RunInstances"))?;
    Ok(launched.instances().first().and_then(|i| i.instance_id()).unwrap_or_default().to_owned())
}

/// The node role as terraform-aws-eks makes it: trusted by EC2, with the worker, CNI and
/// registry policies (and not Systems Manager's).
async fn node_role(aws: &Aws, name: &str) -> Result<(), String> {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    aws.iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .map_err(failed("CreateRole"))?;
    for policy in ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"] {
        aws.iam
            .attach_role_policy()
            .role_name(name)
            .policy_arn(format!("arn:aws:iam::aws:policy/{policy}"))
            .send()
            .await
            .map_err(failed("AttachRolePolicy"))?;
    }
    Ok(())
}

/// Where a route table sends everything.
enum Route<'a> {
    Gateway(&'a str),
    Nat(&'a str),
}

async fn route_table(aws: &Aws, vpc: &str, route: Route<'_>) -> Result<String, String> {
    let made = aws.ec2.create_route_table().vpc_id(vpc).send().await.map_err(failed("CreateRouteTable"))?;
    let id = made.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_owned();
    let request = aws.ec2.create_route().route_table_id(&id).destination_cidr_block("0.0.0.0/0");
    let request = match route {
        Route::Gateway(gateway) => request.gateway_id(gateway),
        Route::Nat(nat) => request.nat_gateway_id(nat),
    };
    request.send().await.map_err(failed("CreateRoute"))?;
    Ok(id)
}

async fn subnet(aws: &Aws, vpc: &str, cidr: &str, zone: &str, table: &str, public: bool) -> Result<String, String> {
    let made = aws
        .ec2
        .create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .availability_zone(zone)
        .send()
        .await
        .map_err(failed("CreateSubnet"))?;
    let id = made.subnet().and_then(|s| s.subnet_id()).unwrap_or_default().to_owned();
    aws.ec2
        .associate_route_table()
        .subnet_id(&id)
        .route_table_id(table)
        .send()
        .await
        .map_err(failed("AssociateRouteTable"))?;
    if public {
        aws.ec2
            .modify_subnet_attribute()
            .subnet_id(&id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .map_err(failed("ModifySubnetAttribute"))?;
    }
    Ok(id)
}

async fn group(aws: &Aws, vpc: &str, name: &str) -> Result<String, String> {
    let made = aws
        .ec2
        .create_security_group()
        .vpc_id(vpc)
        .group_name(name)
        .description(name)
        .send()
        .await
        .map_err(failed("CreateSecurityGroup"))?;
    Ok(made.group_id().unwrap_or_default().to_owned())
}

/// Where an inbound rule admits traffic from.
pub enum Source<'a> {
    /// A security group's members.
    Group(&'a str),
    /// The whole internet, IPv4 and IPv6.
    Everywhere,
}

/// Admits `protocol` `ports` into `group` from `source`.
pub async fn admit(
    aws: &Aws,
    group: &str,
    protocol: &str,
    (from, to): (i32, i32),
    source: Source<'_>,
) -> Result<(), String> {
    let permission = IpPermission::builder().ip_protocol(protocol).from_port(from).to_port(to);
    let permission = match source {
        Source::Group(id) => permission.user_id_group_pairs(UserIdGroupPair::builder().group_id(id).build()),
        Source::Everywhere => permission
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build()),
    };
    aws.ec2
        .authorize_security_group_ingress()
        .group_id(group)
        .ip_permissions(permission.build())
        .send()
        .await
        .map(|_| ())
        .map_err(failed("AuthorizeSecurityGroupIngress"))
}
