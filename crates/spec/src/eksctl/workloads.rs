//! The eksctl sections for what runs pods and how they get AWS credentials: `iam` (the
//! OIDC provider, IAM roles for service accounts, Pod Identity associations), `addons`,
//! `fargateProfiles` and `autoModeConfig`.

use serde_yaml::{Mapping, Value};

use super::Translator;
use crate::diagnostic::Finding;
use crate::path::Path;

const IAM_CARRIED: &[&str] = &["withOIDC", "serviceAccounts", "podIdentityAssociations"];
const IAM_DROPPED: &[(&str, &str)] = &[
    ("serviceRoleARN", "eksharden creates the cluster role"),
    ("serviceRolePermissionsBoundary", "eksharden creates the cluster role"),
    ("fargatePodExecutionRoleARN", "eksharden creates a pod execution role scoped to this cluster's Fargate profiles"),
    (
        "fargatePodExecutionRolePermissionsBoundary",
        "eksharden creates a pod execution role scoped to this cluster's Fargate profiles",
    ),
    ("vpcResourceControllerPolicy", "the cluster role carries EKS's managed policy"),
];
const SERVICE_ACCOUNT_CARRIED: &[&str] =
    &["metadata", "attachPolicyARNs", "attachPolicy", "attachRoleARN", "wellKnownPolicies", "permissionsBoundary"];
const SERVICE_ACCOUNT_DROPPED: &[(&str, &str)] = &[
    ("roleName", "CloudFormation names the roles eksharden makes, by their stack"),
    ("roleOnly", "eksharden makes the role only; annotate the service account with eks.amazonaws.com/role-arn"),
    ("tags", "roles carry the cluster's tags"),
    ("status", "status is written by eksctl, not read"),
];
const POD_IDENTITY_CARRIED: &[&str] = &[
    "namespace",
    "serviceAccountName",
    "roleARN",
    "permissionPolicyARNs",
    "permissionPolicy",
    "wellKnownPolicies",
    "permissionsBoundaryARN",
    "targetRoleARN",
    "disableSessionTags",
];
const POD_IDENTITY_DROPPED: &[(&str, &str)] = &[
    ("roleName", "CloudFormation names the roles eksharden makes, by their stack"),
    ("createServiceAccount", "eksharden does not create service accounts; Pod Identity needs no annotation on them"),
    ("tags", "associations carry the cluster's tags"),
];
const ADDON_CARRIED: &[&str] = &[
    "name",
    "version",
    "configurationValues",
    "attachPolicyARNs",
    "attachPolicy",
    "permissionsBoundary",
    "wellKnownPolicies",
];
const ADDON_DROPPED: &[(&str, &str)] = &[
    ("tags", "add-ons carry the cluster's tags"),
    (
        "resolveConflicts",
        "EKS's values win over changes made in the cluster (OVERWRITE), so what runs is what the file says",
    ),
    (
        "useDefaultPodIdentityAssociations",
        "an add-on's role is made from its attachPolicyARNs, for its service account alone",
    ),
];
const FARGATE_CARRIED: &[&str] = &["name", "selectors", "tags"];
const FARGATE_DROPPED: &[(&str, &str)] = &[
    ("podExecutionRoleARN", "eksharden creates a pod execution role scoped to this cluster's Fargate profiles"),
    ("subnets", "Fargate pods run in the cluster's private subnets"),
    ("status", "status is written by eksctl, not read"),
];
const AUTO_MODE_CARRIED: &[&str] = &["enabled", "nodePools"];
const AUTO_MODE_DROPPED: &[(&str, &str)] =
    &[("nodeRoleARN", "eksharden creates the role of Auto Mode's nodes, with EKS's minimal node policies")];

/// The AWS managed policy of an eksctl well-known policy, where one exists (the name after
/// `arn:PARTITION:iam::aws:policy/`); eksctl writes the others as inline policies over every
/// resource of their kind.
fn well_known(name: &str) -> Result<&'static str, &'static str> {
    match name {
        "ebsCSIController" => Ok("service-role/AmazonEBSCSIDriverPolicy"),
        "efsCSIController" => Ok("service-role/AmazonEFSCSIDriverPolicy"),
        "imageBuilder" => Ok("AmazonEC2ContainerRegistryPowerUser"),
        "autoScaler" => Err("every Auto Scaling group of the account"),
        "awsLoadBalancerController" => Err("every load balancer, target group and security group of the account"),
        "externalDNS" | "certManager" => Err("every Route 53 hosted zone of the account"),
        _ => Err("resources eksharden does not know"),
    }
}

/// The partition of a region, for the ARNs of AWS managed policies.
fn partition(region: Option<&str>) -> &'static str {
    crate::values::partition_of(region.unwrap_or_default())
}

