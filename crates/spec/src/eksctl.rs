//! Reading an eksctl `ClusterConfig` (`eksctl.io/v1alpha5`).
//!
//! The file is translated into an eksharden document, which then goes through the same
//! decoding and validation as a native spec. A [`PathMap`] remembers which eksctl path each
//! translated value came from, so every later error still points into the user's file. A
//! field eksharden cannot carry over gets one warning; a field eksctl does not know is an
//! error with a "did you mean" hint.

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use crate::diagnostic::Finding;
use crate::model::API_VERSION as NATIVE_API_VERSION;
use crate::path::{Path, Segment};
use crate::suggest;

/// The eksctl `apiVersion` that is understood.
pub const API_VERSION: &str = "eksctl.io/v1alpha5";

/// eksctl's VPC block when the file gives none.
const EKSCTL_DEFAULT_CIDR: &str = "192.168.0.0/16";

/// The result of translating an eksctl file.
#[derive(Debug)]
pub struct Translation {
    /// The equivalent eksharden document.
    pub document: Value,
    /// Where each translated value came from.
    pub paths: PathMap,
    /// Warnings for dropped fields, errors for unknown ones (in eksctl paths).
    pub findings: Vec<Finding>,
}

/// From paths in the translated document to paths in the eksctl file.
#[derive(Debug, Default)]
pub struct PathMap(BTreeMap<Path, Mapped>);

/// Where a translated path came from.
#[derive(Debug)]
struct Mapped {
    source: Path,
    /// Whether the fields below keep their names (a node group), so the rest of a longer
    /// path can be appended; sections whose fields are renamed stop here.
    same_fields_below: bool,
}

impl PathMap {
    /// Records that `ours` came from `theirs`, and so does everything below it, field for field.
    fn same(&mut self, ours: &Path, theirs: &Path) {
        self.0.insert(ours.clone(), Mapped { source: theirs.clone(), same_fields_below: true });
    }

    /// Records that `ours` came from `theirs`; fields below it are named differently.
    fn section(&mut self, ours: &Path, theirs: &Path) {
        self.0.insert(ours.clone(), Mapped { source: theirs.clone(), same_fields_below: false });
    }

    /// Moves `finding` from a path of the translated document to the eksctl path it came
    /// from: the longest mapped prefix, with the rest appended where the names carry over.
    pub fn to_source(&self, mut finding: Finding) -> Finding {
        if self.0.is_empty() {
            return finding;
        }
        let segments = finding.path.segments();
        for cut in (0..=segments.len()).rev() {
            let prefix = segments[..cut].iter().fold(Path::root(), |p, s| append(&p, s));
            if let Some(mapped) = self.0.get(&prefix) {
                let rest = if mapped.same_fields_below || cut == segments.len() { &segments[cut..] } else { &[] };
                finding.path = rest.iter().fold(mapped.source.clone(), |p, s| append(&p, s));
                return finding;
            }
        }
        finding
    }
}

fn append(path: &Path, segment: &Segment) -> Path {
    match segment {
        Segment::Key(key) => path.key(key),
        Segment::Index(index) => path.index(*index),
    }
}

/// Translates an eksctl `ClusterConfig` document.
pub fn translate(document: &Value) -> Translation {
    let mut t = Translator { out: Value::Mapping(Mapping::new()), paths: PathMap::default(), findings: Vec::new() };
    let root = Path::root();
    t.paths.section(&root, &root);
    let Some(map) = document.as_mapping() else {
        return t.finish();
    };
    t.review(map, &root, TOP_CARRIED, TOP_DROPPED);
    t.put(&root.key("apiVersion"), NATIVE_API_VERSION.into(), &root.key("apiVersion"));
    let kind_ok = map.get("kind").and_then(Value::as_str) == Some("ClusterConfig");
    if !kind_ok {
        t.findings.push(Finding::error(root.key("kind"), "an eksctl file must have `kind: ClusterConfig`"));
    }
    t.put(&root.key("kind"), "Cluster".into(), &root.key("kind"));
    t.metadata(map);
    t.vpc(map);
    t.network_config(map);
    t.node_groups(map);
    t.access(map);
    t.logging_and_encryption(map);
    t.finish()
}

