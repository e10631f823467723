//! The security-group rules, as data, from the tables of the sources (`docs/sources.md`).
//!
//! Each rule names the source row it implements. The groups are the EKS-SG-ROLES set; which
//! control-plane and node rules exist depends on the profile of AWS-EKS-SG and EKS-SG-ROLES.
//!
//! One deliberate difference: EKS-SG-ROLES writes the controllers' range as 1024-65535, the
//! EKS guide (AWS-EKS-SG) as 1025-65535. eksharden follows the guide.

use eksharden_spec::model::{ClusterSpec, IpFamily, SecurityGroupProfile};
use eksharden_spec::values::Cidr;

/// A security group eksharden creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// The additional cluster security group: EKS-SG-ROLES's "Additional Cluster Security
    /// Group", the "control plane security group" of AWS-EKS-SG.
    ControlPlane,
    /// EKS-SG-ROLES's "Nodegroup General Security Group", on every node.
    NodeGeneral,
    /// EKS-SG-ROLES's "Nodegroup Add-on Security Group".
    Addon,
    /// EKS-SG-ROLES's "Nodegroup App Security Group".
    App,
    /// EKS-SG-ROLES's "VPC Endpoint Security Group" (created in the network stack).
    VpcEndpoint,
    /// EKS-SG-ROLES's "Elastic Load Balancer Security Group".
    LoadBalancer,
    /// EKS-SG-ROLES's "Database Security Group".
    Database,
    /// EKS-SG-ROLES's "Cache Security Group".
    Cache,
    /// EKS-SG-ROLES's "Bastion Instance Security Group".
    Bastion,
    /// The pods' own group, when pods are apart from the nodes' interfaces (custom
    /// networking's ENIConfigs, security groups for pods' SecurityGroupPolicies).
    Pods,
}

impl Group {
    /// The CloudFormation logical id of the group.
    pub fn logical_id(self) -> &'static str {
        match self {
            Self::ControlPlane => "ControlPlaneSecurityGroup",
            Self::NodeGeneral => "NodeGeneralSecurityGroup",
            Self::Addon => "AddonSecurityGroup",
            Self::App => "AppSecurityGroup",
            Self::VpcEndpoint => "VpcEndpointSecurityGroup",
            Self::LoadBalancer => "LoadBalancerSecurityGroup",
            Self::Database => "DatabaseSecurityGroup",
            Self::Cache => "CacheSecurityGroup",
            Self::Bastion => "BastionSecurityGroup",
            Self::Pods => "PodsSecurityGroup",
        }
    }

    /// The value of the role tag on the group (`stacks::ROLE_TAG`).
    pub fn role(self) -> &'static str {
        match self {
            Self::ControlPlane => "control-plane",
            Self::NodeGeneral => "node-general",
            Self::Addon => "node-addon",
            Self::App => "node-app",
            Self::VpcEndpoint => "vpc-endpoint",
            Self::LoadBalancer => "load-balancer",
            Self::Database => "database",
            Self::Cache => "cache",
            Self::Bastion => "bastion",
            Self::Pods => "pods",
        }
    }

    /// A short human name, used in rule descriptions and reports.
    pub fn title(self) -> &'static str {
        match self {
            Self::ControlPlane => "control plane (additional cluster SG)",
            Self::NodeGeneral => "node group general",
            Self::Addon => "node group add-on",
            Self::App => "node group app",
            Self::VpcEndpoint => "VPC endpoint",
            Self::LoadBalancer => "load balancer",
            Self::Database => "database",
            Self::Cache => "cache",
            Self::Bastion => "bastion",
            Self::Pods => "pods",
        }
    }
}

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Inbound: the peer is the source.
    Ingress,
    /// Outbound: the peer is the destination.
    Egress,
}

/// The protocol of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP on a port range.
    Tcp,
    /// UDP on a port range.
    Udp,
    /// Every protocol and port (`-1`).
    All,
}

