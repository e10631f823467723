//! A cluster in a VPC the test made (as a platform team's VPC, given by subnet ids and one
//! subnet by its block): `create` makes only what eksharden owns in it, reads back clean,
//! and `verify` passes; the VPC's own subnets, routes and network ACLs are unchanged, and
//! stay after `delete`. A "private" subnet that routes to an internet gateway is a located
//! error before anything is written.

use aws_sdk_ec2::types::Filter;
use eksharden_aws::Aws;
use eksharden_cli::exit::Exit;

use super::deploy::assert_nothing_left;
use super::verify::{failed, verify};
use super::{block_on, create, Target};

/// The test's VPC: (VPC id, private subnet ids, public subnet ids).
struct Network {
    vpc: String,
    private: Vec<String>,
    public: Vec<String>,
}

/// A VPC as a platform team has one: public subnets routing to an internet gateway, a NAT
/// gateway, private subnets routing to it, in two zones.
async fn platform_vpc(aws: &Aws) -> Network {
    let ec2 = &aws.ec2;
    let vpc = ec2.create_vpc().cidr_block("10.50.0.0/16").send().await.unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let gateway = ec2.create_internet_gateway().send().await.unwrap();
    let gateway = gateway.internet_gateway().unwrap().internet_gateway_id().unwrap().to_owned();
    ec2.attach_internet_gateway().vpc_id(&vpc).internet_gateway_id(&gateway).send().await.unwrap();
    let table = |name: &'static str| {
        let vpc = vpc.clone();
        async move {
            let made = ec2.create_route_table().vpc_id(&vpc).send().await.unwrap();
            let id = made.route_table().unwrap().route_table_id().unwrap().to_owned();
            ec2.create_tags()
                .resources(&id)
                .tags(aws_sdk_ec2::types::Tag::builder().key("Name").value(name).build())
                .send()
                .await
                .unwrap();
            id
        }
    };
    let public_table = table("platform-public").await;
    ec2.create_route()
        .route_table_id(&public_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&gateway)
        .send()
        .await
        .unwrap();
    let subnet = |cidr: &'static str, zone: &'static str, table: String| {
        let vpc = vpc.clone();
        async move {
            let made = ec2.create_subnet().vpc_id(&vpc).cidr_block(cidr).availability_zone(zone).send().await.unwrap();
            let id = made.subnet().unwrap().subnet_id().unwrap().to_owned();
            ec2.associate_route_table().route_table_id(table).subnet_id(&id).send().await.unwrap();
            id
        }
    };
    let public = vec![
        subnet("10.50.0.0/24", "eu-west-1a", public_table.clone()).await,
        subnet("10.50.1.0/24", "eu-west-1b", public_table.clone()).await,
    ];
    let address = ec2.allocate_address().domain(aws_sdk_ec2::types::DomainType::Vpc).send().await.unwrap();
    let nat = ec2
        .create_nat_gateway()
        .subnet_id(&public[0])
        .allocation_id(address.allocation_id().unwrap())
        .send()
        .await
        .unwrap();
    let nat = nat.nat_gateway().unwrap().nat_gateway_id().unwrap().to_owned();
    let private_table = table("platform-private").await;
    ec2.create_route()
        .route_table_id(&private_table)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    let private = vec![
        subnet("10.50.16.0/20", "eu-west-1a", private_table.clone()).await,
        subnet("10.50.32.0/20", "eu-west-1b", private_table).await,
    ];
    Network { vpc, private, public }
}

