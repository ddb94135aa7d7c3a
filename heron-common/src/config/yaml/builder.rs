//! Walks the YAML parser's events into [`Value`]s: sequences and mappings (the top level's
//! entries kept in order with duplicates), anchors and aliases, `<<` merge keys, the YAML core
//! tags, and the depth and node limits that guard against alias bombs.

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::TopEntry;
use super::scalar::resolve_plain;
use crate::config::Value;
use crate::error::{Error, Result};

/// Deepest nesting accepted; Heron's files nest three levels at most.
const MAX_DEPTH: usize = 128;
/// Most nodes (after alias expansion) accepted in one file: a guard against alias bombs.
const MAX_NODES: usize = 1_000_000;
pub(super) struct Node {
    pub(super) value: Value,
    /// For mappings: the entries in order with duplicates, for the top level.
    pub(super) top: Option<Vec<TopEntry>>,
    pub(super) line: usize,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        line: usize,
    },
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<TopEntry>,
    merges: Vec<(Value, usize)>,
    /// The key read, waiting for its value; `None` between entries.
    key: Option<(Key, usize)>,
    anchor: usize,
    line: usize,
}

enum Key {
    Text(String),
    Merge,
}

pub(super) struct Builder<'p> {
    path: &'p Path,
    anchors: BTreeMap<usize, Value>,
    nodes: usize,
}