impl Protocol {
    /// The protocol as EC2 and CloudFormation write it (`tcp`, `udp`, `-1`).
    pub fn ip_protocol(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::All => "-1",
        }
    }
}

/// The other side of a rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// Members of a group.
    Group(Group),
    /// An address block.
    Cidr(Cidr),
    /// An IPv6 address block.
    Cidr6(ipnet::Ipv6Net),
    /// A managed prefix list, by id.
    PrefixList(String),
}

/// A port range, inclusive; `All` rules cover 0-65535.
pub type Ports = (u16, u16);

/// The whole port range.
pub const ALL_PORTS: Ports = (0, 65535);

/// One security-group rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The group the rule belongs to.
    pub group: Group,
    /// Inbound or outbound.
    pub direction: Direction,
    /// TCP, UDP or all.
    pub protocol: Protocol,
    /// The ports, inclusive.
    pub ports: Ports,
    /// The source (ingress) or destination (egress).
    pub peer: Peer,
    /// The rule's description, naming the source row it implements.
    pub description: String,
}

/// Which groups a spec creates, in a stable order.
pub fn groups(spec: &ClusterSpec) -> Vec<Group> {
    let sg = &spec.security_groups;
    let optional = [
        (Group::App, sg.app.is_some()),
        (Group::VpcEndpoint, has_interface_endpoints(spec)),
        (Group::LoadBalancer, sg.load_balancer.is_some()),
        (Group::Database, sg.database.is_some()),
        (Group::Cache, sg.cache.is_some()),
        (Group::Bastion, spec.vpc.bastion.is_some()),
        (Group::Pods, spec.pod_networking.separates_pods()),
    ];
    [Group::ControlPlane, Group::NodeGeneral, Group::Addon]
        .into_iter()
        .chain(optional.into_iter().filter(|(_, on)| *on).map(|(g, _)| g))
        .collect()
}

/// Whether the spec asks for any interface endpoint, which needs the endpoint group.
pub fn has_interface_endpoints(spec: &ClusterSpec) -> bool {
    spec.vpc_endpoints().iter().any(|e| !e.is_gateway())
}

/// Every rule of every group the spec creates.
pub fn rules(spec: &ClusterSpec) -> Vec<Rule> {
    let present = groups(spec);
    let mut out = RuleSet { rules: Vec::new() };
    control_plane_and_nodes(spec, &mut out);
    role_groups(spec, &present, &mut out);
    if present.contains(&Pods) {
        pods(spec, &present, &mut out);
    }
    out.rules
}

struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    fn tcp(&mut self, group: Group, direction: Direction, ports: Ports, peer: Peer, description: impl Into<String>) {
        self.rules.push(Rule {
            group,
            direction,
            protocol: Protocol::Tcp,
            ports,
            peer,
            description: description.into(),
        });
    }

    /// Both ends of a flow between two of eksharden's groups: `from`'s outbound rule and
    /// `to`'s inbound one.
    fn both(&mut self, protocol: Protocol, ports: Ports, from: Group, to: Group, description: &str) {
        for (group, direction, peer) in [(from, Egress, to), (to, Ingress, from)] {
            self.rules.push(Rule {
                group,
                direction,
                protocol,
                ports,
                peer: Peer::Group(peer),
                description: description.to_owned(),
            });
        }
    }

    fn all(&mut self, group: Group, direction: Direction, peer: Peer, description: impl Into<String>) {
        self.rules.push(Rule {
            group,
            direction,
            protocol: Protocol::All,
            ports: ALL_PORTS,
            peer,
            description: description.into(),
        });
    }
}

use Direction::{Egress, Ingress};
use Group::*;