/// The VPC's subnets, route tables and network ACLs, as EC2 describes them, for comparing
/// before and after (eksharden's own bastion subnet, its table and ACLs left out, and the
/// ACL associations of the subnets `guarded`).
async fn vpc_state(aws: &Aws, vpc: &str, guarded: &[String]) -> String {
    let by_vpc = || Filter::builder().name("vpc-id").values(vpc).build();
    let described = aws.ec2.describe_subnets().filters(by_vpc()).send().await.unwrap();
    let ours: Vec<&str> =
        described.subnets().iter().filter(|s| is_eksharden(s.tags())).filter_map(|s| s.subnet_id()).collect();
    let mut subnets: Vec<String> = described
        .subnets()
        .iter()
        .filter(|s| !is_eksharden(s.tags()))
        .map(|s| format!("{:?} {:?} {:?}", s.subnet_id(), s.cidr_block(), s.map_public_ip_on_launch()))
        .collect();
    subnets.sort();
    let mut tables: Vec<String> = aws
        .ec2
        .describe_route_tables()
        .filters(by_vpc())
        .send()
        .await
        .unwrap()
        .route_tables()
        .iter()
        .filter(|t| !is_eksharden(t.tags()))
        .map(|t| {
            let mut associations: Vec<String> = t
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id())
                .filter(|s| !s.is_empty() && !ours.contains(s))
                .map(str::to_owned)
                .collect();
            associations.sort();
            let routes: Vec<String> = t
                .routes()
                .iter()
                .map(|r| format!("{:?}>{:?}{:?}", r.destination_cidr_block(), r.gateway_id(), r.nat_gateway_id()))
                .collect();
            format!("{:?} {routes:?} {associations:?}", t.route_table_id())
        })
        .collect();
    tables.sort();
    let mut acls: Vec<String> = aws
        .ec2
        .describe_network_acls()
        .filters(by_vpc())
        .send()
        .await
        .unwrap()
        .network_acls()
        .iter()
        .filter(|a| !is_eksharden(a.tags()))
        .map(|a| {
            let mut subnets: Vec<&str> = a
                .associations()
                .iter()
                .filter_map(|x| x.subnet_id())
                .filter(|s| !guarded.iter().any(|g| g == s))
                .collect();
            subnets.sort_unstable();
            format!("{:?} entries {} {subnets:?}", a.network_acl_id(), a.entries().len())
        })
        .collect();
    acls.sort();
    format!("{subnets:#?}\n{tables:#?}\n{acls:#?}")
}

/// Whether a resource carries eksharden's cluster tag.
fn is_eksharden(tags: &[aws_sdk_ec2::types::Tag]) -> bool {
    tags.iter().any(|t| t.key() == Some(eksharden_spec::model::CLUSTER_TAG))
}

/// A spec in the test's VPC; `private` are the node subnets as the file gives them.
fn spec_text(network: &Network, private: &[&str]) -> String {
    format!(
        "apiVersion: eksharden.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: inplace\n  region: eu-west-1\n\
         vpc:\n  cidr: 10.50.0.0/16\n  existing:\n    id: {}\n    privateSubnets: [{}]\n    publicSubnets: [{}, 10.50.1.0/24]\n\
         \x20 bastion:\n    cidr: 10.50.250.0/28\n    allowSshFrom: [203.0.113.0/24]\n\
         access:\n  admins:\n    - arn: arn:aws:iam::111122223333:role/platform-admin\nnodeGroups:\n  - name: general\n    minSize: 1\n    maxSize: 2\n",
        network.vpc,
        private.join(", "),
        network.public[0],
    )
}

