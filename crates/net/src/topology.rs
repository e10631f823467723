//! Who is who in the model: the roles the flow policy speaks of, and their endpoints.

use std::collections::BTreeSet;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::model::{Eni, Family, Model, Origin, Peer, SecurityGroup, SgRule, Subnet};
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
        /// What the group runs (EKS-SG-ROLES's general, add-on and app groups), when known.
        purpose: Option<NodePurpose>,
    },
    /// Pods on interfaces of their own, apart from their nodes' (STACKROX-EKS, "Customize the
    /// AWS VPC CNI networking configuration").
    #[serde(rename_all = "camelCase")]
    Pods {
        /// How they got them.
        interfaces: PodInterfaces,
    },
    /// The bastion (STACKROX-EKS).
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

/// How pods came by interfaces of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PodInterfaces {
    /// Custom networking (AWS-EKS-CUSTOM-NET): every pod but those on the host's network is
    /// in a pod subnet, on an interface with the ENIConfig's groups.
    PodSubnets,
    /// Security groups for pods (AWS-EKS-SGP): the pods a SecurityGroupPolicy selects are on
    /// branch interfaces with its groups; the others still share their node's.
    BranchInterfaces,
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
    /// Internet addresses, IPv4 and IPv6.
    Addresses(Vec<IpAddr>),
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
    /// The family of the cluster's own traffic inside the VPC: IPv6 for an EKS IPv6
    /// cluster (its pods, nodes and control plane talk over IPv6), else IPv4.
    pub family: Family,
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
            egress: [Peer::Cidr(Ipv4Net::default()), Peer::Cidr6(Ipv6Net::default())]
                .into_iter()
                .map(|peer| SgRule { protocol: RuleProtocol::All, ports: PortRange::ALL, peer, description: None })
                .collect(),
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
            ipv6: subnet.ipv6_cidr.map(last_usable_v6),
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

/// The last address of an IPv6 block (AWS reserves none at the end of a subnet's /64).
pub fn last_usable_v6(cidr: Ipv6Net) -> Ipv6Addr {
    cidr.broadcast()
}

/// The internet addresses worth trying as sources: one outside every block the model
/// names (the internet at large), and the first address of each public block a rule,
/// entry or the API endpoint names (so that a rule admitting one public network is seen).
/// Where the VPC has IPv6 (a block, or an interface with an address), the IPv6 internet is
/// tried as well as the IPv4 one; without, no interface can take part in IPv6 traffic.
pub fn internet_roles(model: &Model) -> [Role; 2] {
    let blocks = public_blocks(model);
    let outside = |candidates: &[IpAddr]| {
        candidates.iter().copied().find(|a| !blocks.iter().any(|b| b.contains(a))).unwrap_or(candidates[0])
    };
    let mut generic = vec![outside(&[
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 77)),
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 77)),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77)),
        IpAddr::V4(Ipv4Addr::new(100, 127, 255, 77)),
        IpAddr::V4(Ipv4Addr::new(11, 22, 33, 44)),
    ])];
    if has_ipv6(model) {
        generic.push(outside(&[
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, 0x77)),
            IpAddr::V6(Ipv6Addr::new(0x2a05, 0xd018, 0x77, 0, 0, 0, 0, 0x77)),
            IpAddr::V6(Ipv6Addr::new(0x2c0f, 0xf248, 0x77, 0, 0, 0, 0, 0x77)),
        ]));
    }
    let mut listed: Vec<IpAddr> = blocks.iter().map(|b| b.hosts().next().unwrap_or(b.network())).collect();
    listed.dedup();
    [
        Role { kind: RoleKind::Internet, name: "the internet".to_owned(), members: Members::Addresses(generic) },
        Role {
            kind: RoleKind::ListedNetworks,
            name: "listed public networks".to_owned(),
            members: Members::Addresses(listed),
        },
    ]
}

/// Whether anything in the VPC can take part in IPv6 traffic.
pub fn has_ipv6(model: &Model) -> bool {
    !model.vpc_ipv6_cidrs.is_empty() || model.enis.iter().any(|e| e.ipv6.is_some())
}

/// Public blocks (not private, not the whole internet, not the VPC's own IPv6 blocks)
/// named by rules, entries and the API.
fn public_blocks(model: &Model) -> Vec<IpNet> {
    let own = |block: &IpNet| match block {
        IpNet::V6(b) => model.vpc_ipv6_cidrs.iter().any(|v| v.contains(b) || b.contains(v)),
        IpNet::V4(_) => false,
    };
    let mut blocks: Vec<IpNet> =
        model.named_blocks(|_| true).filter(|b| b.prefix_len() > 0 && !is_private(b.network()) && !own(b)).collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

fn is_private(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(a) => a.is_private() || a.is_loopback() || a.is_link_local(),
        // Unique local (fc00::/7), link-local (fe80::/10) and loopback.
        IpAddr::V6(a) => {
            (a.segments()[0] & 0xfe00) == 0xfc00 || (a.segments()[0] & 0xffc0) == 0xfe80 || a.is_loopback()
        }
    }
}
