//! Reading Heron's YAML files into [`Value`]s, with the scalar rules of Heron's parser.
//!
//! Heron reads its config with SnakeYAML (YAML 1.1). A generic serde deserializer guesses types
//! differently (`y`/`n` become booleans, `007` becomes a float), so this module walks the parser's
//! events itself and resolves plain scalars as SnakeYAML does:
//! - `~`, `null`, `Null`, `NULL` and empty are null;
//! - `yes/no/true/false/on/off` (lower, Capitalized or UPPER case) are booleans;
//! - decimal, `0x` hex and `0b` binary integers (`_` allowed) are integers;
//! - decimals with a `.` or an exponent are floats, as are `.inf`/`.nan`;
//! - everything else, and every quoted or block scalar, is a string.
//!
//! Two deliberate differences keep text that an operator most likely meant as text: integers
//! with leading zeros (`007`, `0755`; SnakeYAML reads them as octal) and sexagesimal numbers
//! (`1:30`) stay strings, integers too large for 64 bits keep their digits as a string, and
//! dates (`2001-12-14`, a `Date` in SnakeYAML) stay strings.
//! Anchors, aliases and `<<` merge keys work as in SnakeYAML. Explicit `!!str`, `!!int`,
//! `!!float`, `!!bool` and `!!null` tags are honoured; other tags are rejected (SnakeYAML's safe
//! loader rejects them too).

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::Value;
use crate::error::{Error, Result};

/// Deepest nesting accepted; Heron's files nest three levels at most.
const MAX_DEPTH: usize = 128;
/// Most nodes (after alias expansion) accepted in one file: a guard against alias bombs.
const MAX_NODES: usize = 1_000_000;

/// One top-level `key: value` of a config file, in file order (duplicates kept).
#[derive(Debug, Clone, PartialEq)]
pub struct TopEntry {
    /// The key as written.
    pub key: String,
    /// The value.
    pub value: Value,
    /// The 1-based line of the key.
    pub line: usize,
}

/// Parses a config document: a mapping of keys to values, or an empty document.
///
/// `path` only names the file in errors. Top-level entries come back in file order, duplicates
/// included (the caller decides; Heron keeps the last).
pub fn parse_document(text: &str, path: &Path) -> Result<Vec<TopEntry>> {
    let mut builder = Builder {
        path,
        anchors: BTreeMap::new(),
        nodes: 0,
    };
    let root = builder.run(text)?;
    match root {
        None => Ok(Vec::new()),
        Some(Node {
            value: Value::Null, ..
        }) => Ok(Vec::new()),
        Some(Node {
            top: Some(entries), ..
        }) => Ok(entries),
        Some(Node { value, line, .. }) => Err(Error::ConfigSyntax {
            path: path.to_path_buf(),
            message: format!(
                "line {line}: expected a mapping of `key: value` lines at the top level, found {}",
                value.kind()
            ),
        }),
    }
}

/// Parses any YAML document into one [`Value`] (null for an empty document).
pub fn parse_value(text: &str, path: &Path) -> Result<Value> {
    let mut builder = Builder {
        path,
        anchors: BTreeMap::new(),
        nodes: 0,
    };
    Ok(builder.run(text)?.map(|n| n.value).unwrap_or(Value::Null))
}

struct Node {
    value: Value,
    /// For mappings: the entries in order with duplicates, for the top level.
    top: Option<Vec<TopEntry>>,
    line: usize,
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

struct Builder<'p> {
    path: &'p Path,
    anchors: BTreeMap<usize, Value>,
    nodes: usize,
}

impl Builder<'_> {
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

    fn run(&mut self, text: &str) -> Result<Option<Node>> {
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

/// Resolves a plain (unquoted) scalar as described in the module docs.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(v) = resolve_int(text) {
        return v;
    }
    if let Some(f) = resolve_float(text) {
        return Value::Float(f);
    }
    Value::String(text.to_string())
}

fn resolve_int(text: &str) -> Option<Value> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(rest) = body.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = body.strip_prefix("0b") {
        (2, rest)
    } else {
        // Leading zeros (`007`) are kept as text; see the module docs.
        if body.len() > 1 && body.starts_with('0') {
            return None;
        }
        (10, body)
    };
    let first = digits.chars().find(|c| *c != '_')?;
    if radix == 10 && !first.is_ascii_digit() || body.starts_with('_') {
        return None;
    }
    if !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let magnitude = i128::from_str_radix(&clean, radix).ok();
    let signed = magnitude.map(|m| if negative { -m } else { m });
    match signed.and_then(|v| i64::try_from(v).ok()) {
        Some(v) => Some(Value::Int(v)),
        // Too large for 64 bits: keep the digits.
        None => Some(Value::String(text.to_string())),
    }
}

