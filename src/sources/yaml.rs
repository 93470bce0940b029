//! A YAML (and JSON) stream as a small tree whose every node knows its line and column.
//!
//! Why not a DOM crate or serde: findings must point at the node that causes them, so every
//! key and value needs its position; a manifest stream may hold many documents and a broken
//! one must not hide the others; and arbitrary input must never panic, overflow the stack or
//! take more than linear time. `saphyr-parser` (the event parser under `saphyr`, YAML 1.2, a
//! superset of JSON) gives events with spans; this module builds the tree from them with an
//! explicit stack, so nesting depth costs heap, not stack, and is capped ([`MAX_DEPTH`]).
//! Aliases are not expanded (a "billion laughs" stream stays linear): an alias is
//! [`Value::Alias`], which every reader treats as unknown. `serde-saphyr` was the other
//! candidate: it needs Rust 1.89 (we build with 1.82) and deserialises into types, while a
//! linter wants the raw tree with positions, unknown kinds included.

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deeper nesting than this ends the document with an error (no manifest comes close).
pub const MAX_DEPTH: usize = 200;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` is false for quoted and block scalars.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// `*anchor`: not expanded.
    Alias,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

const EMPTY_SEQ: &[Node] = &[];

impl Node {
    /// The value under `key` in a mapping (the last one when a key repeats, as Kubernetes'
    /// decoder keeps it).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and the value node under `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(m) => m
                .iter()
                .rev()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follow a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// A scalar's text; None for null, collections and aliases.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } => {
                if *plain && is_null(text) {
                    None
                } else {
                    Some(text)
                }
            }
            _ => None,
        }
    }

    /// A boolean as Kubernetes' YAML decoder (YAML 1.1 via sigs.k8s.io/yaml) reads it.
    pub fn bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer scalar.
    pub fn int(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => text.parse().ok(),
            _ => None,
        }
    }

    pub fn seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => EMPTY_SEQ,
        }
    }

    pub fn map(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    /// Where the document starts (its `---`, or its first node).
    pub start: Pos,
}

/// What a stream held: its documents, and the syntax errors met. After an error, parsing
/// resumes at the next `---` line, so one broken document does not hide the rest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub errors: Vec<(Pos, String)>,
    /// Keys that repeat in one mapping: kubectl (1.21 and later, strict decoding) refuses the
    /// file; [`Node::get`] keeps the last, as the API server's lenient decoder did.
    pub duplicates: Vec<Duplicate>,
}

/// A mapping key given twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    pub key: String,
    /// The repeated key.
    pub pos: Pos,
    /// Its first occurrence.
    pub first: Pos,
}

fn pos_of(m: saphyr_parser::Marker) -> Pos {
    Pos {
        line: m.line().min(u32::MAX as usize) as u32,
        column: (m.col() + 1).min(u32::MAX as usize) as u32,
    }
}

enum Frame {
    Seq(Vec<Node>, Pos),
    Map(Vec<(Node, Node)>, Option<Node>, Pos, Keys),
}

/// The scalar keys of a mapping seen so far, to find a repeated one: a scan while the mapping
/// is small, a hash set once it is large (linear time on any input).
#[derive(Default)]
struct Keys(Option<std::collections::HashMap<String, Pos>>);

impl Keys {
    const SCAN: usize = 16;

    /// The first position of `key` if it was seen before in `items`.
    fn repeat(&mut self, items: &[(Node, Node)], key: &Node) -> Option<Pos> {
        let Value::Scalar { text, .. } = &key.value else {
            return None;
        };
        if self.0.is_none() && items.len() < Self::SCAN {
            return items
                .iter()
                .find(|(k, _)| matches!(&k.value, Value::Scalar { text: t, .. } if t == text))
                .map(|(k, _)| k.pos);
        }
        let set = self.0.get_or_insert_with(|| {
            let mut m = std::collections::HashMap::new();
            for (k, _) in items {
                if let Value::Scalar { text, .. } = &k.value {
                    m.entry(text.clone()).or_insert(k.pos);
                }
            }
            m
        });
        match set.get(text) {
            Some(p) => Some(*p),
            None => {
                set.insert(text.clone(), key.pos);
                None
            }
        }
    }
}

