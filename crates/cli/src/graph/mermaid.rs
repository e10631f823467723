//! The picture as a Mermaid flowchart (rendered by GitHub, GitLab and most wikis): subnets
//! as subgraphs, inbound rules solid, outbound dotted, a role carrying a group a plain line;
//! a rule a finding rests on red and thick.

use std::fmt::Write;

use super::{EdgeKind, NodeKind, Picture};

/// The picture as Mermaid.
pub fn mermaid(picture: &Picture) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "---\ntitle: {}\n---", plain(&picture.title));
    let _ = writeln!(text, "flowchart LR");
    for node in &picture.nodes {
        let label = plain(&node.label).replace('\n', "<br/>");
        let shape = match node.kind {
            NodeKind::Group => format!("[\"{label}\"]"),
            NodeKind::Role => format!("([\"{label}\"])"),
            NodeKind::Outside => format!("{{{{\"{label}\"}}}}"),
        };
        let _ = writeln!(text, "  {}{shape}", node.key);
    }
    for subnet in &picture.subnets {
        let _ = writeln!(text, "  subgraph {}[\"{}\"]", subnet.key, plain(&subnet.label));
        for node in &subnet.nodes {
            let _ = writeln!(text, "    {node}");
        }
        let _ = writeln!(text, "  end");
    }
    let mut marked = Vec::new();
    for (i, edge) in picture.edges.iter().enumerate() {
        let label = plain(&edge.label);
        let arrow = match edge.kind {
            EdgeKind::Inbound => format!("-- \"{label}\" -->"),
            EdgeKind::Outbound => format!("-. \"{label}\" .->"),
            EdgeKind::Carries => "---".to_owned(),
        };
        let _ = writeln!(text, "  {} {arrow} {}", edge.from, edge.to);
        if edge.marked {
            marked.push(i.to_string());
        }
    }
    if !marked.is_empty() {
        let _ = writeln!(text, "  linkStyle {} stroke:red,stroke-width:4px", marked.join(","));
    }
    text
}

/// `text` without the characters Mermaid reads as syntax inside a quoted label.
fn plain(text: &str) -> String {
    text.replace('"', "'").replace(['<', '>'], "")
}
