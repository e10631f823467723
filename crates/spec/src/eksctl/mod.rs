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

mod cluster;
mod launch;
mod node_group;
mod workloads;

/// The eksctl `apiVersion` that is understood.
pub const API_VERSION: &str = "eksctl.io/v1alpha5";

/// The result of translating an eksctl file.
#[derive(Debug)]
pub struct Translation {
    /// The equivalent eksharden document.
    pub document: Value,
    /// Where each translated value came from.
    pub paths: PathMap,
    /// Warnings for dropped fields, errors for unknown ones (in eksctl paths).
    pub findings: Vec<Finding>,
    /// Whether the file names an existing VPC without its block: `create` takes the VPC's.
    pub cidr_from_vpc: bool,
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
    let mut t = Translator {
        out: Value::Mapping(Mapping::new()),
        paths: PathMap::default(),
        findings: Vec::new(),
        cidr_from_vpc: false,
        subnet_names: SubnetNames::default(),
    };
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
    t.iam(map);
    t.addons(map);
    t.compute(map);
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
    "iam",
    "addons",
    "addonsConfig",
    "fargateProfiles",
    "autoModeConfig",
];
const TOP_DROPPED: &[(&str, &str)] = &[
    ("remoteNetworkConfig", "hybrid nodes are not supported"),
    ("identityProviders", "OIDC identity providers are not configured"),
    ("privateCluster", "use endpointAccess and `nat: none` with vpc.endpoints instead"),
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

struct Translator {
    out: Value,
    paths: PathMap,
    findings: Vec<Finding>,
    cidr_from_vpc: bool,
    /// What a node group's `subnets` and `availabilityZones` may name (filled from `vpc`).
    subnet_names: SubnetNames,
}

/// How the file's subnets are named, for its node groups: each node subnet by its key and
/// its id, with the value the spec gives it (a zone, or an existing VPC's subnet entry) and
/// its zone if known; the public subnets' keys and ids, which node groups may not use.
#[derive(Default)]
struct SubnetNames {
    private: Vec<NamedSubnet>,
    public: Vec<String>,
}

/// A node subnet of the file.
struct NamedSubnet {
    /// The names a node group may give it: its key, and its id if it has one.
    names: Vec<String>,
    /// What the spec's node group `subnets` say for it.
    value: String,
    /// Its zone, if the file says.
    zone: Option<String>,
}

impl Translator {
    fn finish(self) -> Translation {
        Translation {
            document: self.out,
            paths: self.paths,
            findings: self.findings,
            cidr_from_vpc: self.cidr_from_vpc,
        }
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

    /// The value at `path` of the translated document, to adjust it after it was put.
    fn out_get_mut(&mut self, path: &Path) -> Option<&mut Value> {
        path.segments().iter().try_fold(&mut self.out, |node, segment| match segment {
            Segment::Key(key) => node.get_mut(key.as_str()),
            Segment::Index(index) => node.get_mut(*index),
        })
    }
}
