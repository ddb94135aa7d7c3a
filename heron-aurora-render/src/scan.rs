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

use std::collections::BTreeSet;

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

/// Python tokenizer state, just enough to know whether a position is code, comment or string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PyState {
    Code,
    Comment,
    Str {
        quote: u8,
        triple: bool,
        prefix: Prefix,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Prefix {
    raw: bool,
    bytes: bool,
    format: bool,
}

#[derive(Debug)]
struct PyLexer {
    state: PyState,
    /// Identifier characters just before the current position (for string prefixes).
    ident: String,
    escape: bool,
    quote_run: u8,
}

impl PyLexer {
    fn new() -> PyLexer {
        PyLexer {
            state: PyState::Code,
            ident: String::new(),
            escape: false,
            quote_run: 0,
        }
    }

    fn feed(&mut self, text: &str) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match self.state {
                PyState::Code => {
                    if c == b'#' {
                        self.state = PyState::Comment;
                        self.ident.clear();
                    } else if c == b'\'' || c == b'"' {
                        let prefix = string_prefix(&self.ident);
                        let triple = b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                        self.state = PyState::Str {
                            quote: c,
                            triple,
                            prefix,
                        };
                        self.escape = false;
                        self.quote_run = 0;
                        self.ident.clear();
                        if triple {
                            i += 2;
                        }
                    } else if c.is_ascii_alphanumeric() || c == b'_' {
                        self.ident.push(c as char);
                    } else {
                        self.ident.clear();
                    }
                }
                PyState::Comment => {
                    if c == b'\n' {
                        self.state = PyState::Code;
                    }
                }
                PyState::Str { quote, triple, .. } => {
                    if self.escape {
                        self.escape = false;
                        self.quote_run = 0;
                    } else if c == b'\\' {
                        self.escape = true;
                        self.quote_run = 0;
                    } else if c == quote {
                        if triple {
                            self.quote_run += 1;
                            if self.quote_run == 3 {
                                self.state = PyState::Code;
                            }
                        } else {
                            self.state = PyState::Code;
                        }
                    } else {
                        self.quote_run = 0;
                        if c == b'\n' && !triple {
                            // An unterminated literal: the parser reports it after rendering.
                            self.state = PyState::Code;
                        }
                    }
                }
            }
            i += 1;
        }
    }

    /// A value written here does not change the tokenizer state (it is a complete literal, or
    /// escaped to stay inside the literal or comment), but it ends any identifier.
    fn value_written(&mut self) {
        self.ident.clear();
        self.quote_run = 0;
    }

    fn context(&self) -> Result<Ctx, &'static str> {
        match self.state {
            PyState::Code => Ok(Ctx::Code),
            PyState::Comment => Ok(Ctx::Comment),
            PyState::Str { prefix, .. } if prefix.raw => Err(
                "a binding inside a raw string literal (r'...') cannot be escaped; drop the `r` prefix",
            ),
            PyState::Str { prefix, .. } if prefix.bytes => Err(
                "a binding inside a bytes literal (b'...') is not supported; drop the `b` prefix",
            ),
            PyState::Str { prefix, .. } if prefix.format => Err(
                "a binding inside an f-string is not supported (Aurora's client runs Python 2); drop the `f` prefix",
            ),
            PyState::Str { quote, .. } => Ok(Ctx::Str(quote as char)),
        }
    }
}

fn string_prefix(ident: &str) -> Prefix {
    let lower = ident.to_ascii_lowercase();
    if lower.len() > 2 || !lower.chars().all(|c| "rbuf".contains(c)) {
        return Prefix::default();
    }
    Prefix {
        raw: lower.contains('r'),
        bytes: lower.contains('b'),
        format: lower.contains('f'),
    }
}

/// Reads a template: classifies its mustaches, rewrites them for handlebars, records uses.
pub fn scan(src: &str) -> Result<Scanned, ScanError> {
    Scanner::new(src).run()
}

