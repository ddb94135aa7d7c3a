//! Reading a template before handlebars does: which `{{...}}` are Heron's and which are Aurora's.
//!
//! A `heron.aurora` holds two template languages in one file. Heron's bindings (`{{CLUSTER}}`,
//! `{{py RAM_PER_CONTAINER}}`, `{{#if TIER}}`) are filled here; Pystachio references
//! (`{{mesos.instance}}`, `{{thermos.ports[http]}}`, `{{&literal}}`) must reach Aurora untouched.
//! The rule: a mustache is Aurora's when its content is one word that starts with a lower-case
//! letter or `_` (or with `&`), and is neither `this`, `else` nor a block parameter. Everything
//! else belongs to handlebars. Aurora's are written as handlebars escapes (`\{{...}}`).
//!
//! At the same time a small Python tokenizer follows the file, so each Heron value knows where it
//! lands: in code, in a comment, or inside a `'...'` / `"..."` string literal. The mustache is
//! rewritten to call the matching escaping helper (`{{X}}` becomes `{{__heron_sq X}}` inside
//! single quotes). Every inserted character is recorded so errors from handlebars, which sees
//! the rewritten text, are reported at the template's own line and column.
//!
//! Layout: this file holds what a scan gives ([`Scanned`], positions, contexts); the Python
//! tokenizer is in `scan/python.rs` and the mustache reader in `scan/mustache.rs`.

use std::collections::BTreeSet;

mod mustache;
mod python;
#[cfg(test)]
mod tests;

/// A 1-based line and column (in characters) in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Where a Heron value is written, which decides how it is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Python code: the value becomes a complete literal.
    Code,
    /// A `#` comment: line breaks are escaped so the value stays in the comment.
    Comment,
    /// Inside a string literal delimited by this quote (single or triple).
    Str(char),
}

impl Ctx {
    /// The escaping helper for this context.
    pub fn helper(self) -> &'static str {
        match self {
            Ctx::Code => CODE_HELPER,
            Ctx::Comment => COMMENT_HELPER,
            Ctx::Str('"') => DQ_HELPER,
            Ctx::Str(_) => SQ_HELPER,
        }
    }
}

/// Helper that writes a value as a Python literal (code context).
pub const CODE_HELPER: &str = "__heron_code";
/// Helper that writes a value inside a `#` comment.
pub const COMMENT_HELPER: &str = "__heron_comment";
/// Helper that writes a value inside a `'...'` literal.
pub const SQ_HELPER: &str = "__heron_sq";
/// Helper that writes a value inside a `"..."` literal.
pub const DQ_HELPER: &str = "__heron_dq";

/// One use of a Heron binding in the template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Use {
    /// The binding name (the first segment of the path).
    pub name: String,
    /// Where its mustache starts.
    pub pos: Pos,
}

/// A template that is ready for handlebars.
#[derive(Debug, Clone)]
pub struct Scanned {
    /// The rewritten template text.
    pub text: String,
    /// Heron binding uses, in template order.
    pub uses: Vec<Use>,
    /// Aurora references passed through, with their positions.
    pub aurora_refs: Vec<(String, Pos)>,
    original: String,
    /// (offset in `text` where an insertion starts, its length), in order.
    insertions: Vec<(usize, usize)>,
}

/// A template problem found while scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
}

impl Scanned {
    /// Maps a (line, column) of the rewritten text, as handlebars reports it, back to the template.
    pub fn original_pos(&self, line: usize, column: usize) -> Pos {
        let t = offset_of(&self.text, line, column);
        let mut removed = 0;
        for &(start, len) in &self.insertions {
            if start >= t {
                break;
            }
            removed += len.min(t - start);
        }
        pos_of(&self.original, t - removed)
    }

    /// The distinct binding names the template uses, sorted.
    pub fn binding_names(&self) -> BTreeSet<String> {
        self.uses.iter().map(|u| u.name.clone()).collect()
    }

    /// The first use of a binding, if the template uses it.
    pub fn first_use(&self, name: &str) -> Option<Pos> {
        self.uses.iter().find(|u| u.name == name).map(|u| u.pos)
    }
}

/// Byte offset of a 1-based (line, char column) in `text`, clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            let col = column.saturating_sub(1);
            return offset + l.char_indices().nth(col).map(|(i, _)| i).unwrap_or(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// The 1-based (line, char column) of a byte offset.
pub fn pos_of(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    Pos {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Reads a template: classifies its mustaches, rewrites them for handlebars, records uses.
pub fn scan(src: &str) -> Result<Scanned, ScanError> {
    mustache::Scanner::new(src).run()
}