impl Translator {
    /// `iam`: the OIDC provider, roles for service accounts, Pod Identity associations.
    pub(super) fn iam(&mut self, root: &Mapping) {
        let at = Path::root().key("iam");
        let Some(iam) = self.mapping(root.get("iam"), &at) else { return };
        self.review(iam, &at, IAM_CARRIED, IAM_DROPPED);
        let ours = Path::root().key("identity");
        self.paths.section(&ours, &at);
        self.carry(iam, "withOIDC", &at, &ours.key("oidcProvider"));
        let region = root.get("metadata").and_then(|m| m.get("region")).and_then(Value::as_str);
        let accounts_at = at.key("serviceAccounts");
        for (i, account) in self.sequence(iam.get("serviceAccounts"), &accounts_at).iter().enumerate() {
            let (theirs, mine) = (accounts_at.index(i), ours.key("serviceAccountRoles").index(i));
            let Some(account) = self.mapping(Some(account), &theirs) else { continue };
            self.review(account, &theirs, SERVICE_ACCOUNT_CARRIED, SERVICE_ACCOUNT_DROPPED);
            self.put(&mine, Value::Mapping(Mapping::new()), &theirs);
            let meta_at = theirs.key("metadata");
            if let Some(meta) = self.mapping(account.get("metadata"), &meta_at) {
                let dropped = [
                    ("labels", "eksharden does not create the service account"),
                    ("annotations", "eksharden does not create the service account"),
                ];
                self.review(meta, &meta_at, &["name", "namespace"], &dropped);
                self.carry(meta, "name", &meta_at, &mine.key("serviceAccount"));
                let namespace = meta.get("namespace").cloned().unwrap_or_else(|| "default".into());
                self.put(&mine.key("namespace"), namespace, &meta_at);
            }
            self.workload_policies(account, &theirs, &mine, &SERVICE_ACCOUNT_KEYS, region);
        }
        let associations_at = at.key("podIdentityAssociations");
        for (i, association) in self.sequence(iam.get("podIdentityAssociations"), &associations_at).iter().enumerate() {
            let (theirs, mine) = (associations_at.index(i), ours.key("podIdentityAssociations").index(i));
            let Some(association) = self.mapping(Some(association), &theirs) else { continue };
            self.review(association, &theirs, POD_IDENTITY_CARRIED, POD_IDENTITY_DROPPED);
            self.put(&mine, Value::Mapping(Mapping::new()), &theirs);
            self.carry(association, "namespace", &theirs, &mine.key("namespace"));
            self.carry(association, "serviceAccountName", &theirs, &mine.key("serviceAccount"));
            self.carry(association, "targetRoleARN", &theirs, &mine.key("targetRoleArn"));
            self.carry(association, "disableSessionTags", &theirs, &mine.key("disableSessionTags"));
            self.workload_policies(association, &theirs, &mine, &POD_IDENTITY_KEYS, region);
        }
    }

    /// A workload role's policies: managed ARNs, well-known policies that AWS manages, an
    /// inline document, a boundary, or the user's own role.
    fn workload_policies(
        &mut self,
        entry: &Mapping,
        theirs: &Path,
        mine: &Path,
        keys: &PolicyKeys,
        region: Option<&str>,
    ) {
        let mut arns: Vec<Value> = entry.get(keys.arns).and_then(Value::as_sequence).cloned().unwrap_or_default();
        let known_at = theirs.key("wellKnownPolicies");
        if let Some(known) = self.mapping(entry.get("wellKnownPolicies"), &known_at) {
            for (name, on) in known {
                let name = name.as_str().unwrap_or_default();
                if on != &Value::Bool(true) {
                    continue;
                }
                match well_known(name) {
                    Ok(policy) => arns.push(format!("arn:{}:iam::aws:policy/{policy}", partition(region)).into()),
                    Err(scope) => self.findings.push(
                        Finding::error(
                            known_at.key(name),
                            format!("eksctl's well-known policy `{name}` is an inline policy over {scope}: eksharden does not grant it on a workload's behalf"),
                        )
                        .with_hint("write the statements the workload needs, on its own resources, in the entry's inline policy")
                        .at_key(),
                    ),
                }
            }
        }
        if !arns.is_empty() {
            self.put(&mine.key("policyArns"), Value::Sequence(arns), &theirs.key(keys.arns));
        }
        self.carry(entry, keys.inline, theirs, &mine.key("policy"));
        self.carry(entry, keys.boundary, theirs, &mine.key("permissionsBoundary"));
        if let Some(role) = keys.role {
            self.carry(entry, role, theirs, &mine.key("roleArn"));
        }
    }