struct Scanner<'a> {
    src: &'a str,
    out: String,
    insertions: Vec<(usize, usize)>,
    lexer: PyLexer,
    uses: Vec<Use>,
    aurora_refs: Vec<(String, Pos)>,
    blocks: Vec<(String, Pos)>,
    block_params: BTreeSet<String>,
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str) -> Scanner<'a> {
        Scanner {
            src,
            out: String::with_capacity(src.len() + 256),
            insertions: Vec::new(),
            lexer: PyLexer::new(),
            uses: Vec::new(),
            aurora_refs: Vec::new(),
            blocks: Vec::new(),
            block_params: BTreeSet::new(),
        }
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> ScanError {
        ScanError {
            pos: pos_of(self.src, offset),
            message: message.into(),
        }
    }

    fn insert(&mut self, text: &str) {
        self.insertions.push((self.out.len(), text.len()));
        self.out.push_str(text);
    }

    fn plain(&mut self, text: &str) {
        self.out.push_str(text);
        self.lexer.feed(text);
    }

    fn run(mut self) -> Result<Scanned, ScanError> {
        let src = self.src;
        let mut i = 0;
        while i < src.len() {
            let Some(found) = src[i..].find("{{") else {
                self.plain(&src[i..]);
                break;
            };
            let k = i + found;
            let backslashes = src[i..k].bytes().rev().take_while(|&b| b == b'\\').count();
            match backslashes {
                0 => {
                    self.plain(&src[i..k]);
                    i = self.mustache(k)?;
                }
                1 => {
                    // `\{{...}}`: the author's own handlebars escape, a literal for Aurora.
                    self.plain(&src[i..k - 1]);
                    let end = src[k..].find("}}").map(|e| k + e + 2).unwrap_or(k + 2);
                    self.out.push('\\');
                    self.plain(&src[k..end]);
                    i = end;
                }
                2 => {
                    // `\\{{X}}`: handlebars writes one backslash, then the value.
                    self.out.push_str(&src[i..k]);
                    self.lexer.feed(&src[i..k - 1]);
                    i = self.mustache(k)?;
                }
                _ => {
                    return Err(self.err(
                        k - backslashes,
                        "more than two backslashes before `{{` are ambiguous; write fewer",
                    ));
                }
            }
        }
        if let Some((name, pos)) = self.blocks.pop() {
            return Err(ScanError {
                pos,
                message: format!("`{{{{#{name}}}}}` is never closed: add `{{{{/{name}}}}}`"),
            });
        }
        Ok(Scanned {
            text: self.out,
            uses: self.uses,
            aurora_refs: self.aurora_refs,
            original: src.to_string(),
            insertions: self.insertions,
        })
    }

    /// Handles the mustache starting at `start` (at `{{`); returns the offset after it.
    fn mustache(&mut self, start: usize) -> Result<usize, ScanError> {
        let src = self.src;
        let rest = &src[start..];
        if rest.starts_with("{{{{") {
            return Err(self.err(start, "handlebars raw blocks (`{{{{raw}}}}`) are not supported; Aurora references pass through without them"));
        }
        if rest.starts_with("{{!--") {
            let end = rest
                .find("--}}")
                .ok_or_else(|| self.err(start, "comment `{{!--` is never closed by `--}}`"))?;
            self.out.push_str(&rest[..end + 4]);
            return Ok(start + end + 4);
        }
        if rest.starts_with("{{{") {
            return Err(self.err(
                start,
                "`{{{...}}}` would insert a value unescaped; write `{{NAME}}` (escaped for where it stands) or `{{py NAME}}`",
            ));
        }
        let close = rest[2..].find("}}").ok_or_else(|| {
            self.err(
                start,
                "`{{` is never closed by `}}`; write `\\{{` for a literal `{{`",
            )
        })?;
        let end = start + 2 + close + 2;
        let content = &src[start + 2..end - 2];
        if content.starts_with('!') {
            self.out.push_str(&src[start..end]);
            return Ok(end);
        }
        let lead = content.len() - content.trim_start_matches('~').len();
        let after_lead = &content[lead..];
        let trail = after_lead.len() - after_lead.trim_end_matches('~').len();
        let inner = after_lead[..after_lead.len() - trail].trim();
        if inner.is_empty() {
            return Err(self.err(start, "empty `{{}}`"));
        }
        let pos = pos_of(src, start);

        if self.is_aurora(inner) {
            self.insert("\\");
            self.plain(&src[start..end]);
            self.aurora_refs.push((src[start..end].to_string(), pos));
            return Ok(end);
        }

        let first = inner.as_bytes()[0];
        match first {
            b'#' | b'^' if !(first == b'^' && inner.len() == 1) => {
                let body = inner[1..].trim_start_matches(['*', '>']).trim_start();
                let name = body
                    .split(|c: char| c.is_whitespace() || c == '~')
                    .next()
                    .unwrap_or("");
                if name.is_empty() {
                    return Err(
                        self.err(start, "a block needs a helper name, as in `{{#if NAME}}`")
                    );
                }
                self.record_uses(body, pos, true);
                self.record_block_params(body);
                self.blocks.push((name.to_string(), pos));
                self.out.push_str(&src[start..end]);
            }
            b'/' => {
                let name = inner[1..].trim();
                match self.blocks.pop() {
                    Some((open, _)) if open == name => {}
                    Some((open, open_pos)) => {
                        return Err(self.err(
                            start,
                            format!(
                                "`{{{{/{name}}}}}` closes `{{{{#{open}}}}}` opened at line {}, column {}",
                                open_pos.line, open_pos.column
                            ),
                        ));
                    }
                    None => {
                        return Err(self.err(
                            start,
                            format!("`{{{{/{name}}}}}` closes a block that was never opened"),
                        ));
                    }
                }
                self.out.push_str(&src[start..end]);
            }
            b'^' => self.out.push_str(&src[start..end]),
            b'>' => return Err(self.err(start, "partials (`{{> name}}`) are not supported")),
            b'*' => return Err(self.err(start, "decorators (`{{* name}}`) are not supported")),
            _ if inner == "else" || inner.starts_with("else ") => {
                self.record_uses(&inner[4..], pos, false);
                self.out.push_str(&src[start..end]);
            }
            _ => {
                let ctx = self.lexer.context().map_err(|m| self.err(start, m))?;
                let single = !inner.contains(|c: char| c.is_whitespace());
                let head = inner
                    .split(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or("");
                let open_at = start + 2 + lead;
                let close_at = end - 2 - trail;
                self.out.push_str(&src[start..open_at]);
                if single {
                    self.record_uses(inner, pos, false);
                    self.insert(&format!("{} ", ctx.helper()));
                    self.out.push_str(&src[open_at..close_at]);
                } else if head == "py" {
                    if ctx != Ctx::Code {
                        return Err(self.err(
                            start,
                            "`{{py ...}}` writes a complete Python literal, quotes included; use it outside quotes (inside quotes, `{{NAME}}` is escaped already)",
                        ));
                    }
                    self.record_uses(inner, pos, true);
                    self.out.push_str(&src[open_at..close_at]);
                } else {
                    self.record_uses(inner, pos, true);
                    self.insert(&format!("{} (", ctx.helper()));
                    self.out.push_str(&src[open_at..close_at]);
                    self.insert(")");
                }
                self.out.push_str(&src[close_at..end]);
                self.lexer.value_written();
            }
        }
        Ok(end)
    }

    fn is_aurora(&self, inner: &str) -> bool {
        if inner.starts_with('&') {
            return true;
        }
        let first = inner.chars().next().unwrap_or(' ');
        if !(first.is_ascii_lowercase() || first == '_') || inner.contains(char::is_whitespace) {
            return false;
        }
        let head = inner.split(['.', '[', '/']).next().unwrap_or("");
        !(head == "this" || head == "else" || self.block_params.contains(head))
    }

    /// Records the upper-case names an expression refers to. With `helper_first`, the first word
    /// is a helper name, not a value.
    fn record_uses(&mut self, expr: &str, pos: Pos, helper_first: bool) {
        let mut words = tokens(expr);
        if helper_first {
            words.next();
        }
        for word in words {
            let word = word.rsplit('=').next().unwrap_or(word);
            let head = word.split(['.', '[', '/']).next().unwrap_or("");
            if head.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.uses.push(Use {
                    name: head.to_string(),
                    pos,
                });
            }
        }
    }

    fn record_block_params(&mut self, body: &str) {
        if let Some(idx) = body.find(" as |") {
            let params = &body[idx + 5..];
            if let Some(end) = params.find('|') {
                for p in params[..end].split_whitespace() {
                    self.block_params.insert(p.to_string());
                }
            }
        }
    }
}