/// Parse a stream of documents. Never panics; after a syntax error it resumes at the next
/// line that starts with `---`.
pub fn parse(text: &str) -> Stream {
    let mut out = Stream::default();
    let mut from_line: u32 = 0;
    let mut rest = text;
    loop {
        let err = parse_part(rest, from_line, &mut out);
        let Some(err_line) = err else { break };
        // The next document marker after the error's line (lines of `rest` are 1-based
        // after `from_line`).
        let mut off = 0;
        let mut resumed = false;
        for (i, l) in rest.split_inclusive('\n').enumerate() {
            let line = from_line + i as u32 + 1;
            // Strictly past both the error and this part's first line: always progress.
            if line > err_line.max(from_line + 1) && l.starts_with("---") {
                from_line = line - 1;
                rest = &rest[off..];
                resumed = true;
                break;
            }
            off += l.len();
        }
        if !resumed {
            break;
        }
    }
    out
}

/// Parse `text` (whose first line is line `from_line + 1` of the stream) into `out`; the line
/// of the error that stopped it, if one did.
fn parse_part(text: &str, from_line: u32, out: &mut Stream) -> Option<u32> {
    let mut parser = Parser::new_from_str(text);
    let pos_of = |m: saphyr_parser::Marker| {
        let mut p = pos_of(m);
        p.line = p.line.saturating_add(from_line);
        p
    };
    let mut error = None;
    let mut stack: Vec<Frame> = Vec::new();
    let mut doc_start = Pos::default();
    let mut root: Option<Node> = None;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = match ev {
            Ok(e) => e,
            Err(e) => {
                let p = pos_of(*e.marker());
                out.errors.push((p, e.info().to_owned()));
                error = Some(p.line);
                break;
            }
        };
        let pos = pos_of(span.start);
        let node = match ev {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                doc_start = pos;
                stack.clear();
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                if let Some(r) = root.take() {
                    out.documents.push(Document {
                        root: r,
                        start: doc_start,
                    });
                }
                continue;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    out.errors
                        .push((pos, format!("nesting deeper than {MAX_DEPTH} levels")));
                    error = Some(pos.line);
                    break;
                }
                stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), pos)
                } else {
                    Frame::Map(Vec::new(), None, pos, Keys::default())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, p)) => Node {
                    value: Value::Seq(items),
                    pos: p,
                },
                Some(Frame::Map(items, _, p, _)) => Node {
                    value: Value::Map(items),
                    pos: p,
                },
                None => continue,
            },
            Event::Scalar(text, style, _, _) => Node {
                value: Value::Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                },
                pos,
            },
            Event::Alias(_) => Node {
                value: Value::Alias,
                pos,
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(items, key, _, keys)) => match key.take() {
                None => {
                    if let Some(first) = keys.repeat(items, &node) {
                        out.duplicates.push(Duplicate {
                            key: node.str().unwrap_or_default().to_owned(),
                            pos: node.pos,
                            first,
                        });
                    }
                    *key = Some(node)
                }
                Some(k) => items.push((k, node)),
            },
        }
    }
    // A stream cut short by an error still gives what was complete.
    if error.is_none() {
        if let Some(r) = root.take() {
            out.documents.push(Document {
                root: r,
                start: doc_start,
            });
        }
    }
    // Tear deep trees down without recursion (Drop of nested Vecs recurses).
    drop_flat(stack);
    error
}

fn drop_flat(stack: Vec<Frame>) {
    let mut pending: Vec<Node> = Vec::new();
    for f in stack {
        match f {
            Frame::Seq(items, _) => pending.extend(items),
            Frame::Map(items, k, _, _) => {
                pending.extend(k);
                for (a, b) in items {
                    pending.push(a);
                    pending.push(b);
                }
            }
        }
    }
    while let Some(n) = pending.pop() {
        match n.value {
            Value::Seq(items) => pending.extend(items),
            Value::Map(items) => {
                for (a, b) in items {
                    pending.push(a);
                    pending.push(b);
                }
            }
            _ => {}
        }
    }
}