    /// `addons`: each with its version (`latest` is EKS's default), configuration values and
    /// the policies of its service account; and `addonsConfig.disableDefaultAddons`.
    pub(super) fn addons(&mut self, root: &Mapping) {
        let at = Path::root().key("addons");
        let region = root.get("metadata").and_then(|m| m.get("region")).and_then(Value::as_str);
        for (i, addon) in self.sequence(root.get("addons"), &at).iter().enumerate() {
            let (theirs, mine) = (at.index(i), Path::root().key("addons").index(i));
            let Some(addon) = self.mapping(Some(addon), &theirs) else { continue };
            let refused = [
                ("serviceAccountRoleARN", "an add-on's role is made from its attachPolicyARNs, trusted by its service account alone (EKS Pod Identity)"),
                ("podIdentityAssociations", "give the add-on's policies as attachPolicyARNs: eksharden makes the association for its service account"),
            ];
            for (key, reason) in refused.iter().filter(|(key, _)| addon.contains_key(*key)) {
                self.findings
                    .push(Finding::error(theirs.key(key), format!("`{key}` is not carried over: {reason}")).at_key());
            }
            let refused_keys: Vec<&str> = refused.iter().map(|(k, _)| *k).collect();
            let carried: Vec<&str> = ADDON_CARRIED.iter().chain(&refused_keys).copied().collect();
            self.review(addon, &theirs, &carried, ADDON_DROPPED);
            self.put(&mine, Value::Mapping(Mapping::new()), &theirs);
            self.carry(addon, "name", &theirs, &mine.key("name"));
            match addon.get("version").and_then(Value::as_str) {
                Some("latest") => self.findings.push(
                    Finding::warning(theirs.key("version"), "EKS's default version for the cluster's Kubernetes version is installed; name a version to pin one").at_key(),
                ),
                Some(_) => self.carry(addon, "version", &theirs, &mine.key("version")),
                None => {}
            }
            self.carry(addon, "configurationValues", &theirs, &mine.key("configurationValues"));
            self.workload_policies(addon, &theirs, &mine, &ADDON_KEYS, region);
        }
        let config_at = Path::root().key("addonsConfig");
        if let Some(config) = self.mapping(root.get("addonsConfig"), &config_at) {
            let dropped = [(
                "autoApplyPodIdentityAssociations",
                "each add-on eksharden makes a role for gets a Pod Identity association of its own",
            )];
            self.review(config, &config_at, &["disableDefaultAddons"], &dropped);
            let off = config_at.key("disableDefaultAddons");
            match config.get("disableDefaultAddons") {
                Some(Value::Bool(disabled)) => {
                    self.put(&Path::root().key("defaultAddons"), Value::Bool(!disabled), &off)
                }
                Some(_) => self.findings.push(Finding::error(off, "disableDefaultAddons is true or false")),
                None => {}
            }
        }
    }

    /// `fargateProfiles` and `autoModeConfig`.
    pub(super) fn compute(&mut self, root: &Mapping) {
        let at = Path::root().key("fargateProfiles");
        for (i, profile) in self.sequence(root.get("fargateProfiles"), &at).iter().enumerate() {
            let (theirs, mine) = (at.index(i), Path::root().key("fargateProfiles").index(i));
            let Some(profile) = self.mapping(Some(profile), &theirs) else { continue };
            self.review(profile, &theirs, FARGATE_CARRIED, FARGATE_DROPPED);
            self.put(&mine, Value::Mapping(Mapping::new()), &theirs);
            for key in FARGATE_CARRIED {
                self.carry(profile, key, &theirs, &mine.key(key));
            }
        }
        let auto_at = Path::root().key("autoModeConfig");
        if let Some(auto) = self.mapping(root.get("autoModeConfig"), &auto_at) {
            self.review(auto, &auto_at, AUTO_MODE_CARRIED, AUTO_MODE_DROPPED);
            let mine = Path::root().key("autoMode");
            self.put(&mine, Value::Mapping(Mapping::new()), &auto_at);
            for key in AUTO_MODE_CARRIED {
                self.carry(auto, key, &auto_at, &mine.key(key));
            }
        }
    }
}

/// Where an eksctl entry keeps a workload role's policies, and the user's own role if it
/// can name one (an add-on cannot).
struct PolicyKeys {
    arns: &'static str,
    inline: &'static str,
    boundary: &'static str,
    role: Option<&'static str>,
}

/// `iam.serviceAccounts[]`.
const SERVICE_ACCOUNT_KEYS: PolicyKeys = PolicyKeys {
    arns: "attachPolicyARNs",
    inline: "attachPolicy",
    boundary: "permissionsBoundary",
    role: Some("attachRoleARN"),
};
/// `iam.podIdentityAssociations[]`.
const POD_IDENTITY_KEYS: PolicyKeys = PolicyKeys {
    arns: "permissionPolicyARNs",
    inline: "permissionPolicy",
    boundary: "permissionsBoundaryARN",
    role: Some("roleARN"),
};
/// `addons[]`.
const ADDON_KEYS: PolicyKeys =
    PolicyKeys { arns: "attachPolicyARNs", inline: "attachPolicy", boundary: "permissionsBoundary", role: None };
