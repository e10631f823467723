//! The flow policy of the sources: which flows a cluster needs and which it must not have.
//!
//! Required: nodes to the API on 443 and control plane to the kubelet on 10250 (AWS-EKS-SG,
//! minimum; 443 and 1025-65535 with the recommended profile), node to node (all
//! ports but 22),
//! nodes to the registries and AWS APIs (AWS-EKS-SG's footnote), load balancer to the app
//! ports, apps to the database and cache (EKS-SG-ROLES), bastion to the API and to nodes on 22
//! (EKS-SG-ROLES, STACKROX-EKS). Forbidden: the internet to nodes, databases and caches; anything but the
//! bastion to nodes on 22, blocked by security groups and the node-subnet ACL each on their
//! own (STACKROX-EKS); pods to nodes on 22, which only network policies can stop (STACKROX-EKS);
//! control plane to node ports below 1024 other than 443 (AWS-EKS-SG); the public API
//! endpoint open to the internet (STACKROX-EKS).

use serde::Serialize;

use crate::ports::{PortRange, Protocol};
use crate::topology::{NodePurpose, PodInterfaces, RoleKind, Topology};
use crate::verdict::Layer;

/// The profile of control-plane and node rules (AWS-EKS-SG's minimum or recommended).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Profile {
    /// AWS-EKS-SG minimum: 10250 from the control plane.
    Minimum,
    /// AWS-EKS-SG recommended: 443 and 1025-65535 from the control plane.
    Recommended,
}

/// What the policy needs to know beyond the model; a spec gives it, a discovered cluster
/// gets the defaults of [`PolicyInput::discovered`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    /// The control-plane profile to require.
    pub profile: Profile,
    /// The ports load balancers forward to on app nodes.
    pub app_ports: Vec<u16>,
    /// The database port.
    pub database_port: Option<u16>,
    /// The cache port.
    pub cache_port: Option<u16>,
    /// The AWS services nodes must reach on 443.
    pub services: Vec<String>,
    /// Whether the node-subnet ACL must block SSH on its own (STACKROX-EKS).
    pub ssh_acl: bool,
    /// The ports that reach nodes only from the bastion: 22, and the other "sensitive ports
    /// like ssh" (STACKROX-EKS) the spec guards.
    pub guarded_ports: Vec<u16>,
    /// The node groups the spec names, each of which must be found (none when discovered).
    pub node_groups: Vec<String>,
    /// Which ports nodes must reach on each other.
    pub node_ports: NodePorts,
    /// Whether the spec asks for the cluster security group closed down.
    pub closed_cluster_group: bool,
}

/// Which ports nodes must reach on each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodePorts {
    /// Every port but SSH: AWS-EKS-SG's minimum ("any ports you expect your nodes to use"),
    /// which eksharden's own node groups open.
    AllButSsh,
    /// What a cluster cannot work without: DNS (53 over TCP and UDP) and 1025-65535 (replies,
    /// pod and service ports). The other ports are advised, not required: a narrower
    /// node-to-node rule is the owner's choice, and the safer one (terraform-aws-eks opens
    /// only these). Likewise the control plane's reach to node ports below 1024 (but 443)
    /// is discouraged, not forbidden: EKS's own cluster security group admits it.
    Essential,
}

impl PolicyInput {
    /// The services every node needs: the EKS, ECR and S3 APIs (AWS-EKS-SG's footnote) and STS
    /// (IAM roles for service accounts).
    pub fn default_services() -> Vec<String> {
        ["eks", "ecr.api", "ecr.dkr", "s3", "sts"].into_iter().map(str::to_owned).collect()
    }

    /// For a cluster known only from AWS: the minimum profile, the default services, the
    /// node-subnet ACL of STACKROX-EKS guarding `guarded_ports`, and no app, database or cache
    /// ports (they need a spec).
    pub fn discovered(guarded_ports: &[u16]) -> Self {
        Self {
            profile: Profile::Minimum,
            app_ports: Vec::new(),
            database_port: None,
            cache_port: None,
            services: Self::default_services(),
            ssh_acl: true,
            guarded_ports: guarded_ports.to_vec(),
            node_groups: Vec::new(),
            node_ports: NodePorts::Essential,
            closed_cluster_group: false,
        }
    }
}