fn control_plane_and_nodes(spec: &ClusterSpec, out: &mut RuleSet) {
    let recommended = spec.security_groups.profile == SecurityGroupProfile::Recommended;
    const NODES: Peer = Peer::Group(NodeGeneral);
    const CONTROL_PLANE: Peer = Peer::Group(ControlPlane);

    out.tcp(
        ControlPlane,
        Ingress,
        (443, 443),
        NODES,
        "AWS-EKS-SG control plane inbound TCP 443 from all node groups; EKS-SG-ROLES NodeGeneral - APIServer",
    );
    out.tcp(
        ControlPlane,
        Ingress,
        (443, 443),
        CONTROL_PLANE,
        "EKS-SG-ROLES Additional Cluster Security Group (MySelf) - APIServer",
    );
    if spec.endpoint_access.private {
        if spec.vpc.bastion.is_some() {
            out.tcp(ControlPlane, Ingress, (443, 443), Peer::Group(Bastion), "AWS-EKS-SG control plane inbound TCP 443 from API clients when private access is on; EKS-SG-ROLES Bastion - APIServer");
        }
        for cidr in &spec.vpc.vpn_cidrs {
            out.tcp(
                ControlPlane,
                Ingress,
                (443, 443),
                Peer::Cidr(*cidr),
                "AWS-EKS-SG control plane inbound TCP 443 from API clients when private access is on (VPN)",
            );
        }
    }
    if recommended {
        out.tcp(
            ControlPlane,
            Egress,
            (443, 443),
            NODES,
            "AWS-EKS-SG recommended: node inbound TCP 443 from the control plane (webhooks)",
        );
        out.tcp(
            ControlPlane,
            Egress,
            (1025, 65535),
            NODES,
            "AWS-EKS-SG control plane recommended outbound TCP 1025-65535 to all node groups; EKS-SG-ROLES Controllers",
        );
    } else {
        out.tcp(
            ControlPlane,
            Egress,
            (10250, 10250),
            NODES,
            "AWS-EKS-SG control plane minimum outbound TCP 10250 to all node groups",
        );
    }

    out.all(
        NodeGeneral,
        Ingress,
        NODES,
        "AWS-EKS-SG node minimum inbound from other nodes; EKS-SG-ROLES NodeGeneral (MySelf) - ALL",
    );
    if recommended {
        out.tcp(
            NodeGeneral,
            Ingress,
            (443, 443),
            CONTROL_PLANE,
            "AWS-EKS-SG node recommended inbound TCP 443 from the control plane",
        );
        out.tcp(
            NodeGeneral,
            Ingress,
            (1025, 65535),
            CONTROL_PLANE,
            "AWS-EKS-SG node recommended inbound TCP 1025-65535 from the control plane; EKS-SG-ROLES Controllers",
        );
    } else {
        out.tcp(
            NodeGeneral,
            Ingress,
            (10250, 10250),
            CONTROL_PLANE,
            "AWS-EKS-SG node minimum inbound TCP 10250 from the control plane",
        );
    }
    if spec.vpc.bastion.is_some() {
        out.tcp(
            NodeGeneral,
            Ingress,
            (22, 22),
            Peer::Group(Bastion),
            "STACKROX-EKS SSH to nodes only from the bastion",
        );
    }
    out.all(NodeGeneral, Egress, NODES, "EKS-SG-ROLES NodeGeneral (MySelf) - ALL");
    out.tcp(
        NodeGeneral,
        Egress,
        (443, 443),
        CONTROL_PLANE,
        "AWS-EKS-SG node minimum outbound TCP 443 to the control plane",
    );
    // In an IPv6 cluster the same way out holds for IPv6 (::/0, through the egress-only
    // internet gateway).
    let mut internet = vec![(
        Peer::Cidr(anywhere()),
        "AWS-EKS-SG node recommended outbound all to 0.0.0.0/0; EKS-SG-ROLES Images & AWS APIs - HTTP and HTTPS",
    )];
    if spec.vpc.ip_family == IpFamily::Ipv6 {
        let all = "AWS-EKS-SG node recommended outbound all to 0.0.0.0/0 (and ::/0 in an IPv6 cluster); EKS-SG-ROLES Images & AWS APIs - HTTP and HTTPS";
        internet.push((Peer::Cidr6(ipnet::Ipv6Net::default()), all));
    }
    for (peer, all) in internet {
        if recommended {
            out.all(NodeGeneral, Egress, peer, all);
        } else {
            out.tcp(
                NodeGeneral,
                Egress,
                (443, 443),
                peer,
                "EKS-SG-ROLES Images & AWS APIs - HTTPS (AWS-EKS-SG footnote: EKS, ECR and S3 APIs)",
            );
        }
    }
}

