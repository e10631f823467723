//! Inspecting each step's current state into a plan, and making each kind of change.

use std::collections::BTreeSet;

use eksharden_aws::{changes, discover};
use eksharden_kube::apply::Applied;
use eksharden_kube::aws_auth::{self, IdentityMapping};
use eksharden_net::model::Peer;
use eksharden_net::posture::{Imds, LOG_TYPES};
use eksharden_net::topology::{Members, RoleKind};
use eksharden_net::{Protocol, RuleProtocol};
use eksharden_plan::manifests::{CALICO_DENY_SSH_EGRESS, DENY_POD_SSH_EGRESS, RBAC_BINDINGS};

use crate::change::Change;
use crate::step::{Planned, StepId, StepPlan};
use crate::{Options, Target};

/// The group that bypasses RBAC.
pub const MASTERS: &str = "system:masters";

/// The groups eksharden maps admins and viewers to (seed 004; never `system:masters`).
pub const ADMIN_GROUP: &str = "eksharden:admins";
/// See [`ADMIN_GROUP`].
pub const VIEWER_GROUP: &str = "eksharden:viewers";

/// What EC2 and EKS say about the cluster, read on first use and shared by the steps that
/// inspect it (a plan reads it once; the check after a change reads it afresh).
#[derive(Default)]
pub struct Discovered(Option<Result<discover::Discovery, String>>);

impl Discovered {
    async fn get(&mut self, target: &Target<'_>) -> &Result<discover::Discovery, String> {
        if self.0.is_none() {
            let found = discover::discover(target.aws, target.cluster)
                .await
                .map_err(|error| format!("cannot inspect: {}: {}", error.operation, error.message));
            self.0 = Some(found);
        }
        self.0.as_ref().expect("filled above")
    }
}

/// Inspects `step` and plans its changes.
pub async fn inspect(target: &Target<'_>, options: &Options, step: StepId, discovered: &mut Discovered) -> StepPlan {
    let result = if step == StepId::CreatorRole {
        creator_role(target).await
    } else if step.needs_cluster_api() {
        match &target.kube {
            Ok(access) => inspect_cluster_api(&access.client, options, step).await,
            Err(why) => Err(format!("cannot inspect: the cluster API is not reachable: {why}")),
        }
    } else {
        match discovered.get(target).await {
            Ok(found) => Ok(inspect_aws(found, options, step)),
            Err(why) => Err(why.clone()),
        }
    };
    match result {
        Ok((current, changes)) if changes.is_empty() => StepPlan { step, current, planned: Planned::Compliant },
        Ok((current, changes)) => StepPlan { step, current, planned: Planned::Changes(changes) },
        Err(why) => StepPlan { step, current: Vec::new(), planned: Planned::CannotInspect(why) },
    }
}

type Inspected = (Vec<String>, Vec<Change>);

async fn creator_role(target: &Target<'_>) -> Result<Inspected, String> {
    let state = eksharden_aws::creator::inspect(target.aws, target.cluster)
        .await
        .map_err(|e| format!("cannot inspect: {}: {}", e.operation, e.message))?;
    Ok(match state {
        None => (vec!["the cluster has no dedicated creator role".into()], Vec::new()),
        Some(state) if state.is_stripped() => {
            (vec![format!("{}: no permissions, nobody may assume it", state.arn)], Vec::new())
        }
        Some(state) => {
            let current = vec![format!(
                "{}: inline {:?}, attached {:?}, {}",
                state.arn,
                state.inline,
                state.attached,
                if state.assumable { "assumable" } else { "not assumable" }
            )];
            (current, vec![Change::StripCreatorRole { role: state.arn }])
        }
    })
}