fn resolve_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if !mantissa.contains('.') && exponent.is_none() {
        return None;
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !digits_ok(int_part) || !digits_ok(frac_part) || int_part.starts_with('_') {
        return None;
    }
    if !int_part.chars().any(|c| c.is_ascii_digit())
        && !frac_part.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    if let Some(exp) = exponent {
        let exp_digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
        if exp_digits.is_empty() || !exp_digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    clean.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Vec<TopEntry> {
        parse_document(text, Path::new("t.yaml")).expect("parses")
    }

    fn one(text: &str) -> Value {
        doc(&format!("k: {text}\n")).remove(0).value
    }

    #[test]
    fn scalars_resolve_like_snakeyaml() {
        assert_eq!(one("True"), Value::Bool(true));
        assert_eq!(one("yes"), Value::Bool(true));
        assert_eq!(one("OFF"), Value::Bool(false));
        assert_eq!(one("y"), Value::String("y".into()));
        assert_eq!(one("n"), Value::String("n".into()));
        assert_eq!(one("\"yes\""), Value::String("yes".into()));
        assert_eq!(one("007"), Value::String("007".into()));
        assert_eq!(one("0755"), Value::String("0755".into()));
        assert_eq!(one("0"), Value::Int(0));
        assert_eq!(one("-12"), Value::Int(-12));
        assert_eq!(one("1_000"), Value::Int(1000));
        assert_eq!(one("0x1F"), Value::Int(31));
        assert_eq!(one("0b101"), Value::Int(5));
        assert_eq!(one("1073741824"), Value::Int(1073741824));
        assert_eq!(
            one("99999999999999999999"),
            Value::String("99999999999999999999".into())
        );
        assert_eq!(one("0.8"), Value::Float(0.8));
        assert_eq!(one("1e3"), Value::Float(1000.0));
        assert_eq!(one("1.0"), Value::Float(1.0));
        assert_eq!(one("1:30"), Value::String("1:30".into()));
        assert_eq!(
            one("127.0.0.1:2181"),
            Value::String("127.0.0.1:2181".into())
        );
        assert_eq!(one("~"), Value::Null);
        assert_eq!(one(""), Value::Null);
        assert_eq!(one("${HOME}/x"), Value::String("${HOME}/x".into()));
        assert_eq!(one("!!str 12"), Value::String("12".into()));
        assert_eq!(one("!!float 12"), Value::Float(12.0));
        assert_eq!(one("e3"), Value::String("e3".into()));
        assert_eq!(one("."), Value::String(".".into()));
        assert_eq!(one("-x"), Value::String("-x".into()));
        assert_eq!(one("0x"), Value::String("0x".into()));
    }

    #[test]
    fn maps_lists_anchors_and_merges() {
        let entries = doc("a: &base {x: 1, y: 2}\nb:\n  <<: *base\n  y: 3\nc: [1, two, *base]\n");
        assert_eq!(entries.len(), 3);
        let Value::Map(b) = &entries[1].value else {
            panic!("b is a map")
        };
        assert_eq!(b.get("x"), Some(&Value::Int(1)));
        assert_eq!(b.get("y"), Some(&Value::Int(3)));
        let Value::List(c) = &entries[2].value else {
            panic!("c is a list")
        };
        assert_eq!(c.len(), 3);
        assert_eq!(entries[1].line, 2);
    }

    #[test]
    fn duplicates_are_kept_in_order() {
        let entries = doc("a: 1\na: 2\n");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].value, Value::Int(2));
    }

    #[test]
    fn empty_and_comment_only_documents() {
        assert!(doc("").is_empty());
        assert!(doc("# nothing\n\n").is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = parse_document("a: 1\nb: [1, 2\nc: 3\n", Path::new("x.yaml")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("x.yaml"), "{text}");
        assert!(text.contains("line "), "{text}");
        assert!(text.contains("column "), "{text}");
        let err = parse_document("- a\n- b\n", Path::new("x.yaml")).unwrap_err();
        assert!(err.to_string().contains("top level"), "{err}");
        let err = parse_document("a: !custom x\n", Path::new("x.yaml")).unwrap_err();
        assert!(err.to_string().contains("unsupported tag"), "{err}");
        let err = parse_document("a: 1\n---\nb: 2\n", Path::new("x.yaml")).unwrap_err();
        assert!(err.to_string().contains("one YAML document"), "{err}");
        let err = parse_document("? [a]\n: 1\n", Path::new("x.yaml")).unwrap_err();
        assert!(err.to_string().contains("key must be text"), "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        let err = parse_document(&text, Path::new("bomb.yaml")).unwrap_err();
        assert!(err.to_string().contains("too many"), "{err}");
    }

    #[test]
    fn crlf_and_bom() {
        let entries = doc("\u{feff}a: 1\r\nb: x\r\n");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].key, "a");
        assert_eq!(entries[1].value, Value::String("x".into()));
    }

    proptest::proptest! {
        #[test]
        fn random_text_never_panics(text in "[ -~\n\t]{0,200}") {
            let _ = parse_document(&text, Path::new("r.yaml"));
        }

        #[test]
        fn yaml_like_text_never_panics(
            lines in proptest::collection::vec("[a-z.]{0,6}(: |:|- |  )?[\\[\\]{}&*!|>'\"#a-z0-9 ,:-]{0,12}", 0..12)
        ) {
            let _ = parse_document(&lines.join("\n"), Path::new("r.yaml"));
        }
    }
}
