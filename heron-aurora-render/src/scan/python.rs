//! A Python tokenizer, just enough to know whether a position of a template is code, a comment
//! or inside a string literal (and which quote), so that each value gets the escaping of where it
//! lands. Raw, bytes and f-string literals are refused as places for a value.

use super::Ctx;

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
pub(super) struct PyLexer {
    state: PyState,
    /// Identifier characters just before the current position (for string prefixes).
    ident: String,
    escape: bool,
    quote_run: u8,
}

impl PyLexer {
    pub(super) fn new() -> PyLexer {
        PyLexer {
            state: PyState::Code,
            ident: String::new(),
            escape: false,
            quote_run: 0,
        }
    }

    pub(super) fn feed(&mut self, text: &str) {
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
    pub(super) fn value_written(&mut self) {
        self.ident.clear();
        self.quote_run = 0;
    }

    pub(super) fn context(&self) -> Result<Ctx, &'static str> {
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
