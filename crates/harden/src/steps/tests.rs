//! Each AWS step's judgement on plain data: a hardened cluster built by hand, changed one
//! fact at a time, and the kinds of change the step then plans.

use std::net::Ipv4Addr;

use eksharden_discovery::{Discovery, Tagging};
use eksharden_net::model::{
    AclEntry, Eni, NetworkAcl, Origin, Peer, Route, RouteDestination, RouteTable, RouteTarget, SecurityGroup, SgRule,
    Subnet,
};
use eksharden_net::posture::{
    AuditFacts, Closing, ClusterGroupFact, FlowLogDestination, FlowLogFact, Imds, NodeGroupFacts, TrailFact, LOG_TYPES,
};
use eksharden_net::topology::{Members, Role, RoleKind};
use eksharden_net::{PortRange, Protocol, RuleProtocol};

use super::{
    cloudtrail, cluster_security_group, endpoint_access, flow_logs, imds, logging, network_acl, public_addresses,
    secrets_encryption, session_manager, ssh_ingress, ssh_keys, tags,
};
use crate::step::Inspected;
use crate::Options;

const NODES: &str = "sg-nodes";
const BASTION: &str = "sg-bastion";

fn subnet(id: &str, cidr: &str, route_table: &str, network_acl: &str) -> Subnet {
    Subnet {
        id: id.into(),
        name: id.into(),
        cidr: cidr.parse().unwrap(),
        ipv6_cidr: None,
        zone: "eu-west-1a".into(),
        route_table: route_table.into(),
        network_acl: network_acl.into(),
        map_public_ip_on_launch: false,
        assign_ipv6_on_creation: false,
    }
}

fn rule(ports: PortRange, peer: Peer) -> SgRule {
    SgRule { protocol: RuleProtocol::One(Protocol::Tcp), ports, peer, description: None }
}

/// A hardened cluster: one managed node group in a private subnet whose ACL admits 22 only
/// from the bastion subnet, which has an ACL of its own; SSH to the nodes from the bastion's
/// group only; every setting on.
fn hardened() -> Discovery {
    let mut found = Discovery::default();
    let model = &mut found.model;
    model.vpc_id = "vpc-1".into();
    model.vpc_cidrs = vec!["10.0.0.0/16".parse().unwrap()];
    model.subnets = vec![
        subnet("subnet-nodes", "10.0.1.0/24", "rtb-private", "acl-nodes"),
        subnet("subnet-bastion", "10.0.255.240/28", "rtb-private", "acl-bastion"),
    ];
    let local =
        Route { destination: RouteDestination::Cidr("10.0.0.0/16".parse().unwrap()), target: RouteTarget::Local };
    model.route_tables = vec![RouteTable { id: "rtb-private".into(), routes: vec![local] }];
    let entry = |number, cidr: &str, ports, allow| AclEntry {
        number,
        egress: false,
        protocol: RuleProtocol::One(Protocol::Tcp),
        ports,
        cidr: cidr.parse().unwrap(),
        allow,
    };
    let everything = |number, egress| AclEntry {
        number,
        egress,
        protocol: RuleProtocol::All,
        ports: PortRange::ALL,
        cidr: "0.0.0.0/0".parse().unwrap(),
        allow: true,
    };
    model.network_acls = vec![
        NetworkAcl {
            id: "acl-nodes".into(),
            entries: vec![
                entry(1, "10.0.255.240/28", PortRange::single(22), true),
                entry(2, "0.0.0.0/0", PortRange::single(22), false),
                everything(100, false),
                everything(100, true),
            ],
        },
        NetworkAcl { id: "acl-bastion".into(), entries: vec![everything(100, false), everything(100, true)] },
    ];
    model.security_groups = vec![
        SecurityGroup {
            id: NODES.into(),
            name: "nodes".into(),
            ingress: vec![rule(PortRange::single(22), Peer::Group(BASTION.into()))],
            egress: Vec::new(),
        },
        SecurityGroup { id: BASTION.into(), name: "bastion".into(), ingress: Vec::new(), egress: Vec::new() },
    ];
    model.enis = vec![Eni {
        id: "eni-node".into(),
        label: "node i-1".into(),
        subnet: "subnet-nodes".into(),
        private_ip: Ipv4Addr::new(10, 0, 1, 10),
        public_ip: None,
        ipv6: None,
        groups: vec![NODES.into()],
        origin: Origin::Real,
    }];
    found.topology.roles = vec![Role {
        kind: RoleKind::NodeGroup { purpose: None },
        name: "node group workers".into(),
        members: Members::Enis(vec![0]),
    }];
    let facts = &mut found.facts;
    facts.name = "c".into();
    facts.endpoint_private = true;
    facts.logging = LOG_TYPES.iter().map(|t| t.to_string()).collect();
    facts.secrets_key = Some("arn:aws:kms:eu-west-1:111122223333:key/k".into());
    facts.node_groups = vec![NodeGroupFacts {
        name: "workers".into(),
        ssh_key: None,
        imds: Some(Imds { tokens_required: true, hop_limit: Some(1) }),
        enis: vec!["eni-node".into()],
        subnets: vec!["subnet-nodes".into()],
        roles: vec!["nodes".into()],
        ..NodeGroupFacts::default()
    }];
    facts.audit = AuditFacts {
        flow_logs: Some(vec![FlowLogFact {
            id: "fl-1".into(),
            traffic: "ALL".into(),
            active: true,
            destination: FlowLogDestination::LogGroup {
                name: "/eksharden/c/vpc-flow-logs".into(),
                kms_key: Some("k".into()),
            },
        }]),
        trails: Some(vec![TrailFact {
            name: "account".into(),
            logging: true,
            management_events: true,
            multi_region: true,
        }]),
        node_roles: Some([("nodes".to_owned(), Some(true))].into()),
    };
    found.cluster_subnets = vec!["subnet-nodes".into()];
    found.bastion_subnets = vec!["subnet-bastion".into()];
    found.bastion_groups = vec![BASTION.into()];
    found.managed_node_groups = vec!["workers".into()];
    found.new_node_security_groups = vec![NODES.into()];
    found.tagging = vec![Tagging { label: "the cluster".into(), id: "arn:cluster".into(), value: Some("c".into()) }];
    found
}