const TOP_CARRIED: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "vpc",
    "kubernetesNetworkConfig",
    "availabilityZones",
    "nodeGroups",
    "managedNodeGroups",
    "accessConfig",
    "iamIdentityMappings",
    "cloudWatch",
    "secretsEncryption",
];
const TOP_DROPPED: &[(&str, &str)] = &[
    ("autoModeConfig", "EKS Auto Mode is not supported"),
    ("remoteNetworkConfig", "hybrid nodes are not supported"),
    ("iam", "eksharden creates its own cluster, node and creator roles"),
    ("identityProviders", "OIDC identity providers are not configured"),
    ("addons", "add-ons are not installed by eksharden"),
    ("addonsConfig", "add-ons are not installed by eksharden"),
    ("privateCluster", "use endpointAccess and `nat: none` with vpc.endpoints instead"),
    ("fargateProfiles", "Fargate profiles are not supported"),
    ("localZones", "Local Zones are not supported"),
    ("status", "status is written by eksctl, not read"),
    ("gitops", "GitOps bootstrapping is not supported"),
    ("karpenter", "Karpenter is not installed by eksharden"),
    ("outpost", "Outposts are not supported"),
    ("zonalShiftConfig", "zonal shift is not configured"),
    ("upgradePolicy", "the support policy keeps EKS's default; `verify` reports where the version stands"),
    ("capabilities", "EKS capabilities are not installed by eksharden"),
    ("controlPlaneScalingConfig", "the control plane keeps EKS's standard scaling tier"),
];
const METADATA_CARRIED: &[&str] = &["name", "region", "version", "tags"];
const METADATA_DROPPED: &[(&str, &str)] = &[("annotations", "annotations have no eksharden equivalent")];
const VPC_CARRIED: &[&str] =
    &["cidr", "subnets", "nat", "clusterEndpoints", "publicAccessCIDRs", "controlPlaneOnPrivateSubnets"];
