//! The picture as SVG, laid out and drawn in Rust (the `layout-rs` crate reads the DOT this
//! module's sibling writes): no Graphviz to install.

use layout::backends::svg::SVGWriter;
use layout::gv::{DotParser, GraphBuilder};

use super::{dot, Picture};

/// The picture as an SVG document, or why its DOT could not be laid out.
pub fn svg(picture: &Picture) -> Result<String, String> {
    let text = dot(picture);
    let graph = DotParser::new(&text).process()?;
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&graph);
    let mut visual = builder.get();
    let mut writer = SVGWriter::new();
    visual.do_it(false, false, false, &mut writer);
    Ok(writer.finalize())
}
