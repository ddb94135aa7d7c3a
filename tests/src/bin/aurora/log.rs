//! What Aurora's client writes to stderr through its logger, so the stand-in's stderr reads like
//! the real client's.
//!
//! Aurora's `AuroraLogConfigurationPlugin` (client/cli/client.py) puts one stderr handler with
//! twitter.common's `PlainFormatter` on the root logger, at INFO, or DEBUG with `--verbose`. That
//! formatter writes the level (`DEBUG`, ` INFO`, ` WARN`, `ERROR`, `FATAL`), `] `, then the
//! message. The API layer logs what it asks the scheduler (`Creating job wc`, `Killing tasks for
//! job: ...`); `CommandLine._execute` logs the command line at DEBUG and closes with
//! `Command terminated successfully` (DEBUG) or `Command terminated with error code N` (INFO)
//! when a verb returns, but not when it raises a `CommandError`.

use std::io::Write as _;

/// Writes Aurora's log lines at the level `--verbose` chose.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    verbose: bool,
}

impl Log {
    pub fn new(verbose: bool) -> Log {
        Log { verbose }
    }

    /// `DEBUG] message`, only with `--verbose`.
    pub fn debug(&self, message: &str) {
        if self.verbose {
            line(&format!("DEBUG] {message}"));
        }
    }

    /// ` INFO] message`.
    pub fn info(&self, message: &str) {
        line(&format!(" INFO] {message}"));
    }

    /// `ERROR] message`.
    pub fn error(&self, message: &str) {
        line(&format!("ERROR] {message}"));
    }

    /// The line `CommandLine._execute` ends a verb that returned `code` with.
    pub fn terminated(&self, code: u8) {
        if code == 0 {
            self.debug("Command terminated successfully");
        } else {
            self.info(&format!("Command terminated with error code {code}"));
        }
    }
}

/// `context.print_err`: a plain stderr line (a `\n` in it starts another line).
pub fn print_err(message: &str) {
    line(message);
}

fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Python 2's `repr` of a byte string: `'job'`, `"it's"`, `'a\nb'`, `'\xc3\xa9'`.
pub fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for byte in text.bytes() {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(byte)),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

/// Python 2's `repr` of a list of byte strings: `['job', 'create']`.
pub fn py_repr_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<String> = items.into_iter().map(py_repr).collect();
    format!("[{}]", parts.join(", "))
}

/// `fp.readlines()`: the lines of `text`, each with its line break.
pub fn read_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprs_are_python_2s() {
        assert_eq!(py_repr("job"), "'job'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("'\""), "'\\'\"'");
        assert_eq!(py_repr("a\\b\n\t"), "'a\\\\b\\n\\t'");
        assert_eq!(py_repr("é"), "'\\xc3\\xa9'");
        assert_eq!(py_repr_list(["job", "killall"]), "['job', 'killall']");
        assert_eq!(read_lines("a\nb\n"), vec!["a\n", "b\n"]);
        assert_eq!(read_lines("a\nb"), vec!["a\n", "b"]);
    }
}