/// Words of a handlebars expression, skipping string literals and splitting on parentheses.
fn tokens(expr: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' {
            let close = expr[i + 1..]
                .find(c as char)
                .map(|e| i + 1 + e + 1)
                .unwrap_or(b.len());
            i = close;
        } else if c.is_ascii_whitespace() || c == b'(' || c == b')' || c == b'|' {
            i += 1;
        } else {
            let s = i;
            while i < b.len()
                && !(b[i].is_ascii_whitespace() || b[i] == b'(' || b[i] == b')' || b[i] == b'|')
            {
                i += 1;
            }
            out.push(&expr[s..i]);
        }
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(src: &str) -> String {
        scan(src)
            .map(|s| s.text)
            .unwrap_or_else(|e| format!("ERR {}:{} {}", e.pos.line, e.pos.column, e.message))
    }

    #[test]
    fn aurora_references_become_handlebars_escapes() {
        assert_eq!(
            rewritten("x = '{{mesos.instance}} {{thermos.ports[http]}} {{&raw}}'"),
            r"x = '\{{mesos.instance}} \{{thermos.ports[http]}} \{{&raw}}'"
        );
    }

    #[test]
    fn heron_values_get_the_helper_of_their_context() {
        assert_eq!(rewritten("a = '{{X}}'"), "a = '{{__heron_sq X}}'");
        assert_eq!(rewritten("a = \"{{X}}\""), "a = \"{{__heron_dq X}}\"");
        assert_eq!(rewritten("a = {{X}}"), "a = {{__heron_code X}}");
        assert_eq!(rewritten("# {{X}}\n"), "# {{__heron_comment X}}\n");
        assert_eq!(
            rewritten("a = '''\n{{X}}'''"),
            "a = '''\n{{__heron_sq X}}'''"
        );
        assert_eq!(rewritten("a = '{{sh X}}'"), "a = '{{__heron_sq (sh X)}}'");
        assert_eq!(rewritten("a = {{py X}}"), "a = {{py X}}");
        assert_eq!(rewritten("a = '{{~X~}}'"), "a = '{{~__heron_sq X~}}'");
        assert_eq!(
            rewritten("a = 'it\\'s {{X}}'"),
            "a = 'it\\'s {{__heron_sq X}}'"
        );
        assert_eq!(rewritten("a = '' + {{X}}"), "a = '' + {{__heron_code X}}");
    }

    #[test]
    fn blocks_pass_through_and_must_balance() {
        assert_eq!(
            rewritten("{{#if T}}t = '{{T}}'{{/if}}"),
            "{{#if T}}t = '{{__heron_sq T}}'{{/if}}"
        );
        assert_eq!(
            rewritten("a\n  {{#if T}}"),
            "ERR 2:3 `{{#if}}` is never closed: add `{{/if}}`"
        );
        assert!(
            rewritten("{{#if T}}{{/each}}").starts_with("ERR 1:10 `{{/each}}` closes `{{#if}}`")
        );
        assert_eq!(
            rewritten("{{#each L as |item|}}{{item.x}}{{/each}}"),
            "{{#each L as |item|}}{{__heron_code item.x}}{{/each}}"
        );
    }

    #[test]
    fn forbidden_forms_are_errors_with_positions() {
        assert!(rewritten("a = r'{{X}}'").starts_with("ERR 1:7 a binding inside a raw string"));
        assert!(rewritten("a = '{{py X}}'").starts_with("ERR 1:6 `{{py ...}}`"));
        assert!(rewritten("\n {{{X}}}").starts_with("ERR 2:2 `{{{...}}}`"));
        assert!(rewritten("{{X").starts_with("ERR 1:1 `{{` is never closed"));
    }

    #[test]
    fn uses_are_recorded_with_positions() {
        let s = scan("a = '{{A}}'\n{{#if B}}{{sh C.d}}{{/if}} {{lookup D 'E'}}").expect("scans");
        let names: Vec<_> = s
            .uses
            .iter()
            .map(|u| (u.name.as_str(), u.pos.line, u.pos.column))
            .collect();
        assert_eq!(
            names,
            vec![("A", 1, 6), ("B", 2, 1), ("C", 2, 10), ("D", 2, 28)]
        );
    }

    #[test]
    fn positions_map_back_through_insertions() {
        let s = scan("x = '{{mesos.instance}}' + '{{A}}'\ny = {{B}}").expect("scans");
        // `{{A}}` starts at column 29 in the template; handlebars sees it one column later.
        let hb_col = s
            .text
            .lines()
            .next()
            .map(|l| l.find("{{__heron_sq").unwrap_or(0) + 1)
            .unwrap_or(0);
        assert_eq!(hb_col, 30);
        assert_eq!(
            s.original_pos(1, hb_col),
            Pos {
                line: 1,
                column: 29
            }
        );
        assert_eq!(s.original_pos(2, 5), Pos { line: 2, column: 5 });
    }
}
