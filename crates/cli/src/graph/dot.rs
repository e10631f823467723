//! The picture as Graphviz DOT: subnets as clusters, groups as boxes, roles as ellipses,
//! what is outside as hexagons; inbound rules solid, outbound dashed, a role carrying a group
//! dotted; a rule a finding rests on thick and red.

use std::fmt::Write;

use super::{EdgeKind, NodeKind, Picture};

/// The picture as DOT.
pub fn dot(picture: &Picture) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "digraph eksharden {{");
    let _ = writeln!(text, "  graph [label={}, labelloc=t, rankdir=LR, fontname=Helvetica];", quoted(&picture.title));
    let _ = writeln!(text, "  node [fontname=Helvetica, fontsize=10];");
    let _ = writeln!(text, "  edge [fontname=Helvetica, fontsize=9];");
    for subnet in &picture.subnets {
        let _ = writeln!(text, "  subgraph cluster_{} {{", subnet.key);
        let _ = writeln!(text, "    label={}; style=dashed;", quoted(&subnet.label));
        for node in &subnet.nodes {
            let _ = writeln!(text, "    {node};");
        }
        let _ = writeln!(text, "  }}");
    }
    for node in &picture.nodes {
        let (shape, fill) = match node.kind {
            NodeKind::Group => ("box", "#e8f0fe"),
            NodeKind::Role => ("ellipse", "#e6f4ea"),
            NodeKind::Outside => ("hexagon", "#fef7e0"),
        };
        let _ = writeln!(
            text,
            "  {} [label={}, shape={shape}, style=filled, fillcolor=\"{fill}\"];",
            node.key,
            quoted(&node.label)
        );
    }
    for edge in &picture.edges {
        let style = match edge.kind {
            EdgeKind::Inbound => "solid",
            EdgeKind::Outbound => "dashed",
            EdgeKind::Carries => "dotted",
        };
        let mut attributes = format!("label={}, style={style}", quoted(&edge.label));
        if edge.kind == EdgeKind::Carries {
            attributes.push_str(", arrowhead=none");
        }
        if edge.marked {
            attributes.push_str(", color=red, fontcolor=red, penwidth=3");
        }
        let _ = writeln!(text, "  {} -> {} [{attributes}];", edge.from, edge.to);
    }
    text.push_str("}\n");
    text
}

/// `text` as a DOT string: quoted, with `"` and `\` escaped and line breaks as `\n`.
fn quoted(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    format!("\"{escaped}\"")
}
