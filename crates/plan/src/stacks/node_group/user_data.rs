//! A node's user data: nodeadm's `NodeConfig` for Amazon Linux 2023 (with the group's
//! pre-bootstrap commands as a part of their own), or Bottlerocket's TOML settings.
//!
//! No spec value is pasted: each value is a quoted scalar ([`quoted`]: JSON's escapes, which
//! YAML's double-quoted and TOML's basic strings share, so a newline cannot end a line, a
//! MIME part or a TOML table) with `${` escaped for `Fn::Sub`. The spec's validation already
//! refuses such values; this keeps the document's shape even without it.

use base64::Engine;
use eksharden_spec::model::NodeGroup;

/// The MIME boundary of a node's multi-part user data.
const USER_DATA_BOUNDARY: &str = "//";

/// The content type of nodeadm's `NodeConfig`, the one part eksharden writes for AL2023.
const NODE_CONFIG_TYPE: &str = "application/node.eks.aws";

/// The nodeadm `NodeConfig` that joins a self-managed Amazon Linux 2023 node to the cluster,
/// with its labels and taints, as a MIME multi-part document for `Fn::Sub` (it names the
/// `ClusterName`, `ClusterEndpoint` and `CertificateAuthorityData` parameters).
pub(super) fn node_config(group: &NodeGroup, service_cidr: &str) -> String {
    let flags = kubelet_flags(group);
    let kubelet = if flags.is_empty() {
        String::new()
    } else {
        let quoted = flags.iter().map(|f| format!("      - {}\n", sub_literal(&quoted(f)))).collect::<String>();
        format!("  kubelet:\n    flags:\n{quoted}")
    };
    format!(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{USER_DATA_BOUNDARY}\"\n\n{}--{USER_DATA_BOUNDARY}\n\
         Content-Type: {NODE_CONFIG_TYPE}\n\n\
         ---\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  cluster:\n    name: ${{ClusterName}}\n    \
         apiServerEndpoint: ${{ClusterEndpoint}}\n    certificateAuthority: ${{CertificateAuthorityData}}\n    cidr: {service_cidr}\n\
         {kubelet}\n--{USER_DATA_BOUNDARY}--\n",
        pre_bootstrap_part(group)
    )
}

/// A managed Amazon Linux 2023 group's user data: only its pre-bootstrap part (EKS adds its
/// own `NodeConfig`), or none.
pub(super) fn managed_al2023(group: &NodeGroup) -> Option<String> {
    let part = pre_bootstrap_part(group);
    (!part.is_empty()).then(|| {
        format!(
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{USER_DATA_BOUNDARY}\"\n\n{part}--{USER_DATA_BOUNDARY}--\n"
        )
    })
}

/// The group's pre-bootstrap commands as a user-data part of their own, before eksharden's:
/// a shell script that stops at the first failing command, base64-encoded, so that no
/// command can end the part, add one or reach `Fn::Sub` (its alphabet has no `-`, `$` or
/// line breaks but the encoding's own). Empty without commands.
fn pre_bootstrap_part(group: &NodeGroup) -> String {
    if group.pre_bootstrap_commands.is_empty() {
        return String::new();
    }
    let script = format!("#!/bin/bash\nset -o errexit\n{}\n", group.pre_bootstrap_commands.join("\n"));
    let encoded = base64::engine::general_purpose::STANDARD.encode(script);
    let lines: Vec<&str> =
        encoded.as_bytes().chunks(76).map(|l| std::str::from_utf8(l).expect("base64 is ASCII")).collect();
    format!(
        "--{USER_DATA_BOUNDARY}\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\nContent-Transfer-Encoding: base64\n\n{}\n\n",
        lines.join("\n")
    )
}

/// Bottlerocket's settings that keep a node hardened: the admin container (SSH, a root
/// shell on the host) off, the control container (Systems Manager) on. Every Bottlerocket
/// node gets them; a managed group's user data is only these, since EKS adds the cluster's.
pub(super) const BOTTLEROCKET_HARDENING: &str =
    "[settings.host-containers.admin]\nenabled = false\n\n[settings.host-containers.control]\nenabled = true\n";

/// A self-managed Bottlerocket node's settings, for `Fn::Sub` (the same parameters as
/// [`node_config`]): the cluster, the cluster DNS address, the group's labels and taints,
/// then [`BOTTLEROCKET_HARDENING`].
pub(super) fn bottlerocket(group: &NodeGroup, cluster_dns_ip: &str) -> String {
    let mut toml = format!(
        "[settings.kubernetes]\ncluster-name = \"${{ClusterName}}\"\napi-server = \"${{ClusterEndpoint}}\"\n\
         cluster-certificate = \"${{CertificateAuthorityData}}\"\ncluster-dns-ip = {}\n\n",
        quoted(cluster_dns_ip)
    );
    if !group.labels.is_empty() {
        toml.push_str("[settings.kubernetes.node-labels]\n");
        for (key, value) in &group.labels {
            toml.push_str(&format!("{} = {}\n", sub_literal(&quoted(key)), sub_literal(&quoted(value))));
        }
        toml.push('\n');
    }
    if !group.taints.is_empty() {
        toml.push_str("[settings.kubernetes.node-taints]\n");
        let mut keys: Vec<&str> = group.taints.iter().map(|t| t.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            let values: Vec<String> = group
                .taints
                .iter()
                .filter(|t| t.key == key)
                .map(|t| sub_literal(&quoted(&format!("{}:{}", t.value, t.effect.kubernetes_name()))))
                .collect();
            toml.push_str(&format!("{} = [{}]\n", sub_literal(&quoted(key)), values.join(", ")));
        }
        toml.push('\n');
    }
    toml.push_str(BOTTLEROCKET_HARDENING);
    toml
}

/// The kubelet flags that carry a group's labels and taints.
fn kubelet_flags(group: &NodeGroup) -> Vec<String> {
    let mut flags = Vec::new();
    if !group.labels.is_empty() {
        let labels: Vec<String> = group.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        flags.push(format!("--node-labels={}", labels.join(",")));
    }
    if !group.taints.is_empty() {
        let taints: Vec<String> =
            group.taints.iter().map(|t| format!("{}={}:{}", t.key, t.value, t.effect.kubernetes_name())).collect();
        flags.push(format!("--register-with-taints={}", taints.join(",")));
    }
    flags
}

/// `text` as a double-quoted scalar on one line, in ASCII (a MIME part without a charset is
/// ASCII), read alike by YAML and TOML: `"` and `\\` escaped, every other character outside
/// printable ASCII (line breaks, control characters, anything non-ASCII) written as a `\\u`
/// or `\\U` escape.
fn quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            ' '..='~' => quoted.push(c),
            _ if u32::from(c) <= 0xffff => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            _ => quoted.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    quoted.push('"');
    quoted
}

/// `text` as literal text inside an `Fn::Sub` string: `${` written `${!`.
fn sub_literal(text: &str) -> String {
    text.replace("${", "${!")
}