/// The kinds of change a judgement plans, in order.
fn kinds(inspected: &Inspected) -> Vec<String> {
    inspected.changes.iter().map(|c| serde_json::to_value(c).unwrap()["kind"].as_str().unwrap().to_owned()).collect()
}

type Judge = fn(&Discovery, &Options) -> Inspected;
type Edit = fn(&mut Discovery);

#[test]
fn each_step_plans_the_change_its_fact_calls_for_and_nothing_on_a_hardened_cluster() {
    let cases: [(&str, Judge, Edit, &[&str]); 18] = [
        ("flow-logs", flow_logs::judge, |f| f.facts.audit.flow_logs = Some(Vec::new()), &["addFlowLogs"]),
        (
            "flow-logs, rejected traffic only",
            flow_logs::judge,
            |f| f.facts.audit.flow_logs.as_mut().unwrap()[0].traffic = "REJECT".into(),
            &["addFlowLogs"],
        ),
        ("cloudtrail", cloudtrail::judge, |f| f.facts.audit.trails = Some(Vec::new()), &["recordManagementEvents"]),
        (
            "session-manager, role",
            session_manager::judge,
            |f| f.facts.audit.node_roles = Some([("nodes".to_owned(), Some(false))].into()),
            &["attachSessionManagerPolicy"],
        ),
        (
            "session-manager, instance",
            session_manager::judge,
            |f| f.facts.node_groups[0].without_profile = vec!["i-1".into()],
            &["giveInstanceProfile"],
        ),
        ("logging", logging::judge, |f| f.facts.logging.retain(|t| t != "audit"), &["enableLogging"]),
        ("secrets-encryption", secrets_encryption::judge, |f| f.facts.secrets_key = None, &["encryptSecrets"]),
        ("ssh-keys", ssh_keys::judge, |f| f.facts.node_groups[0].ssh_key = Some("ops".into()), &["replaceNodeGroup"]),
        (
            "imds",
            imds::judge,
            |f| f.facts.node_groups[0].imds = Some(Imds { tokens_required: false, hop_limit: Some(2) }),
            &["replaceNodeGroup"],
        ),
        (
            "imds, self-managed",
            imds::judge,
            |f| {
                f.facts.node_groups[0].imds = None;
                f.managed_node_groups.clear();
            },
            &["replaceInstances"],
        ),
        (
            "public-addresses, subnet",
            public_addresses::judge,
            |f| f.model.subnets[0].map_public_ip_on_launch = true,
            &["stopPublicAddresses"],
        ),
        (
            "public-addresses, node",
            public_addresses::judge,
            |f| f.model.enis[0].public_ip = Some(Ipv4Addr::new(203, 0, 113, 7)),
            &["replaceNodeGroup"],
        ),
        (
            "ssh-ingress",
            ssh_ingress::judge,
            |f| {
                f.model.security_groups[0]
                    .ingress
                    .push(rule(PortRange::single(22), Peer::Cidr("0.0.0.0/0".parse().unwrap())))
            },
            &["revokeIngress"],
        ),
        (
            "ssh-ingress, all ports from another group",
            ssh_ingress::judge,
            |f| f.model.security_groups[0].ingress.push(rule(PortRange::ALL, Peer::Group("sg-elsewhere".into()))),
            &["revokeIngress"],
        ),
        ("tags", tags::judge, |f| f.tagging[0].value = None, &["tagWithCluster"]),
        ("endpoint-access", endpoint_access::judge, |f| f.facts.endpoint_public = true, &["endpointAccess"]),
        (
            "network-acl, no bastion",
            network_acl::judge,
            |f| f.bastion_subnets.clear(),
            &["makeBastionSubnet", "guardNodeSubnet"],
        ),
        (
            "network-acl, 22 open",
            network_acl::judge,
            |f| f.model.network_acls[0].entries.retain(|e| e.number > 2),
            &["guardNodeSubnet"],
        ),
    ];
    let options = Options::default();
    for (case, judge, edit, expected) in cases {
        let clean = judge(&hardened(), &options);
        assert_eq!(
            kinds(&clean),
            Vec::<String>::new(),
            "{case}: a hardened cluster needs nothing: {:?}",
            clean.current
        );
        let mut found = hardened();
        edit(&mut found);
        let judged = judge(&found, &options);
        assert_eq!(kinds(&judged), expected, "{case}: {:?}", judged.current);
    }
}

