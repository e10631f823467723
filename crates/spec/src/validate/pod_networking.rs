//! Pod networking: what each mode needs of the VPC, the add-ons and the nodes.

use ipnet::Ipv4Net;

use super::duplicates;
use super::labels::namespace_problem;
use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, IpFamily, PodNetworking, PodNetworkingMode, VPC_CNI};
use crate::path::Path;

/// The longest pod block: split over zones, a /24 leaves each zone's pods a /26 at least.
const LONGEST_POD_PREFIX: u8 = 24;

/// The blocks a VPC's secondary block may come from beside the primary's own private range
/// (the Amazon VPC User Guide's "IPv4 CIDR block association restrictions"): the shared
/// address space (RFC 6598) goes with any primary block.
const SHARED_ADDRESS_SPACE: &str = "100.64.0.0/10";

/// The private ranges (RFC 1918): a secondary block must share the primary's.
const PRIVATE_RANGES: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// The longest value an EC2 tag takes.
const MAX_TAG_VALUE: usize = 256;

/// Instance families EC2 gives no trunk interface, so their pods get no groups of their own
/// (AWS-EKS-SGP): those built before Nitro, and the burstable T family.
const NO_TRUNK_INTERFACE: [&str; 18] =
    ["t1", "t2", "t3", "t3a", "t4g", "m1", "m2", "m3", "m4", "c1", "c3", "c4", "r3", "r4", "x1", "x1e", "h1", "i2"];

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let at = Path::root().key("podNetworking");
    let networking = &spec.pod_networking;
    let defaults = PodNetworking::default();
    if networking.mode != PodNetworkingMode::CustomNetworking && networking.pod_cidr != defaults.pod_cidr {
        findings.push(Finding::warning(at.key("podCidr"), "podCidr is used only with mode customNetworking"));
    }
    if networking.mode != PodNetworkingMode::SecurityGroupsForPods && networking.namespaces != defaults.namespaces {
        findings
            .push(Finding::warning(at.key("namespaces"), "namespaces is used only with mode securityGroupsForPods"));
    }
    if !networking.separates_pods() {
        return;
    }
    let mode = at.key("mode");
    let name = match networking.mode {
        PodNetworkingMode::CustomNetworking => "custom networking",
        _ => "security groups for pods",
    };
    if spec.auto_mode_on() {
        findings.push(
            Finding::error(mode.clone(), format!("{name} is the VPC CNI's, which EKS Auto Mode does not run"))
                .with_hint("leave podNetworking out with autoMode: its node class places pods itself"),
        );
    } else if !spec.addons_to_install().iter().any(|a| a.name == VPC_CNI) {
        findings.push(
            Finding::error(
                mode.clone(),
                format!("{name} is set in the vpc-cni add-on, which this spec does not install"),
            )
            .with_hint("add `- name: vpc-cni` to addons, or set defaultAddons to true"),
        );
    }
    match networking.mode {
        PodNetworkingMode::CustomNetworking => check_custom_networking(spec, &at, findings),
        _ => check_security_groups_for_pods(spec, &at, findings),
    }
}

fn check_custom_networking(spec: &ClusterSpec, at: &Path, findings: &mut Vec<Finding>) {
    if spec.vpc.existing.is_some() {
        findings.push(
            Finding::error(
                at.key("mode"),
                "custom networking adds a block and pod subnets to the VPC, and eksharden never edits an existing VPC",
            )
            .with_hint("create the cluster in a VPC of its own, or leave podNetworking out"),
        );
    }
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        findings.push(
            Finding::error(at.key("mode"), "custom networking is for IPv4 clusters only (AWS-EKS-CUSTOM-NET)")
                .with_hint("in an IPv6 cluster, give pods groups of their own with securityGroupsForPods"),
        );
    }
    let cidr = at.key("podCidr");
    let pods = spec.pod_networking.pod_cidr;
    if pods.net().prefix_len() < 16 || pods.net().prefix_len() > LONGEST_POD_PREFIX {
        findings.push(
            Finding::error(cidr.clone(), format!("{pods} is not a /16 to /{LONGEST_POD_PREFIX} block"))
                .with_hint("a VPC block is /16 at most, and each zone needs room for its pods"),
        );
    }
    let range_of =
        |net: Ipv4Net| PRIVATE_RANGES.iter().map(|r| r.parse::<Ipv4Net>().expect("a block")).find(|r| r.contains(&net));
    let shared: Ipv4Net = SHARED_ADDRESS_SPACE.parse().expect("a block");
    let allowed =
        shared.contains(&pods.net()) || range_of(pods.net()).is_some_and(|r| Some(r) == range_of(spec.vpc.cidr.net()));
    if !allowed {
        findings.push(
            Finding::error(cidr.clone(), format!("{pods} cannot be added to a VPC whose block is {}", spec.vpc.cidr))
                .with_hint(format!("take it from {SHARED_ADDRESS_SPACE} (as AWS-EKS-CUSTOM-NET does) or from the VPC block's own private range")),
        );
    }
    let taken = std::iter::once(("vpc.cidr", spec.vpc.cidr))
        .chain(spec.vpc.bastion.iter().map(|b| ("vpc.bastion.cidr", b.cidr)))
        .chain(spec.vpc.vpn_cidrs.iter().map(|c| ("vpc.vpnCidrs", *c)));
    for (field, block) in taken {
        if pods.overlaps(&block) {
            findings.push(Finding::error(cidr.clone(), format!("{pods} overlaps {field} {block}")));
        }
    }
}

fn check_security_groups_for_pods(spec: &ClusterSpec, at: &Path, findings: &mut Vec<Finding>) {
    let namespaces = at.key("namespaces");
    if spec.pod_networking.namespaces.is_empty() {
        findings.push(
            Finding::error(namespaces.clone(), "no namespace: no pod would get the pods security group")
                .with_hint("name the namespaces whose pods get it, like [default]"),
        );
    }
    duplicates(&spec.pod_networking.namespaces, |i| namespaces.index(i), "namespace", findings);
    let listed = spec.pod_networking.namespaces.join(" ").len();
    if listed > MAX_TAG_VALUE {
        findings.push(
            Finding::error(
                namespaces.clone(),
                format!("the namespaces take {listed} characters with a space between each"),
            )
            .with_hint(format!(
                "eksharden keeps them in a tag of the pods security group, which holds {MAX_TAG_VALUE}"
            )),
        );
    }
    for (i, namespace) in spec.pod_networking.namespaces.iter().enumerate() {
        if let Some(problem) = namespace_problem(namespace) {
            findings.push(Finding::error(namespaces.index(i), problem));
        }
    }
    for (i, group) in spec.node_groups.iter().enumerate() {
        for (j, instance_type) in group.instance_types().into_iter().enumerate() {
            let family = instance_type.split('.').next().unwrap_or_default();
            if NO_TRUNK_INTERFACE.contains(&family) {
                let at = Path::root().key("nodeGroups").index(i);
                let at = if j == 0 { at.key("instanceType") } else { at.key("extraInstanceTypes").index(j - 1) };
                findings.push(Finding::warning(
                    at,
                    format!("{instance_type} has no trunk interface: its pods get no security group of their own (AWS-EKS-SGP)"),
                ));
            }
        }
    }
}
