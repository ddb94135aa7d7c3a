//! `include('file.aurora')` in a template: the included files are rendered with the same
//! bindings and written in place of the call, so the job file stands alone.
//!
//! Aurora's config loader (pystachio's `Config` with its `FileExecutor`) executes an included
//! file in the including file's namespace, resolving the path against the folder of the file
//! that names it (an absolute path stays as it is), and nested includes likewise against their
//! own file. Heron gives Aurora the template in the cluster's conf folder, and its `--bind` pairs
//! reach `{{NAME}}` in included files too. The rendered job lives elsewhere (a temporary folder),
//! so a relative include would not be found there and an included file's bindings would stay
//! unbound; rendering each included file and splicing it in gives Aurora what it would have
//! executed under Heron.
//!
//! Supported is what can be spliced without changing its meaning: `include('path')` with one
//! string literal, as a statement of its own at the top level. Anything else that names
//! `include` is an error naming the line. Cycles and deep nesting are errors too (pystachio
//! would recurse until Python's stack gives out).

use std::path::{Path, PathBuf};

use rustpython_parser::ast::{self, Constant, Expr, Stmt};
use rustpython_parser::{Mode, Tok};

use crate::render::{RenderError, Template};
use crate::scan;

/// How deep includes may nest.
pub const MAX_DEPTH: usize = 16;

/// One top-level `include('path')` statement of a rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeCall {
    /// The path as written.
    pub path: String,
    /// Byte range of the statement's lines in the rendered text (whole lines, with the newline).
    pub lines: std::ops::Range<usize>,
    /// Line of the statement in the rendered text, from 1.
    pub line: usize,
}

/// The `include()` statements of rendered Python `text` (already known to parse), in order.
pub fn find_includes(template: &Template, text: &str) -> Result<Vec<IncludeCall>, RenderError> {
    if !text.contains("include") {
        return Ok(Vec::new());
    }
    let module = rustpython_parser::parse(text, Mode::Module, &template.name).map_err(|e| {
        at_line(
            template,
            text,
            u32::from(e.offset) as usize,
            format!("the rendered file is not valid Python: {}", e.error),
        )
    })?;
    let ast::Mod::Module(module) = module else {
        return Ok(Vec::new());
    };
    let mut calls = Vec::new();
    for stmt in &module.body {
        let Stmt::Expr(statement) = stmt else {
            continue;
        };
        let Expr::Call(call) = statement.value.as_ref() else {
            continue;
        };
        let Expr::Name(func) = call.func.as_ref() else {
            continue;
        };
        if func.id.as_str() != "include" {
            continue;
        }
        let start = u32::from(statement.range.start()) as usize;
        let end = u32::from(statement.range.end()) as usize;
        let path = match (call.args.as_slice(), call.keywords.is_empty()) {
            ([Expr::Constant(c)], true) => match &c.value {
                Constant::Str(s) => s.clone(),
                _ => return Err(unsupported(template, text, start)),
            },
            _ => return Err(unsupported(template, text, start)),
        };
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        let rest = text[end..line_end].trim();
        if !text[line_start..start].trim().is_empty() || !(rest.is_empty() || rest.starts_with('#'))
        {
            return Err(at_line(
                template,
                text,
                start,
                "include() must be on a line of its own (no `;` and no other statement on its line), so it can be replaced by the included file".to_string(),
            ));
        }
        calls.push(IncludeCall {
            path,
            lines: line_start..line_end,
            line: scan::pos_of(text, start).line,
        });
    }
    // Any other `include` name (in a block, a function, an expression) cannot be spliced.
    for token in rustpython_parser::lexer::lex(text, Mode::Module).flatten() {
        if let (Tok::Name { name }, range) = &token
            && name == "include"
        {
            let offset = u32::from(range.start()) as usize;
            if !calls.iter().any(|c| c.lines.contains(&offset)) {
                return Err(unsupported(template, text, offset));
            }
        }
    }
    Ok(calls)
}

fn unsupported(template: &Template, text: &str, offset: usize) -> RenderError {
    at_line(
        template,
        text,
        offset,
        "include() is supported as a statement of its own at the top level, with the path as one string literal: include('common.aurora')".to_string(),
    )
}

fn at_line(template: &Template, text: &str, offset: usize, message: String) -> RenderError {
    let pos = scan::pos_of(text, offset);
    error(
        template,
        format!("line {} of the rendered file: {message}", pos.line),
    )
}

fn error(template: &Template, message: String) -> RenderError {
    RenderError {
        template: Some(template.name.clone()),
        pos: None,
        message,
        missing_file: false,
    }
}

/// Replaces each `include()` of `rendered` (the rendered text of `template`) by the included
/// file, rendered by `render_file`; `stack` holds the files being rendered, outermost first.
/// Returns the text and whether it changed.
pub fn expand(
    template: &Template,
    rendered: String,
    stack: &mut Vec<PathBuf>,
    render_file: &mut dyn FnMut(&Template) -> Result<String, RenderError>,
) -> Result<(String, bool), RenderError> {
    let calls = find_includes(template, &rendered)?;
    if calls.is_empty() {
        return Ok((rendered, false));
    }
    let Some(dir) = template.include_dir.as_deref() else {
        return Err(error(
            template,
            format!(
                "line {}: include('{}') is resolved against the template's folder, and a template read from stdin has none; give it as a file",
                calls[0].line, calls[0].path
            ),
        ));
    };
    let mut out = String::with_capacity(rendered.len());
    let mut done = 0;
    for call in &calls {
        out.push_str(&rendered[done..call.lines.start]);
        let path = dir.join(&call.path);
        let context = |message: String| {
            error(
                template,
                format!("line {}: include('{}'): {message}", call.line, call.path),
            )
        };
        let identity = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if stack.contains(&identity) {
            return Err(context(format!(
                "{} includes itself (through {}); Aurora would recurse without end",
                path.display(),
                stack
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            )));
        }
        if stack.len() >= MAX_DEPTH {
            return Err(context(format!(
                "includes nest deeper than {MAX_DEPTH} files"
            )));
        }
        let included = read(&path).map_err(|(message, missing)| RenderError {
            missing_file: missing,
            ..context(message)
        })?;
        stack.push(identity);
        let body = render_file(&included)?;
        let (body, _) = expand(&included, body, stack, render_file)?;
        stack.pop();
        out.push_str(&format!(
            "# heron-aurora-render: include('{}') = {}, rendered with the same bindings\n",
            comment_safe(&call.path),
            comment_safe(&path.display().to_string())
        ));
        out.push_str(&body);
        if !body.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "# heron-aurora-render: end of include('{}')\n",
            comment_safe(&call.path)
        ));
        done = call.lines.end;
    }
    out.push_str(&rendered[done..]);
    Ok((out, true))
}

/// A path written in a `#` comment: line breaks would end it.
fn comment_safe(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}

/// The included file, or what is wrong and whether it is missing.
fn read(path: &Path) -> Result<Template, (String, bool)> {
    let bytes = std::fs::read(path).map_err(|e| {
        (
            format!("cannot read {}: {e}", path.display()),
            e.kind() == std::io::ErrorKind::NotFound,
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        (
            format!("{} is not UTF-8 text; save it as UTF-8", path.display()),
            false,
        )
    })?;
    Ok(Template::from_file(path, text))
}
