//! Replacing a managed node group: what an SSH key, public subnets or an unsafe instance
//! metadata setting leave no other way to fix (EKS cannot take remote access off a node
//! group). The replacement is made like the old group (role, sizes, instance types,
//! labels, taints, tags and the cluster tag, Kubernetes version), without remote access, in the subnets given,
//! from a launch template that requires IMDSv2 with hop limit 1 (and names the security
//! groups given when the old template named none); once it is ACTIVE the old
//! group is deleted (EKS drains its nodes). Every stage can run again: an interrupted
//! replacement is finished, a finished one is left alone.

use std::time::Duration;

use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest, LaunchTemplateHttpTokensState,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResourceType, ResponseLaunchTemplateData, Tag,
    TagSpecification,
};
use aws_sdk_eks::types::{LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig};
use eksharden_spec::model::CLUSTER_TAG;

use crate::client::Aws;
use crate::cluster::wait_active;
use crate::error::{absent_as_none, aws_error, AwsError};

/// The tag a replacement carries, naming the group it replaces.
pub const REPLACES_TAG: &str = "eksharden.dev/replaces";

/// How long EKS gets to create or delete a node group.
const NODE_GROUP_LIMIT: Duration = Duration::from_secs(40 * 60);

/// The name of `old`'s replacement: the two names alternate, so that a replacement can
/// itself be replaced later.
pub fn replacement_name(old: &str) -> String {
    match old.strip_suffix("-hardened") {
        Some(base) => base.to_owned(),
        None => format!("{old}-hardened"),
    }
}

/// Where a replacement goes: its subnets, and its security groups when the old group's
/// launch template names none.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    /// The subnets.
    pub subnets: &'a [String],
    /// The security groups.
    pub security_groups: &'a [String],
}

/// Replaces node group `old` of `cluster`; see the module comment.
pub async fn replace(aws: &Aws, cluster: &str, old: &str, placement: Placement<'_>) -> Result<(), AwsError> {
    let new = replacement_name(old);
    let Some(current) = describe(aws, cluster, old).await? else {
        // Gone: done, if its replacement is there.
        return match describe(aws, cluster, &new).await? {
            Some(_) => Ok(()),
            None => Err(failure(format!("neither node group {old} nor its replacement {new} exists"))),
        };
    };
    match describe(aws, cluster, &new).await? {
        Some(existing) if existing.tags().and_then(|t| t.get(REPLACES_TAG)).map(String::as_str) != Some(old) => {
            return Err(failure(format!("node group {new} exists and does not replace {old}; not touching either")));
        }
        Some(_) => {}
        None => create_like(aws, cluster, &current, &new, placement).await?,
    }
    wait_active(aws, cluster, std::slice::from_ref(&new), NODE_GROUP_LIMIT).await?;
    aws.eks
        .delete_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(old)
        .send()
        .await
        .map_err(aws_error("EKS.DeleteNodegroup"))?;
    wait_deleted(aws, cluster, old).await
}

/// The node group, or None when it does not exist.
async fn describe(aws: &Aws, cluster: &str, name: &str) -> Result<Option<Nodegroup>, AwsError> {
    let described = aws
        .eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .map_err(aws_error("EKS.DescribeNodegroup"));
    Ok(absent_as_none(described)?.and_then(|response| response.nodegroup().cloned()))
}

async fn create_like(
    aws: &Aws,
    cluster: &str,
    old: &Nodegroup,
    new: &str,
    placement: Placement<'_>,
) -> Result<(), AwsError> {
    let old_data = match old.launch_template() {
        Some(template) => Some(template_data(aws, template).await?),
        None => None,
    };
    let data = hardened_template_data(old_data.as_ref(), old, placement.security_groups);
    let (template_id, version) = launch_template(aws, cluster, new, data).await?;
    let custom_image = old_data.as_ref().and_then(|d| d.image_id()).is_some();
    let launch_template = LaunchTemplateSpecification::builder().id(template_id).version(version).build();
    let mut tags = old.tags().cloned().unwrap_or_default();
    tags.insert(REPLACES_TAG.to_owned(), old.nodegroup_name().unwrap_or_default().to_owned());
    tags.insert(CLUSTER_TAG.to_owned(), cluster.to_owned());
    let scaling = old.scaling_config().map(|s| {
        NodegroupScalingConfig::builder()
            .set_min_size(s.min_size())
            .set_max_size(s.max_size())
            .set_desired_size(s.desired_size())
            .build()
    });
    let instance_types_in_template = old_data.as_ref().and_then(|d| d.instance_type()).is_some();
    let mut request = aws
        .eks
        .create_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(new)
        .node_role(old.node_role().unwrap_or_default())
        .set_subnets(Some(placement.subnets.to_vec()))
        .set_scaling_config(scaling)
        .set_capacity_type(old.capacity_type().cloned())
        .set_labels(old.labels().cloned())
        .set_taints(Some(old.taints().to_vec()))
        .set_tags(Some(tags))
        .launch_template(launch_template);
    if !instance_types_in_template {
        request = request.set_instance_types(Some(old.instance_types().to_vec()));
    }
    if !custom_image {
        // A custom image in the launch template decides the AMI and the version itself.
        request = request.set_ami_type(old.ami_type().cloned()).set_version(old.version().map(str::to_owned));
    }
    request.send().await.map_err(aws_error("EKS.CreateNodegroup"))?;
    Ok(())
}

