//! Hardening settings: logging, secrets encryption, IMDS, SSH lockdown.

use super::duplicates;
use crate::diagnostic::Finding;
use crate::model::{acl_can_guard, ClusterSpec, IpFamily, LogType};
use crate::path::Path;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let path = Path::root().key("hardening");
    let hardening = &spec.hardening;
    duplicates(&hardening.logging, |i| path.key("logging").index(i), "log type", findings);
    let off: Vec<&str> =
        LogType::all().into_iter().filter(|t| !hardening.logging.contains(t)).map(LogType::eks_name).collect();
    if !off.is_empty() {
        findings.push(
            Finding::warning(path.key("logging"), format!("control-plane logging is off for {}", off.join(", ")))
                .with_hint("remove `logging` to enable all five types"),
        );
    }
    if let Some(arn) = &hardening.secrets_encryption.kms_key_arn {
        if arn.service() != "kms" || !arn.resource().starts_with("key/") {
            findings.push(
                Finding::error(path.key("secretsEncryption").key("kmsKeyArn"), format!("`{arn}` is not a KMS key ARN"))
                    .with_hint("EKS needs a key ARN, arn:aws:kms:REGION:ACCOUNT:key/ID, not an alias"),
            );
        }
    }
    check_guarded_ports(spec, &path.key("ssh").key("guardedPorts"), findings);
    let imds = path.key("imds");
    if !(1..=64).contains(&hardening.imds.hop_limit) {
        findings.push(Finding::error(
            imds.key("hopLimit"),
            format!("hopLimit {} is outside 1 to 64", hardening.imds.hop_limit),
        ));
    } else if hardening.imds.hop_limit > 1 {
        findings.push(
            Finding::warning(
                imds.key("hopLimit"),
                format!("hopLimit {} lets pods reach the node's instance metadata", hardening.imds.hop_limit),
            )
            .with_hint("keep hopLimit 1"),
        );
    }
    if !hardening.imds.tokens_required {
        findings.push(
            Finding::warning(
                imds.key("tokensRequired"),
                "IMDSv1 stays enabled: metadata is readable without a session token",
            )
            .with_hint("keep `tokensRequired: true`"),
        );
    }
    if !hardening.ssh.is_on() {
        findings.push(
            Finding::warning(path.key("ssh"), "SSH lockdown is off: pods can reach port 22 of the nodes")
                .with_hint("keep `nacl: true` and `networkPolicy: true` (STACKROX-EKS)"),
        );
    }
}

/// Network ACL entries a rule list may hold per direction (the default quota).
const ACL_ENTRIES: usize = 20;

/// The guarded ports: port 22 among them, each once, and room in the node-subnet ACL for an
/// allow and a deny per port and family, besides the entries that let the rest through.
fn check_guarded_ports(spec: &ClusterSpec, at: &Path, findings: &mut Vec<Finding>) {
    let ports = &spec.hardening.ssh.guarded_ports;
    duplicates(ports.iter().map(|p| p.get()), |i| at.index(i), "port", findings);
    if !ports.iter().any(|p| p.get() == 22) {
        findings.push(Finding::error(at.clone(), "the guarded ports must include 22 (SSH, STACKROX-EKS)"));
    }
    let families = if spec.vpc.ip_family == IpFamily::Ipv6 { 2 } else { 1 };
    // Ports in the ephemeral range are left to the security groups (see the plan's NACLs).
    let in_acl = ports.iter().filter(|p| acl_can_guard(p.get())).count();
    let entries = families * (2 * in_acl + 1);
    if entries > ACL_ENTRIES {
        findings.push(
            Finding::error(
                at.clone(),
                format!(
                    "{} guarded ports need {entries} inbound entries in the node-subnet ACL: AWS allows {ACL_ENTRIES}",
                    ports.len()
                ),
            )
            .with_hint("guard fewer ports; security groups already admit nothing they do not list"),
        );
    }
}
