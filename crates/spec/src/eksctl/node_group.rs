//! An eksctl file's node groups, managed and self-managed.

use serde_yaml::{Mapping, Value};

use super::Translator;
use crate::diagnostic::Finding;
use crate::path::Path;

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
    "amiFamily",
    "amiType",
    "ami",
    "bottlerocket",
    "instancesDistribution",
    "updateConfig",
    "securityGroups",
    "subnets",
    "availabilityZones",
];
const NODE_GROUP_DROPPED: &[(&str, &str)] = &[
    ("releaseVersion", "nodes use the current AMI release"),
    ("iam", "eksharden creates the node role; an add-on's permissions belong to its service account (addons[].attachPolicyARNs, iam.serviceAccounts), not to every node"),
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
    ("launchTemplate", "eksharden writes the launch template (IMDSv2, encrypted volumes)"),
    ("propagateASGTags", "node groups carry the cluster's tags"),
    ("containerRuntime", "the runtime is containerd"),
    ("cpuCredits", "burst credits keep the EC2 default"),
    ("instanceSelector", "name the instance type"),
    ("maxInstanceLifetime", "instance lifetime is not limited"),
    ("disablePodIMDS", "pods are kept from IMDS by hop limit 1"),
    ("capacityReservation", "capacity reservations are not supported"),
    ("nodeRepairConfig", "node auto repair keeps EKS's default (off)"),
    ("localZones", "Local Zones are not supported: nodes go to the cluster's zones"),
];
const SSH_CARRIED: &[&str] = &["allow", "publicKeyName", "publicKeyPath", "publicKey", "enableSsm"];
const SSH_DROPPED: &[(&str, &str)] = &[("sourceSecurityGroupIds", "SSH comes only from the bastion group")];

impl Translator {
    pub(super) fn node_groups(&mut self, root: &Mapping) {
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
            self.instance_types(types, &at.key("instanceTypes"), ours);
        }
        self.distribution(group, at, ours);
        self.image(group, at, ours);
        self.update_and_groups(group, at, ours);
        self.group_subnets(group, at, ours);
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

    /// A group's own `subnets` (the file's subnet names or ids) and `availabilityZones`, as the
    /// node subnets the spec names; a public subnet is refused (nodes go in private subnets).
    fn group_subnets(&mut self, group: &Mapping, at: &Path, ours: &Path) {
        let mut chosen: Vec<(String, Path)> = Vec::new();
        let subnets_at = at.key("subnets");
        for (i, name) in self.sequence(group.get("subnets"), &subnets_at).iter().enumerate() {
            let name = name.as_str().unwrap_or_default();
            let found = self.subnet_names.private.iter().find(|s| s.names.iter().any(|n| n == name));
            match found {
                Some(subnet) => chosen.push((subnet.value.clone(), subnets_at.index(i))),
                None if self.subnet_names.public.iter().any(|n| n == name) => self.findings.push(Finding::error(
                    subnets_at.index(i),
                    format!(
                        "`{name}` is a public subnet: nodes go in private subnets only (STACKROX-EKS, \"VPC Layout\")"
                    ),
                )),
                // An id the file's VPC does not list: `create` checks it against the VPC.
                None => chosen.push((name.to_owned(), subnets_at.index(i))),
            }
        }
        let zones_at = at.key("availabilityZones");
        for (i, zone) in self.sequence(group.get("availabilityZones"), &zones_at).iter().enumerate() {
            let zone = zone.as_str().unwrap_or_default();
            let in_zone: Vec<String> = self
                .subnet_names
                .private
                .iter()
                .filter(|s| s.zone.as_deref() == Some(zone))
                .map(|s| s.value.clone())
                .collect();
            if in_zone.is_empty() && !self.subnet_names.private.is_empty() {
                self.findings.push(
                    Finding::error(zones_at.index(i), format!("no node subnet of the file is in {zone}"))
                        .with_hint("name the group's subnets in `subnets`"),
                );
            } else if in_zone.is_empty() {
                chosen.push((zone.to_owned(), zones_at.index(i)));
            }
            chosen.extend(in_zone.into_iter().map(|value| (value, zones_at.index(i))));
        }
        for (i, (value, from)) in chosen.into_iter().enumerate() {
            self.put(&ours.key("subnets").index(i), value.into(), &from);
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
}

fn kubernetes_effect(eks: &str) -> Option<&'static str> {
    match eks {
        "NO_SCHEDULE" => Some("NoSchedule"),
        "PREFER_NO_SCHEDULE" => Some("PreferNoSchedule"),
        "NO_EXECUTE" => Some("NoExecute"),
        _ => None,
    }
}
