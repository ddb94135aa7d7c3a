//! Quoting: Python string literals (Python 2 and 3 alike) and POSIX shell words.
//!
//! Aurora's client still runs job files under Python 2.7, and `--check` parses them as Python 3,
//! so every literal written here means the same string in both: only the escapes `\\`, `\'`,
//! `\"`, `\n`, `\r`, `\t` and `\xNN` (below 0x80) are used; other characters go in as UTF-8 and
//! the renderer adds a `coding: utf-8` line when any does (see `render`).

use std::fmt::Write as _;

/// The body of a Python string literal delimited by `quote` (`'` or `"`), without the quotes:
/// backslashes and the quote are escaped, line breaks and control characters become escapes, so
/// the text can neither end the literal nor span a line.
pub fn py_str_body(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A complete single-quoted Python string literal holding `value`.
pub fn py_str(value: &str) -> String {
    format!("'{}'", py_str_body(value, '\''))
}

/// A Python literal for a JSON value: strings quoted, numbers as numbers, `True`/`False`/`None`,
/// lists and dicts of literals.
pub fn py_literal(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(py_literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_literal(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Characters a shell word may hold without quoting.
fn shell_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c)
}

/// One POSIX shell word that expands to exactly `value`.
///
/// Safe words stay bare; anything else is single-quoted (`'` written as `'\''`). A `{` always
/// ends a quoted piece, so the word never holds two braces in a row: Aurora's Pystachio reads
/// `{{...}}` as a reference even inside a command line, and the shell joins the pieces back.
pub fn sh_word(value: &str) -> String {
    if !value.is_empty() && value.chars().all(shell_safe) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 4);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            '{' => out.push_str("{''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    // A trailing `''` (from a final `{`) is an empty piece; drop it to keep words tidy.
    if out.ends_with("{'''") {
        out.truncate(out.len() - 2);
    }
    out
}

/// The first Pystachio reference in `text` (`{{` + one or more characters other than braces +
/// `}}`, the pattern Pystachio's `MustacheParser` matches), if any.
pub fn find_pystachio_ref(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'{' && bytes[i + 1] == b'{' {
            let start = i;
            let mut j = i + 2;
            while j < bytes.len() && bytes[j] != b'{' && bytes[j] != b'}' {
                j += 1;
            }
            if j > start + 2 && j + 1 < bytes.len() && bytes[j] == b'}' && bytes[j + 1] == b'}' {
                return Some(&text[start..j + 2]);
            }
            i += 1;
        } else {
            i += 1;
        }
    }
    None
}

/// Every Pystachio reference in `text`, in order, as Pystachio's pattern finds them.
pub fn pystachio_refs(text: &str) -> Vec<&str> {
    let mut refs = Vec::new();
    let mut offset = 0;
    while let Some(found) = find_pystachio_ref(&text[offset..]) {
        let start = offset + text[offset..].find(found).unwrap_or(0);
        refs.push(&text[start..start + found.len()]);
        offset = start + found.len();
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_bodies_escape_what_would_end_the_literal() {
        assert_eq!(py_str_body(r#"a'b"c\d"#, '\''), r#"a\'b"c\\d"#);
        assert_eq!(py_str_body(r#"a'b"c"#, '"'), r#"a'b\"c"#);
        assert_eq!(py_str_body("x\ny\r\t\u{1}", '\''), "x\\ny\\r\\t\\x01");
        assert_eq!(py_str("it's"), r"'it\'s'");
    }

    #[test]
    fn python_literals_follow_the_json_type() {
        let v = serde_json::json!({"a": [1, 2.5, true, null, "x"]});
        assert_eq!(py_literal(&v), "{'a': [1, 2.5, True, None, 'x']}");
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            sh_word("./heron-core/bin/heron-executor"),
            "./heron-core/bin/heron-executor"
        );
        assert_eq!(sh_word(""), "''");
        assert_eq!(sh_word("a b"), "'a b'");
        assert_eq!(sh_word("it's"), r"'it'\''s'");
        assert_eq!(sh_word("a{{b}}"), "'a{''{''b}}'");
        assert_eq!(sh_word("x{"), "'x{'");
        assert!(find_pystachio_ref(&sh_word("{{mesos.instance}}")).is_none());
    }

    #[test]
    fn pystachio_refs_are_found_like_pystachio_finds_them() {
        assert_eq!(find_pystachio_ref("a {{b}} c"), Some("{{b}}"));
        assert_eq!(find_pystachio_ref("a {{{b}}} c"), Some("{{b}}"));
        assert_eq!(find_pystachio_ref("a {{ c"), None);
        assert_eq!(find_pystachio_ref("{{}}"), None);
        assert_eq!(find_pystachio_ref("{{a{b}}"), None);
        assert_eq!(find_pystachio_ref("{{a{{b}}"), Some("{{b}}"));
        assert_eq!(
            pystachio_refs("{{a}} x {{b}}{{c}} {{"),
            vec!["{{a}}", "{{b}}", "{{c}}"]
        );
    }
}
