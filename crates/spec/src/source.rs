//! A spec file's text and positions in it, found through a YAML parser that keeps marks.
//!
//! serde gives positions for syntax errors only. To point at a value that parses but is
//! wrong (a `/33` CIDR), [`Positions`] maps each [`Path`] in the document to where its key
//! and its value start.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::path::Path;

/// A spec file: its display name and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in messages, usually the path given on the command line.
    pub name: String,
    /// The whole text.
    pub text: String,
}

/// A place in a source file: 1-based line and column, and a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes of the marked text (at least 1 where the file is not empty).
    pub len: usize,
}

impl Location {
    /// The location of byte `offset` in `text`, marking `len` bytes.
    pub fn at_offset(text: &str, offset: usize, len: usize) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        let end = floor_char_boundary(text, (offset + len).min(text.len()));
        Self { line, column, offset, len: end - offset }
    }

    /// The location of 1-based `line` and `column` in `text`, marking the token that starts there.
    pub fn at_line_column(text: &str, line: usize, column: usize) -> Self {
        let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        let line_text = text[line_start.min(text.len())..].lines().next().unwrap_or("");
        let column_offset: usize = line_text.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum();
        let offset = line_start + column_offset;
        Self::at_offset(text, offset, token_len(&text[offset.min(text.len())..]))
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Length of the token starting at the front of `rest`: up to the end of the line or a
/// comment, without trailing blanks; at least 1 when `rest` is not empty.
fn token_len(rest: &str) -> usize {
    let line = rest.lines().next().unwrap_or("");
    let line = line.split(" #").next().unwrap_or(line).trim_end();
    line.len().max(usize::from(!rest.is_empty()))
}

/// Where a node of the document sits: the start of its key (for mapping entries) and of its value.
#[derive(Debug, Clone, Copy)]
pub struct NodePosition {
    /// Byte offset of the key, for entries of a mapping.
    pub key: Option<usize>,
    /// Byte offset of the value.
    pub value: usize,
}

/// Positions of every node of a YAML document, by [`Path`].
#[derive(Debug, Default)]
pub struct Positions {
    nodes: HashMap<Path, NodePosition>,
}

impl Positions {
    /// Reads the positions of the first document in `text`. A document with a syntax error
    /// gives the positions read up to the error.
    pub fn read(text: &str) -> Self {
        let mut recorder = Recorder::new(text);
        let _ = Parser::new_from_str(text).load(&mut recorder, false);
        Self { nodes: recorder.nodes }
    }

    /// The first key of the document (where a problem of the whole document is shown).
    fn document_start(&self, text: &str) -> Location {
        let first_key =
            self.nodes.iter().filter(|(path, _)| path.segments().len() == 1).filter_map(|(_, n)| n.key).min();
        let offset = first_key.unwrap_or(0);
        Location::at_offset(text, offset, token_len(&text[offset.min(text.len())..]))
    }

    /// Where the node at `path` sits, if it exists.
    pub fn get(&self, path: &Path) -> Option<NodePosition> {
        self.nodes.get(path).copied()
    }

    /// The value at `path` as a location in `text`; `prefer_key` points at the key of a
    /// mapping entry instead of its value. A path that does not exist is located at the key
    /// of its nearest existing ancestor.
    pub fn locate(&self, text: &str, path: &Path, prefer_key: bool) -> Location {
        let mut current = path.clone();
        let mut prefer_key = prefer_key;
        loop {
            if current.is_root() {
                return self.document_start(text);
            }
            if let Some(node) = self.get(&current) {
                let offset = match (prefer_key, node.key) {
                    (true, Some(key)) => key,
                    _ => node.value,
                };
                return Location::at_offset(text, offset, token_len(&text[offset.min(text.len())..]));
            }
            current = current.parent();
            prefer_key = true;
        }
    }
}

/// Builds [`Positions`] from parser events.
struct Recorder {
    /// Character index to byte offset; yaml-rust2 marks count characters.
    char_offsets: Vec<usize>,
    nodes: HashMap<Path, NodePosition>,
    stack: Vec<Frame>,
    done: bool,
}

enum Frame {
    Mapping { path: Path, pending_key: Option<(String, usize)> },
    Sequence { path: Path, next: usize },
}

impl Recorder {
    fn new(text: &str) -> Self {
        let mut char_offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        char_offsets.push(text.len());
        Self { char_offsets, nodes: HashMap::new(), stack: Vec::new(), done: false }
    }

    fn byte_offset(&self, mark: Marker) -> usize {
        self.char_offsets.get(mark.index()).copied().unwrap_or(*self.char_offsets.last().unwrap_or(&0))
    }

    /// The path a node starting now gets, and the key offset if it is a mapping value.
    /// Returns `None` for a scalar that is a mapping key (recorded as pending instead).
    fn place(&mut self, scalar_key: Option<&str>, offset: usize) -> Option<(Path, Option<usize>)> {
        match self.stack.last_mut() {
            None => Some((Path::root(), None)),
            Some(Frame::Sequence { path, next }) => {
                let placed = path.index(*next);
                *next += 1;
                Some((placed, None))
            }
            Some(Frame::Mapping { path, pending_key }) => match pending_key.take() {
                Some((key, key_offset)) => Some((path.key(&key), Some(key_offset))),
                None => {
                    // A complex (non-scalar) key is recorded under an empty name.
                    *pending_key = Some((scalar_key.unwrap_or_default().to_owned(), offset));
                    None
                }
            },
        }
    }

    fn record(&mut self, path: Path, key: Option<usize>, value: usize) {
        self.nodes.entry(path).or_insert(NodePosition { key, value });
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done {
            return;
        }
        let offset = self.byte_offset(mark);
        match event {
            Event::Scalar(value, ..) => {
                if let Some((path, key)) = self.place(Some(&value), offset) {
                    self.record(path, key, offset);
                }
            }
            Event::Alias(_) => {
                if let Some((path, key)) = self.place(Some(""), offset) {
                    self.record(path, key, offset);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                let path = match self.place(None, offset) {
                    Some((path, key)) => {
                        self.record(path.clone(), key, offset);
                        path
                    }
                    // A collection used as a key: give it a throwaway path.
                    None => Path::root().key("\u{0}complex-key"),
                };
                self.stack.push(if is_mapping {
                    Frame::Mapping { path, pending_key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "a: 1\nvpc:\n  cidr: 10.0.0.0/33\n  zones:\n    - x\n    - é\nlast: {k: v}\n";

    #[test]
    fn finds_nested_values_and_keys() {
        let positions = Positions::read(DOC);
        let cidr = positions.locate(DOC, &Path::parse("vpc.cidr"), false);
        assert_eq!((cidr.line, cidr.column), (3, 9));
        assert_eq!(&DOC[cidr.offset..cidr.offset + cidr.len], "10.0.0.0/33");
        let key = positions.locate(DOC, &Path::parse("vpc.cidr"), true);
        assert_eq!((key.line, key.column), (3, 3));
        let item = positions.locate(DOC, &Path::parse("vpc.zones[1]"), false);
        assert_eq!((item.line, item.column), (6, 7));
        let flow = positions.locate(DOC, &Path::parse("last.k"), false);
        assert_eq!((flow.line, flow.column), (7, 11));
    }

    #[test]
    fn missing_paths_fall_back_to_the_nearest_ancestor() {
        let positions = Positions::read(DOC);
        let loc = positions.locate(DOC, &Path::parse("vpc.nat"), false);
        assert_eq!((loc.line, loc.column), (2, 1));
        let root = positions.locate(DOC, &Path::parse("missing"), false);
        assert_eq!((root.line, root.column), (1, 1));
    }

    #[test]
    fn line_column_round_trip() {
        let loc = Location::at_line_column(DOC, 6, 7);
        assert_eq!(&DOC[loc.offset..loc.offset + loc.len], "é");
    }
}
