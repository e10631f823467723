//! The steps, one module each, all of one shape: `inspect` reads the current state and
//! returns it in words with the changes it calls for; the changes a step plans are made by
//! the `make` of the module that owns them.

mod access_mapping;
mod creator_role;
mod endpoint_access;
mod imds;
mod logging;
mod network_acl;
mod public_addresses;
mod rbac_bindings;
mod replacement;
mod secrets_encryption;
mod ssh_egress_policy;
mod ssh_ingress;
mod ssh_keys;
mod system_masters;
mod tags;

use eksharden_aws::discover;
use eksharden_kube::apply::Applied;
use eksharden_net::model::Unread;

use crate::change::{Change, IdentityStore};
use crate::step::{Planned, StepId, StepPlan};
use crate::{KubeAccess, Options, Target};

/// What a step found: the current state in words, and the changes it calls for.
type Inspected = (Vec<String>, Vec<Change>);

/// What EC2 and EKS say about the cluster, read on first use and shared by the steps that
/// inspect it (a plan reads it once; the check after a change reads it afresh).
#[derive(Default)]
pub struct Discovered(Option<Result<discover::Discovery, String>>);

impl Discovered {
    /// What discovery found, if it ran and succeeded.
    pub fn found(&self) -> Option<&discover::Discovery> {
        self.0.as_ref().and_then(|found| found.as_ref().ok())
    }

    async fn get(&mut self, target: &Target<'_>) -> &Result<discover::Discovery, String> {
        if self.0.is_none() {
            let found = discover::discover(target.aws, target.cluster).await.map_err(cannot_inspect);
            self.0 = Some(found);
        }
        self.0.as_ref().expect("filled above")
    }
}

/// Inspects `step` and plans its changes.
pub async fn inspect(target: &Target<'_>, options: &Options, step: StepId, discovered: &mut Discovered) -> StepPlan {
    let mut unread = Vec::new();
    let result = if step == StepId::CreatorRole {
        creator_role::inspect(target).await
    } else if step == StepId::AccessMapping {
        match discovered.get(target).await {
            Err(why) => Err(why.clone()),
            Ok(found) if access_mapping::uses_access_entries(found) => access_mapping::inspect_entries(found, options),
            Ok(_) => match cluster_api(target) {
                Ok(access) => {
                    access_mapping::inspect(&access.client, options).await.map_err(|e| format!("cannot inspect: {e}"))
                }
                Err(why) => Err(format!("cannot inspect: {why}")),
            },
        }
    } else if step.needs_cluster_api() {
        match cluster_api(target) {
            Ok(access) => inspect_cluster_api(&access.client, step).await,
            Err(why) => Err(format!("cannot inspect: {why}")),
        }
    } else {
        match discovered.get(target).await {
            Ok(found) => match found.model.unread_of(reads_of(step)) {
                Some(why) => Err(format!("cannot inspect: {why}")),
                None => {
                    if matches!(step, StepId::PublicAddresses | StepId::SshKeys | StepId::Imds) {
                        unread = unread_node_groups(found);
                    }
                    Ok(inspect_aws(found, options, step))
                }
            },
            Err(why) => Err(why.clone()),
        }
    };
    let (current, planned) = match result {
        Ok((current, changes)) if changes.is_empty() => (current, Planned::Compliant),
        Ok((current, changes)) => (current, Planned::Changes(changes)),
        Err(why) => (Vec::new(), Planned::CannotInspect(why)),
    };
    StepPlan { step, current, planned, unread, refused: Vec::new(), ownership: Vec::new() }
}

/// The parts of the VPC a step judges from; without one of them it cannot inspect (the
/// other steps go on).
fn reads_of(step: StepId) -> &'static [Unread] {
    match step {
        StepId::PublicAddresses => &[Unread::Subnets, Unread::Interfaces, Unread::RouteTables, Unread::NatGateways],
        StepId::NetworkAcl => &[Unread::Vpc, Unread::Subnets, Unread::NetworkAcls],
        StepId::SshIngress | StepId::Tags => &[Unread::SecurityGroups],
        _ => &[],
    }
}

/// What discovery could not read about the node groups, for the steps that judge them.
fn unread_node_groups(found: &discover::Discovery) -> Vec<String> {
    let listed = found.facts.node_groups_unread.iter().map(|why| format!("the managed node groups: {why}"));
    let groups = found
        .facts
        .node_groups
        .iter()
        .filter(|g| !g.unread.is_empty())
        .map(|g| format!("node group {}: {}", g.name, g.unread.join("; ")));
    listed.chain(groups).collect()
}