/// What must hold for a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "layers")]
pub enum Expectation {
    /// Every port must be allowed.
    Allowed,
    /// Every port should be allowed; a port that is not is a warning, for the reason given.
    Advised(&'static str),
    /// No port may be allowed.
    Blocked,
    /// No port should be allowed; an allowed port is a warning, for the reason given.
    Discouraged(&'static str),
    /// No port may be allowed, and each listed layer must block on its own where it applies.
    BlockedAtEachLayer(Vec<Layer>),
    /// Only network policies can block it; the VPC layer is reported, not judged.
    BlockedByNetworkPolicy,
}

/// Where a required or forbidden flow goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// A role of the topology, by index.
    Role(usize),
    /// An AWS service.
    Service(String),
}

/// One line of the flow policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// A stable id (`nodes-to-api`), the same for every role pair it covers.
    pub id: &'static str,
    /// The source it comes from: an id of `docs/sources.md`, then the table, row or section.
    pub citation: &'static str,
    /// The source role, by index.
    pub source: usize,
    /// The destination.
    pub destination: Target,
    /// The protocol.
    pub protocol: Protocol,
    /// The ports.
    pub ports: PortRange,
    /// What must hold.
    pub expectation: Expectation,
}

/// The requirements for every role the topology has.
pub fn requirements(topology: &Topology, input: &PolicyInput) -> Vec<Requirement> {
    let mut out = Vec::new();
    let roles = |wanted: fn(&RoleKind) -> bool| -> Vec<usize> {
        topology.roles.iter().enumerate().filter(|(_, r)| wanted(&r.kind)).map(|(i, _)| i).collect()
    };
    let nodes = roles(|k| matches!(k, RoleKind::NodeGroup { .. }));
    let apps = roles(|k| matches!(k, RoleKind::NodeGroup { purpose: Some(NodePurpose::App) }));
    let control_plane = roles(|k| *k == RoleKind::ControlPlane);
    let bastion = roles(|k| *k == RoleKind::Bastion);
    let internet = roles(|k| *k == RoleKind::Internet);
    let outsiders = roles(|k| matches!(k, RoleKind::Internet | RoleKind::ListedNetworks));
    let other_hosts = roles(|k| *k == RoleKind::OtherHost);
    let api = roles(|k| *k == RoleKind::PublicApi);
    let stores = [
        (roles(|k| *k == RoleKind::Database), input.database_port),
        (roles(|k| *k == RoleKind::Cache), input.cache_port),
    ];
    let load_balancers = roles(|k| *k == RoleKind::LoadBalancer);
    let pods = roles(|k| matches!(k, RoleKind::Pods { .. }));
    // In custom networking no pod but the host network's shares its node's interface.
    // Pods with branch interfaces sit in the node subnets, whose ACL may keep the guarded
    // ports to the bastion: pods are not required to reach each other there.
    let pod_ports = if input.ssh_acl { PortRange::all_but(&input.guarded_ports) } else { vec![PortRange::ALL] };
    let pods_share_nodes =
        !topology.roles.iter().any(|r| r.kind == RoleKind::Pods { interfaces: PodInterfaces::PodSubnets });

    // DNS between nodes over UDP, where only the essential node ports are required.
    let mut dns_over_udp = Vec::new();
    let mut add = |id, citation, source: usize, destination: Target, ports: PortRange, expectation: Expectation| {
        out.push(Requirement { id, citation, source, destination, protocol: Protocol::Tcp, ports, expectation });
    };
    use Expectation::*;
    let tcp = PortRange::single;
    for &n in &nodes {
        for &cp in &control_plane {
            add(
                "nodes-to-api",
                "AWS-EKS-SG node minimum outbound TCP 443 to the control plane",
                n,
                Target::Role(cp),
                tcp(443),
                Allowed,
            );
            add(
                "control-plane-to-kubelet",
                "AWS-EKS-SG control plane minimum outbound TCP 10250 to nodes",
                cp,
                Target::Role(n),
                tcp(10250),
                Allowed,
            );
            if input.profile == Profile::Recommended {
                add(
                    "control-plane-to-webhooks",
                    "AWS-EKS-SG recommended: TCP 443 from the control plane",
                    cp,
                    Target::Role(n),
                    tcp(443),
                    Allowed,
                );
                add(
                    "control-plane-to-node-ports",
                    "AWS-EKS-SG recommended: TCP 1025-65535 from the control plane",
                    cp,
                    Target::Role(n),
                    PortRange::new(1025, 65535),
                    Allowed,
                );
            }
            // A cluster judged by what it needs runs, as EKS makes every cluster, with the
            // cluster security group that admits all traffic between the control plane and
            // the nodes: narrowing it is advised, as the guide's minimum does.
            let privileged = match input.node_ports {
                NodePorts::AllButSsh => Blocked,
                NodePorts::Essential => Discouraged(
                    "EKS's cluster security group admits all traffic between the control plane and the nodes; the guide's minimum narrows it to 443 and 1025-65535",
                ),
            };
            for ports in [PortRange::new(0, 442), PortRange::new(444, 1023)] {
                add(
                    "control-plane-no-privileged-ports",
                    "AWS-EKS-SG: no control-plane traffic to node ports below 1024 but 443",
                    cp,
                    Target::Role(n),
                    ports,
                    privileged.clone(),
                );
            }
        }
        for &m in &nodes {
            // All but SSH, which STACKROX-EKS keeps to the bastion (and which the node ACL denies).
            let citation = "AWS-EKS-SG node minimum inbound from other nodes: all (but 22, STACKROX-EKS)";
            let (required, advised) = match input.node_ports {
                NodePorts::AllButSsh => (vec![PortRange::new(0, 21), PortRange::new(23, 65535)], vec![]),
                NodePorts::Essential => (
                    vec![tcp(53), PortRange::new(1025, 65535)],
                    vec![PortRange::new(0, 21), PortRange::new(23, 52), PortRange::new(54, 1024)],
                ),
            };
            for ports in required {
                add("node-to-node", citation, n, Target::Role(m), ports, Allowed);
            }
            if input.node_ports == NodePorts::Essential {
                dns_over_udp.push((n, m));
            }
            for ports in advised {
                let why = "the guide asks for every port nodes use; a narrower rule is a choice, and the safer one";
                add("node-to-node-other-ports", citation, n, Target::Role(m), ports, Advised(why));
            }
            if pods_share_nodes {
                add(
                    "pods-no-ssh-to-nodes",
                    "STACKROX-EKS: pods share the node's ENI; only a network policy stops pod SSH to nodes",
                    n,
                    Target::Role(m),
                    tcp(22),
                    BlockedByNetworkPolicy,
                );
            }
        }
        for &p in &pods {
            for &ports in &pod_ports {
                add(
                    "nodes-to-pods",
                    "AWS-EKS-SGP: nodes reach their pods (kubelet probes, node ports forwarded to pods), but on the ports the node-subnet ACL keeps to the bastion",
                    n,
                    Target::Role(p),
                    ports,
                    Allowed,
                );
            }
            add(
                "pods-to-kubelet",
                "AWS-EKS-SGP: pods reach the kubelet (metrics-server)",
                p,
                Target::Role(n),
                tcp(10250),
                Allowed,
            );
            add(
                "pods-no-ssh-to-nodes",
                "STACKROX-EKS: pods on interfaces of their own: the nodes' security groups and ACL keep them from 22, else only a network policy",
                p,
                Target::Role(n),
                tcp(22),
                BlockedByNetworkPolicy,
            );
        }
        for service in &input.services {
            add(
                "nodes-to-aws-apis",
                "AWS-EKS-SG footnote: nodes reach the EKS, ECR and S3 APIs (NAT or VPC endpoints)",
                n,
                Target::Service(service.clone()),
                tcp(443),
                Allowed,
            );
        }
        for &o in &outsiders {
            add(
                "no-internet-to-nodes",
                "STACKROX-EKS: nothing on the internet reaches nodes",
                o,
                Target::Role(n),
                PortRange::ALL,
                Blocked,
            );
        }
        for &b in &bastion {
            add(
                "bastion-to-nodes-ssh",
                "STACKROX-EKS: SSH to nodes from the bastion",
                b,
                Target::Role(n),
                tcp(22),
                Allowed,
            );
        }
        for &h in &other_hosts {
            let layers =
                if input.ssh_acl { vec![Layer::SecurityGroup, Layer::NetworkAcl] } else { vec![Layer::SecurityGroup] };
            add(
                "ssh-to-nodes-only-from-bastion",
                "STACKROX-EKS: port 22 to nodes only from the bastion (security group and node-subnet ACL)",
                h,
                Target::Role(n),
                tcp(22),
                BlockedAtEachLayer(layers.clone()),
            );
            for &port in input.guarded_ports.iter().filter(|&&p| p != 22) {
                // A stateless ACL cannot deny a port of the ephemeral range inbound without
                // dropping replies: such a port is the security groups' alone.
                let layers = if port < PortRange::EPHEMERAL.from { layers.clone() } else { vec![Layer::SecurityGroup] };
                add(
                    "sensitive-ports-only-from-bastion",
                    "STACKROX-EKS: sensitive ports like ssh to nodes only from the bastion (security groups; the node-subnet ACL too below port 1024)",
                    h,
                    Target::Role(n),
                    tcp(port),
                    BlockedAtEachLayer(layers),
                );
            }
        }
    }
    for &p in &pods {
        for &cp in &control_plane {
            add(
                "pods-to-api",
                "AWS-EKS-SG control plane inbound TCP 443, from pods",
                p,
                Target::Role(cp),
                tcp(443),
                Allowed,
            );
        }
        for &ports in &pod_ports {
            let citation =
                "AWS-EKS-CUSTOM-NET: pods reach each other, but on the ports the node-subnet ACL keeps to the bastion";
            add("pods-to-pods", citation, p, Target::Role(p), ports, Allowed);
        }
        for &o in &outsiders {
            add(
                "no-internet-to-pods",
                "STACKROX-EKS: nothing on the internet reaches pods",
                o,
                Target::Role(p),
                PortRange::ALL,
                Blocked,
            );
        }
    }
    for &b in &bastion {
        for &cp in &control_plane {
            add(
                "bastion-to-api",
                "EKS-SG-ROLES Bastion Instance Security Group - APIServer",
                b,
                Target::Role(cp),
                tcp(443),
                Allowed,
            );
        }
    }
    for &lb in &load_balancers {
        for &app in &apps {
            for &port in &input.app_ports {
                add(
                    "load-balancer-to-app",
                    "EKS-SG-ROLES Elastic Load Balancer Security Group - Application Service",
                    lb,
                    Target::Role(app),
                    tcp(port),
                    Allowed,
                );
            }
        }
    }
    for (store_roles, port) in &stores {
        for &store in store_roles {
            if let Some(port) = port {
                for &app in &apps {
                    add(
                        "app-to-store",
                        "EKS-SG-ROLES Nodegroup App Security Group - Database / Cache",
                        app,
                        Target::Role(store),
                        tcp(*port),
                        Allowed,
                    );
                }
            }
            for &o in &outsiders {
                add(
                    "no-internet-to-stores",
                    "EKS-SG-ROLES: databases and caches admit only the app nodes",
                    o,
                    Target::Role(store),
                    PortRange::ALL,
                    Blocked,
                );
            }
        }
    }
    for &i in &internet {
        for &a in &api {
            add(
                "api-not-open-to-internet",
                "STACKROX-EKS: public endpoint off or limited to listed blocks, never 0.0.0.0/0",
                i,
                Target::Role(a),
                tcp(443),
                Blocked,
            );
        }
    }
    for (n, m) in dns_over_udp {
        out.push(Requirement {
            id: "node-to-node",
            citation: "AWS-EKS-SG node minimum inbound from other nodes: DNS",
            source: n,
            destination: Target::Role(m),
            protocol: Protocol::Udp,
            ports: PortRange::single(53),
            expectation: Expectation::Allowed,
        });
    }
    out
}