async fn template_data(
    aws: &Aws,
    template: &aws_sdk_eks::types::LaunchTemplateSpecification,
) -> Result<ResponseLaunchTemplateData, AwsError> {
    let response = aws
        .ec2
        .describe_launch_template_versions()
        .set_launch_template_id(template.id().map(str::to_owned))
        .set_launch_template_name(template.id().is_none().then(|| template.name().map(str::to_owned)).flatten())
        .versions(template.version().unwrap_or("$Default"))
        .send()
        .await
        .map_err(aws_error("EC2.DescribeLaunchTemplateVersions"))?;
    response
        .launch_template_versions()
        .first()
        .and_then(|v| v.launch_template_data())
        .cloned()
        .ok_or_else(|| failure(format!("launch template {:?} has no such version", template.id())))
}

/// The old template's settings that a node needs (image, user data, instance type, security
/// groups, volumes, instance tags), without its SSH key and public addressing, and with
/// IMDSv2 required at hop limit 1 (STACKROX-EKS, AWS-EKS-BP), and `groups` where the old
/// named none. A group without a template gets one that sets the metadata options, the
/// groups, and its disk size as the root volume of the Amazon Linux images EKS picks.
fn hardened_template_data(
    old: Option<&ResponseLaunchTemplateData>,
    group: &Nodegroup,
    groups: &[String],
) -> RequestLaunchTemplateData {
    let fallback_groups = (!groups.is_empty()).then(|| groups.to_vec());
    let metadata = LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
        .http_tokens(LaunchTemplateHttpTokensState::Required)
        .http_put_response_hop_limit(1)
        .build();
    let mut data = RequestLaunchTemplateData::builder().metadata_options(metadata);
    let Some(old) = old else {
        data = data.set_security_group_ids(fallback_groups);
        let amazon_linux = group.ami_type().is_some_and(|t| t.as_str().starts_with("AL2"));
        if let (Some(size), true) = (group.disk_size(), amazon_linux) {
            let root = LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name("/dev/xvda")
                .ebs(LaunchTemplateEbsBlockDeviceRequest::builder().volume_size(size).volume_type("gp3".into()).build())
                .build();
            data = data.block_device_mappings(root);
        }
        return data.build();
    };
    let mut old_groups: Vec<String> = old.security_group_ids().to_vec();
    old_groups.extend(old.network_interfaces().iter().flat_map(|n| n.groups().iter().cloned()));
    data = data
        .set_image_id(old.image_id().map(str::to_owned))
        .set_instance_type(old.instance_type().cloned())
        .set_user_data(old.user_data().map(str::to_owned))
        .set_security_group_ids(if old_groups.is_empty() { fallback_groups } else { Some(old_groups) });
    for mapping in old.block_device_mappings() {
        let ebs = mapping.ebs().map(|e| {
            LaunchTemplateEbsBlockDeviceRequest::builder()
                .set_volume_size(e.volume_size())
                .set_volume_type(e.volume_type().cloned())
                .set_encrypted(e.encrypted())
                .set_kms_key_id(e.kms_key_id().map(str::to_owned))
                .set_iops(e.iops())
                .set_throughput(e.throughput())
                .set_delete_on_termination(e.delete_on_termination())
                .build()
        });
        data = data.block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .set_device_name(mapping.device_name().map(str::to_owned))
                .set_ebs(ebs)
                .build(),
        );
    }
    for spec in old.tag_specifications() {
        data = data.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .set_resource_type(spec.resource_type().cloned())
                .set_tags(Some(spec.tags().to_vec()))
                .build(),
        );
    }
    data.build()
}

/// The id and version of the replacement's launch template, made now or by an interrupted run.
async fn launch_template(
    aws: &Aws,
    cluster: &str,
    new: &str,
    data: RequestLaunchTemplateData,
) -> Result<(String, String), AwsError> {
    let name = format!("eksharden-{cluster}-{new}");
    let id_and_version = |t: &aws_sdk_ec2::types::LaunchTemplate| {
        Some((t.launch_template_id()?.to_owned(), t.latest_version_number()?.to_string()))
    };
    let existing = aws
        .ec2
        .describe_launch_templates()
        .launch_template_names(&name)
        .send()
        .await
        .map_err(aws_error("EC2.DescribeLaunchTemplates"));
    if let Some(existing) =
        absent_as_none(existing)?.and_then(|found| found.launch_templates().first().and_then(id_and_version))
    {
        return Ok(existing);
    }
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::LaunchTemplate)
        .tags(Tag::builder().key(CLUSTER_TAG).value(cluster).build())
        .build();
    let created = aws
        .ec2
        .create_launch_template()
        .launch_template_name(&name)
        .launch_template_data(data)
        .tag_specifications(tags)
        .send()
        .await
        .map_err(aws_error("EC2.CreateLaunchTemplate"))?;
    created
        .launch_template()
        .and_then(id_and_version)
        .ok_or_else(|| failure(format!("launch template {name} was created without an id")))
}

async fn wait_deleted(aws: &Aws, cluster: &str, name: &str) -> Result<(), AwsError> {
    let deadline = tokio::time::Instant::now() + NODE_GROUP_LIMIT;
    let mut delay = Duration::from_millis(500);
    while let Some(group) = describe(aws, cluster, name).await? {
        let status = group.status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        if status == "DELETE_FAILED" || tokio::time::Instant::now() > deadline {
            return Err(failure(format!("node group {name} is {status}, not deleted")));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(15));
    }
    Ok(())
}

fn failure(message: String) -> AwsError {
    AwsError::local("EKS.ReplaceNodegroup", message)
}

#[cfg(test)]
mod tests {
    use super::replacement_name;

    #[test]
    fn replacement_names_alternate_so_a_replacement_can_be_replaced() {
        assert_eq!(replacement_name("legacy"), "legacy-hardened");
        assert_eq!(replacement_name("legacy-hardened"), "legacy");
    }
}
