//! The roles of the flow policy, placed the way AWS places them: the control plane by its
//! cross-account interfaces (or one representative per control-plane subnet), node groups
//! by their instances' interfaces (or one representative per subnet from the launch
//! template), role groups by the interfaces that carry them (or representatives where such
//! resources would sit).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::Ipv4Addr;

use eksharden_net::model::{Eni, Model, Origin, SecurityGroup};
use eksharden_net::posture::{
    AccessEntryFact, ClusterFacts, ClusterGroupFact, Compute, NodeGroupFacts, PodNetworkFacts, VpcCniAddon, CLOSED_TAG,
};
use eksharden_net::topology::{self, Members, NodePurpose, PodInterfaces, Role, RoleKind, Topology};
use eksharden_plan::stacks::{NODE_GROUP_TAG, POD_NAMESPACES_TAG, POD_SUBNET_ROLE, ROLE_TAG};
use eksharden_spec::model::{cni_env_setting, CLUSTER_TAG, CUSTOM_NETWORK_KEY, POD_ENI_KEY};

use crate::read::{ClusterInfo, Instance, ManagedNodeGroup, Network};
use crate::{Discovery, PodSubnet, Tagging};

/// The tag CloudFormation puts on what a stack creates.
const STACK_TAG: &str = "aws:cloudformation:stack-name";

/// The tags eksctl puts on the clusters it makes (old and new spelling).
const EKSCTL_CLUSTER_TAGS: [&str; 2] = ["alpha.eksctl.io/cluster-name", "eksctl.cluster.k8s.io/v1alpha1/cluster-name"];

/// The tag eksctl puts on a node group's stack, and so on its instances.
const EKSCTL_NODE_GROUP_TAG: &str = "alpha.eksctl.io/nodegroup-name";

