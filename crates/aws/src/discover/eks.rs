//! What EKS says about a cluster: its VPC configuration and settings, its managed node
//! groups with their launch templates, and its access entries.

use aws_sdk_ec2::types as ec2;
use aws_sdk_eks::types as eks;
use eksharden_discovery::{ClusterInfo, LaunchTemplate, ManagedNodeGroup};
use eksharden_net::posture::{AccessEntryFact, Imds, VpcCniAddon};
use eksharden_spec::model::{network_policy_setting, VPC_CNI};

use crate::client::Aws;
use crate::error::{absent_as_none, aws_error, AwsError};

/// Reads the cluster's configuration.
pub async fn cluster(aws: &Aws, name: &str) -> Result<ClusterInfo, AwsError> {
    let response = aws.eks.describe_cluster().name(name).send().await.map_err(aws_error("EKS.DescribeCluster"))?;
    let Some(c) = response.cluster() else {
        return Err(AwsError::local("EKS.DescribeCluster", format!("cluster {name} not found")));
    };
    let vpc = c.resources_vpc_config();
    Ok(ClusterInfo {
        arn: c.arn().unwrap_or_default().to_owned(),
        tags: c.tags().cloned().unwrap_or_default(),
        endpoint: c.endpoint().unwrap_or_default().to_owned(),
        certificate_authority: c.certificate_authority().and_then(|a| a.data()).unwrap_or_default().to_owned(),
        vpc: vpc.and_then(|v| v.vpc_id()).unwrap_or_default().to_owned(),
        subnets: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
        cluster_group: vpc.and_then(|v| v.cluster_security_group_id()).map(str::to_owned),
        additional_groups: vpc.map(|v| v.security_group_ids().to_vec()).unwrap_or_default(),
        private: vpc.is_some_and(|v| v.endpoint_private_access()),
        public: vpc.is_some_and(|v| v.endpoint_public_access()),
        public_cidrs: vpc.map(|v| v.public_access_cidrs().to_vec()).unwrap_or_default(),
        logging: c
            .logging()
            .map(|l| {
                l.cluster_logging()
                    .iter()
                    .filter(|setup| setup.enabled().unwrap_or(false))
                    .flat_map(|setup| setup.types().iter().map(|t| t.as_str().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        secrets_key: c.encryption_config().iter().find_map(|e| e.provider()?.key_arn().map(str::to_owned)),
        authentication_mode: c.access_config().and_then(|a| a.authentication_mode()).map(|m| m.as_str().to_owned()),
        version: c.version().map(str::to_owned),
        ipv6: c.kubernetes_network_config().and_then(|k| k.ip_family()) == Some(&aws_sdk_eks::types::IpFamily::Ipv6),
        auto_mode_pools: c
            .compute_config()
            .filter(|compute| compute.enabled() == Some(true))
            .map(|compute| compute.node_pools().to_vec()),
        oidc_issuer: c.identity().and_then(|i| i.oidc()).and_then(|o| o.issuer()).map(str::to_owned),
        // Read by its own call (`vpc_cni`), with the rest of discovery.
        vpc_cni: eksharden_net::posture::VpcCniAddon::NotRead,
    })
}

/// Reads every managed node group and its launch template: a fixed number of calls per
/// node group, none per node. Only the list failing is an error: a group or a template that
/// cannot be read is kept with what could not be read, so the rest of the cluster is still
/// judged.
pub async fn node_groups(aws: &Aws, cluster: &str) -> Result<Vec<ManagedNodeGroup>, AwsError> {
    let mut names = Vec::new();
    let mut pages = aws.eks.list_nodegroups().cluster_name(cluster).into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page.map_err(aws_error("EKS.ListNodegroups"))?.nodegroups().iter().cloned());
    }
    let mut groups = Vec::with_capacity(names.len());
    for name in names {
        let described = aws.eks.describe_nodegroup().cluster_name(cluster).nodegroup_name(&name).send().await;
        let group = match described.map_err(aws_error("EKS.DescribeNodegroup")) {
            Ok(response) => match response.nodegroup() {
                Some(group) => group.clone(),
                None => continue,
            },
            Err(error) => {
                groups.push(ManagedNodeGroup {
                    name,
                    unread: vec![unread("its description", &error)],
                    ..Default::default()
                });
                continue;
            }
        };
        let mut unread_parts = Vec::new();
        let launch_template = match group.launch_template() {
            Some(template) => match launch_template(aws, template).await {
                Ok(found) => Some(found),
                Err(error) => {
                    unread_parts.push(unread(&format!("its launch template {}", template_label(template)), &error));
                    None
                }
            },
            None => None,
        };
        groups.push(ManagedNodeGroup {
            arn: group.nodegroup_arn().unwrap_or_default().to_owned(),
            tags: group.tags().cloned().unwrap_or_default(),
            name,
            subnets: group.subnets().to_vec(),
            max_size: group.scaling_config().and_then(|s| s.max_size()).unwrap_or(1),
            ssh_key: group.remote_access().and_then(|r| r.ec2_ssh_key()).map(str::to_owned),
            remote_access_group: group.resources().and_then(|r| r.remote_access_security_group()).map(str::to_owned),
            node_role: group.node_role().map(str::to_owned),
            launch_template,
            unread: unread_parts,
        });
    }
    Ok(groups)
}

/// What could not be read, and the call and error that said so.
fn unread(what: &str, error: &AwsError) -> String {
    format!("{what} could not be read ({error})")
}

/// A node group's launch template as people name it: its name or id, and its version.
fn template_label(template: &eks::LaunchTemplateSpecification) -> String {
    let name = template.name().or(template.id()).unwrap_or("(unnamed)");
    format!("{name} version {}", template.version().unwrap_or("$Default"))
}

/// A node group's launch template, by id or by name, at the version the group names (its
/// default version when it names none, as EKS takes it).
async fn launch_template(aws: &Aws, template: &eks::LaunchTemplateSpecification) -> Result<LaunchTemplate, AwsError> {
    let version = template.version().filter(|v| !v.is_empty());
    let response = aws
        .ec2
        .describe_launch_template_versions()
        .set_launch_template_id(template.id().map(str::to_owned))
        .set_launch_template_name(template.id().is_none().then(|| template.name().map(str::to_owned)).flatten())
        .versions(version.unwrap_or("$Default"))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeLaunchTemplateVersions"))?;
    let data = response.launch_template_versions().first().and_then(|v| v.launch_template_data());
    let mut groups: Vec<String> = data.map(|d| d.security_group_ids().to_vec()).unwrap_or_default();
    groups.extend(data.iter().flat_map(|d| d.network_interfaces()).flat_map(|n| n.groups().iter().cloned()));
    Ok(LaunchTemplate {
        name: template_label(template),
        groups,
        imds: data.and_then(|d| d.metadata_options()).map(|m| Imds {
            tokens_required: m.http_tokens() == Some(&ec2::LaunchTemplateHttpTokensState::Required),
            hop_limit: m.http_put_response_hop_limit(),
        }),
        key_name: data.and_then(|d| d.key_name()).map(str::to_owned),
    })
}

/// Reads the access entries and their groups, one call per entry (there is one per
/// principal, never per node).
pub async fn access_entries(aws: &Aws, cluster: &str) -> Result<Vec<AccessEntryFact>, AwsError> {
    let mut principals = Vec::new();
    let mut pages = aws.eks.list_access_entries().cluster_name(cluster).into_paginator().send();
    while let Some(page) = pages.next().await {
        principals.extend(page.map_err(aws_error("EKS.ListAccessEntries"))?.access_entries().iter().cloned());
    }
    let mut entries = Vec::with_capacity(principals.len());
    for principal in principals {
        let response = aws
            .eks
            .describe_access_entry()
            .cluster_name(cluster)
            .principal_arn(&principal)
            .send()
            .await
            .map_err(aws_error("EKS.DescribeAccessEntry"))?;
        let groups = response.access_entry().map(|e| e.kubernetes_groups().to_vec()).unwrap_or_default();
        entries.push(AccessEntryFact { principal, groups });
    }
    Ok(entries)
}

/// The `vpc-cni` add-on, and whether its configuration turns the network policy agent on
/// (one DescribeAddon call; a cluster without the add-on is not an error).
pub async fn vpc_cni(aws: &Aws, cluster: &str) -> VpcCniAddon {
    let described = aws.eks.describe_addon().cluster_name(cluster).addon_name(VPC_CNI).send().await;
    match absent_as_none(described.map_err(aws_error("EKS.DescribeAddon"))) {
        Ok(None) => VpcCniAddon::Absent,
        Ok(Some(response)) => {
            let configuration = response.addon().and_then(|a| a.configuration_values()).filter(|c| !c.is_empty());
            let network_policy = configuration.and_then(network_policy_setting).unwrap_or(false);
            VpcCniAddon::Installed { network_policy, configuration: configuration.map(str::to_owned) }
        }
        Err(error) => VpcCniAddon::Unreadable(format!("{}: {}", error.operation, error.message)),
    }
}
