//! A change as data: what a step would do, shown before it is done.

use std::fmt;

use eksharden_kube::aws_auth::IdentityMapping;
use eksharden_net::model::SgRule;
use eksharden_spec::values::Cidr;
use serde::Serialize;

use crate::Options;

/// One change a step plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Change {
    /// Strip the dedicated creator role of its permissions and of the right to assume it.
    StripCreatorRole {
        /// The role's ARN.
        role: String,
    },
    /// Set the API endpoint's access.
    #[serde(rename_all = "camelCase")]
    EndpointAccess {
        /// Private access.
        private: bool,
        /// Public access.
        public: bool,
        /// The blocks admitted to the public endpoint.
        public_cidrs: Vec<String>,
    },
    /// Turn on control-plane log types.
    EnableLogging {
        /// The types.
        types: Vec<String>,
    },
    /// Remove an inbound rule that admits SSH from outside the bastion.
    #[serde(rename_all = "camelCase")]
    RevokeIngress {
        /// The group.
        group: String,
        /// The group's name.
        group_name: String,
        /// The rule.
        rule: SgRule,
    },
    /// Stop a subnet from giving instances public addresses.
    StopPublicAddresses {
        /// The subnet.
        subnet: String,
    },
    /// A managed node group that only a replacement can fix: a new group like it, without
    /// remote access, with IMDSv2 hop limit 1, in private subnets; then the old one deleted.
    ReplaceNodeGroup {
        /// The node group.
        name: String,
        /// Why.
        why: String,
        /// The private subnets the replacement goes to (none: there is nowhere to go).
        subnets: Vec<String>,
        /// Its security groups, when the old group's launch template names none.
        #[serde(rename = "securityGroups")]
        security_groups: Vec<String>,
    },
    /// Self-managed nodes that only new instances can fix (eksharden replaces only managed
    /// node groups).
    ReplaceInstances {
        /// The group of nodes.
        name: String,
        /// Why.
        why: String,
    },
    /// Make the bastion subnet (STACKROX-EKS, "Create a dedicated subnet in the VPC"): a free
    /// block of the VPC, routed like the cluster's private subnets, with its own network ACL;
    /// or give the existing bastion subnet an ACL of its own.
    #[serde(rename_all = "camelCase")]
    MakeBastionSubnet {
        /// The VPC.
        vpc: String,
        /// The VPC's block, which the bastion's ACL admits.
        vpc_cidr: Cidr,
        /// Its block.
        cidr: Cidr,
        /// Its availability zone.
        zone: String,
        /// The route table it takes.
        route_table: String,
    },
    /// Give a node subnet an ACL that admits port 22 only from the bastion block: a copy of
    /// its ACL with the guard entries in front (the ACL itself, perhaps shared, is left alone).
    #[serde(rename_all = "camelCase")]
    GuardNodeSubnet {
        /// The node subnet.
        subnet: String,
        /// The ACL it has now.
        acl: String,
        /// The bastion subnet's block.
        bastion: Cidr,
        /// In a dual-stack VPC, the guard covers IPv6 too: SSH from the bastion subnet's
        /// IPv6 block (if it has one), then a deny from `::/0`.
        dual_stack: bool,
        /// The bastion subnet's IPv6 block.
        #[serde(skip_serializing_if = "Option::is_none")]
        bastion_ipv6: Option<ipnet::Ipv6Net>,
    },
    /// Put the cluster tag on the cluster's own resources.
    TagWithCluster {
        /// What it is, for people.
        label: String,
        /// Its ARN (EKS) or id (EC2).
        resource: String,
    },
    /// Encrypt secrets with a KMS key (EKS cannot undo this).
    EncryptSecrets {
        /// The key given, or None for the cluster's own key.
        key: Option<String>,
    },
    /// Map IAM roles to eksharden's groups, where the cluster's authentication mode reads
    /// them.
    MapIdentities {
        /// Where: aws-auth, or access entries.
        through: IdentityStore,
        /// The principals, their usernames and groups.
        #[serde(skip)]
        mappings: Vec<IdentityMapping>,
        /// Their ARNs, for the report.
        arns: Vec<String>,
    },
    /// Remove `system:masters`: the aws-auth entries mapped to it and its subject in the
    /// `cluster-admin` binding, once every replacement admin is proven.
    #[serde(rename_all = "camelCase")]
    RemoveSystemMasters {
        /// The principals mapped to it.
        mappings: Vec<String>,
        /// Whether `cluster-admin` binds it (or lacks the autoupdate annotation).
        binding: bool,
    },
    /// Apply the admin and viewer ClusterRoleBindings.
    ApplyBindings {
        /// The bindings that are missing or different.
        names: Vec<String>,
    },
    /// Apply the SSH egress policies.
    ApplySshEgressPolicy {
        /// Where they are missing or different.
        places: Vec<String>,
    },
}

/// Where EKS looks up which Kubernetes user and groups an IAM principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityStore {
    /// The aws-auth ConfigMap (authentication modes `CONFIG_MAP`).
    AwsAuth,
    /// EKS access entries (authentication modes `API`).
    AccessEntries,
}

