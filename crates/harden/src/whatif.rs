//! The what-if: before a change to the network is made, it is made on the model, and the
//! flows the cluster needs are evaluated again with the engine. A change after which a
//! required flow that passes today would fail is refused, with the flow named.
//!
//! The changes that can break a flow are modelled: a revoked inbound rule; a subnet that
//! stops assigning public addresses (each node group that launches there gets a stand-in
//! node with no public address, as its next node would be; a group that this run replaces
//! into other subnets is not counted); and a node subnet moved to a copy of its ACL with the
//! SSH guard in front (the entries `harden` would write, numbered as it would number them).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use eksharden_aws::discover::Discovery;
use eksharden_net::model::{AclEntry, Eni, Model, NetworkAcl, Origin, DEFAULT_ACL_ENTRY};
use eksharden_net::policy::PolicyInput;
use eksharden_net::posture::ClusterFacts;
use eksharden_net::report::Status;
use eksharden_net::topology::{Members, Topology};
use eksharden_net::{PortRange, Protocol, RuleProtocol};
use eksharden_plan::nacl;
use ipnet::Ipv4Net;

use crate::change::Change;
use crate::step::{Refused, StepPlan};
use crate::Options;

/// The changes of `plans` that would break a required flow, each with why.
pub fn refusals(found: &Discovery, plans: &[StepPlan], options: &Options) -> Vec<Refused> {
    let input = PolicyInput::discovered();
    let baseline = required_flows(&found.model, &found.topology, &found.facts, &input);
    let automated: Vec<&Change> = plans.iter().flat_map(|p| p.automated(options)).collect();
    let moving: Vec<&str> = automated
        .iter()
        .filter_map(|c| match c {
            Change::ReplaceNodeGroup { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let mut refused = Vec::new();
    for change in automated {
        let Some((model, topology)) = apply(found, change, &moving) else { continue };
        let after = required_flows(&model, &topology, &found.facts, &input);
        let broken: Vec<String> = baseline
            .iter()
            .filter(|(_, passed)| passed.is_none())
            .filter_map(|(title, _)| after.get(title).and_then(|why| why.clone()).map(|why| format!("{title}: {why}")))
            .collect();
        if !broken.is_empty() {
            refused.push(Refused {
                change: change.clone(),
                why: format!("it would break a required flow that passes now: {}", broken.join("; ")),
            });
        }
    }
    refused
}

/// The required flows by title: `None` when it passes, else the first reason it does not.
fn required_flows(
    model: &Model,
    topology: &Topology,
    facts: &ClusterFacts,
    input: &PolicyInput,
) -> BTreeMap<String, Option<String>> {
    let report = eksharden_net::verify(model, topology, facts, input, false, Vec::new());
    report
        .flows
        .iter()
        .filter(|f| f.expectation == eksharden_net::policy::Expectation::Allowed)
        .map(|f| {
            let why = (f.status == Status::Fail)
                .then(|| f.cells.iter().flat_map(|c| &c.explanation).next().cloned().unwrap_or_default());
            (f.title.clone(), why)
        })
        .collect()
}

/// The model and roles with `change` made, if the change is one that can break a flow.
fn apply(found: &Discovery, change: &Change, moving: &[&str]) -> Option<(Model, Topology)> {
    let (mut model, mut topology) = (found.model.clone(), found.topology.clone());
    match change {
        Change::RevokeIngress { group, rule, .. } => {
            let group = model.security_groups.iter_mut().find(|g| &g.id == group)?;
            group.ingress.retain(|r| r != rule);
        }
        Change::StopPublicAddresses { subnet } => {
            model.subnets.iter_mut().filter(|s| &s.id == subnet).for_each(|s| s.map_public_ip_on_launch = false);
            // The nodes launched there next get no public address: each node group that
            // stays gets a stand-in there (its own nodes, as if launched again).
            let staying = found
                .facts
                .node_groups
                .iter()
                .filter(|g| g.subnets.contains(subnet) && !moving.contains(&g.name.as_str()));
            for group in staying {
                let like = model.enis.iter().find(|e| group.enis.contains(&e.id))?.clone();
                let cidr = model.subnets.iter().find(|s| &s.id == subnet)?.cidr;
                let address = free_address(&model, cidr)?;
                model.enis.push(Eni {
                    id: format!("what-if-{}-{subnet}", group.name),
                    label: format!("a node of {} launched in {subnet}", group.name),
                    subnet: subnet.clone(),
                    private_ip: address,
                    public_ip: None,
                    ipv6: like
                        .ipv6
                        .filter(|_| model.subnets.iter().any(|s| &s.id == subnet && s.assign_ipv6_on_creation)),
                    groups: like.groups,
                    origin: Origin::Representative("the what-if: a node launched after the change".to_owned()),
                });
                let index = model.enis.len() - 1;
                let role = topology.roles.iter_mut().find(|r| r.name == format!("node group {}", group.name))?;
                if let Members::Enis(enis) = &mut role.members {
                    // The group's nodes as they would be: launched after the change.
                    enis.retain(|&e| model.enis[e].subnet != *subnet);
                    enis.push(index);
                }
            }
        }
        Change::GuardNodeSubnet { subnet, acl, bastion, dual_stack, bastion_ipv6 } => {
            let source = model.network_acls.iter().find(|a| &a.id == acl)?.clone();
            let guard = nacl::ssh_guard_entries(*bastion, dual_stack.then_some(*bastion_ipv6));
            let own: Vec<&AclEntry> = source.entries.iter().filter(|e| e.number < DEFAULT_ACL_ENTRY).collect();
            let shift = nacl::guard_shift(&guard, own.iter().map(|e| e.number));
            let mut entries: Vec<AclEntry> = guard.iter().filter_map(acl_entry).collect();
            entries.extend(own.into_iter().map(|e| AclEntry { number: e.number + shift, ..e.clone() }));
            let copy = format!("what-if-{acl}-guarded");
            model.network_acls.push(NetworkAcl { id: copy.clone(), entries });
            model.subnets.iter_mut().filter(|s| &s.id == subnet).for_each(|s| s.network_acl = copy.clone());
        }
        _ => return None,
    }
    Some((model, topology))
}

/// A planned ACL entry as the model holds it (the guard's blocks are all known).
fn acl_entry(entry: &nacl::Entry) -> Option<AclEntry> {
    let (protocol, ports) = match entry.tcp_ports {
        Some((from, to)) => (RuleProtocol::One(Protocol::Tcp), PortRange::new(from, to)),
        None => (RuleProtocol::All, PortRange::ALL),
    };
    Some(AclEntry {
        number: entry.rule_number,
        egress: entry.egress,
        protocol,
        ports,
        cidr: entry.cidr.known()?,
        allow: entry.action == nacl::Action::Allow,
    })
}

/// An address of `cidr` no interface has, from the top (AWS reserves the last).
fn free_address(model: &Model, cidr: Ipv4Net) -> Option<Ipv4Addr> {
    let (first, last) = (u32::from(cidr.network()) + 4, u32::from(cidr.broadcast()).checked_sub(1)?);
    (first..=last).rev().map(Ipv4Addr::from).find(|a| model.enis.iter().all(|e| e.private_ip != *a))
}
