//! The picture of a cluster's network: security groups and what lies outside the VPC as
//! nodes, their rules as edges labelled with protocol and ports, the roles that carry the
//! groups (control plane, node groups, bastion, load balancer, stores) inside the subnets
//! they sit in with their network ACL; the rules behind a finding marked. Drawn from a
//! deployed cluster (discovery and the report) or from a spec (what `create` would make),
//! and written as DOT, Mermaid or SVG.

mod deployed;
mod dot;
mod mermaid;
mod planned;
mod svg;

pub use deployed::from_discovery;
pub use dot::dot;
pub use mermaid::mermaid;
pub use planned::from_spec;
pub use svg::svg;

/// A picture: nodes, edges, and the subnets that hold some of the nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picture {
    /// What it shows (`cluster prod-a`).
    pub title: String,
    /// Every node.
    pub nodes: Vec<Node>,
    /// Every edge.
    pub edges: Vec<Edge>,
    /// The subnets (or tiers of subnets), each with its ACL and the nodes in it.
    pub subnets: Vec<Subnet>,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A security group.
    Group,
    /// A role of the flow policy that carries groups (control plane, node group, bastion, ...).
    Role,
    /// Something outside the VPC's groups: an address block (the internet), a prefix list.
    Outside,
}

/// One node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// A key unique in the picture, made of letters, digits and `_`.
    pub key: String,
    /// What it shows.
    pub label: String,
    /// What it stands for.
    pub kind: NodeKind,
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// An inbound rule of the destination's group.
    Inbound,
    /// An outbound rule of the source's group.
    Outbound,
    /// A role carries a group.
    Carries,
}

/// One edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The key of the node it leaves.
    pub from: String,
    /// The key of the node it reaches.
    pub to: String,
    /// Protocol and ports (`tcp 443`), or nothing for [`EdgeKind::Carries`].
    pub label: String,
    /// What it stands for.
    pub kind: EdgeKind,
    /// Whether a finding rests on it.
    pub marked: bool,
}

/// A subnet, or a tier of alike subnets, with its ACL and the nodes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    /// A key unique in the picture.
    pub key: String,
    /// What it shows: the subnet and its ACL.
    pub label: String,
    /// The keys of the nodes in it.
    pub nodes: Vec<String>,
}

impl Picture {
    /// Adds a node unless one with `key` exists; returns the key.
    fn node(&mut self, key: &str, label: &str, kind: NodeKind) -> String {
        let key = key_of(key);
        if !self.nodes.iter().any(|n| n.key == key) {
            self.nodes.push(Node { key: key.clone(), label: label.to_owned(), kind });
        }
        key
    }

    /// Adds an edge unless the same one exists; a marked one marks the one that exists.
    fn edge(&mut self, edge: Edge) {
        let same =
            |e: &&mut Edge| e.from == edge.from && e.to == edge.to && e.label == edge.label && e.kind == edge.kind;
        match self.edges.iter_mut().find(same) {
            Some(existing) => existing.marked |= edge.marked,
            None => self.edges.push(edge),
        }
    }

    /// Puts node `node` in the subnet `key` (made with `label` if new), unless it is in one.
    fn place(&mut self, key: &str, label: &str, node: &str) {
        if self.subnets.iter().any(|s| s.nodes.iter().any(|n| n == node)) {
            return;
        }
        let key = key_of(key);
        match self.subnets.iter_mut().find(|s| s.key == key) {
            Some(subnet) => subnet.nodes.push(node.to_owned()),
            None => self.subnets.push(Subnet { key, label: label.to_owned(), nodes: vec![node.to_owned()] }),
        }
    }
}

/// `text` as a key: letters and digits kept, anything else `_`, never starting with a digit.
fn key_of(text: &str) -> String {
    let key: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n_{key}")
    } else {
        key
    }
}

/// The label of a block: `the internet` for the whole of either family.
fn block_label(block: &str) -> String {
    match block {
        "0.0.0.0/0" | "::/0" => format!("the internet ({block})"),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_and_edges_and_places_are_made_once() {
        assert_eq!(key_of("sg-0abc"), "sg_0abc");
        assert_eq!(key_of("0.0.0.0/0"), "n_0_0_0_0_0");
        let mut picture = Picture::default();
        let a = picture.node("sg-a", "a", NodeKind::Group);
        let b = picture.node("sg-b", "b", NodeKind::Group);
        picture.node("sg-a", "a again", NodeKind::Group);
        assert_eq!(picture.nodes.len(), 2);
        let edge =
            |marked| Edge { from: a.clone(), to: b.clone(), label: "tcp 22".into(), kind: EdgeKind::Inbound, marked };
        picture.edge(edge(false));
        picture.edge(edge(true));
        assert_eq!(picture.edges, [edge(true)], "the same rule once, marked if either was");
        picture.place("subnet-1", "subnet 1", &a);
        picture.place("subnet-2", "subnet 2", &a);
        assert_eq!(picture.subnets.len(), 1, "a node sits in one subnet");
    }
}