fn inspect_aws(found: &discover::Discovery, options: &Options, step: StepId) -> Inspected {
    let facts = &found.facts;
    let model = &found.model;
    match step {
        StepId::EndpointAccess => {
            let public_cidrs: Vec<String> = facts.public_access_cidrs.iter().map(ToString::to_string).collect();
            let current = vec![format!(
                "private {}, public {}",
                if facts.endpoint_private { "on" } else { "off" },
                if facts.endpoint_public { format!("on from {}", public_cidrs.join(", ")) } else { "off".into() }
            )];
            let public = !options.public_cidrs.is_empty();
            let same_blocks =
                public_cidrs.iter().collect::<BTreeSet<_>>() == options.public_cidrs.iter().collect::<BTreeSet<_>>();
            let right = facts.endpoint_private && facts.endpoint_public == public && (!public || same_blocks);
            let change = Change::EndpointAccess { private: true, public, public_cidrs: options.public_cidrs.clone() };
            (current, if right { Vec::new() } else { vec![change] })
        }
        StepId::Logging => {
            let missing: Vec<String> =
                LOG_TYPES.iter().filter(|t| !facts.logging.iter().any(|l| l == *t)).map(|t| t.to_string()).collect();
            let current = vec![format!(
                "enabled: {}",
                if facts.logging.is_empty() { "none".into() } else { facts.logging.join(", ") }
            )];
            (current, if missing.is_empty() { Vec::new() } else { vec![Change::EnableLogging { types: missing }] })
        }
        StepId::SshIngress => ssh_ingress(found),
        StepId::PublicAddresses => {
            let mut changes = Vec::new();
            let mut current = Vec::new();
            for group in &facts.node_groups {
                for subnet in
                    model.subnets.iter().filter(|s| group.subnets.contains(&s.id) && s.map_public_ip_on_launch)
                {
                    current.push(format!("subnet {} of node group {} assigns public addresses", subnet.id, group.name));
                    let change = Change::StopPublicAddresses { subnet: subnet.id.clone() };
                    if !changes.contains(&change) {
                        changes.push(change);
                    }
                }
                let public: Vec<String> = model
                    .enis
                    .iter()
                    .filter(|e| group.enis.contains(&e.id))
                    .filter_map(|e| e.public_ip.map(|address| format!("{} has public address {address}", e.label)))
                    .collect();
                current.extend(public.iter().map(|p| format!("{p} (node group {})", group.name)));
                let in_public_subnets: Vec<&String> = group
                    .subnets
                    .iter()
                    .filter(|id| model.subnets.iter().any(|s| &s.id == *id && model.routes_to_internet(s)))
                    .collect();
                current.extend(
                    in_public_subnets
                        .iter()
                        .map(|s| format!("node group {} launches into public subnet {s}", group.name)),
                );
                let mut why = public;
                if !in_public_subnets.is_empty() {
                    why.push(format!("it launches into public subnets {}", join(&in_public_subnets)));
                }
                if !why.is_empty() {
                    changes.push(replacement(found, &group.name, &group.subnets, why.join("; ")));
                }
            }
            (current, changes)
        }
        StepId::SshKeys => {
            let keyed: Vec<_> = facts.node_groups.iter().filter_map(|g| g.ssh_key.as_ref().map(|k| (g, k))).collect();
            let current = keyed.iter().map(|(g, k)| format!("node group {} accepts SSH key {k}", g.name)).collect();
            let changes = keyed
                .iter()
                .map(|(g, k)| replacement(found, &g.name, &g.subnets, format!("its nodes accept SSH key {k}")))
                .collect();
            (current, changes)
        }
        StepId::Imds => {
            let mut current = Vec::new();
            let mut changes = Vec::new();
            for group in &facts.node_groups {
                let why = match group.imds {
                    Some(Imds { tokens_required: true, hop_limit: Some(1) }) => {
                        current.push(format!("node group {}: IMDSv2 required, hop limit 1", group.name));
                        continue;
                    }
                    Some(Imds { tokens_required, hop_limit }) => format!(
                        "its nodes {}, hop limit {}",
                        if tokens_required { "require IMDSv2" } else { "allow IMDSv1" },
                        hop_limit.map_or("unset (2 on EKS's templates)".to_owned(), |h| h.to_string())
                    ),
                    None => "no launch template sets its instance metadata options (EKS's default allows IMDSv1, hop limit 2)".to_owned(),
                };
                current.push(format!("node group {}: {why}", group.name));
                changes.push(replacement(found, &group.name, &group.subnets, why));
            }
            (current, changes)
        }
        StepId::SecretsEncryption => match &facts.secrets_key {
            Some(key) => (vec![format!("secrets are encrypted with {key}")], Vec::new()),
            None => (
                vec!["secrets are not encrypted with a KMS key".to_owned()],
                vec![Change::EncryptSecrets { key: options.kms_key.clone() }],
            ),
        },
        StepId::Tags => {
            let mut current = Vec::new();
            let mut resources = Vec::new();
            for resource in &found.tagging {
                match &resource.value {
                    Some(value) if value == &facts.name => {
                        current.push(format!("{}: tagged", resource.label));
                    }
                    Some(other) => {
                        // Another cluster's tag: say so, never overwrite it.
                        current.push(format!("{}: tagged for cluster {other}, left alone", resource.label));
                    }
                    None => {
                        current.push(format!("{}: no cluster tag", resource.label));
                        resources.push(resource.id.clone());
                    }
                }
            }
            let changes = if resources.is_empty() { Vec::new() } else { vec![Change::TagWithCluster { resources }] };
            (current, changes)
        }
        StepId::CreatorRole
        | StepId::AccessMapping
        | StepId::RbacBindings
        | StepId::SystemMasters
        | StepId::SshEgressPolicy => unreachable!("inspected elsewhere"),
    }
}

