//! Limits on a spec file checked before anything large is built from it: its size, NUL
//! bytes, how deep it nests, and how many nodes its aliases expand to.
//!
//! A YAML alias repeats its anchor's whole node, so a few hundred bytes of anchors can stand
//! for billions of nodes ("billion laughs"). The check walks the parser's events once,
//! without expanding anything: each anchor's expanded size is counted as it is read, and each
//! alias adds its anchor's size, so the cost is linear in the text whatever it expands to.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::source::Location;

/// The largest spec file read: far above any real cluster (a spec with 100 node groups is
/// about 20 KiB), far below what takes a parser long.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The deepest nesting of mappings and lists; eksharden's own schema is 6 deep.
pub const MAX_DEPTH: usize = 64;
/// The most nodes the document may hold once every alias is expanded.
pub const MAX_EXPANDED_NODES: u64 = 100_000;

/// A limit the text exceeds, where, and the message that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// Where the limit was crossed.
    pub location: Location,
    /// What was exceeded.
    pub message: String,
    /// What to do.
    pub hint: &'static str,
}

/// Checks `text` against the limits; the first one crossed is returned.
pub fn check(text: &str) -> Result<(), Exceeded> {
    if text.len() > MAX_BYTES {
        return Err(Exceeded {
            location: Location::at_offset(text, MAX_BYTES, 1),
            message: format!(
                "the file is {:.1} MiB; a spec is at most {} MiB",
                text.len() as f64 / (1024.0 * 1024.0),
                MAX_BYTES / (1024 * 1024)
            ),
            hint: "is this the right file? a cluster spec is a few kilobytes",
        });
    }
    if let Some(offset) = text.find('\0') {
        return Err(Exceeded {
            location: Location::at_offset(text, offset, 1),
            message: "the file holds a NUL byte".into(),
            hint: "a spec is text: remove the NUL byte (was the file saved in UTF-16, or is it binary?)",
        });
    }
    let mut counter = Counter::new(text);
    // Syntax errors are reported by the real parse that follows; this pass only counts.
    let _ = Parser::new_from_str(text).load(&mut counter, false);
    counter.exceeded.map_or(Ok(()), Err)
}

/// Counts expanded nodes and depth from parser events.
struct Counter<'a> {
    text: &'a str,
    /// Character index to byte offset; yaml-rust2 marks count characters.
    char_offsets: Vec<usize>,
    /// Expanded size of each anchor, by the parser's anchor id.
    anchors: HashMap<usize, u64>,
    /// Open collections: their anchor id (0 for none) and the count when they opened.
    open: Vec<(usize, u64)>,
    /// Nodes so far, aliases expanded.
    expanded: u64,
    exceeded: Option<Exceeded>,
}

impl<'a> Counter<'a> {
    fn new(text: &'a str) -> Self {
        let mut char_offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        char_offsets.push(text.len());
        Self { text, char_offsets, anchors: HashMap::new(), open: Vec::new(), expanded: 0, exceeded: None }
    }

    fn location(&self, mark: Marker) -> Location {
        let offset = self.char_offsets.get(mark.index()).copied().unwrap_or(self.text.len());
        Location::at_offset(self.text, offset, 1)
    }

    /// Adds `nodes` to the count; past the budget, records where.
    fn add(&mut self, nodes: u64, mark: Marker, alias: bool) {
        self.expanded = self.expanded.saturating_add(nodes);
        if self.expanded > MAX_EXPANDED_NODES {
            let message = if alias {
                format!("aliases expand the document past {MAX_EXPANDED_NODES} nodes")
            } else {
                format!("the document holds more than {MAX_EXPANDED_NODES} nodes")
            };
            self.exceeded = Some(Exceeded {
                location: self.location(mark),
                message,
                hint: "write the repeated part out, or use fewer aliases: a spec needs only a few",
            });
        }
    }
}

impl MarkedEventReceiver for Counter<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.exceeded.is_some() {
            return;
        }
        match event {
            Event::Scalar(_, _, anchor, _) => {
                self.add(1, mark, false);
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).copied().unwrap_or(1);
                self.add(size, mark, true);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.add(1, mark, false);
                self.open.push((anchor, self.expanded - 1));
                if self.open.len() > MAX_DEPTH {
                    self.exceeded = Some(Exceeded {
                        location: self.location(mark),
                        message: format!("the document nests more than {MAX_DEPTH} levels deep"),
                        hint: "a spec nests a few levels: look for an unclosed `[` or `{`",
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = self.open.pop() {
                    if anchor > 0 {
                        self.anchors.insert(anchor, self.expanded - start);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_specs_pass() {
        assert_eq!(check("a: 1\nb: [1, 2, {c: d}]\n"), Ok(()));
        assert_eq!(check("a: &x {k: v}\nb: *x\nc: *x\n"), Ok(()));
    }

    #[test]
    fn an_alias_bomb_is_stopped_at_the_alias() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text += &format!("a{i}: &a{i} [{refs}]\n");
        }
        let exceeded = check(&text).unwrap_err();
        assert!(exceeded.message.contains("aliases expand"), "{}", exceeded.message);
        assert_eq!(exceeded.location.line, 5, "10^5 nodes are reached on the fifth line");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}{}\n", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(check(&text).unwrap_err().message.contains("nests"));
    }

    #[test]
    fn nul_bytes_are_located_at_their_line() {
        let exceeded = check("a: 1\nb: x\0y\n").unwrap_err();
        assert_eq!((exceeded.location.line, exceeded.location.column), (2, 5));
    }

    #[test]
    fn large_files_are_refused_by_size() {
        let text = "a: b\n".repeat(MAX_BYTES / 4);
        assert!(check(&text).unwrap_err().message.contains("MiB"));
    }
}
