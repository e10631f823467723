//! The cluster's sections of an eksctl file: metadata, VPC and endpoint, network
//! configuration, access, logging and secrets encryption.

use serde_yaml::{Mapping, Value};

use super::{NamedSubnet, Translator};
use crate::diagnostic::Finding;
use crate::path::Path;
use crate::suggest;

/// eksctl's VPC block when the file gives none.
const EKSCTL_DEFAULT_CIDR: &str = "192.168.0.0/16";

const METADATA_CARRIED: &[&str] = &["name", "region", "version", "tags"];
const METADATA_DROPPED: &[(&str, &str)] = &[("annotations", "annotations have no eksharden equivalent")];
const VPC_CARRIED: &[&str] =
    &["id", "cidr", "subnets", "nat", "clusterEndpoints", "publicAccessCIDRs", "controlPlaneOnPrivateSubnets"];
const VPC_DROPPED: &[(&str, &str)] = &[
    ("securityGroup", "eksharden creates the EKS-SG-ROLES security groups itself"),
    ("sharedNodeSecurityGroup", "eksharden creates the EKS-SG-ROLES security groups itself"),
    ("manageSharedNodeSecurityGroupRules", "eksharden manages its own security-group rules"),
    ("ipv6Cidr", "IPv6 is not supported"),
    ("ipv6Pool", "IPv6 is not supported"),
    ("autoAllocateIPv6", "IPv6 is not supported"),
    ("hostnameType", "instance hostnames keep the EC2 default"),
    ("extraCIDRs", "the endpoint's extra client CIDRs are not carried; use vpc.vpnCidrs"),
    ("extraIPv6CIDRs", "IPv6 is not supported"),
    ("controlPlaneSubnetIDs", "the control plane's interfaces go to the private subnets eksharden creates"),
    ("controlPlaneSecurityGroupIDs", "the control plane gets the EKS-SG-ROLES control-plane group"),
];
const SUBNET_CARRIED: &[&str] = &["cidr", "az"];

impl Translator {
    pub(super) fn metadata(&mut self, root: &Mapping) {
        let at = Path::root().key("metadata");
        let ours = Path::root().key("metadata");
        self.paths.same(&ours, &at);
        let Some(map) = self.mapping(root.get("metadata"), &at) else {
            self.findings.push(Finding::error(at, "missing field `metadata`").at_key());
            return;
        };
        self.review(map, &at, METADATA_CARRIED, METADATA_DROPPED);
        for key in METADATA_CARRIED {
            self.carry(map, key, &at, &ours.key(key));
        }
    }

    pub(super) fn vpc(&mut self, root: &Mapping) {
        let at = Path::root().key("vpc");
        let ours = Path::root().key("vpc");
        self.paths.section(&ours, &at);
        let vpc = self.mapping(root.get("vpc"), &at).cloned().unwrap_or_default();
        self.review(&vpc, &at, VPC_CARRIED, VPC_DROPPED);
        let existing = is_existing(&vpc);
        match vpc.get("cidr") {
            Some(cidr) => self.put(&ours.key("cidr"), cidr.clone(), &at.key("cidr")),
            None => {
                self.put(&ours.key("cidr"), EKSCTL_DEFAULT_CIDR.into(), &at);
                self.cidr_from_vpc = existing;
            }
        }
        let zones =
            if existing { self.existing_subnets(&vpc, &at, &ours, root) } else { self.subnets(&vpc, &at, &ours) };
        match root.get("availabilityZones") {
            Some(listed) => {
                self.put(&ours.key("availabilityZones"), listed.clone(), &Path::root().key("availabilityZones"))
            }
            None if !zones.is_empty() => self.put(
                &ours.key("availabilityZones"),
                zones.into_iter().map(Value::String).collect(),
                &at.key("subnets"),
            ),
            // As eksctl does, the region's zones are chosen at `create` (see `load`).
            None => self.paths.section(&ours.key("availabilityZones"), &Path::root()),
        }
        if let Some(nat) = self.mapping(vpc.get("nat"), &at.key("nat")) {
            let gateway_at = at.key("nat").key("gateway");
            let mode = match nat.get("gateway").and_then(Value::as_str) {
                Some("HighlyAvailable") => "highlyAvailable",
                Some("Single") | None => "single",
                Some("Disable") => "none",
                Some(other) => {
                    self.findings.push(
                        Finding::error(gateway_at.clone(), format!("unknown NAT gateway mode `{other}`"))
                            .with_hint(suggest::hint(other, &["HighlyAvailable", "Single", "Disable"])),
                    );
                    "single"
                }
            };
            self.put(&ours.key("nat"), mode.into(), &gateway_at);
        } else {
            // eksctl's default is a single NAT gateway.
            self.put(&ours.key("nat"), "single".into(), &at);
        }
        let endpoint = Path::root().key("endpointAccess");
        self.paths.section(&endpoint, &at.key("clusterEndpoints"));
        if let Some(endpoints) = self.mapping(vpc.get("clusterEndpoints"), &at.key("clusterEndpoints")) {
            let endpoints_at = at.key("clusterEndpoints");
            self.review(endpoints, &endpoints_at, &["privateAccess", "publicAccess"], &[]);
            self.carry(endpoints, "privateAccess", &endpoints_at, &endpoint.key("private"));
            self.carry(endpoints, "publicAccess", &endpoints_at, &endpoint.key("public"));
        }
        self.carry(&vpc, "publicAccessCIDRs", &at, &endpoint.key("publicAccessCidrs"));
        if vpc.get("controlPlaneOnPrivateSubnets").and_then(Value::as_bool) == Some(false) {
            let on = at.key("controlPlaneOnPrivateSubnets");
            self.findings.push(
                Finding::warning(on, "the control plane's interfaces go to the private subnets regardless").at_key(),
            );
        }
        self.operator_path(root, &vpc, &at, &ours);
    }