#[test]
fn a_tag_for_another_cluster_and_ssh_from_the_bastion_are_left_alone() {
    let options = Options::default();
    let mut found = hardened();
    found.tagging[0].value = Some("other".into());
    let judged = tags::judge(&found, &options);
    assert!(judged.changes.is_empty() && judged.current[0].contains("left alone"), "{:?}", judged.current);
    let judged = ssh_ingress::judge(&hardened(), &options);
    assert!(judged.changes.is_empty(), "the bastion's group may reach 22: {:?}", judged.current);
}

#[test]
fn the_endpoint_may_stay_public_to_the_blocks_asked_for() {
    let mut found = hardened();
    found.facts.endpoint_public = true;
    found.facts.public_access_cidrs = vec!["203.0.113.0/24".parse().unwrap()];
    let asked = Options { public_cidrs: vec!["203.0.113.0/24".into()], ..Options::default() };
    assert!(endpoint_access::judge(&found, &asked).changes.is_empty());
    let other = Options { public_cidrs: vec!["198.51.100.0/24".into()], ..Options::default() };
    assert_eq!(kinds(&endpoint_access::judge(&found, &other)), ["endpointAccess"]);
}

#[test]
fn the_cluster_group_is_closed_when_asked_and_kept_closed_once_it_was() {
    let all = |peer: Peer| SgRule { protocol: RuleProtocol::All, ports: PortRange::ALL, peer, description: None };
    let mut found = hardened();
    found.model.security_groups.push(SecurityGroup {
        id: "sg-cluster".into(),
        name: "eks-cluster-sg-c".into(),
        ingress: vec![all(Peer::Group("sg-cluster".into()))],
        egress: vec![all(Peer::Cidr("0.0.0.0/0".parse().unwrap()))],
    });
    found.facts.cluster_security_group = Some(ClusterGroupFact { id: "sg-cluster".into(), closed_down: false });
    let asked = Options { close_cluster_security_group: true, ..Options::default() };
    assert_eq!(kinds(&cluster_security_group::judge(&found, &Options::default())), Vec::<String>::new(), "opt-in");
    assert_eq!(kinds(&cluster_security_group::judge(&found, &asked)), ["closeClusterGroup"]);
    // Once closed (tagged), an all-traffic rule is drift to close again, asked or not.
    found.facts.cluster_security_group = Some(ClusterGroupFact { id: "sg-cluster".into(), closed_down: true });
    assert_eq!(kinds(&cluster_security_group::judge(&found, &Options::default())), ["closeClusterGroup"]);
    let group = found.model.security_groups.iter_mut().find(|g| g.id == "sg-cluster").unwrap();
    Closing::of(group).apply(group);
    assert_eq!(kinds(&cluster_security_group::judge(&found, &Options::default())), Vec::<String>::new());
}
