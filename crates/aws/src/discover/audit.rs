//! What records what happens in the cluster's VPC and account, and the roles its nodes run
//! as: the VPC's flow logs (EC2 DescribeFlowLogs) with their log groups' encryption (one
//! DescribeLogGroups per group), the trails that apply to the region (CloudTrail
//! DescribeTrails, and GetTrailStatus and GetEventSelectors per trail), and the node roles'
//! policies (IAM GetInstanceProfile per profile, ListAttachedRolePolicies per role). The
//! calls grow with flow logs, trails, profiles and roles, never with nodes.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, LogDestinationType};
use eksharden_discovery::name_in_arn;
use eksharden_net::posture::{FlowLogDestination, FlowLogFact, NodeGroupFacts, TrailFact, SESSION_MANAGER_POLICY};

use crate::client::Aws;
use crate::error::{absent_as_none, aws_error, AwsError};

/// The flow logs of `vpc`, with where each delivers.
pub async fn flow_logs(aws: &Aws, vpc: &str) -> Result<Vec<FlowLogFact>, AwsError> {
    let mut found = Vec::new();
    let filter = Filter::builder().name("resource-id").values(vpc).build();
    let mut pages = aws.ec2.describe_flow_logs().filter(filter).into_paginator().send();
    while let Some(page) = pages.next().await {
        found.extend(page.map_err(aws_error("EC2.DescribeFlowLogs"))?.flow_logs().iter().cloned());
    }
    let mut facts = Vec::new();
    for log in found {
        let destination = match (log.log_destination_type(), log.log_group_name()) {
            (Some(LogDestinationType::CloudWatchLogs) | None, Some(name)) => match log_group_key(aws, name).await {
                Ok(kms_key) => FlowLogDestination::LogGroup { name: name.to_owned(), kms_key },
                Err(error) => FlowLogDestination::UnreadLogGroup { name: name.to_owned(), why: error.to_string() },
            },
            _ => FlowLogDestination::Other { arn: log.log_destination().unwrap_or_default().to_owned() },
        };
        facts.push(FlowLogFact {
            id: log.flow_log_id().unwrap_or_default().to_owned(),
            traffic: log.traffic_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            active: log.flow_log_status() == Some("ACTIVE") && log.deliver_logs_status() != Some("FAILED"),
            destination,
        });
    }
    Ok(facts)
}

/// The KMS key of log group `name`, if it has one.
async fn log_group_key(aws: &Aws, name: &str) -> Result<Option<String>, AwsError> {
    let groups = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(aws_error("Logs.DescribeLogGroups"))?;
    let group = groups.log_groups().iter().find(|g| g.log_group_name() == Some(name));
    match group {
        Some(group) => Ok(group.kms_key_id().map(str::to_owned)),
        None => Err(AwsError::local("Logs.DescribeLogGroups", format!("log group {name} does not exist"))),
    }
}

/// The trails that apply to the region, whether each is logging and records management events.
pub async fn trails(aws: &Aws) -> Result<Vec<TrailFact>, AwsError> {
    let listed = aws
        .cloudtrail
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(aws_error("CloudTrail.DescribeTrails"))?;
    let mut facts = Vec::new();
    for trail in listed.trail_list() {
        let id = trail.trail_arn().or(trail.name()).unwrap_or_default();
        let status =
            aws.cloudtrail.get_trail_status().name(id).send().await.map_err(aws_error("CloudTrail.GetTrailStatus"))?;
        let selectors = aws
            .cloudtrail
            .get_event_selectors()
            .trail_name(id)
            .send()
            .await
            .map_err(aws_error("CloudTrail.GetEventSelectors"))?;
        let classic = selectors.event_selectors().iter().any(|s| {
            s.include_management_events().unwrap_or(true) && s.read_write_type().is_none_or(|t| t.as_str() == "All")
        });
        let advanced = selectors.advanced_event_selectors().iter().any(|s| {
            s.field_selectors()
                .iter()
                .any(|f| f.field() == "eventCategory" && f.equals().iter().any(|e| e == "Management"))
                && !s.field_selectors().iter().any(|f| f.field() == "readOnly")
        });
        facts.push(TrailFact {
            name: trail.name().unwrap_or_default().to_owned(),
            logging: status.is_logging().unwrap_or(false),
            management_events: classic || advanced,
            multi_region: trail.is_multi_region_trail().unwrap_or(false),
        });
    }
    Ok(facts)
}

/// Resolves the node groups' instance profiles into the roles their nodes run as (added to
/// each group's `roles`), and says whether each role has the Systems Manager policy.
pub async fn node_roles(aws: &Aws, groups: &mut [NodeGroupFacts]) -> Result<BTreeMap<String, Option<bool>>, AwsError> {
    let profiles: BTreeSet<&String> = groups.iter().flat_map(|g| &g.instance_profiles).collect();
    let mut roles_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for profile in profiles {
        let got = aws
            .iam
            .get_instance_profile()
            .instance_profile_name(name_in_arn(profile))
            .send()
            .await
            .map_err(aws_error("IAM.GetInstanceProfile"))?;
        let roles = got.instance_profile().map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect());
        roles_of.insert(profile.clone(), roles.unwrap_or_default());
    }
    for group in groups.iter_mut() {
        let mut roles = group.roles.clone();
        roles.extend(group.instance_profiles.iter().flat_map(|p| roles_of.get(p).cloned().unwrap_or_default()));
        roles.sort();
        roles.dedup();
        group.roles = roles;
    }
    let mut policies = BTreeMap::new();
    for role in groups.iter().flat_map(|g| &g.roles).collect::<BTreeSet<_>>() {
        let attached = aws
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await
            .map_err(aws_error("IAM.ListAttachedRolePolicies"));
        let has = absent_as_none(attached)?
            .map(|a| a.attached_policies().iter().any(|p| p.policy_name() == Some(SESSION_MANAGER_POLICY)));
        policies.insert(role.clone(), has);
    }
    Ok(policies)
}