impl Builder<'_> {
    pub(super) fn new(path: &Path) -> Builder<'_> {
        Builder {
            path,
            anchors: BTreeMap::new(),
            nodes: 0,
        }
    }

    fn syntax(&self, line: usize, column: usize, message: impl std::fmt::Display) -> Error {
        Error::ConfigSyntax {
            path: self.path.to_path_buf(),
            message: format!("line {line} column {column}: {message}"),
        }
    }

    fn scan_error(&self, e: &ScanError) -> Error {
        let info = e.info();
        let info = if info.is_empty() {
            "invalid YAML".to_string()
        } else {
            info
        };
        self.syntax(e.marker().line(), e.marker().col() + 1, info)
    }

    pub(super) fn run(&mut self, text: &str) -> Result<Option<Node>> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut root: Option<Node> = None;
        let mut documents = 0usize;
        for event in Parser::new_from_str(text) {
            let (event, span) = event.map_err(|e| self.scan_error(&e))?;
            let line = span.start.line();
            let column = span.start.col() + 1;
            let completed: Option<(Value, Option<Vec<TopEntry>>, usize)> = match event {
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => None,
                Event::DocumentStart(..) => {
                    documents += 1;
                    if documents > 1 {
                        return Err(self.syntax(
                            line,
                            column,
                            "a config file holds one YAML document; remove the second `---`",
                        ));
                    }
                    None
                }
                Event::Alias(id) => match self.anchors.get(&id) {
                    Some(v) => {
                        let v = v.clone();
                        self.count(line, column, &v)?;
                        Some((v, None, line))
                    }
                    None => return Err(self.syntax(line, column, "alias to an unknown anchor")),
                },
                Event::Scalar(text, style, anchor, tag) => {
                    // A mapping waiting for a key takes this scalar as its key.
                    if let Some(Frame::Map(map)) = stack.last_mut()
                        && map.key.is_none()
                    {
                        let key = if style == ScalarStyle::Plain && text == "<<" && tag.is_none() {
                            Key::Merge
                        } else {
                            Key::Text(text.to_string())
                        };
                        map.key = Some((key, line));
                        None
                    } else {
                        let value = self.scalar(&text, style, tag.as_deref(), line, column)?;
                        if anchor != 0 {
                            self.anchors.insert(anchor, value.clone());
                        }
                        self.nodes += 1;
                        Some((value, None, line))
                    }
                }
                Event::SequenceStart(_, anchor, tag) => {
                    self.check_collection_tag(tag.as_deref(), "seq", line, column)?;
                    self.key_must_be_scalar(&stack, line, column)?;
                    if stack.len() >= MAX_DEPTH {
                        return Err(self.syntax(line, column, "nesting too deep"));
                    }
                    stack.push(Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        line,
                    });
                    None
                }
                Event::MappingStart(_, anchor, tag) => {
                    self.check_collection_tag(tag.as_deref(), "map", line, column)?;
                    self.key_must_be_scalar(&stack, line, column)?;
                    if stack.len() >= MAX_DEPTH {
                        return Err(self.syntax(line, column, "nesting too deep"));
                    }
                    stack.push(Frame::Map(MapFrame {
                        entries: Vec::new(),
                        merges: Vec::new(),
                        key: None,
                        anchor,
                        line,
                    }));
                    None
                }
                Event::SequenceEnd => match stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        line,
                    }) => {
                        let value = Value::List(items);
                        if anchor != 0 {
                            self.anchors.insert(anchor, value.clone());
                        }
                        self.nodes += 1;
                        Some((value, None, line))
                    }
                    _ => return Err(self.syntax(line, column, "unbalanced sequence end")),
                },
                Event::MappingEnd => match stack.pop() {
                    Some(Frame::Map(map)) => {
                        let (value, entries, line) = self.finish_map(map)?;
                        Some((value, Some(entries), line))
                    }
                    _ => return Err(self.syntax(line, column, "unbalanced mapping end")),
                },
                _ => None,
            };
            if let Some((value, top, node_line)) = completed {
                match stack.last_mut() {
                    None => {
                        root = Some(Node {
                            value,
                            top,
                            line: node_line,
                        })
                    }
                    Some(Frame::Seq { items, .. }) => items.push(value),
                    Some(Frame::Map(map)) => match map.key.take() {
                        Some((Key::Text(key), key_line)) => map.entries.push(TopEntry {
                            key,
                            value,
                            line: key_line,
                        }),
                        Some((Key::Merge, key_line)) => map.merges.push((value, key_line)),
                        // Unreachable: scalars become keys above; collections are refused as keys.
                        None => {
                            return Err(self.syntax(line, column, "a mapping key must be text"));
                        }
                    },
                }
            }
        }
        if !stack.is_empty() {
            return Err(self.syntax(text.lines().count().max(1), 1, "unexpected end of file"));
        }
        Ok(root)
    }

    fn count(&mut self, line: usize, column: usize, value: &Value) -> Result<()> {
        fn size(v: &Value) -> usize {
            match v {
                Value::List(items) => 1 + items.iter().map(size).sum::<usize>(),
                Value::Map(m) => 1 + m.values().map(size).sum::<usize>(),
                _ => 1,
            }
        }
        self.nodes = self.nodes.saturating_add(size(value));
        if self.nodes > MAX_NODES {
            return Err(self.syntax(line, column, "too many values after expanding aliases"));
        }
        Ok(())
    }

    fn key_must_be_scalar(&self, stack: &[Frame], line: usize, column: usize) -> Result<()> {
        if let Some(Frame::Map(map)) = stack.last()
            && map.key.is_none()
        {
            return Err(self.syntax(
                line,
                column,
                "a mapping key must be text, not a list or map",
            ));
        }
        Ok(())
    }

    fn check_collection_tag(
        &self,
        tag: Option<&Tag>,
        expected: &str,
        line: usize,
        column: usize,
    ) -> Result<()> {
        match tag {
            None => Ok(()),
            Some(t) if t.is_yaml_core_schema() && t.suffix() == expected => Ok(()),
            Some(t) => Err(self.syntax(
                line,
                column,
                format!("unsupported tag `{}{}`", t.handle(), t.suffix()),
            )),
        }
    }

    fn finish_map(&mut self, map: MapFrame) -> Result<(Value, Vec<TopEntry>, usize)> {
        let MapFrame {
            mut entries,
            merges,
            anchor,
            line,
            ..
        } = map;
        if !merges.is_empty() {
            // Explicit keys win over merged ones; earlier merge sources win over later ones.
            let mut seen: std::collections::BTreeSet<String> =
                entries.iter().map(|e| e.key.clone()).collect();
            for (source, merge_line) in merges {
                let maps: Vec<BTreeMap<String, Value>> = match source {
                    Value::Map(m) => vec![m],
                    Value::List(items) => {
                        let mut maps = Vec::new();
                        for item in items {
                            match item {
                                Value::Map(m) => maps.push(m),
                                other => {
                                    return Err(self.syntax(
                                        merge_line,
                                        1,
                                        format!("`<<` merges maps, found {}", other.kind()),
                                    ));
                                }
                            }
                        }
                        maps
                    }
                    other => {
                        return Err(self.syntax(
                            merge_line,
                            1,
                            format!("`<<` merges maps, found {}", other.kind()),
                        ));
                    }
                };
                for m in maps {
                    for (key, value) in m {
                        if seen.insert(key.clone()) {
                            entries.push(TopEntry {
                                key,
                                value,
                                line: merge_line,
                            });
                        }
                    }
                }
            }
        }
        let map: BTreeMap<String, Value> = entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        let value = Value::Map(map);
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        self.nodes += 1;
        Ok((value, entries, line))
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        line: usize,
        column: usize,
    ) -> Result<Value> {
        let Some(tag) = tag else {
            return Ok(if style == ScalarStyle::Plain {
                resolve_plain(text)
            } else {
                Value::String(text.to_string())
            });
        };
        if tag.handle() == "!" && tag.suffix().is_empty() {
            // The non-specific `!` tag: a string.
            return Ok(Value::String(text.to_string()));
        }
        if !tag.is_yaml_core_schema() {
            return Err(self.syntax(
                line,
                column,
                format!("unsupported tag `{}{}`", tag.handle(), tag.suffix()),
            ));
        }
        let resolved = resolve_plain(text);
        let wrong = |what: &str| self.syntax(line, column, format!("`{text}` is not {what}"));
        match tag.suffix() {
            "str" => Ok(Value::String(text.to_string())),
            "int" => match resolved {
                Value::Int(_) => Ok(resolved),
                _ => Err(wrong("an integer")),
            },
            "float" => match resolved {
                Value::Float(_) => Ok(resolved),
                Value::Int(i) => Ok(Value::Float(i as f64)),
                _ => Err(wrong("a number")),
            },
            "bool" => match resolved {
                Value::Bool(_) => Ok(resolved),
                _ => Err(wrong("a boolean")),
            },
            "null" => match resolved {
                Value::Null => Ok(resolved),
                _ => Err(wrong("null")),
            },
            other => Err(self.syntax(line, column, format!("unsupported tag `!!{other}`"))),
        }
    }
}
