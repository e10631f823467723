//! eksctl-style files of our own, one per kind of cluster eksctl users write, each saying on
//! its first line what `validate` must make of it: `# expect: valid`, or
//! `# expect: refused: <words of the error>` (a refusal from the README's list). A valid file
//! must also plan. Between them, the files use every field eksctl's own example files use
//! (listed in `eksctl-files/FIELDS.txt`).

use std::collections::BTreeSet;

use eksharden_spec::{load, SourceFile};
use integration_tests::cli::repo_root;
use serde_yaml::Value;

/// Keys whose values are free-form (labels, tags, policy documents) or sections eksharden
/// drops whole: a file that uses the key covers what is below it.
const COVERS_BELOW: &[&str] = &[
    "tags",
    "labels",
    "settings",
    "attachPolicy",
    "permissionPolicy",
    "nodeRepairConfig",
    "withAddonPolicies",
    "instanceSelector",
    "launchTemplate",
    "asgMetricsCollection",
    "kubeletExtraConfig",
    "karpenter",
    "gitops",
    "outpost",
    "remoteNetworkConfig",
    "zonalShiftConfig",
    "upgradePolicy",
    "capabilities",
    "controlPlaneScalingConfig",
    "identityProviders",
    "localZones",
    "status",
    "addonsConfig",
    "capacityReservation",
    "placement",
];

fn files() -> Vec<std::path::PathBuf> {
    let dir = repo_root().join("integration-tests/tests/eksctl-files");
    let listed = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<_> =
        listed.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect();
    files.sort();
    files
}

#[test]
fn each_eksctl_file_validates_or_is_refused_as_it_says() {
    let files = files();
    assert!(files.len() >= 25, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expect = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("an expect line");
        let loaded = load(&SourceFile { name: name.clone(), text: text.clone() });
        match (expect.strip_prefix("refused: "), loaded) {
            (None, Ok(loaded)) => {
                assert_eq!(expect, "valid", "{name}");
                let plan = eksharden_plan::plan(&loaded.spec);
                assert!(plan.stacks.len() >= 4 + loaded.spec.node_groups.len(), "{name}");
            }
            (None, Err(rejected)) => panic!("{name} should validate: {:#?}", rejected.diagnostics),
            (Some(words), Ok(_)) => panic!("{name} should be refused: {words}"),
            (Some(words), Err(rejected)) => assert!(
                rejected.diagnostics.iter().any(|d| d.is_error() && d.message.contains(words)),
                "{name}: no error says {words:?}: {:#?}",
                rejected.diagnostics
            ),
        }
    }
}

/// Every field path of `value` at `path`, as FIELDS.txt writes them.
fn paths(value: &Value, path: &str, found: &mut BTreeSet<String>) {
    match value {
        Value::Mapping(map) => {
            let subnet_names = path.starts_with("vpc.subnets.") && !path["vpc.subnets.".len()..].contains('.');
            for (key, inner) in map {
                let key = key.as_str().unwrap_or_default();
                let shown = if subnet_names { "*" } else { key };
                let at = if path.is_empty() { shown.to_owned() } else { format!("{path}.{shown}") };
                found.insert(at.clone());
                if !COVERS_BELOW.contains(&key) {
                    paths(inner, &at, found);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| paths(item, &format!("{path}[]"), found)),
        _ => {}
    }
}

#[test]
fn the_files_use_every_field_of_eksctls_examples() {
    let mut used = BTreeSet::new();
    for path in files() {
        let document: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        paths(&document, "", &mut used);
    }
    let listed = std::fs::read_to_string(repo_root().join("integration-tests/tests/eksctl-files/FIELDS.txt")).unwrap();
    let fields: Vec<&str> = listed.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert!(fields.len() > 200, "{}", fields.len());
    let missing: Vec<&&str> = fields.iter().filter(|f| !used.contains(**f)).collect();
    assert!(missing.is_empty(), "fields no file uses: {missing:#?}");
}

#[test]
fn an_eksctl_file_without_default_add_ons_gets_only_the_ones_it_names() {
    let path = repo_root().join("integration-tests/tests/eksctl-files/cilium.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = load(&SourceFile { name: "cilium.yaml".into(), text }).unwrap();
    assert!(!loaded.spec.default_addons);
    let names: Vec<String> = loaded.spec.addons_to_install().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["coredns"], "no VPC CNI of eksharden's beside Cilium");
    assert!(
        loaded.warnings.iter().any(|d| d.message.contains("autoApplyPodIdentityAssociations")),
        "{:#?}",
        loaded.warnings
    );
}