/// The change that replaces node group `name`: a managed group moves to its private
/// subnets, or the cluster's when it has none; self-managed nodes are only reported.
fn replacement(found: &discover::Discovery, name: &str, subnets: &[String], why: String) -> Change {
    if !found.managed_node_groups.iter().any(|g| g == name) {
        return Change::ReplaceInstances { name: name.to_owned(), why };
    }
    let model = &found.model;
    let private = |ids: &[String]| -> Vec<String> {
        model
            .subnets
            .iter()
            .filter(|s| ids.contains(&s.id) && !model.routes_to_internet(s))
            .map(|s| s.id.clone())
            .collect()
    };
    let mut chosen = private(subnets);
    if chosen.is_empty() {
        chosen = private(&found.cluster_subnets);
    }
    Change::ReplaceNodeGroup {
        name: name.to_owned(),
        why,
        subnets: chosen,
        security_groups: found.new_node_security_groups.clone(),
    }
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// Inbound rules on node groups that admit port 22 from anything but the bastion, the
/// control plane or the nodes themselves.
fn ssh_ingress(found: &discover::Discovery) -> Inspected {
    let groups_of = |kinds: &dyn Fn(&RoleKind) -> bool| -> BTreeSet<String> {
        found
            .topology
            .roles
            .iter()
            .filter(|r| kinds(&r.kind))
            .filter_map(|r| match &r.members {
                Members::Enis(enis) => Some(enis),
                _ => None,
            })
            .flatten()
            .flat_map(|&e| found.model.enis[e].groups.iter().cloned())
            .collect()
    };
    let node_groups = groups_of(&|k| matches!(k, RoleKind::NodeGroup { .. }));
    let trusted: BTreeSet<String> =
        groups_of(&|k| matches!(k, RoleKind::NodeGroup { .. } | RoleKind::Bastion | RoleKind::ControlPlane));
    let mut current = Vec::new();
    let mut changes = Vec::new();
    for group in found.model.security_groups.iter().filter(|g| node_groups.contains(&g.id)) {
        for rule in &group.ingress {
            let covers_ssh = match rule.protocol {
                RuleProtocol::All => true,
                RuleProtocol::One(Protocol::Tcp) => rule.ports.contains(22),
                _ => false,
            };
            let outside = match &rule.peer {
                Peer::Cidr(_) | Peer::PrefixList(_) => true,
                Peer::Group(id) => !trusted.contains(id),
            };
            if covers_ssh && outside {
                let change = Change::RevokeIngress {
                    group: group.id.clone(),
                    group_name: group.name.clone(),
                    rule: rule.clone(),
                };
                current.push(change.to_string().replacen("revoke ", "", 1));
                changes.push(change);
            }
        }
    }
    (current, changes)
}

async fn inspect_cluster_api(
    client: &eksharden_kube::Client,
    options: &Options,
    step: StepId,
) -> Result<Inspected, String> {
    let failed = |e: eksharden_kube::KubeError| format!("cannot inspect: {e}");
    match step {
        StepId::AccessMapping => {
            let auth = aws_auth::read(client).await.map_err(failed)?.unwrap_or_default();
            let wanted = wanted_mappings(options);
            let missing: Vec<IdentityMapping> = wanted
                .into_iter()
                .filter(|w| {
                    !auth.roles.iter().any(|r| r.arn == w.arn && r.groups == w.groups && r.username == w.username)
                })
                .collect();
            let mut current: Vec<String> =
                auth.roles.iter().chain(&auth.users).map(|m| format!("{} -> {}", m.arn, m.groups.join(", "))).collect();
            if current.is_empty() {
                current.push("aws-auth maps nobody".into());
            }
            let mut changes = Vec::new();
            if !missing.is_empty() {
                changes.push(Change::MapRoles {
                    arns: missing.iter().map(|m| m.arn.clone()).collect(),
                    mappings: missing,
                });
            }
            Ok((current, changes))
        }
        StepId::SystemMasters => {
            let auth = aws_auth::read(client).await.map_err(failed)?.unwrap_or_default();
            let mappings: Vec<String> = auth
                .roles
                .iter()
                .chain(&auth.users)
                .filter(|m| m.groups.iter().any(|g| g == MASTERS))
                .map(|m| m.arn.clone())
                .collect();
            let binding = eksharden_kube::rbac::binds_group(client, "cluster-admin", MASTERS).await.map_err(failed)?;
            let mut current: Vec<String> = mappings.iter().map(|m| format!("{m} is mapped to {MASTERS}")).collect();
            if binding {
                current.push(format!("cluster-admin is bound to {MASTERS}"));
            }
            let change = Change::RemoveSystemMasters { mappings: mappings.clone(), binding };
            Ok((current, if mappings.is_empty() && !binding { Vec::new() } else { vec![change] }))
        }
        StepId::RbacBindings => {
            let planned =
                eksharden_kube::rbac::apply_bindings(client, RBAC_BINDINGS.content, false).await.map_err(failed)?;
            let current = planned.iter().map(|(n, a)| format!("{n}: {}", describe(*a))).collect();
            let names: Vec<String> =
                planned.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(n, _)| n).collect();
            Ok((current, if names.is_empty() { Vec::new() } else { vec![Change::ApplyBindings { names }] }))
        }
        StepId::SshEgressPolicy => {
            let planned = eksharden_kube::network_policy::apply_ssh_egress_policies(
                client,
                DENY_POD_SSH_EGRESS.content,
                CALICO_DENY_SSH_EGRESS.content,
                false,
            )
            .await
            .map_err(failed)?;
            let mut places: Vec<(String, Applied)> =
                planned.namespaces.into_iter().map(|(n, a)| (format!("namespace {n}"), a)).collect();
            places.extend(planned.calico.map(|a| ("Calico".to_owned(), a)));
            let current = places.iter().map(|(p, a)| format!("{p}: {}", describe(*a))).collect();
            let places: Vec<String> =
                places.into_iter().filter(|(_, a)| *a != Applied::Unchanged).map(|(p, _)| p).collect();
            Ok((current, if places.is_empty() { Vec::new() } else { vec![Change::ApplySshEgressPolicy { places }] }))
        }
        _ => unreachable!("an AWS step"),
    }
}