impl Change {
    /// Why `--apply` with these options does not make the change, if it does not.
    pub fn not_applied(&self, options: &Options) -> Option<&'static str> {
        match self {
            Self::ReplaceNodeGroup { subnets, .. } if subnets.is_empty() => {
                Some("neither its subnets nor the cluster's include a private one to move it to")
            }
            Self::ReplaceNodeGroup { .. } if !options.replace_node_groups => {
                Some("it replaces the group's nodes; run with --replace-node-groups to do it")
            }
            Self::ReplaceInstances { .. } => {
                Some("self-managed nodes: replace them through their Auto Scaling group (instance refresh)")
            }
            _ => None,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndpointAccess { private, public, public_cidrs } => {
                let public =
                    if *public { format!("public from {}", public_cidrs.join(", ")) } else { "public off".into() };
                write!(f, "set endpoint access: private {}, {public}", if *private { "on" } else { "off" })
            }
            Self::StripCreatorRole { role } => {
                write!(f, "strip {role}: its permissions kept aside unattached, nobody may assume it")
            }
            Self::EnableLogging { types } => write!(f, "enable control-plane logging: {}", types.join(", ")),
            Self::RevokeIngress { group, group_name, rule } => {
                let reason = eksharden_net::Reason::SgRule {
                    group: group.clone(),
                    group_name: group_name.clone(),
                    ingress: true,
                    rule: rule.clone(),
                };
                write!(f, "revoke {reason}")
            }
            Self::StopPublicAddresses { subnet } => write!(f, "stop {subnet} from assigning public addresses"),
            Self::ReplaceNodeGroup { name, why, subnets, security_groups } => write!(
                f,
                "replace node group {name}: {why}; {} in {} (which stop assigning public addresses) without remote access, IMDSv2 hop limit 1, its template's security groups or else {}, then {name} drained and deleted",
                eksharden_aws::nodegroups::replacement_name(name),
                if subnets.is_empty() { "(nowhere)".to_owned() } else { subnets.join(", ") },
                security_groups.join(", ")
            ),
            Self::MakeBastionSubnet { vpc, cidr, zone, route_table, .. } => write!(
                f,
                "make the bastion subnet {cidr} in {zone} of {vpc} (routed by {route_table}, no public addresses) with its own network ACL: in, return traffic from the VPC; out, 22 and 443 to the VPC"
            ),
            Self::GuardNodeSubnet { subnet, acl, bastion, dual_stack: false, .. } => write!(
                f,
                "give {subnet} a copy of {acl} that admits 22 only from the bastion subnet {bastion} (entries 1-2 in front of {acl}'s; {acl} itself is left as it is)"
            ),
            Self::GuardNodeSubnet { subnet, acl, bastion, dual_stack: true, bastion_ipv6 } => {
                let ipv6 = match bastion_ipv6 {
                    Some(block) => format!("from {bastion} and {block}"),
                    None => format!("from {bastion}, and over IPv6 from nowhere"),
                };
                write!(
                    f,
                    "give {subnet} a copy of {acl} that admits 22 only from the bastion subnet, {ipv6} (entries 1-4, IPv4 and IPv6, in front of {acl}'s; {acl} itself is left as it is)"
                )
            }
            Self::ReplaceInstances { name, why } => write!(f, "replace the nodes of {name}: {why}"),
            Self::TagWithCluster { label, resource } => {
                write!(f, "tag {label} ({resource}) with {}", eksharden_spec::model::CLUSTER_TAG)
            }
            Self::EncryptSecrets { key } => match key {
                Some(key) => write!(f, "encrypt secrets with {key} (EKS cannot undo this)"),
                None => write!(
                    f,
                    "encrypt secrets with the cluster's own KMS key (alias/eksharden/<cluster>, made with rotation on; EKS cannot undo this)"
                ),
            },
            Self::MapIdentities { through: IdentityStore::AwsAuth, arns, .. } => {
                write!(f, "map in aws-auth: {}", arns.join(", "))
            }
            Self::MapIdentities { through: IdentityStore::AccessEntries, arns, .. } => {
                write!(f, "give access entries in eksharden's groups to: {}", arns.join(", "))
            }
            Self::RemoveSystemMasters { mappings, binding } => {
                let mut parts: Vec<String> =
                    mappings.iter().map(|m| format!("the system:masters mapping of {m}")).collect();
                if *binding {
                    parts.push("system:masters from cluster-admin (annotated autoupdate: false)".into());
                }
                write!(f, "after proving the replacement admins, remove {}", parts.join(" and "))
            }
            Self::ApplyBindings { names } => write!(f, "apply ClusterRoleBindings {}", names.join(", ")),
            Self::ApplySshEgressPolicy { places } => write!(f, "apply the SSH egress policy in {}", places.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Change;
    use crate::Options;

    fn replacement(subnets: &[&str]) -> Change {
        Change::ReplaceNodeGroup {
            name: "legacy".into(),
            why: "its nodes accept SSH key ops".into(),
            subnets: subnets.iter().map(|s| s.to_string()).collect(),
            security_groups: vec!["sg-1".into()],
        }
    }

    #[test]
    fn a_replacement_is_made_only_when_asked_for_and_only_with_somewhere_to_go() {
        let asked = Options { replace_node_groups: true, ..Options::default() };
        assert_eq!(replacement(&["subnet-a"]).not_applied(&asked), None);
        let not_asked = replacement(&["subnet-a"]).not_applied(&Options::default()).unwrap();
        assert!(not_asked.contains("--replace-node-groups"), "{not_asked}");
        let nowhere = replacement(&[]).not_applied(&asked).unwrap();
        assert!(nowhere.contains("private one"), "{nowhere}");
        let self_managed = Change::ReplaceInstances { name: "workers".into(), why: "public".into() };
        assert!(self_managed.not_applied(&asked).unwrap().contains("Auto Scaling group"));
    }
}
