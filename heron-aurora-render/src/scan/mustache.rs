//! The mustache reader: walks the template, tells Heron's mustaches from Aurora's, rewrites
//! Heron's to call the escaping helper of their Python context, passes Aurora's through as
//! handlebars escapes, checks that blocks balance, and records every insertion and use.

use std::collections::BTreeSet;

use super::python::PyLexer;
use super::{Ctx, Pos, ScanError, Scanned, Use, pos_of};

pub(super) struct Scanner<'a> {
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
    pub(super) fn new(src: &'a str) -> Scanner<'a> {
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

    pub(super) fn run(mut self) -> Result<Scanned, ScanError> {
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
