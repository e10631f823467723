//! A change as data: what a step would do, shown before it is done.

use std::fmt;

use eksharden_kube::aws_auth::IdentityMapping;
use eksharden_net::model::SgRule;
use serde::Serialize;

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
    /// A node group that only a replacement can fix.
    ReplaceNodeGroup {
        /// The node group.
        name: String,
        /// Why.
        why: String,
    },
    /// Map IAM roles in aws-auth to eksharden's groups.
    MapRoles {
        /// The mappings.
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

impl Change {
    /// Why this version does not apply the change, if it does not.
    pub fn not_applied(&self) -> Option<&'static str> {
        match self {
            Self::ReplaceNodeGroup { .. } => {
                Some("needs the node group replaced; eksharden does not replace node groups yet")
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
            Self::ReplaceNodeGroup { name, why } => write!(f, "replace node group {name}: {why}"),
            Self::MapRoles { arns, .. } => write!(f, "map in aws-auth: {}", arns.join(", ")),
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