fn role_groups(spec: &ClusterSpec, present: &[Group], out: &mut RuleSet) {
    let sg = &spec.security_groups;
    if present.contains(&VpcEndpoint) {
        out.tcp(
            VpcEndpoint,
            Ingress,
            (443, 443),
            Peer::Group(Addon),
            "EKS-SG-ROLES Nodegroup Add-on Security Group - AWS APIs",
        );
        out.tcp(
            VpcEndpoint,
            Ingress,
            (443, 443),
            Peer::Group(NodeGeneral),
            "eksharden: every node pulls images through the endpoints (AWS-EKS-SG footnote)",
        );
        if present.contains(&App) {
            out.tcp(
                VpcEndpoint,
                Ingress,
                (443, 443),
                Peer::Group(App),
                "EKS-SG-ROLES Nodegroup App Security Group - AWS APIs",
            );
        }
        if present.contains(&Bastion) {
            out.tcp(
                VpcEndpoint,
                Ingress,
                (443, 443),
                Peer::Group(Bastion),
                "EKS-SG-ROLES Bastion Instance Security Group - AWS APIs",
            );
        }
    }
    if let (Some(app), Some(lb)) = (&sg.app, &sg.load_balancer) {
        for port in &app.service_ports {
            let ports = (port.get(), port.get());
            out.tcp(
                App,
                Ingress,
                ports,
                Peer::Group(LoadBalancer),
                "EKS-SG-ROLES Elastic Load Balancer Security Group - Application Service",
            );
            out.tcp(
                LoadBalancer,
                Egress,
                ports,
                Peer::Group(App),
                "EKS-SG-ROLES Nodegroup App Security Group - Application Service",
            );
        }
        for port in &lb.listener_ports {
            for cidr in &lb.from {
                out.tcp(
                    LoadBalancer,
                    Ingress,
                    (port.get(), port.get()),
                    Peer::Cidr(*cidr),
                    "EKS-SG-ROLES load balancer listener - From Internet",
                );
            }
            for list in &lb.from_prefix_lists {
                out.tcp(
                    LoadBalancer,
                    Ingress,
                    (port.get(), port.get()),
                    Peer::PrefixList(list.clone()),
                    "EKS-SG-ROLES load balancer listener - From CloudFront Only",
                );
            }
        }
    }
    if present.contains(&App) {
        if let Some(db) = &sg.database {
            let ports = (db.port.get(), db.port.get());
            out.tcp(App, Egress, ports, Peer::Group(Database), "EKS-SG-ROLES Database Security Group - Database");
            out.tcp(Database, Ingress, ports, Peer::Group(App), "EKS-SG-ROLES Nodegroup App Security Group - Database");
        }
        if let Some(cache) = &sg.cache {
            let ports = (cache.port.get(), cache.port.get());
            out.tcp(App, Egress, ports, Peer::Group(Cache), "EKS-SG-ROLES Cache Security Group - Cache");
            out.tcp(Cache, Ingress, ports, Peer::Group(App), "EKS-SG-ROLES Nodegroup App Security Group - Cache");
        }
    }
    if let Some(bastion) = &spec.vpc.bastion {
        for cidr in &bastion.allow_ssh_from {
            out.tcp(
                Bastion,
                Ingress,
                (22, 22),
                Peer::Cidr(*cidr),
                "STACKROX-EKS bastion subnet: SSH from the operator networks",
            );
        }
        out.tcp(
            Bastion,
            Egress,
            (443, 443),
            Peer::Group(ControlPlane),
            "EKS-SG-ROLES Bastion Instance Security Group - APIServer",
        );
        out.tcp(Bastion, Egress, (22, 22), Peer::Group(NodeGeneral), "STACKROX-EKS SSH to nodes only from the bastion");
        if present.contains(&VpcEndpoint) {
            out.tcp(
                Bastion,
                Egress,
                (443, 443),
                Peer::Group(VpcEndpoint),
                "EKS-SG-ROLES Bastion Instance Security Group - AWS APIs",
            );
        }
    }
}

