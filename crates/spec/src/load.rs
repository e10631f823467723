//! Reading a spec file: syntax, the eksctl translation, typed decoding, validation.
//!
//! Every problem comes back as a located [`Diagnostic`]; nothing here panics on input.

use std::sync::Arc;

use serde::Deserialize;
use serde_yaml::Value;

use crate::budget;
use crate::decode::{self, DecodeError};
use crate::diagnostic::{Diagnostic, Finding};
use crate::eksctl;
use crate::model::{ClusterSpec, API_VERSION, ZONES_FROM_REGION};
use crate::path::{Path, Segment};
use crate::source::{Location, Positions, SourceFile};
use crate::suggest;
use crate::valid::ValidSpec;
use crate::validate;
use crate::versions::Date;

/// Where a spec came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// eksharden's own `eksharden.dev/v1alpha1`.
    Eksharden,
    /// An eksctl `ClusterConfig`, translated.
    Eksctl,
}

/// A spec that passed validation, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The validated spec, defaults filled in.
    pub spec: ValidSpec,
    /// Which file format it was read from.
    pub dialect: Dialect,
    /// Warnings: fields dropped from an eksctl file, unsafe choices made explicitly.
    pub warnings: Vec<Diagnostic>,
    /// The file it was read from.
    source: SourceFile,
    /// Where the translated values of an eksctl file came from.
    paths: Arc<eksctl::PathMap>,
}

impl LoadedSpec {
    /// Findings about the spec made after loading (by `create`, which reads AWS), located in
    /// the file it was read from: for an eksctl file, at the eksctl field.
    pub fn locate(&self, findings: Vec<Finding>) -> Vec<Diagnostic> {
        let positions = Positions::read(&self.source.text);
        findings.into_iter().map(|f| self.paths.to_source(f).locate(&self.source, &positions)).collect()
    }

    /// The file it was read from.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }
}

/// A spec that was rejected: its errors, and any warnings found before them.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Errors first, then warnings, each in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads, translates, decodes and validates a spec file, without the checks that depend on
/// the day (see [`load_as_of`]).
pub fn load(source: &SourceFile) -> Result<LoadedSpec, Rejected> {
    load_as_of(source, None)
}

/// [`load`], and with `today` also the checks that depend on the day: a Kubernetes version
/// in extended support is a warning, one past it an error.
pub fn load_as_of(source: &SourceFile, today: Option<Date>) -> Result<LoadedSpec, Rejected> {
    let document = parse_yaml(source)?;
    let positions = Positions::read(&source.text);
    let located = |findings: Vec<Finding>| -> Vec<Diagnostic> {
        findings.into_iter().map(|f| f.locate(source, &positions)).collect()
    };

    let (dialect, native, path_map, mut notes, cidr_from_vpc) = match api_version(&document) {
        Some(eksctl::API_VERSION) => {
            let translated = eksctl::translate(&document);
            (Dialect::Eksctl, translated.document, translated.paths, translated.findings, translated.cidr_from_vpc)
        }
        Some(API_VERSION) => (Dialect::Eksharden, document, eksctl::PathMap::default(), Vec::new(), false),
        other => return Err(Rejected { diagnostics: located(vec![wrong_api_version(other)]) }),
    };
    if notes.iter().any(Finding::is_error) {
        return Err(rejected(located(notes)));
    }

    let mut spec = match decode(native) {
        Ok(spec) => spec,
        Err(finding) => {
            notes.push(path_map.to_source(finding));
            return Err(rejected(located(notes)));
        }
    };
    if let (Some(existing), true) = (spec.vpc.existing.as_mut(), cidr_from_vpc) {
        existing.cidr_from_vpc = true;
    }
    notes.extend(zones_from_region(&mut spec).map(|f| path_map.to_source(f)));
    if dialect == Dialect::Eksctl {
        notes.extend(admins_from_caller(&mut spec).map(|f| path_map.to_source(f)));
    }
    notes.extend(validate::check(&spec, today).into_iter().map(|f| path_map.to_source(f)));
    let Rejected { diagnostics } = rejected(located(notes));
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Rejected { diagnostics });
    }
    Ok(LoadedSpec {
        spec: ValidSpec::validated(spec),
        dialect,
        warnings: diagnostics,
        source: source.clone(),
        paths: Arc::new(path_map),
    })
}