#[test]
fn a_cluster_goes_into_an_existing_vpc_and_leaves_it_as_it_was() {
    let target = Target::start();
    let aws = target.aws("eu-west-1");
    let network = block_on(platform_vpc(&aws));
    let before = block_on(vpc_state(&aws, &network.vpc, &[]));
    let before_but_node_acls = block_on(vpc_state(&aws, &network.vpc, &network.private));
    let dir = tempfile::tempdir().unwrap();

    // A public subnet given as private: refused, located, before any write.
    let file = dir.path().join("wrong.yaml");
    std::fs::write(&file, spec_text(&network, &[&network.private[0], &network.public[1]])).unwrap();
    let (refused, _) = create(&target, file.to_str().unwrap(), &dir);
    assert_eq!(refused.exit, Exit::Input, "{}", refused.stderr);
    let expected = "wrong.yaml:10:48: error: "; // the second entry of privateSubnets
    assert!(
        refused.stderr.contains(expected)
            && refused.stderr.contains(&format!("subnet {} routes to the internet gateway igw-", network.public[1])),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("nothing was created"), "{}", refused.stderr);
    let stacks = block_on(aws.cloudformation.describe_stacks().send()).unwrap();
    assert!(stacks.stacks().is_empty(), "no stack was made: {:?}", stacks.stacks());

    // The right subnets (one of them by its block): created, read back, verified.
    let file = dir.path().join("inplace.yaml");
    std::fs::write(&file, spec_text(&network, &[&network.private[0], "10.50.32.0/20"])).unwrap();
    let (created, _) = create(&target, file.to_str().unwrap(), &dir);
    assert_eq!(created.exit, Exit::Ok, "{}\n{}", created.stderr, created.stdout);
    assert!(created.stderr.contains(&format!("vpc: {} (10.50.0.0/16)", network.vpc)), "{}", created.stderr);
    let described = block_on(aws.eks.describe_cluster().name("inplace").send()).unwrap();
    let config = described.cluster().unwrap().resources_vpc_config().unwrap();
    assert_eq!(config.vpc_id(), Some(network.vpc.as_str()));
    assert_eq!(config.subnet_ids(), network.private.as_slice(), "the control plane is in the given node subnets");
    let group =
        block_on(aws.eks.describe_nodegroup().cluster_name("inplace").nodegroup_name("general").send()).unwrap();
    assert_eq!(group.nodegroup().unwrap().subnets(), network.private.as_slice(), "nodes go in the given node subnets");
    let network_stack =
        block_on(aws.cloudformation.list_stack_resources().stack_name("eksharden-inplace-network").send()).unwrap();
    let mut made: Vec<&str> =
        network_stack.stack_resource_summaries().iter().filter_map(|r| r.resource_type()).collect();
    made.sort_unstable();
    made.dedup();
    assert!(!made.contains(&"AWS::EC2::VPC") && !made.contains(&"AWS::EC2::NatGateway"), "{made:?}");
    let subnets_made = network_stack
        .stack_resource_summaries()
        .iter()
        .filter(|r| r.resource_type() == Some("AWS::EC2::Subnet"))
        .count();
    assert_eq!(subnets_made, 1, "the bastion subnet only: {made:?}");
    assert_eq!(
        block_on(vpc_state(&aws, &network.vpc, &network.private)),
        before_but_node_acls,
        "the VPC's subnets, routes and ACLs are as they were, but the node subnets' ACL"
    );
    assert!(created.stderr.contains("network-acl: applied, and it held"), "{}", created.stderr);
    for subnet in &network.private {
        let by_subnet = Filter::builder().name("association.subnet-id").values(subnet).build();
        let acls = block_on(aws.ec2.describe_network_acls().filters(by_subnet).send()).unwrap();
        let acl = &acls.network_acls()[0];
        assert!(is_eksharden(acl.tags()), "{subnet} is on eksharden's guarded copy: {acl:?}");
        let denies_ssh = acl.entries().iter().any(|e| {
            !e.egress().unwrap_or(true)
                && e.rule_action().map(|a| a.as_str()) == Some("deny")
                && e.port_range().and_then(|p| p.from()) == Some(22)
        });
        assert!(denies_ssh, "the copy denies 22 from everywhere but the bastion: {acl:?}");
    }

    let (exit, report) = verify(&target, file.to_str().unwrap());
    assert_eq!(exit, Exit::Ok, "{report:#}");
    assert!(failed(&report).is_empty(), "{:?}", failed(&report));

    let deleted = super::run(&target, &["delete", "-f", file.to_str().unwrap(), "--yes"]);
    assert_eq!(deleted.exit, Exit::Ok, "{}", deleted.stderr);
    assert!(deleted.stderr.contains("back to the network ACL they had"), "{}", deleted.stderr);
    block_on(assert_nothing_left(&aws, "inplace"));
    assert_eq!(block_on(vpc_state(&aws, &network.vpc, &[])), before, "the VPC is as it was");
}