/// The pods' group: what pods need once they are apart from the nodes, and nothing more; in
/// particular no port of the nodes but the kubelet's and DNS, so that the nodes' groups keep
/// pods from 22 (STACKROX-EKS, "Customize the AWS VPC CNI networking configuration").
fn pods(spec: &ClusterSpec, present: &[Group], out: &mut RuleSet) {
    let sg = &spec.security_groups;
    let recommended = sg.profile == SecurityGroupProfile::Recommended;
    out.both(Protocol::All, ALL_PORTS, Pods, Pods, "AWS-EKS-CUSTOM-NET pods reach each other (CoreDNS among them)");
    out.both(
        Protocol::All,
        ALL_PORTS,
        NodeGeneral,
        Pods,
        "AWS-EKS-SGP nodes reach their pods: kubelet probes, and kube-proxy's forwarding of node ports",
    );
    out.both(Protocol::Tcp, (443, 443), Pods, ControlPlane, "AWS-EKS-SG control plane inbound TCP 443, from pods");
    let webhooks: &[Ports] = if recommended { &[(443, 443), (1025, 65535)] } else { &[(443, 443)] };
    for &ports in webhooks {
        out.both(
            Protocol::Tcp,
            ports,
            ControlPlane,
            Pods,
            "AWS-EKS-SG control plane outbound to webhooks and API services, on pods",
        );
    }
    out.both(Protocol::Tcp, (10250, 10250), Pods, NodeGeneral, "AWS-EKS-SGP pods to the kubelet (metrics-server)");
    for protocol in [Protocol::Tcp, Protocol::Udp] {
        out.both(
            protocol,
            (53, 53),
            Pods,
            NodeGeneral,
            "AWS-EKS-SGP pods to DNS on pods that share the node's interface",
        );
    }
    if present.contains(&VpcEndpoint) {
        out.tcp(
            VpcEndpoint,
            Ingress,
            (443, 443),
            Peer::Group(Pods),
            "EKS-SG-ROLES VPC Endpoint Security Group - AWS APIs, from pods",
        );
    }
    if let (Some(app), true) = (&sg.app, present.contains(&LoadBalancer)) {
        for port in &app.service_ports {
            let ports = (port.get(), port.get());
            out.both(
                Protocol::Tcp,
                ports,
                LoadBalancer,
                Pods,
                "EKS-SG-ROLES Elastic Load Balancer Security Group - Application Service, to pods as IP targets",
            );
        }
    }
    let stores = [
        (Database, sg.database.as_ref().map(|d| d.port), "EKS-SG-ROLES Database Security Group - Database, from pods"),
        (Cache, sg.cache.as_ref().map(|c| c.port), "EKS-SG-ROLES Cache Security Group - Cache, from pods"),
    ];
    for (group, port, description) in stores {
        if let (true, Some(port)) = (present.contains(&group), port) {
            out.both(Protocol::Tcp, (port.get(), port.get()), Pods, group, description);
        }
    }
    let internet = std::iter::once(Peer::Cidr(anywhere()));
    let internet =
        internet.chain((spec.vpc.ip_family == IpFamily::Ipv6).then(|| Peer::Cidr6(ipnet::Ipv6Net::default())));
    for peer in internet {
        if recommended {
            out.all(Pods, Egress, peer, "AWS-EKS-SG node recommended outbound all, for pods");
        } else {
            out.tcp(Pods, Egress, (443, 443), peer, "EKS-SG-ROLES Images & AWS APIs - HTTPS, for pods");
        }
    }
}

fn anywhere() -> Cidr {
    "0.0.0.0/0".parse().expect("a valid block")
}
