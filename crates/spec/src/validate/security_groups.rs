//! The role-based groups of EKS-SG-ROLES: app, load balancer, database, cache.

use super::duplicates;
use crate::diagnostic::Finding;
use crate::model::ClusterSpec;
use crate::path::Path;

pub(super) fn check(spec: &ClusterSpec, findings: &mut Vec<Finding>) {
    let path = Path::root().key("securityGroups");
    let groups = &spec.security_groups;
    if let Some(app) = &groups.app {
        let ports = path.key("app").key("servicePorts");
        if app.service_ports.is_empty() {
            findings.push(Finding::error(ports.clone(), "the app group needs at least one service port"));
        }
        duplicates(&app.service_ports, |i| ports.index(i), "service port", findings);
        for (i, port) in app.service_ports.iter().enumerate() {
            if port.get() == 22 {
                findings.push(
                    Finding::error(ports.index(i), "service port 22 would open SSH on the nodes to the load balancer")
                        .with_hint("port 22 to nodes is allowed only from the bastion group (STACKROX-EKS)"),
                );
            }
        }
    }
    if let Some(lb) = &groups.load_balancer {
        let lb_path = path.key("loadBalancer");
        if groups.app.is_none() {
            findings.push(
                Finding::error(
                    lb_path.clone(),
                    "the load-balancer group forwards to the app group, which is not defined",
                )
                .with_hint("add securityGroups.app with its servicePorts (EKS-SG-ROLES)"),
            );
        }
        if lb.listener_ports.is_empty() {
            findings.push(Finding::error(
                lb_path.key("listenerPorts"),
                "the load balancer needs at least one listener port",
            ));
        }
        duplicates(&lb.listener_ports, |i| lb_path.key("listenerPorts").index(i), "listener port", findings);
        if lb.from.is_empty() && lb.from_prefix_lists.is_empty() {
            findings
                .push(Finding::error(lb_path.key("from"), "the load balancer admits no one").with_hint(
                    "list client CIDR blocks (0.0.0.0/0 for an internet-facing service) or fromPrefixLists",
                ));
        }
        for (i, list) in lb.from_prefix_lists.iter().enumerate() {
            let well_formed =
                list.strip_prefix("pl-").is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit()));
            if !well_formed {
                findings.push(
                    Finding::error(
                        lb_path.key("fromPrefixLists").index(i),
                        format!("`{list}` is not a prefix list id"),
                    )
                    .with_hint("prefix list ids look like pl-0123456789abcdef0"),
                );
            }
        }
    }
    for (name, present) in [("database", groups.database.is_some()), ("cache", groups.cache.is_some())] {
        if present && groups.app.is_none() {
            findings.push(
                Finding::error(
                    path.key(name),
                    format!("only the app group reaches the {name} group, and it is not defined"),
                )
                .with_hint("add securityGroups.app (EKS-SG-ROLES)"),
            );
        }
    }
}