const VPC_DROPPED: &[(&str, &str)] = &[
    ("id", "eksharden always creates a dedicated VPC"),
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
const SUBNET_DROPPED: &[(&str, &str)] = &[("id", "eksharden creates its own subnets")];
const NODE_GROUP_CARRIED: &[&str] = &[
    "name",
    "instanceType",
    "instanceTypes",
    "minSize",
    "maxSize",
    "desiredCapacity",
    "volumeSize",
    "labels",
    "taints",
    "ssh",
    "privateNetworking",
    "volumeEncrypted",
    "disableIMDSv1",
    "spot",
    "tags",
    "volumeType",
    "volumeIOPS",
    "volumeThroughput",
    "volumeKmsKeyID",
    "preBootstrapCommands",
];
const NODE_GROUP_DROPPED: &[(&str, &str)] = &[
    ("ami", "nodes use the EKS-optimized Amazon Linux 2023 AMI"),
    ("amiFamily", "nodes use the EKS-optimized Amazon Linux 2023 AMI"),
    ("amiType", "nodes use the EKS-optimized Amazon Linux 2023 AMI"),
    ("releaseVersion", "nodes use the current AMI release"),
    ("iam", "eksharden creates the node role"),
    ("securityGroups", "nodes get the EKS-SG-ROLES groups for their role"),
    ("instancesDistribution", "mixed instance policies are not supported"),
    ("instanceName", "instance names are not set"),
    ("instancePrefix", "instance names are not set"),
    ("overrideBootstrapCommand", "custom bootstrap commands are not supported"),
    ("maxPodsPerNode", "max pods keep the AMI default"),
    ("kubeletExtraConfig", "kubelet settings keep the AMI defaults"),
    ("volumeName", "the root volume keeps the AMI's device name"),
    ("additionalVolumes", "additional volumes are not supported"),
    ("efaEnabled", "EFA is not supported"),
    ("placement", "placement groups are not supported"),
    ("enableDetailedMonitoring", "detailed monitoring is not configured"),
    ("asgMetricsCollection", "Auto Scaling metrics are not configured"),
    ("targetGroupARNs", "attach target groups through the AWS Load Balancer Controller"),
    ("classicLoadBalancerNames", "classic load balancers are not supported"),
    ("clusterDNS", "cluster DNS keeps the default"),
    ("updateConfig", "update settings keep the EKS default"),
    ("launchTemplate", "eksharden writes the launch template (IMDSv2, encrypted volumes)"),
    ("propagateASGTags", "node groups carry the cluster's tags"),
    ("subnets", "nodes go to every private subnet"),
    ("availabilityZones", "nodes go to every zone of the cluster"),
    ("containerRuntime", "the runtime is containerd"),
    ("cpuCredits", "burst credits keep the EC2 default"),
    ("instanceSelector", "name the instance type"),
    ("maxInstanceLifetime", "instance lifetime is not limited"),
    ("disablePodIMDS", "pods are kept from IMDS by hop limit 1"),
    ("capacityReservation", "capacity reservations are not supported"),
    ("bottlerocket", "Bottlerocket is not supported"),
    ("nodeRepairConfig", "node auto repair keeps EKS's default (off)"),
    ("localZones", "Local Zones are not supported: nodes go to the cluster's zones"),
];
const SSH_CARRIED: &[&str] = &["allow", "publicKeyName", "publicKeyPath", "publicKey", "enableSsm"];
const SSH_DROPPED: &[(&str, &str)] = &[("sourceSecurityGroupIds", "SSH comes only from the bastion group")];

struct Translator {
    out: Value,
    paths: PathMap,
    findings: Vec<Finding>,
}

impl Translator {
    fn finish(self) -> Translation {
        Translation { document: self.out, paths: self.paths, findings: self.findings }
    }

    /// Warns about each dropped key of `map` and rejects each unknown one.
    fn review(&mut self, map: &Mapping, at: &Path, carried: &[&str], dropped: &[(&str, &str)]) {
        for key in map.keys() {
            let Some(key) = key.as_str() else {
                self.findings.push(Finding::error(at.clone(), "a mapping key must be a string"));
                continue;
            };
            if carried.contains(&key) {
                continue;
            }
            if let Some((_, reason)) = dropped.iter().find(|(name, _)| *name == key) {
                self.findings.push(
                    Finding::warning(at.key(key), format!("eksctl field `{key}` is not carried over: {reason}"))
                        .at_key(),
                );
            } else {
                let known: Vec<&str> = carried.iter().copied().chain(dropped.iter().map(|(n, _)| *n)).collect();
                self.findings.push(
                    Finding::error(at.key(key), format!("unknown eksctl field `{key}`"))
                        .with_hint(suggest::hint(key, &known))
                        .at_key(),
                );
            }
        }
    }

    /// A mapping at `at`, or an error if the value there is something else.
    fn mapping<'v>(&mut self, value: Option<&'v Value>, at: &Path) -> Option<&'v Mapping> {
        match value? {
            Value::Mapping(map) => Some(map),
            Value::Null => None,
            _ => {
                self.findings.push(Finding::error(at.clone(), "expected a mapping"));
                None
            }
        }
    }

    /// A sequence at `at`, or an error if the value there is something else.
    fn sequence<'v>(&mut self, value: Option<&'v Value>, at: &Path) -> &'v [Value] {
        match value {
            Some(Value::Sequence(items)) => items,
            None | Some(Value::Null) => &[],
            Some(_) => {
                self.findings.push(Finding::error(at.clone(), "expected a list"));
                &[]
            }
        }
    }

    /// Sets `ours` in the translated document to `value`, remembering it came from `theirs`.
    fn put(&mut self, ours: &Path, value: Value, theirs: &Path) {
        self.paths.same(ours, theirs);
        let mut node = &mut self.out;
        for segment in ours.segments() {
            node = match segment {
                Segment::Key(key) => {
                    if !node.is_mapping() {
                        *node = Value::Mapping(Mapping::new());
                    }
                    let map = node.as_mapping_mut().expect("just made a mapping");
                    map.entry(Value::String(key.clone())).or_insert(Value::Null)
                }
                Segment::Index(index) => {
                    if !node.is_sequence() {
                        *node = Value::Sequence(Vec::new());
                    }
                    let items = node.as_sequence_mut().expect("just made a sequence");
                    if items.len() <= *index {
                        items.resize(index + 1, Value::Null);
                    }
                    &mut items[*index]
                }
            };
        }
        *node = value;
    }

    /// Copies `map[key]` to `ours`, if present.
    fn carry(&mut self, map: &Mapping, key: &str, theirs: &Path, ours: &Path) {
        if let Some(value) = map.get(key) {
            self.put(ours, value.clone(), &theirs.key(key));
        }
    }

    fn metadata(&mut self, root: &Mapping) {
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

    fn vpc(&mut self, root: &Mapping) {
        let at = Path::root().key("vpc");
        let ours = Path::root().key("vpc");
        self.paths.section(&ours, &at);
        let vpc = self.mapping(root.get("vpc"), &at).cloned().unwrap_or_default();
        self.review(&vpc, &at, VPC_CARRIED, VPC_DROPPED);
        match vpc.get("cidr") {
            Some(cidr) => self.put(&ours.key("cidr"), cidr.clone(), &at.key("cidr")),
            None => self.put(&ours.key("cidr"), EKSCTL_DEFAULT_CIDR.into(), &at),
        }
        let zones = self.subnets(&vpc, &at, &ours);
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
    fn network_config(&mut self, root: &Mapping) {
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

    /// Carries `vpc.subnets.private` and `.public`; returns the zones they name, in order.
    fn subnets(&mut self, vpc: &Mapping, at: &Path, ours: &Path) -> Vec<String> {
        let Some(subnets) = self.mapping(vpc.get("subnets"), &at.key("subnets")) else { return Vec::new() };
        let subnets_at = at.key("subnets");
        self.review(subnets, &subnets_at, &["private", "public"], &[]);
        let mut zones = Vec::new();
        for kind in ["private", "public"] {
            let kind_at = subnets_at.key(kind);
            let Some(entries) = self.mapping(subnets.get(kind), &kind_at) else { continue };
            for (i, (name, entry)) in entries.iter().enumerate() {
                let name = name.as_str().unwrap_or_default().to_owned();
                let entry_at = kind_at.key(&name);
                let Some(entry) = self.mapping(Some(entry), &entry_at) else { continue };
                self.review(entry, &entry_at, SUBNET_CARRIED, SUBNET_DROPPED);
                let zone = entry.get("az").and_then(Value::as_str).map_or(name.clone(), str::to_owned);
                if kind == "private" {
                    zones.push(zone);
                }
                match entry.get("cidr") {
                    Some(cidr) => {
                        self.put(&ours.key("subnets").key(kind).index(i), cidr.clone(), &entry_at.key("cidr"))
                    }
                    None => self.findings.push(
                        Finding::error(
                            entry_at,
                            "this subnet has no `cidr`: eksharden creates its subnets and needs their blocks",
                        )
                        .at_key(),
                    ),
                }
            }
        }
        zones
    }

    fn node_groups(&mut self, root: &Mapping) {
        let ours = Path::root().key("nodeGroups");
        let mut next = 0;
        for (list, kind) in [("nodeGroups", "selfManaged"), ("managedNodeGroups", "managed")] {
            let list_at = Path::root().key(list);
            for (i, group) in self.sequence(root.get(list), &list_at).iter().enumerate() {
                let at = list_at.index(i);
                let Some(group) = self.mapping(Some(group), &at) else { continue };
                let target = ours.index(next);
                next += 1;
                self.node_group(group, &at, &target, kind);
            }
        }
        if next == 0 {
            self.put(&ours, Value::Sequence(Vec::new()), &Path::root());
        }
    }

    /// The group's sizes as eksctl completes them: the minimum is the one given, else the
    /// desired capacity, else 2; the maximum the one given, else the desired capacity, else the
    /// minimum (at least 1); the desired capacity the one given, else the minimum.
    fn scaling(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let given = |key: &str| group.get(key).filter(|v| !v.is_null());
        let count = |value: Option<&Value>| value.and_then(Value::as_u64);
        let desired = given("desiredCapacity");
        let min = given("minSize").or(desired);
        let max = given("maxSize").or(desired);
        let min_value = count(min).unwrap_or(2);
        let sizes = [
            ("minSize", "minSize", min.cloned().unwrap_or_else(|| 2.into())),
            ("maxSize", "maxSize", max.cloned().unwrap_or_else(|| min_value.max(1).into())),
            ("desiredCapacity", "desiredSize", desired.cloned().unwrap_or_else(|| min_value.into())),
        ];
        for (theirs, mine, value) in sizes {
            let from = if group.contains_key(theirs) { at.key(theirs) } else { at.clone() };
            self.put(&ours.key(mine), value, &from);
        }
    }

    fn node_group(&mut self, group: &Mapping, at: &Path, ours: &Path, kind: &str) {
        self.review(group, at, NODE_GROUP_CARRIED, NODE_GROUP_DROPPED);
        self.put(ours, Value::Mapping(Mapping::new()), at);
        self.put(&ours.key("type"), kind.into(), at);
        for (theirs, mine) in [
            ("name", "name"),
            ("instanceType", "instanceType"),
            ("volumeSize", "volumeSize"),
            ("labels", "labels"),
            ("tags", "tags"),
            ("volumeType", "volumeType"),
            ("volumeIOPS", "volumeIops"),
            ("volumeThroughput", "volumeThroughput"),
            ("volumeKmsKeyID", "volumeKmsKey"),
            ("preBootstrapCommands", "preBootstrapCommands"),
        ] {
            self.carry(group, theirs, at, &ours.key(mine));
        }
        self.scaling(group, at, ours);
        if let Some(types) = group.get("instanceTypes") {
            let types_at = at.key("instanceTypes");
            match types.as_sequence().map(Vec::as_slice) {
                Some([first, rest @ ..]) => {
                    self.put(&ours.key("instanceType"), first.clone(), &types_at.index(0));
                    if !rest.is_empty() {
                        self.put(&ours.key("extraInstanceTypes"), Value::Sequence(rest.to_vec()), &types_at);
                    }
                }
                _ => self.findings.push(Finding::error(types_at, "expected a non-empty list of instance types")),
            }
        }
        if group.get("spot").and_then(Value::as_bool) == Some(true) {
            self.put(&ours.key("capacity"), "spot".into(), &at.key("spot"));
        }
        self.taints(group, at, ours);
        self.ssh(group, at, ours);
        if group.get("privateNetworking") == Some(&Value::Bool(false)) {
            self.findings.push(
                Finding::warning(
                    at.key("privateNetworking"),
                    "nodes are placed in private subnets regardless (STACKROX-EKS, \"VPC Layout\")",
                )
                .at_key(),
            );
        }
        if group.get("volumeEncrypted") == Some(&Value::Bool(false)) {
            self.findings
                .push(Finding::warning(at.key("volumeEncrypted"), "root volumes are encrypted regardless").at_key());
        }
        if group.get("disableIMDSv1") == Some(&Value::Bool(false)) {
            self.findings.push(
                Finding::warning(at.key("disableIMDSv1"), "IMDSv1 is disabled regardless (hardening.imds)").at_key(),
            );
        }
    }

    /// eksctl taints: a list of `{key, value, effect}`, or the older map `key: value:Effect`.
    fn taints(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let Some(taints) = group.get("taints") else { return };
        let taints_at = at.key("taints");
        match taints {
            Value::Sequence(_) => self.put(&ours.key("taints"), taints.clone(), &taints_at),
            Value::Mapping(map) => {
                for (i, (key, spec)) in map.iter().enumerate() {
                    let key = key.as_str().unwrap_or_default();
                    let spec = spec.as_str().unwrap_or_default();
                    let (value, effect) = spec.rsplit_once(':').unwrap_or(("", spec));
                    let mut taint = Mapping::new();
                    taint.insert("key".into(), key.into());
                    taint.insert("value".into(), value.into());
                    taint.insert("effect".into(), effect.into());
                    self.put(&ours.key("taints").index(i), Value::Mapping(taint), &taints_at.key(key));
                }
            }
            _ => self.findings.push(Finding::error(taints_at, "expected a list of taints")),
        }
        // Managed node groups write effects as NO_SCHEDULE; the spec uses NoSchedule.
        if let Some(Value::Sequence(items)) = self.out_get_mut(&ours.key("taints")) {
            for item in items.iter_mut() {
                if let Some(effect) = item.get_mut("effect") {
                    if let Some(name) = effect.as_str().and_then(kubernetes_effect) {
                        *effect = name.into();
                    }
                }
            }
        }
    }

    fn out_get_mut(&mut self, path: &Path) -> Option<&mut Value> {
        path.segments().iter().try_fold(&mut self.out, |node, segment| match segment {
            Segment::Key(key) => node.get_mut(key.as_str()),
            Segment::Index(index) => node.get_mut(*index),
        })
    }

    fn ssh(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let ssh_at = at.key("ssh");
        let Some(ssh) = self.mapping(group.get("ssh"), &ssh_at) else { return };
        self.review(ssh, &ssh_at, SSH_CARRIED, SSH_DROPPED);
        let key_field = ["publicKeyName", "publicKeyPath", "publicKey"].into_iter().find(|k| ssh.contains_key(*k));
        let allowed = ssh.get("allow") == Some(&Value::Bool(true));
        if let Some(field) = key_field {
            let key = ssh.get(field).and_then(Value::as_str).unwrap_or("(key)").to_owned();
            self.put(&ours.key("sshKey"), key.into(), &ssh_at.key(field));
        } else if allowed {
            self.put(&ours.key("sshKey"), "(eksctl default key)".into(), &ssh_at.key("allow"));
        }
    }

    fn access(&mut self, root: &Mapping) {
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
                if policies
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

    fn logging_and_encryption(&mut self, root: &Mapping) {
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

fn kubernetes_effect(eks: &str) -> Option<&'static str> {
    match eks {
        "NO_SCHEDULE" => Some("NoSchedule"),
        "PREFER_NO_SCHEDULE" => Some("PreferNoSchedule"),
        "NO_EXECUTE" => Some("NoExecute"),
        _ => None,
    }
}