fn inspect_aws(found: &discover::Discovery, options: &Options, step: StepId) -> Inspected {
    match step {
        StepId::PublicAddresses => public_addresses::inspect(found),
        StepId::NetworkAcl => network_acl::inspect(found),
        StepId::SshIngress => ssh_ingress::inspect(found),
        StepId::SshKeys => ssh_keys::inspect(found),
        StepId::Imds => imds::inspect(found),
        StepId::EndpointAccess => endpoint_access::inspect(found, options),
        StepId::Logging => logging::inspect(found),
        StepId::SecretsEncryption => secrets_encryption::inspect(found, options),
        StepId::Tags => tags::inspect(found),
        StepId::CreatorRole
        | StepId::AccessMapping
        | StepId::RbacBindings
        | StepId::SystemMasters
        | StepId::SshEgressPolicy => unreachable!("inspected elsewhere"),
    }
}

async fn inspect_cluster_api(client: &eksharden_kube::Client, step: StepId) -> Result<Inspected, String> {
    let failed = |e: eksharden_kube::KubeError| format!("cannot inspect: {e}");
    match step {
        StepId::SystemMasters => system_masters::inspect(client).await.map_err(failed),
        StepId::RbacBindings => rbac_bindings::inspect(client).await.map_err(failed),
        StepId::SshEgressPolicy => ssh_egress_policy::inspect(client).await.map_err(failed),
        _ => unreachable!("an AWS step"),
    }
}

/// Makes one change. Returns what it met on the way that a user should know (a race with
/// another run, and what became of it).
pub async fn make(target: &Target<'_>, options: &Options, change: &Change) -> Result<Vec<String>, String> {
    use eksharden_aws::changes;
    let (aws, cluster) = (target.aws, target.cluster);
    let aws_failed = |e: eksharden_aws::AwsError| format!("{}: {}", e.operation, e.message);
    let kube_failed = |e: eksharden_kube::KubeError| e.to_string();
    let client = || cluster_api(target).map(|access| &access.client);
    let mut notes = Vec::new();
    let made = match change {
        Change::StripCreatorRole { .. } => eksharden_aws::creator::strip(aws, cluster).await.map_err(aws_failed),
        Change::MapIdentities { through: IdentityStore::AwsAuth, mappings, .. } => {
            eksharden_kube::aws_auth::map_roles(client()?, mappings).await.map(|_| ()).map_err(kube_failed)
        }
        Change::MapIdentities { through: IdentityStore::AccessEntries, mappings, .. } => {
            for m in mappings {
                changes::put_access_entry(aws, cluster, &m.arn, &m.username, &m.groups).await.map_err(aws_failed)?;
            }
            Ok(())
        }
        Change::ApplyBindings { .. } => rbac_bindings::apply(client()?, true).await.map(|_| ()).map_err(kube_failed),
        Change::RemoveSystemMasters { .. } => system_masters::make(target, options).await,
        Change::StopPublicAddresses { subnet } => changes::stop_public_addresses(aws, subnet).await.map_err(aws_failed),
        Change::ReplaceNodeGroup { name, subnets, security_groups, .. } => {
            replacement::make(aws, cluster, name, subnets, security_groups).await.map_err(aws_failed)
        }
        Change::ReplaceInstances { .. } => Err("self-managed nodes are not replaced by eksharden".into()),
        Change::MakeBastionSubnet { .. } | Change::GuardNodeSubnet { .. } => {
            network_acl::make(aws, cluster, change).await.map_err(aws_failed)
        }
        Change::RevokeIngress { group, rule, .. } => {
            changes::revoke_ingress(aws, group, rule).await.map_err(aws_failed)
        }
        Change::ApplySshEgressPolicy { .. } => {
            ssh_egress_policy::apply(client()?, true).await.map(|_| ()).map_err(kube_failed)
        }
        Change::EndpointAccess { private, public, public_cidrs } => {
            changes::set_endpoint_access(aws, cluster, *private, *public, public_cidrs).await.map_err(aws_failed)
        }
        Change::EnableLogging { types } => changes::enable_logging(aws, cluster, types).await.map_err(aws_failed),
        Change::EncryptSecrets { key } => changes::encrypt_secrets(aws, cluster, key.as_deref())
            .await
            .map(|key| notes.extend(key.discarded))
            .map_err(aws_failed),
        Change::TagWithCluster { resource, .. } => {
            changes::tag_with_cluster(aws, cluster, resource).await.map_err(aws_failed)
        }
    };
    made.map(|()| notes)
}

/// The cluster API, or why it cannot be reached.
fn cluster_api<'t>(target: &'t Target<'_>) -> Result<&'t KubeAccess, String> {
    target.kube.as_ref().map_err(|why| format!("the cluster API is not reachable: {why}"))
}

/// The words for what a dry-run apply says of an object.
fn describe(applied: Applied) -> &'static str {
    match applied {
        Applied::Created => "missing",
        Applied::Replaced => "different",
        Applied::Unchanged => "in place",
    }
}

/// Why a step could not read AWS.
fn cannot_inspect(error: eksharden_aws::AwsError) -> String {
    format!("cannot inspect: {}: {}", error.operation, error.message)
}
