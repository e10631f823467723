//! The Kubernetes API endpoint: private on, public off or limited, and an operator path.

use crate::diagnostic::Finding;
use crate::model::{ClusterSpec, NatMode};
use crate::path::Path;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let path = Path::root().key("endpointAccess");
    let access = &spec.endpoint_access;
    if !access.private && !access.public {
        findings.push(
            Finding::error(
                path.key("private"),
                "the API endpoint is neither private nor public: nothing could reach it",
            )
            .with_hint("keep `private: true`"),
        );
        return;
    }
    if access.private && !access.public && spec.vpc.bastion.is_none() && spec.vpc.vpn_cidrs.is_empty() {
        findings.push(
            Finding::error(
                path.clone(),
                "a private-only endpoint with no bastion and no VPN leaves the operator no path to the API",
            )
            .with_hint("add vpc.bastion or vpc.vpnCidrs, or `public: true` with publicAccessCidrs"),
        );
    }
    if !access.private {
        let finding = if spec.vpc.nat == NatMode::None {
            Finding::error(
                path.key("private"),
                "with private access off and `nat: none`, nodes cannot reach the API endpoint",
            )
        } else {
            Finding::warning(
                path.key("private"),
                "private access is off: node traffic to the API leaves the VPC through NAT",
            )
        };
        findings.push(finding.with_hint("keep `private: true`"));
    }
    let cidrs = path.key("publicAccessCidrs");
    if access.public && access.public_access_cidrs.is_empty() {
        findings.push(
            Finding::error(cidrs.clone(), "a public endpoint without publicAccessCidrs is open to 0.0.0.0/0")
                .with_hint("list the CIDR blocks that may reach the public endpoint"),
        );
    }
    if !access.public && !access.public_access_cidrs.is_empty() {
        findings.push(
            Finding::error(cidrs.clone(), "publicAccessCidrs are set but public access is off")
                .with_hint("remove them, or set `public: true`"),
        );
    }
    for (i, cidr) in access.public_access_cidrs.iter().enumerate() {
        if cidr.is_anywhere() {
            findings.push(
                Finding::error(cidrs.index(i), "the public endpoint must not be open to 0.0.0.0/0")
                    .with_hint("list the operators' CIDR blocks"),
            );
        }
    }
}