/// Builds the roles, the facts and what the hardening steps need, from what the AWS edge read
/// (`notes`: what it could not read).
pub fn build(
    cluster: &str,
    info: &ClusterInfo,
    network: Network,
    managed: &[ManagedNodeGroup],
    access_entries: Option<Vec<AccessEntryFact>>,
    mut notes: Vec<String>,
) -> Discovery {
    let Network { mut model, instances, tags, descriptions, notes: network_notes } = network;
    notes.extend(network_notes);
    let mut places = Places::new(&model);
    let role_group = |role: &str| -> Option<String> {
        let mut ids: Vec<&String> = tags
            .iter()
            .filter(|(id, t)| {
                id.starts_with("sg-")
                    && t.get(ROLE_TAG).map(String::as_str) == Some(role)
                    && t.get(CLUSTER_TAG).map(String::as_str) == Some(cluster)
            })
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.first().map(|id| id.to_string())
    };
    let mut roles = Vec::new();
    let mut facts = ClusterFacts {
        name: cluster.to_owned(),
        endpoint_private: info.private,
        endpoint_public: info.public,
        public_access_cidrs: public_cidrs(info),
        authentication_mode: info.authentication_mode.clone(),
        access_entries,
        logging: info.logging.clone(),
        secrets_key: info.secrets_key.clone(),
        compute: Compute { auto_mode_pools: info.auto_mode_pools.clone(), fargate_profiles: Vec::new() },
        pod_network: PodNetworkFacts { vpc_cni: info.vpc_cni.clone(), ..PodNetworkFacts::default() },
        cluster_security_group: info.cluster_group.as_ref().map(|id| ClusterGroupFact {
            id: id.clone(),
            closed_down: tags.get(id).and_then(|t| t.get(CLOSED_TAG)).is_some_and(|v| v == "true"),
        }),
        ..ClusterFacts::default()
    };
    facts.cluster_groups.extend(info.cluster_group.iter().cloned());
    facts.cluster_groups.extend(info.additional_groups.iter().cloned());
    if info.public {
        model.public_api = Some(eksharden_net::model::PublicApi { cidrs: facts.public_access_cidrs.clone() });
        roles.push(Role {
            kind: RoleKind::PublicApi,
            name: "public API endpoint".to_owned(),
            members: Members::PublicApi,
        });
    }

    // The control plane.
    let description = format!("Amazon EKS {cluster}");
    let mut control_plane: Vec<usize> =
        (0..model.enis.len()).filter(|&i| descriptions.get(&model.enis[i].id) == Some(&description)).collect();
    for &i in &control_plane {
        model.enis[i].label = "control plane".to_owned();
    }
    if control_plane.is_empty() {
        let groups: Vec<String> = info.cluster_group.iter().chain(&info.additional_groups).cloned().collect();
        for subnet in &info.subnets {
            control_plane.extend(places.representative(
                &mut model,
                subnet,
                "control plane",
                groups.clone(),
                "no interface described \"Amazon EKS <cluster>\"",
            ));
        }
        notes.push(format!(
            "control plane: no cross-account interfaces found; {} representative, one per control-plane subnet",
            control_plane.len()
        ));
    } else {
        notes.push(format!("control plane: {} real interfaces", control_plane.len()));
    }
    roles.push(Role {
        kind: RoleKind::ControlPlane,
        name: "control plane".to_owned(),
        members: Members::Enis(control_plane),
    });

    // Node groups.
    let purposes = [(role_group("node-app"), NodePurpose::App), (role_group("node-addon"), NodePurpose::Addon)];
    let eksharden_made = role_group("node-general").is_some();
    let purpose_of = |groups: &[String]| {
        purposes
            .iter()
            .find(|(g, _)| g.as_ref().is_some_and(|g| groups.contains(g)))
            .map(|(_, p)| *p)
            .or(eksharden_made.then_some(NodePurpose::General))
    };
    let index: HashMap<String, usize> = model.enis.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
    let ours = |i: &Instance| {
        i.tags.get(CLUSTER_TAG).map(String::as_str) == Some(cluster)
            || i.tags.get("eks:cluster-name").map(String::as_str) == Some(cluster)
            || i.tags.contains_key(&format!("kubernetes.io/cluster/{cluster}"))
    };
    let pods = PodPlaces::find(cluster, &model, &tags, &descriptions, role_group("pods"), &index, &instances);
    let mut by_group: BTreeMap<String, Vec<&Instance>> = BTreeMap::new();
    for instance in instances.iter().filter(|i| ours(i)) {
        // EKS's tag, eksharden's, eksctl's (its stacks' tags reach the instances), and last
        // the Auto Scaling group's own name.
        let name = ["eks:nodegroup-name", NODE_GROUP_TAG, EKSCTL_NODE_GROUP_TAG, "aws:autoscaling:groupName"]
            .iter()
            .find_map(|k| instance.tags.get(*k))
            .cloned()
            .unwrap_or_else(|| "self-managed nodes".to_owned());
        by_group.entry(name).or_default().push(instance);
    }
    let mut names: Vec<String> = managed.iter().map(|g| g.name.clone()).collect();
    names.extend(by_group.keys().filter(|k| !managed.iter().any(|g| &g.name == *k)).cloned());
    for name in names {
        let group = managed.iter().find(|g| g.name == name);
        let members = by_group.get(&name).cloned().unwrap_or_default();
        let mut enis: Vec<usize> = Vec::new();
        for instance in &members {
            for eni in instance.enis.iter().filter_map(|e| index.get(e)).filter(|e| !pods.interfaces.contains(e)) {
                model.enis[*eni].label = format!("node {}", instance.id);
                enis.push(*eni);
            }
        }
        let template = group.and_then(|g| g.launch_template.as_ref());
        let mut group_ids: Vec<String> = enis.first().map(|&e| model.enis[e].groups.clone()).unwrap_or_default();
        if enis.is_empty() {
            if let Some(group) = group.filter(|g| !g.unread.is_empty()) {
                // Its groups are not known: a stand-in would be judged on a guess.
                notes.push(format!("node group {name}: no instances, and {}", group.unread.join("; ")));
            } else if let Some(group) = group {
                group_ids = template
                    .map(|t| t.groups.clone())
                    .filter(|g| !g.is_empty())
                    .unwrap_or_else(|| info.cluster_group.iter().cloned().collect());
                group_ids.extend(group.remote_access_group.iter().cloned());
                // Two per subnet when the group can hold more nodes than it has subnets: nodes
                // that share a subnet reach each other without crossing an ACL.
                let per_subnet = if group.max_size as usize > group.subnets.len() { 2 } else { 1 };
                let source =
                    template.map_or("the cluster security group".to_owned(), |t| format!("launch template {}", t.name));
                let why = format!("managed node group {name} has no instances; built from {source} and its subnets");
                let label = format!("node group {name}");
                for subnet in &group.subnets {
                    for _ in 0..per_subnet {
                        let index = places.representative(&mut model, subnet, &label, group_ids.clone(), &why);
                        // A node launched there gets a public address if the subnet hands one out.
                        if let Some(index) = index {
                            places.give_public_address_if_launched(&mut model, index);
                        }
                        enis.extend(index);
                    }
                }
                notes.push(format!(
                    "node group {name}: no instances; {} representative interfaces, {per_subnet} per subnet",
                    enis.len()
                ));
            }
        } else {
            notes.push(format!("node group {name}: {} real interfaces of {} instances", enis.len(), members.len()));
        }
        facts.cluster_groups.extend(group_ids.iter().cloned());
        facts.node_groups.push(NodeGroupFacts {
            name: name.clone(),
            ssh_key: group
                .and_then(|g| g.ssh_key.clone().or_else(|| template.and_then(|t| t.key_name.clone())))
                .or_else(|| members.iter().find_map(|i| i.key_name.clone())),
            imds: template.and_then(|t| t.imds).or_else(|| members.iter().find_map(|i| i.imds)),
            enis: enis.iter().map(|&e| model.enis[e].id.clone()).collect(),
            subnets: match group {
                Some(g) => g.subnets.clone(),
                None => enis.iter().map(|&e| model.enis[e].subnet.clone()).collect(),
            },
            roles: group.and_then(|g| g.node_role.as_deref()).map(name_in_arn).into_iter().collect(),
            instance_profiles: {
                let mut profiles: Vec<String> = members.iter().filter_map(|i| i.instance_profile.clone()).collect();
                profiles.sort();
                profiles.dedup();
                profiles
            },
            without_profile: members.iter().filter(|i| i.instance_profile.is_none()).map(|i| i.id.clone()).collect(),
            // Without the instances, an SSH key or IMDS setting of the nodes themselves is
            // not known.
            unread: group
                .map(|g| g.unread.clone())
                .unwrap_or_default()
                .into_iter()
                .chain(model.unread_of(&[eksharden_net::model::Unread::Instances]))
                .collect(),
        });
        roles.push(Role {
            kind: RoleKind::NodeGroup { purpose: purpose_of(&group_ids) },
            name: format!("node group {name}"),
            members: Members::Enis(enis),
        });
    }
    facts.cluster_groups.sort();
    facts.cluster_groups.dedup();

    // Role groups: real interfaces that carry them, else representatives where they would sit.
    let bastion_subnets: Vec<String> = tags
        .iter()
        .filter(|(id, t)| id.starts_with("subnet-") && t.get(ROLE_TAG).map(String::as_str) == Some("bastion"))
        .map(|(id, _)| id.clone())
        .collect();
    let node_subnets: Vec<String> = {
        let mut s: Vec<String> = facts.node_groups.iter().flat_map(|g| g.subnets.iter().cloned()).collect();
        s.sort();
        s.dedup();
        s
    };
    let public_subnets: Vec<String> = model
        .subnets
        .iter()
        .filter(|s| !bastion_subnets.contains(&s.id) && model.routes_to_internet(s))
        .map(|s| s.id.clone())
        .collect();
    let placements = [
        ("bastion", RoleKind::Bastion, "bastion", &bastion_subnets),
        ("load-balancer", RoleKind::LoadBalancer, "load balancer", &public_subnets),
        ("database", RoleKind::Database, "database", &node_subnets),
        ("cache", RoleKind::Cache, "cache", &node_subnets),
    ];
    for (tag, kind, name, subnets) in placements {
        let Some(group) = role_group(tag) else { continue };
        let mut enis: Vec<usize> = (0..model.enis.len()).filter(|&i| model.enis[i].groups.contains(&group)).collect();
        if enis.is_empty() {
            for subnet in subnets.iter() {
                let why = format!("nothing carries the {name} group yet; placed where a {name} would sit");
                enis.extend(places.representative(&mut model, subnet, name, vec![group.clone()], &why));
            }
            notes.push(format!("{name}: no interface carries {group}; {} representative", enis.len()));
        } else {
            notes.push(format!("{name}: {} real interfaces", enis.len()));
        }
        if !enis.is_empty() {
            roles.push(Role { kind, name: name.to_owned(), members: Members::Enis(enis) });
        }
    }
    roles.extend(pods.role(&mut model, &mut places, &node_subnets, &info.vpc_cni, &mut notes));
    let pod_subnets: Vec<PodSubnet> = pods
        .subnets
        .iter()
        .filter_map(|id| {
            Some(PodSubnet { zone: model.subnets.iter().find(|s| &s.id == id)?.zone.clone(), id: id.clone() })
        })
        .collect();
    roles.push(topology::add_other_hosts(&mut model, &bastion_subnets));
    roles.extend(topology::internet_roles(&model));
    let mut tagging = vec![Tagging {
        label: format!("cluster {cluster}"),
        id: info.arn.clone(),
        value: info.tags.get(CLUSTER_TAG).cloned(),
    }];
    tagging.extend(managed.iter().map(|g| Tagging {
        label: format!("node group {}", g.name),
        id: g.arn.clone(),
        value: g.tags.get(CLUSTER_TAG).cloned(),
    }));
    tagging.extend(info.cluster_group.iter().map(|id| Tagging {
        label: "the cluster security group".to_owned(),
        id: id.clone(),
        value: tags.get(id).and_then(|t| t.get(CLUSTER_TAG)).cloned(),
    }));
    tagging.extend(own_groups(&model, &roles, &facts.cluster_groups, info.cluster_group.as_deref()).map(|group| {
        Tagging {
            label: format!("security group {}", group.name),
            id: group.id.clone(),
            value: tags.get(&group.id).and_then(|t| t.get(CLUSTER_TAG)).cloned(),
        }
    }));
    let owner = |tags: &HashMap<String, String>| tags.get(STACK_TAG).cloned();
    let mut owners: HashMap<String, String> = tags.iter().filter_map(|(id, t)| Some((id.clone(), owner(t)?))).collect();
    owners.extend(owner(&info.tags).map(|stack| (cluster.to_owned(), stack)));
    owners.extend(managed.iter().filter_map(|g| Some((g.name.clone(), owner(&g.tags)?))));
    Discovery {
        tagging,
        owners,
        made_by_eksctl: EKSCTL_CLUSTER_TAGS.iter().any(|t| info.tags.contains_key(*t)),
        model,
        topology: Topology {
            roles,
            family: if info.ipv6 { eksharden_net::model::Family::V6 } else { eksharden_net::model::Family::V4 },
        },
        facts,
        notes,
        cluster_subnets: info.subnets.clone(),
        bastion_subnets,
        bastion_groups: role_group("bastion").into_iter().collect(),
        pod_subnets,
        pod_namespaces: pods
            .group
            .as_ref()
            .and_then(|g| tags.get(g)?.get(POD_NAMESPACES_TAG))
            .map(|listed| listed.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        pods_group: pods.group,
        managed_node_groups: managed.iter().map(|g| g.name.clone()).collect(),
        new_node_security_groups: role_group("node-general")
            .or_else(|| info.cluster_group.clone())
            .into_iter()
            .collect(),
    }
}

/// The cluster's security groups (but the one EKS made, `eks_group`) that nothing else in
/// the VPC carries: only the control plane's and the nodes' interfaces. A group shared with
/// other hosts may belong to something else, and is not the cluster's to tag.
/// An IAM resource's name from its ARN, less its path (`arn:aws:iam::1:role/path/name` and
/// `arn:aws:iam::1:instance-profile/name` are `name`).
pub fn name_in_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

fn own_groups<'m>(
    model: &'m Model,
    roles: &[Role],
    cluster_groups: &'m [String],
    eks_group: Option<&'m str>,
) -> impl Iterator<Item = &'m SecurityGroup> + 'm {
    let cluster_enis: HashSet<usize> = roles
        .iter()
        .filter(|r| matches!(r.kind, RoleKind::ControlPlane | RoleKind::NodeGroup { .. }))
        .filter_map(|r| match &r.members {
            Members::Enis(enis) => Some(enis.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let shared: HashSet<&str> = model
        .enis
        .iter()
        .enumerate()
        .filter(|(i, e)| matches!(e.origin, Origin::Real) && !cluster_enis.contains(i))
        .flat_map(|(_, e)| e.groups.iter().map(String::as_str))
        .collect();
    model.security_groups.iter().filter(move |g| {
        cluster_groups.contains(&g.id) && Some(g.id.as_str()) != eks_group && !shared.contains(g.id.as_str())
    })
}

fn public_cidrs(info: &ClusterInfo) -> Vec<ipnet::IpNet> {
    if info.public_cidrs.is_empty() {
        // EKS's default when public access is on and no block is listed.
        return vec![ipnet::IpNet::V4(ipnet::Ipv4Net::default())];
    }
    info.public_cidrs.iter().filter_map(|c| c.parse().ok()).collect()
}

/// Where pods with interfaces of their own are, or would be: custom networking's pod subnets
/// (tagged by eksharden) and the interfaces in them, branch interfaces of security groups for
/// pods, a node's secondary interfaces in another subnet than its primary one (custom
/// networking in a cluster eksharden did not make), and anything carrying the pods group.
struct PodPlaces {
    /// The pod subnets eksharden made.
    subnets: Vec<String>,
    /// The pods security group eksharden made.
    group: Option<String>,
    /// The pods' interfaces, by index in the model.
    interfaces: HashSet<usize>,
    /// Whether pods are in subnets of their own (custom networking); else, with interfaces or
    /// a group, they have branch interfaces.
    custom_networking: bool,
}

/// How the VPC resource controller describes the branch interfaces it gives pods (AWS-EKS-SGP).
const BRANCH_DESCRIPTION: &str = "aws-k8s-branch-eni";

impl PodPlaces {
    fn find(
        cluster: &str,
        model: &Model,
        tags: &HashMap<String, HashMap<String, String>>,
        descriptions: &HashMap<String, String>,
        group: Option<String>,
        index: &HashMap<String, usize>,
        instances: &[Instance],
    ) -> Self {
        let mut subnets: Vec<String> = tags
            .iter()
            .filter(|(id, t)| {
                id.starts_with("subnet-")
                    && t.get(ROLE_TAG).map(String::as_str) == Some(POD_SUBNET_ROLE)
                    && t.get(CLUSTER_TAG).map(String::as_str) == Some(cluster)
            })
            .map(|(id, _)| id.clone())
            .collect();
        subnets.sort();
        let branch_interfaces: HashSet<usize> = (0..model.enis.len())
            .filter(|&i| descriptions.get(&model.enis[i].id).map(String::as_str) == Some(BRANCH_DESCRIPTION))
            .collect();
        let mut interfaces: HashSet<usize> = (0..model.enis.len())
            .filter(|&i| {
                let eni = &model.enis[i];
                subnets.contains(&eni.subnet) || group.as_ref().is_some_and(|g| eni.groups.contains(g))
            })
            .collect();
        let mut custom_networking = !subnets.is_empty();
        for instance in instances {
            let attached: Vec<usize> = instance.enis.iter().filter_map(|e| index.get(e).copied()).collect();
            if let Some((&primary, secondary)) = attached.split_first() {
                let primary_subnet = &model.enis[primary].subnet;
                let elsewhere: Vec<usize> =
                    secondary.iter().copied().filter(|&e| &model.enis[e].subnet != primary_subnet).collect();
                custom_networking |= !elsewhere.is_empty();
                interfaces.extend(elsewhere);
            }
        }
        interfaces.extend(branch_interfaces);
        Self { subnets, group, interfaces, custom_networking }
    }

    /// The pods' role: their interfaces, else representatives where they would be (in the pod
    /// subnets, or with security groups for pods in the node subnets); none in a cluster whose
    /// pods share their nodes' interfaces.
    fn role(
        &self,
        model: &mut Model,
        places: &mut Places,
        node_subnets: &[String],
        cni: &VpcCniAddon,
        notes: &mut Vec<String>,
    ) -> Option<Role> {
        let interfaces = if self.custom_networking {
            PodInterfaces::PodSubnets
        } else if !self.interfaces.is_empty() || self.group.is_some() {
            PodInterfaces::BranchInterfaces
        } else {
            return None;
        };
        let mut enis: Vec<usize> = self.interfaces.iter().copied().collect();
        enis.sort_unstable();
        for &i in &enis {
            model.enis[i].label = format!("pods ({})", model.enis[i].id);
        }
        if enis.is_empty() {
            // Without a pod running, only the VPC CNI's settings say pods would be apart.
            let (key, mode) = match interfaces {
                PodInterfaces::PodSubnets => (CUSTOM_NETWORK_KEY, "custom networking"),
                PodInterfaces::BranchInterfaces => (POD_ENI_KEY, "security groups for pods"),
            };
            let on = match cni {
                VpcCniAddon::Installed { configuration: Some(text), .. } => {
                    cni_env_setting(text, key).is_some_and(|v| v == "true")
                }
                _ => false,
            };
            if !on {
                notes.push(format!(
                    "pods: the vpc-cni add-on does not turn {mode} on ({key}), so pods share their nodes' interfaces"
                ));
                return None;
            }
            let Some(group) = &self.group else {
                notes.push(
                    "pods: interfaces of their own, but no pods security group tagged to stand for them".to_owned(),
                );
                return None;
            };
            let (subnets, why) = match interfaces {
                PodInterfaces::PodSubnets => (&self.subnets[..], "no pod runs yet; placed in each pod subnet"),
                PodInterfaces::BranchInterfaces => {
                    (node_subnets, "no pod has a branch interface yet; placed in each node subnet")
                }
            };
            for subnet in subnets {
                enis.extend(places.representative(model, subnet, "pods", vec![group.clone()], why));
            }
            notes.push(format!("pods: no interface of their own yet; {} representative", enis.len()));
        } else {
            notes.push(format!("pods: {} real interfaces of their own", enis.len()));
        }
        Some(Role { kind: RoleKind::Pods { interfaces }, name: "pods".to_owned(), members: Members::Enis(enis) })
    }
}

/// Free addresses for representative interfaces, subnet by subnet, and public ones for the
/// nodes a subnet would give a public address.
struct Places {
    next: HashMap<String, u32>,
    used: std::collections::HashSet<Ipv4Addr>,
    next_public: u32,
}

/// Where made-up public addresses come from: 198.18.0.0/15, a block that is never assigned
/// on the internet (RFC 2544), so none stands for a real host.
const REPRESENTATIVE_PUBLIC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);

impl Places {
    fn new(model: &Model) -> Self {
        let next_public = u32::from(REPRESENTATIVE_PUBLIC);
        Self { next: HashMap::new(), used: model.enis.iter().map(|e| e.private_ip).collect(), next_public }
    }

    /// Gives the interface at `index` a public address when its subnet assigns one at
    /// launch, as EC2 would to a node launched there.
    fn give_public_address_if_launched(&mut self, model: &mut Model, index: usize) {
        let subnet = &model.enis[index].subnet;
        if model.subnets.iter().any(|s| &s.id == subnet && s.map_public_ip_on_launch) {
            model.enis[index].public_ip = Some(Ipv4Addr::from(self.next_public));
            self.next_public += 1;
        }
    }

    /// Adds a representative interface in `subnet` (if the subnet is in the model) and
    /// returns its index.
    fn representative(
        &mut self,
        model: &mut Model,
        subnet: &str,
        label: &str,
        groups: Vec<String>,
        why: &str,
    ) -> Option<usize> {
        let place = model.subnets.iter().find(|s| s.id == subnet)?;
        let (cidr, ipv6_cidr) = (place.cidr, place.ipv6_cidr.filter(|_| place.assign_ipv6_on_creation));
        // AWS reserves the first four addresses and the last.
        let next = self.next.entry(subnet.to_owned()).or_insert(4);
        let address = loop {
            let candidate = Ipv4Addr::from(u32::from(cidr.network()).saturating_add(*next));
            *next += 1;
            if !cidr.contains(&candidate) || candidate == cidr.broadcast() {
                return None;
            }
            if self.used.insert(candidate) {
                break candidate;
            }
        };
        model.enis.push(Eni {
            id: format!("representative-{}-{}", label.replace(' ', "-"), model.enis.len()),
            label: label.to_owned(),
            subnet: subnet.to_owned(),
            private_ip: address,
            public_ip: None,
            // A subnet that assigns IPv6 on creation gives one from its /64 (the host part
            // follows the IPv4 one, so representatives never share an address).
            ipv6: ipv6_cidr.map(|block| {
                let host = u32::from(address) - u32::from(cidr.network());
                std::net::Ipv6Addr::from(u128::from(block.network()) + u128::from(host))
            }),
            groups,
            origin: Origin::Representative(why.to_owned()),
        });
        Some(model.enis.len() - 1)
    }
}
