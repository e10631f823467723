//! Who is who in the model: the roles the flow policy speaks of, and their endpoints.

use std::collections::BTreeSet;

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use crate::model::{Eni, Model, Origin, Peer, SecurityGroup, SgRule, Subnet};
use crate::ports::{PortRange, RuleProtocol};

/// What part a set of endpoints plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum RoleKind {
    /// The EKS control plane.
    ControlPlane,
    /// A node group.
    #[serde(rename_all = "camelCase")]
    NodeGroup {
        /// What the group runs (seed 003's general, add-on and app groups), when known.
        purpose: Option<NodePurpose>,
    },
    /// The bastion (seed 004).
    Bastion,
    /// Load balancers in front of the app nodes.
    LoadBalancer,
    /// Databases the apps use.
    Database,
    /// Caches the apps use.
    Cache,
    /// A host in one subnet of the VPC that is none of the above (for the "anything but
    /// the bastion" flows).
    OtherHost,
    /// A host on the internet, outside every block the model names.
    Internet,
    /// Hosts in the public blocks that rules, entries or the API endpoint name.
    ListedNetworks,
    /// The cluster's public API endpoint.
    PublicApi,
}

/// What a node group runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodePurpose {
    /// General workloads.
    General,
    /// Cluster add-ons.
    Addon,
    /// Applications behind the load balancer.
    App,
}

/// The endpoints of a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Members {
    /// Network interfaces, by index in [`Model::enis`].
    Enis(Vec<usize>),
    /// Internet addresses.
    Addresses(Vec<Ipv4Addr>),
    /// The public API endpoint.
    PublicApi,
}

/// A role and its endpoints.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    /// The part it plays.
    pub kind: RoleKind,
    /// A name for the report (`node group general`).
    pub name: String,
    /// Its endpoints.
    pub members: Members,
}

/// The roles of one cluster's model.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Topology {
    /// Every role found.
    pub roles: Vec<Role>,
}

impl Topology {
    /// The security groups on the interfaces of the roles `keep` picks.
    pub fn groups_of(&self, model: &Model, keep: impl Fn(&RoleKind) -> bool) -> BTreeSet<String> {
        self.roles
            .iter()
            .filter(|r| keep(&r.kind))
            .filter_map(|r| match &r.members {
                Members::Enis(enis) => Some(enis),
                _ => None,
            })
            .flatten()
            .flat_map(|&e| model.enis[e].groups.iter().cloned())
            .collect()
    }
}

/// The id of the made-up group that stands for an unmanaged host: it may send anything.
pub const ANY_HOST_GROUP: &str = "eksharden:any-host";

/// Adds to `model` one representative "other host" per subnet, except in `excluded` (the
/// bastion subnet, which holds only the bastion): an interface with no role, allowed to
/// send anything. Returns the role holding them.
pub fn add_other_hosts(model: &mut Model, excluded: &[String]) -> Role {
    if !model.security_groups.iter().any(|g| g.id == ANY_HOST_GROUP) {
        model.security_groups.push(SecurityGroup {
            id: ANY_HOST_GROUP.to_owned(),
            name: "any other host".to_owned(),
            ingress: Vec::new(),
            egress: vec![SgRule {
                protocol: RuleProtocol::All,
                ports: PortRange::ALL,
                peer: Peer::Cidr(Ipv4Net::default()),
                description: None,
            }],
        });
    }
    let subnets: Vec<Subnet> = model.subnets.iter().filter(|s| !excluded.contains(&s.id)).cloned().collect();
    let mut members = Vec::with_capacity(subnets.len());
    for subnet in subnets {
        members.push(model.enis.len());
        model.enis.push(Eni {
            id: format!("other-host-{}", subnet.id),
            label: format!("another host in {}", subnet.name),
            subnet: subnet.id.clone(),
            private_ip: last_usable(subnet.cidr),
            public_ip: None,
            groups: vec![ANY_HOST_GROUP.to_owned()],
            origin: Origin::Representative("a host the policy does not know, one per subnet".to_owned()),
        });
    }
    Role { kind: RoleKind::OtherHost, name: "other hosts in the VPC".to_owned(), members: Members::Enis(members) }
}

/// The last address AWS lets an instance use in a block (it reserves the broadcast address).
pub fn last_usable(cidr: Ipv4Net) -> Ipv4Addr {
    let broadcast = u32::from(cidr.broadcast());
    Ipv4Addr::from(broadcast.saturating_sub(1).max(u32::from(cidr.network())))
}

/// The internet addresses worth trying as sources: one outside every block the model
/// names (the internet at large), and the first address of each public block a rule,
/// entry or the API endpoint names (so that a rule admitting one public network is seen).
pub fn internet_roles(model: &Model) -> [Role; 2] {
    let blocks = public_blocks(model);
    let generic = [
        Ipv4Addr::new(203, 0, 113, 77),
        Ipv4Addr::new(198, 51, 100, 77),
        Ipv4Addr::new(192, 0, 2, 77),
        Ipv4Addr::new(100, 127, 255, 77),
        Ipv4Addr::new(11, 22, 33, 44),
    ]
    .into_iter()
    .find(|a| !blocks.iter().any(|b| b.contains(a)))
    .unwrap_or(Ipv4Addr::new(11, 22, 33, 44));
    let mut listed: Vec<Ipv4Addr> = blocks.iter().map(|b| b.hosts().next().unwrap_or(b.network())).collect();
    listed.dedup();
    [
        Role { kind: RoleKind::Internet, name: "the internet".to_owned(), members: Members::Addresses(vec![generic]) },
        Role {
            kind: RoleKind::ListedNetworks,
            name: "listed public networks".to_owned(),
            members: Members::Addresses(listed),
        },
    ]
}

/// Public blocks (not private, not the whole internet) named by rules, entries and the API.
fn public_blocks(model: &Model) -> Vec<Ipv4Net> {
    let mut blocks: Vec<Ipv4Net> =
        model.named_blocks(|_| true).filter(|b| b.prefix_len() > 0 && !is_private(b.network())).collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

fn is_private(address: Ipv4Addr) -> bool {
    address.is_private() || address.is_loopback() || address.is_link_local()
}