/// Orders diagnostics: errors first, then warnings, each in file order.
fn rejected(mut diagnostics: Vec<Diagnostic>) -> Rejected {
    diagnostics.sort_by_key(|d| (std::cmp::Reverse(d.severity), d.location.offset));
    Rejected { diagnostics }
}

fn parse_yaml(source: &SourceFile) -> Result<Value, Rejected> {
    let reject = |location: Location, message: String, hint: Option<&str>| Rejected {
        diagnostics: vec![Diagnostic {
            severity: crate::diagnostic::Severity::Error,
            message,
            hint: hint.map(str::to_owned),
            path: None,
            location,
        }],
    };
    if source.text.trim().is_empty() {
        return Err(reject(
            Location::at_offset(&source.text, 0, 0),
            "the file is empty".into(),
            Some("start from `eksharden schema` or examples/minimal.yaml"),
        ));
    }
    if let Err(exceeded) = budget::check(&source.text) {
        return Err(reject(exceeded.location, exceeded.message, Some(exceeded.hint)));
    }
    match serde_yaml::from_str::<Value>(&source.text) {
        Ok(value @ Value::Mapping(_)) => Ok(value),
        Ok(_) => Err(reject(
            Location::at_offset(&source.text, first_content(&source.text), 1),
            "the document is not a mapping: a spec starts with `apiVersion:`, `kind:` and `metadata:`".into(),
            None,
        )),
        // A stream of several well-formed documents: one cluster per file.
        Err(_) if several_documents(&source.text) => {
            let second = source.text.match_indices("---").map(|(i, _)| i).find(|&i| i > first_content(&source.text));
            Err(reject(
                Location::at_offset(&source.text, second.unwrap_or(0), 3),
                "the file holds more than one YAML document".into(),
                Some("a spec file holds one cluster: remove this `---` and what follows, or split the file"),
            ))
        }
        Err(error) => {
            let location = match error.location() {
                Some(mark) => Location::at_line_column(&source.text, mark.line(), mark.column()),
                None => Location::at_offset(&source.text, 0, 1),
            };
            Err(reject(
                location,
                syntax_message(&error.to_string()),
                Some("check the indentation and quoting of this line and the one before"),
            ))
        }
    }
}

/// Whether `text` is a stream of more than one document, each well-formed.
fn several_documents(text: &str) -> bool {
    let documents: Result<Vec<Value>, _> = serde_yaml::Deserializer::from_str(text).map(Value::deserialize).collect();
    documents.is_ok_and(|d| d.len() > 1)
}

/// serde_yaml's message without its trailing position, which the location already gives
/// (serde_yaml offers the position as data, the message only as text).
fn syntax_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    format!("invalid YAML: {message}")
}