    /// A private-only endpoint needs a way in for the operator. eksctl's default endpoint is
    /// public; eksharden's is private (STACKROX-EKS), so a file that leaves the endpoint to
    /// the default, or makes it private-only without saying how operators reach it, gets the
    /// bastion subnet of STACKROX-EKS at the top /28 of the VPC, and a warning saying so.
    fn operator_path(&mut self, root: &Mapping, vpc: &Mapping, at: &Path, ours: &Path) {
        let endpoints = vpc.get("clusterEndpoints").and_then(Value::as_mapping);
        let public = endpoints.and_then(|e| e.get("publicAccess")).and_then(Value::as_bool).unwrap_or(false);
        if public || root.contains_key("bastion") {
            return;
        }
        let cidr = vpc.get("cidr").and_then(Value::as_str).unwrap_or(EKSCTL_DEFAULT_CIDR);
        let Ok(block) = cidr.parse::<ipnet::Ipv4Net>() else { return };
        let Ok(top) = ipnet::Ipv4Net::new(u32::from(block.broadcast()).saturating_sub(15).into(), 28) else { return };
        if block.prefix_len() > 28 {
            return;
        }
        let given: Vec<ipnet::Ipv4Net> = ["private", "public"]
            .iter()
            .filter_map(|kind| vpc.get("subnets")?.get(kind)?.as_mapping())
            .flat_map(|entries| entries.values())
            .filter_map(|entry| entry.get("cidr")?.as_str()?.parse().ok())
            .collect();
        if given.iter().any(|subnet| subnet.contains(&top.network()) || top.contains(&subnet.network())) {
            return;
        }
        let from = if endpoints.is_some() { at.key("clusterEndpoints") } else { at.clone() };
        let mut bastion = Mapping::new();
        bastion.insert("cidr".into(), top.to_string().into());
        self.put(&ours.key("bastion"), Value::Mapping(bastion), &from);
        // What is said of the bastion is said of where the file asked for it.
        self.paths.section(&ours.key("bastion"), &from);
        self.findings.push(Finding::warning(
            from,
            format!(
                "the API endpoint is private only (eksharden's default; eksctl's is public): operators reach it through the bastion subnet {top} added to the VPC (STACKROX-EKS), from a host there reached with SSM Session Manager, or over SSH from the blocks vpc.bastion.allowSshFrom lists"
            ),
        ).with_hint("to keep a public endpoint instead, set vpc.clusterEndpoints.publicAccess: true with vpc.publicAccessCIDRs"));
    }