fn describe(applied: Applied) -> &'static str {
    match applied {
        Applied::Created => "missing",
        Applied::Replaced => "different",
        Applied::Unchanged => "in place",
    }
}

/// The aws-auth entries the options ask for: admins and viewers, each named after its role.
fn wanted_mappings(options: &Options) -> Vec<IdentityMapping> {
    let mapping = |arn: &String, group: &str| IdentityMapping {
        arn: arn.clone(),
        username: arn.rsplit('/').next().unwrap_or(arn).to_owned(),
        groups: vec![group.to_owned()],
    };
    options
        .admins
        .iter()
        .map(|a| mapping(a, ADMIN_GROUP))
        .chain(options.viewers.iter().map(|v| mapping(v, VIEWER_GROUP)))
        .collect()
}

/// Makes one change.
pub async fn make(target: &Target<'_>, options: &Options, change: &Change) -> Result<(), String> {
    let (aws, cluster) = (target.aws, target.cluster);
    let aws_failed = |e: eksharden_aws::AwsError| format!("{}: {}", e.operation, e.message);
    let client = || {
        target
            .kube
            .as_ref()
            .map(|access| &access.client)
            .map_err(|why| format!("the cluster API is not reachable: {why}"))
    };
    match change {
        Change::EndpointAccess { private, public, public_cidrs } => {
            changes::set_endpoint_access(aws, cluster, *private, *public, public_cidrs).await.map_err(aws_failed)
        }
        Change::EnableLogging { types } => changes::enable_logging(aws, cluster, types).await.map_err(aws_failed),
        Change::StripCreatorRole { .. } => eksharden_aws::creator::strip(aws, cluster).await.map_err(aws_failed),
        Change::RevokeIngress { group, rule, .. } => {
            changes::revoke_ingress(aws, group, rule).await.map_err(aws_failed)
        }
        Change::StopPublicAddresses { subnet } => changes::stop_public_addresses(aws, subnet).await.map_err(aws_failed),
        Change::MapRoles { mappings, .. } => {
            aws_auth::map_roles(client()?, mappings).await.map(|_| ()).map_err(|e| e.to_string())
        }
        Change::ApplyBindings { .. } => eksharden_kube::rbac::apply_bindings(client()?, RBAC_BINDINGS.content, true)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Change::ApplySshEgressPolicy { .. } => eksharden_kube::network_policy::apply_ssh_egress_policies(
            client()?,
            DENY_POD_SSH_EGRESS.content,
            CALICO_DENY_SSH_EGRESS.content,
            true,
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string()),
        Change::RemoveSystemMasters { .. } => {
            let access = target.kube.as_ref().map_err(|why| format!("the cluster API is not reachable: {why}"))?;
            let proven = crate::proof::prove_admins(target, access, &options.admins)
                .await
                .map_err(|why| format!("refused to remove {MASTERS}, nothing was removed: {why}"))?;
            let kube_failed = |e: eksharden_kube::KubeError| format!("after proving {}: {e}", proven.join(", "));
            aws_auth::remove_group(&access.client, MASTERS).await.map_err(kube_failed)?;
            eksharden_kube::rbac::unbind_group(&access.client, "cluster-admin", MASTERS).await.map_err(kube_failed)?;
            Ok(())
        }
        Change::ReplaceNodeGroup { name, subnets, security_groups, .. } => {
            // New nodes must not come up with public addresses, whichever step asked.
            for subnet in subnets {
                changes::stop_public_addresses(aws, subnet).await.map_err(aws_failed)?;
            }
            let placement = eksharden_aws::nodegroups::Placement { subnets, security_groups };
            eksharden_aws::nodegroups::replace(aws, cluster, name, placement).await.map_err(aws_failed)
        }
        Change::EncryptSecrets { key } => {
            changes::encrypt_secrets(aws, cluster, key.as_deref()).await.map(|_| ()).map_err(aws_failed)
        }
        Change::TagWithCluster { resources } => {
            changes::tag_with_cluster(aws, cluster, resources).await.map_err(aws_failed)
        }
        Change::ReplaceInstances { .. } => Err("self-managed nodes are not replaced by eksharden".into()),
    }
}
