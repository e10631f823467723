//! Reads an existing VPC for `create`: its blocks, its subnets (zone, block, public
//! addresses, free addresses, the route table that applies and where it routes), and the
//! services it has endpoints for. Four calls, whatever the VPC holds: DescribeVpcs, and one
//! paginated DescribeSubnets, DescribeRouteTables and DescribeVpcEndpoints filtered by it.

use aws_sdk_ec2::types::{Filter, RouteTable};
use eksharden_spec::existing::{SubnetFacts, VpcFacts};
use eksharden_spec::values::Cidr;

use crate::client::Aws;
use crate::error::{aws_error, AwsError};

/// What EC2 says of VPC `id` (`found` false when it does not exist).
pub async fn read(aws: &Aws, id: &str) -> Result<VpcFacts, AwsError> {
    let by_vpc = || Filter::builder().name("vpc-id").values(id).build();
    let vpcs = aws.ec2.describe_vpcs().filters(by_vpc()).send().await.map_err(aws_error("EC2.DescribeVpcs"))?;
    let Some(vpc) = vpcs.vpcs().first() else { return Ok(VpcFacts::default()) };
    let mut cidrs: Vec<Cidr> = vpc.cidr_block().and_then(|c| c.parse().ok()).into_iter().collect();
    for association in vpc.cidr_block_association_set() {
        let associated =
            association.cidr_block_state().and_then(|s| s.state()).is_some_and(|s| s.as_str() == "associated");
        if let Some(block) =
            association.cidr_block().and_then(|c| c.parse().ok()).filter(|b| associated && !cidrs.contains(b))
        {
            cidrs.push(block);
        }
    }
    let mut tables = Vec::new();
    let mut pages = aws.ec2.describe_route_tables().filters(by_vpc()).into_paginator().send();
    while let Some(page) = pages.next().await {
        tables.extend(page.map_err(aws_error("EC2.DescribeRouteTables"))?.route_tables().iter().cloned());
    }
    let mut subnets = Vec::new();
    let mut pages = aws.ec2.describe_subnets().filters(by_vpc()).into_paginator().send();
    while let Some(page) = pages.next().await {
        for subnet in page.map_err(aws_error("EC2.DescribeSubnets"))?.subnets() {
            let id = subnet.subnet_id().unwrap_or_default().to_owned();
            let table = table_of(&tables, &id);
            subnets.push(SubnetFacts {
                cidr: subnet.cidr_block().and_then(|c| c.parse().ok()),
                zone: subnet.availability_zone().unwrap_or_default().to_owned(),
                zone_id: subnet.availability_zone_id().unwrap_or_default().to_owned(),
                public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
                free_addresses: subnet.available_ip_address_count().map_or(0, |n| n.max(0) as u32),
                route_table: table.and_then(|t| t.route_table_id()).map(str::to_owned),
                internet_gateway: table.and_then(internet_gateway),
                default_route: table.is_some_and(has_default_route),
                id,
            });
        }
    }
    let mut endpoint_services = Vec::new();
    let mut pages = aws.ec2.describe_vpc_endpoints().filters(by_vpc()).into_paginator().send();
    while let Some(page) = pages.next().await {
        for endpoint in page.map_err(aws_error("EC2.DescribeVpcEndpoints"))?.vpc_endpoints() {
            let live =
                endpoint.state().is_none_or(|s| !matches!(s.as_str(), "deleted" | "deleting" | "failed" | "rejected"));
            // com.amazonaws.REGION.SERVICE: the service is what follows the region.
            if let Some(service) = endpoint.service_name().and_then(|n| n.splitn(4, '.').nth(3)).filter(|_| live) {
                endpoint_services.push(service.to_owned());
            }
        }
    }
    Ok(VpcFacts { found: true, cidrs, subnets, endpoint_services })
}

/// The route table that applies to `subnet`: the one associated with it, else the main one.
fn table_of<'t>(tables: &'t [RouteTable], subnet: &str) -> Option<&'t RouteTable> {
    let associated = |t: &&RouteTable| t.associations().iter().any(|a| a.subnet_id() == Some(subnet));
    let main = |t: &&RouteTable| t.associations().iter().any(|a| a.main() == Some(true));
    tables.iter().find(associated).or_else(|| tables.iter().find(main))
}

/// The internet gateway a table routes to, for any destination.
fn internet_gateway(table: &RouteTable) -> Option<String> {
    table.routes().iter().filter_map(|r| r.gateway_id()).find(|g| g.starts_with("igw-")).map(str::to_owned)
}

/// Whether a table has a route for 0.0.0.0/0 (through NAT, a transit gateway, a peering...).
fn has_default_route(table: &RouteTable) -> bool {
    table.routes().iter().any(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
}