/// `# Source: chart/templates/x.yaml` comments (`helm template` output) before each document
/// start line, so a finding can say which template made the object. Returns (line of the
/// comment, the path) in order.
pub fn helm_sources(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.strip_prefix("# Source: ")
                .map(|s| ((i + 1) as u32, s.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_point_at_keys_and_values() {
        let s = parse("a: 1\nb:\n  - x\n  - {c: 'd'}\n");
        assert!(s.errors.is_empty());
        let r = &s.documents[0].root;
        let (k, v) = r.entry("b").unwrap();
        assert_eq!(k.pos, Pos { line: 2, column: 1 });
        assert_eq!(v.seq()[0].pos, Pos { line: 3, column: 5 });
        let c = v.seq()[1].get("c").unwrap();
        assert_eq!(c.str(), Some("d"));
        assert_eq!(c.pos, Pos { line: 4, column: 9 });
    }

    #[test]
    fn repeated_keys_are_reported_at_the_repeat_and_the_last_wins() {
        let s = parse("a:\n  r: 1\n  x: 2\n  r: 3\nb: {k: 1, k: 2}\n");
        let d: Vec<(String, u32, u32, u32)> = s
            .duplicates
            .iter()
            .map(|d| (d.key.clone(), d.pos.line, d.pos.column, d.first.line))
            .collect();
        assert_eq!(
            d,
            vec![("r".into(), 4, 3, 2), ("k".into(), 5, 11, 5)],
            "{s:?}"
        );
        assert_eq!(s.documents[0].root.at(&["a", "r"]).unwrap().int(), Some(3));
        // Past the scan size the set takes over: the same answer, in linear time.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: again\nk99: again\n");
        let s = parse(&big);
        let keys: Vec<(&str, u32)> = s
            .duplicates
            .iter()
            .map(|d| (d.key.as_str(), d.first.line))
            .collect();
        assert_eq!(keys, vec![("k7", 8), ("k99", 100)]);
        // Same text in different mappings, or as values, is no repeat.
        assert!(parse("a: {x: 1}\nb: {x: x}\n").duplicates.is_empty());
    }

    #[test]
    fn multi_document_and_errors_keep_what_came_before() {
        let s = parse("---\na: 1\n---\nb: 2\n---\nc: [\n");
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.errors.len(), 1);
        // A broken document in the middle: the ones after it are still read, at their lines.
        let s = parse("---\na: 1\n---\nb: c: d\n---\ne: 2\n");
        assert_eq!(s.errors.len(), 1, "{s:?}");
        assert_eq!(s.documents.len(), 2);
        assert_eq!(s.documents[1].root.entry("e").unwrap().0.pos.line, 6);
        let j = parse("{\"kind\": \"Pod\", \"n\": [1, 2]}");
        assert_eq!(j.documents[0].root.get("kind").unwrap().str(), Some("Pod"));
    }

    #[test]
    fn aliases_are_not_expanded_and_depth_is_capped() {
        let s = parse("a: &x [1, 2]\nb: *x\n");
        assert_eq!(s.documents[0].root.get("b").unwrap().value, Value::Alias);
        let deep = "[".repeat(10_000);
        let s = parse(&deep);
        assert!(!s.errors.is_empty());
        assert!(s.documents.is_empty());
    }

    #[test]
    fn nulls_and_bools() {
        let s = parse("a: ~\nb: null\nc: yes\nd: 'true'\n");
        let r = &s.documents[0].root;
        assert_eq!(r.get("a").unwrap().str(), None);
        assert_eq!(r.get("b").unwrap().str(), None);
        assert_eq!(r.get("c").unwrap().bool(), Some(true));
        assert_eq!(r.get("d").unwrap().bool(), None);
    }
}