    /// Carries `kubernetesNetworkConfig.ipFamily` to `vpc.ipFamily`.
    pub(super) fn network_config(&mut self, root: &Mapping) {
        let at = Path::root().key("kubernetesNetworkConfig");
        let Some(config) = self.mapping(root.get("kubernetesNetworkConfig"), &at).cloned() else { return };
        let service = ("serviceIPv4CIDR", "eksharden chooses the service CIDR, clear of the VPC and VPN blocks");
        self.review(&config, &at, &["ipFamily"], &[service]);
        let Some(family) = config.get("ipFamily") else { return };
        let family_at = at.key("ipFamily");
        match family.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("ipv4") => self.put(&Path::root().key("vpc").key("ipFamily"), "IPv4".into(), &family_at),
            Some("ipv6") => self.put(&Path::root().key("vpc").key("ipFamily"), "IPv6".into(), &family_at),
            _ => self.findings.push(
                Finding::error(family_at, "unknown ipFamily").with_hint("eksctl takes `IPv4` or `IPv6`".to_owned()),
            ),
        }
    }

    /// An existing VPC (`vpc.id`, subnets by `id` or by `cidr`): `vpc.existing`; returns the
    /// zones its node subnets name (their `az`, or keys that are zones of the region).
    fn existing_subnets(&mut self, vpc: &Mapping, at: &Path, ours: &Path, root: &Mapping) -> Vec<String> {
        let existing = ours.key("existing");
        self.paths.section(&existing, at);
        match vpc.get("id") {
            Some(id) => self.put(&existing.key("id"), id.clone(), &at.key("id")),
            None => self
                .findings
                .push(Finding::error(at.key("subnets"), "subnets of an existing VPC need its `vpc.id`").at_key()),
        }
        let region = root.get("metadata").and_then(|m| m.get("region")).and_then(Value::as_str).unwrap_or_default();
        let entries = self.subnet_entries(vpc, at, &["id", "cidr", "az"]);
        let mut zones = Vec::new();
        for subnet in &entries {
            let zone = subnet
                .entry
                .get("az")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| subnet.name.strip_prefix(region).filter(|z| z.len() == 1).map(|_| subnet.name.clone()));
            if subnet.kind == "private" {
                zones.extend(zone);
            }
            let (value, from) = match (subnet.entry.get("id"), subnet.entry.get("cidr")) {
                (Some(id), _) => (id.clone(), subnet.at.key("id")),
                (None, Some(cidr)) => (cidr.clone(), subnet.at.key("cidr")),
                (None, None) => {
                    self.findings.push(Finding::error(subnet.at.clone(), "give this subnet's `id` or `cidr`").at_key());
                    continue;
                }
            };
            let field = if subnet.kind == "private" { "privateSubnets" } else { "publicSubnets" };
            self.name_subnet(subnet, value.as_str().unwrap_or_default(), zone_of(subnet, region));
            self.put(&existing.key(field).index(subnet.index), value, &from);
        }
        // Zones named for some subnets only are left to `create`, which reads them all.
        let named = entries.iter().filter(|s| s.kind == "private").count();
        if zones.len() == named {
            zones
        } else {
            Vec::new()
        }
    }

    /// Remembers how node groups may name `subnet`: its key and id, for `value` in the spec.
    fn name_subnet(&mut self, subnet: &SubnetEntry, value: &str, zone: Option<String>) {
        let mut names = vec![subnet.name.clone()];
        names.extend(subnet.entry.get("id").and_then(Value::as_str).map(str::to_owned));
        if subnet.kind == "private" {
            self.subnet_names.private.push(NamedSubnet { names, value: value.to_owned(), zone });
        } else {
            self.subnet_names.public.extend(names);
        }
    }

    /// Every entry of `vpc.subnets.private` and `.public`, each reviewed against `carried`.
    fn subnet_entries(&mut self, vpc: &Mapping, at: &Path, carried: &[&str]) -> Vec<SubnetEntry> {
        let subnets_at = at.key("subnets");
        let Some(subnets) = self.mapping(vpc.get("subnets"), &subnets_at) else { return Vec::new() };
        self.review(subnets, &subnets_at, &["private", "public"], &[]);
        let mut found = Vec::new();
        for kind in ["private", "public"] {
            let kind_at = subnets_at.key(kind);
            let Some(entries) = self.mapping(subnets.get(kind), &kind_at) else { continue };
            for (index, (name, entry)) in entries.iter().enumerate() {
                let name = name.as_str().unwrap_or_default().to_owned();
                let entry_at = kind_at.key(&name);
                let Some(entry) = self.mapping(Some(entry), &entry_at) else { continue };
                self.review(entry, &entry_at, carried, &[]);
                found.push(SubnetEntry { kind, index, name, at: entry_at, entry: entry.clone() });
            }
        }
        found
    }

    /// Carries `vpc.subnets.private` and `.public`; returns the zones they name, in order.
    fn subnets(&mut self, vpc: &Mapping, at: &Path, ours: &Path) -> Vec<String> {
        let mut zones = Vec::new();
        for subnet in self.subnet_entries(vpc, at, SUBNET_CARRIED) {
            let zone = subnet.entry.get("az").and_then(Value::as_str).map_or(subnet.name.clone(), str::to_owned);
            self.name_subnet(&subnet, &zone, Some(zone.clone()));
            if subnet.kind == "private" {
                zones.push(zone);
            }
            match subnet.entry.get("cidr") {
                Some(cidr) => {
                    let ours = ours.key("subnets").key(subnet.kind).index(subnet.index);
                    self.put(&ours, cidr.clone(), &subnet.at.key("cidr"))
                }
                None => self.findings.push(
                    Finding::error(
                        subnet.at,
                        "this subnet has no `cidr`: eksharden creates its subnets and needs their blocks",
                    )
                    .at_key(),
                ),
            }
        }
        zones
    }

    pub(super) fn access(&mut self, root: &Mapping) {
        let ours = Path::root().key("access");
        let anchor = ["accessConfig", "iamIdentityMappings"].into_iter().find(|k| root.contains_key(*k));
        self.paths.section(&ours, &anchor.map_or_else(Path::root, |k| Path::root().key(k)));
        let mut admins = Vec::new();
        let mut viewers = Vec::new();
        let config_at = Path::root().key("accessConfig");
        if let Some(config) = self.mapping(root.get("accessConfig"), &config_at) {
            self.review(
                config,
                &config_at,
                &["authenticationMode", "bootstrapClusterCreatorAdminPermissions", "accessEntries"],
                &[],
            );
            if let Some(mode) = config.get("authenticationMode") {
                let mode_at = config_at.key("authenticationMode");
                let ours_mode = match mode.as_str() {
                    Some("CONFIG_MAP") => "awsAuth",
                    Some("API") => "accessEntries",
                    Some("API_AND_CONFIG_MAP") => "both",
                    other => {
                        let other = other.unwrap_or_default();
                        self.findings.push(
                            Finding::error(mode_at.clone(), format!("unknown authenticationMode `{other}`"))
                                .with_hint(suggest::hint(other, &["CONFIG_MAP", "API", "API_AND_CONFIG_MAP"])),
                        );
                        "accessEntries"
                    }
                };
                self.put(&ours.key("mode"), ours_mode.into(), &mode_at);
            }
            if config.get("bootstrapClusterCreatorAdminPermissions") == Some(&Value::Bool(true)) {
                self.findings.push(
                    Finding::warning(
                        config_at.key("bootstrapClusterCreatorAdminPermissions"),
                        "the creator never keeps bootstrap admin access (STACKROX-EKS, dedicated creator role)",
                    )
                    .at_key(),
                );
            }
            let entries_at = config_at.key("accessEntries");
            for (i, entry) in self.sequence(config.get("accessEntries"), &entries_at).iter().enumerate() {
                let at = entries_at.index(i);
                let arn = entry.get("principalARN").cloned().unwrap_or(Value::Null);
                let policies: Vec<&str> = entry
                    .get("accessPolicies")
                    .and_then(Value::as_sequence)
                    .map(|ps| ps.iter().filter_map(|p| p.get("policyARN").and_then(Value::as_str)).collect())
                    .unwrap_or_default();
                let scope = entry
                    .get("accessPolicies")
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .find_map(|p| p.get("accessScope")?.get("type")?.as_str().filter(|t| *t != "cluster"));
                if scope.is_some() {
                    // eksharden's admins and viewers are cluster-wide: carrying a namespace's
                    // access over would widen it.
                    self.findings.push(Finding::warning(
                        at,
                        "access entry not carried over: its access is scoped to namespaces, and eksharden's admins and viewers are cluster-wide; bind the namespaces with RBAC",
                    ));
                } else if policies
                    .iter()
                    .any(|p| p.ends_with("/AmazonEKSClusterAdminPolicy") || p.ends_with("/AmazonEKSAdminPolicy"))
                {
                    admins.push((arn, at.key("principalARN")));
                } else if policies.iter().any(|p| p.ends_with("/AmazonEKSViewPolicy")) {
                    viewers.push((arn, at.key("principalARN")));
                } else {
                    self.findings.push(Finding::warning(at, "access entry not carried over: only the cluster admin and view policies map to admins and viewers"));
                }
            }
        }
        let mappings_at = Path::root().key("iamIdentityMappings");
        for (i, mapping) in self.sequence(root.get("iamIdentityMappings"), &mappings_at).iter().enumerate() {
            let at = mappings_at.index(i);
            let groups: Vec<&str> = mapping
                .get("groups")
                .and_then(Value::as_sequence)
                .map(|g| g.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let arn = mapping.get("arn").cloned().unwrap_or(Value::Null);
            if groups.contains(&"system:masters") {
                self.findings.push(
                    Finding::warning(at.key("groups"), "mapped as an eksharden admin, bound to cluster-admin through RBAC, not to system:masters (STACKROX-EKS)"),
                );
                admins.push((arn, at.key("arn")));
            } else if mapping.get("account").is_some() {
                self.findings.push(Finding::warning(at, "account mappings are not carried over"));
            } else {
                self.findings.push(Finding::warning(at, "identity mapping not carried over: only system:masters mappings become admins; bind other groups with RBAC"));
            }
        }
        for (list, principals) in [("admins", admins), ("viewers", viewers)] {
            for (i, (arn, theirs)) in principals.into_iter().enumerate() {
                let mut principal = Mapping::new();
                principal.insert("arn".into(), arn);
                self.put(&ours.key(list).index(i), Value::Mapping(principal), &theirs.parent());
                self.paths.same(&ours.key(list).index(i).key("arn"), &theirs);
            }
        }
    }

    pub(super) fn logging_and_encryption(&mut self, root: &Mapping) {
        let hardening = Path::root().key("hardening");
        let watch_at = Path::root().key("cloudWatch");
        if let Some(watch) = self.mapping(root.get("cloudWatch"), &watch_at) {
            self.review(watch, &watch_at, &["clusterLogging"], &[]);
            let logging_at = watch_at.key("clusterLogging");
            if let Some(logging) = self.mapping(watch.get("clusterLogging"), &logging_at) {
                self.review(
                    logging,
                    &logging_at,
                    &["enableTypes"],
                    &[
                        ("logRetentionInDays", "log retention keeps the CloudWatch default"),
                        ("disableTypes", "list the enabled types instead"),
                    ],
                );
                let types_at = logging_at.key("enableTypes");
                let types = self.sequence(logging.get("enableTypes"), &types_at);
                let all = types.iter().any(|t| matches!(t.as_str(), Some("*" | "all")));
                if !all {
                    self.put(&hardening.key("logging"), Value::Sequence(types.to_vec()), &types_at);
                }
            }
        }
        let secrets_at = Path::root().key("secretsEncryption");
        if let Some(secrets) = self.mapping(root.get("secretsEncryption"), &secrets_at) {
            self.review(secrets, &secrets_at, &["keyARN"], &[]);
            self.carry(secrets, "keyARN", &secrets_at, &hardening.key("secretsEncryption").key("kmsKeyArn"));
        }
    }
}

/// Whether an eksctl `vpc` names an existing VPC: its `id`, or a subnet's.
fn is_existing(vpc: &Mapping) -> bool {
    let subnet_ids = ["private", "public"]
        .iter()
        .filter_map(|kind| vpc.get("subnets")?.get(kind)?.as_mapping())
        .flat_map(Mapping::values)
        .any(|entry| entry.get("id").is_some());
    vpc.contains_key("id") || subnet_ids
}

/// One entry of an eksctl file's `vpc.subnets`.
struct SubnetEntry {
    /// `private` or `public`.
    kind: &'static str,
    /// Its place among the entries of its kind.
    index: usize,
    /// Its key: a zone, or a name of the user's.
    name: String,
    /// Where it is in the file.
    at: Path,
    /// Its fields.
    entry: Mapping,
}

/// The zone of an eksctl subnet entry: its `az`, or its key when that is a zone of the region.
fn zone_of(subnet: &SubnetEntry, region: &str) -> Option<String> {
    subnet
        .entry
        .get("az")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| subnet.name.strip_prefix(region).filter(|z| z.len() == 1).map(|_| subnet.name.clone()))
}