fn first_content(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

fn api_version(document: &Value) -> Option<&str> {
    document.get("apiVersion").and_then(Value::as_str)
}

fn wrong_api_version(found: Option<&str>) -> Finding {
    let known = [API_VERSION, eksctl::API_VERSION];
    match found {
        None => Finding::error(Path::root().key("apiVersion"), "missing field `apiVersion`").with_hint(format!(
            "start the file with `apiVersion: {API_VERSION}` (or `{}` for an eksctl file)",
            eksctl::API_VERSION
        )),
        Some(other) => Finding::error(Path::root().key("apiVersion"), format!("unsupported apiVersion `{other}`"))
            .with_hint(suggest::hint(other, &known)),
    }
}

/// A spec that names no zones gets the region's: assumed here (its a, b and c) for `validate`
/// and `render`, chosen by `create` from those EC2 says the region offers to EKS; in an
/// existing VPC, `create` takes the zones of the given node subnets. Says so.
fn zones_from_region(spec: &mut ClusterSpec) -> Option<Finding> {
    if !spec.vpc.availability_zones.is_empty() || spec.vpc.subnets.is_some() {
        return None;
    }
    let region = &spec.metadata.region;
    let assumed: Vec<String> = ["a", "b", "c"].iter().take(ZONES_FROM_REGION).map(|z| format!("{region}{z}")).collect();
    let (chosen, hint) = match &spec.vpc.existing {
        Some(existing) => (
            format!("`create` takes the zones of the node subnets of {}", existing.id),
            "the zones are those of the node subnets: list other subnets to use other zones",
        ),
        None => (
            format!("`create` takes {ZONES_FROM_REGION} zones of {region} that EC2 lists as available and EKS offers for the control plane (AWS-EKS-NETWORK), in name order"),
            "name the zones (`availabilityZones: [...]`) to choose them yourself",
        ),
    };
    let finding = Finding::warning(
        Path::root().key("vpc").key("availabilityZones"),
        format!("no availabilityZones: {chosen}; `validate` and `render` assume {}", assumed.join(", ")),
    )
    .with_hint(hint);
    spec.vpc.availability_zones = assumed;
    spec.vpc.zones_from_region = spec.vpc.existing.is_none();
    Some(finding)
}

/// An eksctl file that names no admin: eksctl makes the identity that creates the cluster
/// its administrator, and so does `create`, through an access entry and RBAC (the dedicated
/// creator role is still stripped). Says so.
fn admins_from_caller(spec: &mut ClusterSpec) -> Option<Finding> {
    if !spec.access.admins.is_empty() {
        return None;
    }
    spec.access.admins_from_caller = true;
    Some(
        Finding::warning(
            Path::root().key("access").key("admins"),
            "no admin named: as eksctl makes whoever creates the cluster its administrator, `create` maps the identity it runs as (its IAM role or user) to eksharden's admin group, bound to cluster-admin through RBAC, never system:masters (STACKROX-EKS)",
        )
        .with_hint("name the admin roles in iamIdentityMappings or accessConfig.accessEntries to choose them yourself"),
    )
}

/// Decodes the typed spec, turning what serde reports into a located, human finding.
fn decode(document: Value) -> Result<ClusterSpec, Finding> {
    decode::decode(&document).map_err(|error| {
        let path = convert_path(error.path());
        describe(path, error.into_inner())
    })
}

fn convert_path(path: &serde_path_to_error::Path) -> Path {
    use serde_path_to_error::Segment as S;
    path.iter().fold(Path::root(), |acc, segment| match segment {
        S::Seq { index } => acc.index(*index),
        S::Map { key } => acc.key(key),
        S::Enum { variant } => acc.key(variant),
        S::Unknown => acc,
    })
}

/// A decoding failure as a finding, with a "did you mean" hint from the names serde expected.
fn describe(path: Path, error: DecodeError) -> Finding {
    match error {
        DecodeError::UnknownField { field, expected } => {
            let hint = if expected.is_empty() {
                "this section takes no fields".to_owned()
            } else {
                suggest::hint(&field, expected)
            };
            let at_field = matches!(path.segments().last(), Some(Segment::Key(k)) if *k == field);
            let path = if at_field { path } else { path.key(&field) };
            Finding::error(path, format!("unknown field `{field}`")).with_hint(hint).at_key()
        }
        DecodeError::UnknownVariant { variant, expected } => {
            Finding::error(path, format!("unknown value `{variant}`")).with_hint(suggest::hint(&variant, expected))
        }
        DecodeError::MissingField(field) => Finding::error(path, format!("missing field `{field}`")).at_key(),
        DecodeError::InvalidType { found, float, expected } => {
            let is_version = matches!(path.segments().last(), Some(Segment::Key(k)) if k == "version");
            let message = format!("wrong type: {}, expected {}", found.replace("sequence", "list"), plain(&expected));
            let finding = Finding::error(path, message);
            if is_version && float {
                finding.with_hint("quote the version, like \"1.30\": unquoted, YAML reads 1.30 as the number 1.3")
            } else {
                finding
            }
        }
        DecodeError::Other(message) => Finding::error(path, message),
    }
}

/// What a type expects, in the words of a YAML user (serde names Rust types).
fn plain(expected: &str) -> String {
    match expected {
        "u32" | "u16" | "i64" => "a whole number".to_owned(),
        "u8" => "a whole number from 0 to 255".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "a mapping".to_owned(),
        other if other.starts_with("struct ") => "a mapping".to_owned(),
        other => other.replace("sequence", "list"),
    }
}
