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
//!
//! This file holds the two entry points; the event walk (anchors, merges, tags, limits) is in
//! `yaml/builder.rs` and the scalar rules above in `yaml/scalar.rs`.

use std::path::Path;

use super::Value;
use crate::error::{Error, Result};

mod builder;
mod scalar;
#[cfg(test)]
mod tests;

use builder::{Builder, Node};
pub use scalar::resolve_plain;

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
    let mut builder = Builder::new(path);
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
    let mut builder = Builder::new(path);
    Ok(builder.run(text)?.map(|n| n.value).unwrap_or(Value::Null))
}
