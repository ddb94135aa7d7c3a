//! Rendering: bindings + template → Aurora job file, or an error at the template's line and column.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, RenderContext, RenderError as HbRenderError,
    RenderErrorReason, ScopedJson,
};
use serde_json::Value;

use crate::bindings::{Bindings, kind_of, scalar_text};
use crate::fetch::FetchCommands;
use crate::quote::{find_pystachio_ref, py_literal, py_str_body, pystachio_refs, sh_word};
use crate::scan::{self, Ctx, Pos, Scanned};

/// Built-in default template text.
pub const BUILTIN_TEMPLATE: &str = include_str!("default.aurora");

/// Name of the built-in template in messages.
pub const BUILTIN_NAME: &str = "<built-in heron.aurora>";

/// The package file names the fetch commands write (the names Heron's template uses).
pub const CORE_PACKAGE_FILE: &str = "heron-core.tar.gz";
/// See [`CORE_PACKAGE_FILE`].
pub const TOPOLOGY_PACKAGE_FILE: &str = "topology.tar.gz";

/// The computed fetch bindings: (binding, URI binding it follows, file it writes).
pub const FETCH_BINDINGS: &[(&str, &str, &str)] = &[
    ("CORE_PACKAGE_FETCH", "CORE_PACKAGE_URI", CORE_PACKAGE_FILE),
    (
        "TOPOLOGY_PACKAGE_FETCH",
        "TOPOLOGY_PACKAGE_URI",
        TOPOLOGY_PACKAGE_FILE,
    ),
];

/// The helpers template authors may call.
pub const PUBLIC_HELPERS: &[&str] = &["py", "sh"];

/// A template and the name errors call it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The path as given, or [`BUILTIN_NAME`].
    pub name: String,
    /// The text.
    pub text: String,
    /// The folder its `include('file')` calls resolve against (the file's own folder, as
    /// Aurora's loader resolves them); `None` for the built-in template and stdin.
    pub include_dir: Option<std::path::PathBuf>,
}

impl Template {
    /// The built-in default template.
    pub fn builtin() -> Template {
        Template {
            name: BUILTIN_NAME.to_string(),
            text: BUILTIN_TEMPLATE.to_string(),
            include_dir: None,
        }
    }

    /// A template from text (a leading byte-order mark, which editors add and Python 2 rejects
    /// once a coding line precedes it, is dropped).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Template {
        let text = text.into();
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        Template {
            name: name.into(),
            text,
            include_dir: None,
        }
    }

    /// The template read from `path`: named by it, its includes found beside it.
    pub fn from_file(path: &std::path::Path, text: impl Into<String>) -> Template {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        Template {
            include_dir: Some(dir),
            ..Template::new(path.display().to_string(), text)
        }
    }
}

/// A render failure: the template (or the output), where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location(.template, .pos))]
pub struct RenderError {
    /// The template's name (path), when the error is about it.
    pub template: Option<String>,
    /// The line and column in the template.
    pub pos: Option<Pos>,
    /// What is wrong and what to do.
    pub message: String,
    /// The error is a file that does not exist (an included file).
    pub missing_file: bool,
}

fn location(template: &Option<String>, pos: &Option<Pos>) -> String {
    match (template, pos) {
        (Some(t), Some(p)) => format!("{t}:{}:{}: ", p.line, p.column),
        (Some(t), None) => format!("{t}: "),
        (None, _) => String::new(),
    }
}

impl RenderError {
    fn at(template: &Template, pos: Option<Pos>, message: impl Into<String>) -> RenderError {
        RenderError {
            template: Some(template.name.clone()),
            pos,
            message: message.into(),
            missing_file: false,
        }
    }
}

/// One binding a template uses, for `--list-bindings`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BindingInfo {
    /// The name.
    pub name: String,
    /// Where it is first used.
    pub first_use: Pos,
    /// How many mustaches use it.
    pub uses: usize,
    /// For the fetch commands: the URI binding they are computed from unless bound themselves.
    pub computed_from: Option<String>,
}

/// The Heron bindings and Aurora references of a template.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateVariables {
    /// Heron's bindings, sorted by name.
    pub bindings: Vec<BindingInfo>,
    /// Aurora's runtime references, as written, sorted and distinct.
    pub aurora_references: Vec<String>,
}

/// Lists the variables a template uses.
pub fn list_variables(template: &Template) -> Result<TemplateVariables, RenderError> {
    let scanned = scan_template(template)?;
    let bindings = scanned
        .binding_names()
        .into_iter()
        .map(|name| {
            let uses = scanned.uses.iter().filter(|u| u.name == name).count();
            let first_use = scanned
                .first_use(&name)
                .unwrap_or(Pos { line: 1, column: 1 });
            let computed_from = FETCH_BINDINGS
                .iter()
                .find(|(b, _, _)| *b == name)
                .map(|(_, uri, _)| uri.to_string());
            BindingInfo {
                name,
                first_use,
                uses,
                computed_from,
            }
        })
        .collect();
    let mut aurora_references: Vec<String> =
        scanned.aurora_refs.iter().map(|(r, _)| r.clone()).collect();
    aurora_references.sort();
    aurora_references.dedup();
    Ok(TemplateVariables {
        bindings,
        aurora_references,
    })
}

fn scan_template(template: &Template) -> Result<Scanned, RenderError> {
    scan::scan(&template.text).map_err(|e| RenderError::at(template, Some(e.pos), e.message))
}

/// Renders the job file. Bindings are checked for their kind first; each file the template
/// includes is rendered with the same bindings and written in place of its `include()` (see
/// [`crate::include`]); the result is parsed as Python before it is returned, so a template that
/// breaks Python fails here, not in Aurora.
pub fn render(
    template: &Template,
    bindings: &Bindings,
    fetch: &FetchCommands,
) -> Result<String, RenderError> {
    let mut render_file = |t: &Template| {
        let text = render_one(t, bindings, fetch)?;
        check_python(t, &text)?;
        Ok(text)
    };
    let output = render_file(template)?;
    let mut stack: Vec<std::path::PathBuf> = template
        .include_dir
        .as_ref()
        .map(|_| {
            let path = std::path::PathBuf::from(&template.name);
            std::fs::canonicalize(&path).unwrap_or(path)
        })
        .into_iter()
        .collect();
    let (output, expanded) =
        crate::include::expand(template, output, &mut stack, &mut render_file)?;
    if expanded {
        // Each file parsed on its own; the whole must too (an include spliced into a block).
        check_python(template, &output)?;
    }
    Ok(with_coding_line(output))
}

/// One file: the bindings' kinds, the computed fetch commands it uses, Handlebars, and the check
/// that no Aurora reference appeared that the file does not write.
fn render_one(
    template: &Template,
    bindings: &Bindings,
    fetch: &FetchCommands,
) -> Result<String, RenderError> {
    let scanned = scan_template(template)?;
    let mut bindings = bindings.clone();
    bindings.normalize().map_err(|e| {
        // A package URI the template only uses through its fetch command points there.
        let pos = e.binding().and_then(|b| {
            scanned.first_use(b).or_else(|| {
                FETCH_BINDINGS
                    .iter()
                    .find(|(_, uri, _)| *uri == b)
                    .and_then(|(fetch, _, _)| scanned.first_use(fetch))
            })
        });
        RenderError::at(template, pos, e.to_string())
    })?;
    for (name, uri_binding, file) in FETCH_BINDINGS {
        let Some(pos) = scanned.first_use(name) else {
            continue;
        };
        if bindings.contains(name) {
            continue;
        }
        let Some(uri) = bindings.get_text(uri_binding) else {
            return Err(RenderError::at(
                template,
                Some(pos),
                format!(
                    "{name} is computed from {uri_binding}, which is not bound; bind {uri_binding}"
                ),
            ));
        };
        let command = fetch.command(&uri, file).map_err(|e| {
            RenderError::at(
                template,
                Some(pos),
                format!("{name} (from {uri_binding}): {e}"),
            )
        })?;
        bindings.set_computed(name, command);
    }

    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper(scan::CODE_HELPER, Box::new(escape(Ctx::Code)));
    hb.register_helper(scan::COMMENT_HELPER, Box::new(escape(Ctx::Comment)));
    hb.register_helper(scan::SQ_HELPER, Box::new(escape(Ctx::Str('\''))));
    hb.register_helper(scan::DQ_HELPER, Box::new(escape(Ctx::Str('"'))));
    hb.register_helper("py", Box::new(ValueHelper(py)));
    hb.register_helper("sh", Box::new(ValueHelper(sh)));

    hb.register_template_string(&template.name, &scanned.text)
        .map_err(|e| {
            let pos = e.pos().map(|(l, c)| scanned.original_pos(l, c));
            RenderError::at(
                template,
                pos,
                format!("template syntax error: {}", e.reason()),
            )
        })?;
    let output = hb
        .render(&template.name, &bindings.as_json())
        .map_err(|e| render_error(template, &scanned, &e))?;
    no_new_references(template, &output)?;
    Ok(output)
}

fn render_error(template: &Template, scanned: &Scanned, e: &HbRenderError) -> RenderError {
    let pos = match (e.line_no, e.column_no) {
        (Some(l), Some(c)) => Some(scanned.original_pos(l, c)),
        _ => None,
    };
    let message = match e.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => {
            let name = path.split(['.', '[', '/']).next().unwrap_or(path);
            let hint = match FETCH_BINDINGS.iter().find(|(b, _, _)| *b == name) {
                Some((_, uri, _)) => {
                    format!("bind {uri} (it is computed from that) or {name} itself")
                }
                None if kind_of(name).is_some() => {
                    format!("bind it in the values document or with --bind {name}=...")
                }
                None => format!(
                    "bind it in the values document or with --bind {name}=... (is the name spelled right? Heron binds CLUSTER, ROLE, ENVIRON, TOPOLOGY_NAME, NUM_CONTAINERS, ...)"
                ),
            };
            if path == name {
                format!("undefined binding {name}: {hint}")
            } else {
                format!("undefined binding {path}: {hint}")
            }
        }
        RenderErrorReason::HelperNotFound(name) => {
            format!(
                "unknown helper `{name}`: the helpers are {}, plus handlebars' if, unless, each, with, lookup",
                PUBLIC_HELPERS.join(", ")
            )
        }
        RenderErrorReason::TemplateError(te) => format!("template syntax error: {}", te.reason()),
        other => other.to_string(),
    };
    let pos = pos.or_else(|| match e.reason() {
        RenderErrorReason::TemplateError(te) => te.pos().map(|(l, c)| scanned.original_pos(l, c)),
        _ => None,
    });
    RenderError::at(template, pos, message)
}

/// Each value is checked on its own; this catches a reference formed where a value meets
/// template text or another value (`'{{A}}}'` with A = `{{x}`): every reference in the output
/// must be written in the template itself.
fn no_new_references(template: &Template, output: &str) -> Result<(), RenderError> {
    let written: std::collections::BTreeSet<&str> =
        pystachio_refs(&template.text).into_iter().collect();
    match pystachio_refs(output)
        .into_iter()
        .find(|r| !written.contains(r))
    {
        None => Ok(()),
        Some(found) => Err(RenderError::at(
            template,
            None,
            format!(
                "the rendered job holds `{found}`, which the template does not: a value written next to braces formed one of Aurora's references; keep braces away from values"
            ),
        )),
    }
}

/// Aurora's client runs Python 2, which rejects non-ASCII source without a coding declaration.
fn with_coding_line(output: String) -> String {
    if output.is_ascii() {
        return output;
    }
    let declared = output.lines().take(2).any(|l| {
        l.trim_start().starts_with('#')
            && l.contains("coding")
            && (l.contains("coding:") || l.contains("coding="))
    });
    if declared {
        output
    } else {
        format!("# -*- coding: utf-8 -*-\n{output}")
    }
}

fn check_python(template: &Template, output: &str) -> Result<(), RenderError> {
    rustpython_parser::parse(output, rustpython_parser::Mode::Module, &template.name).map(|_| ()).map_err(|e| {
        let at = scan::pos_of(output, u32::from(e.offset) as usize);
        RenderError::at(
            template,
            None,
            format!(
                "the rendered job is not valid Python: {} at line {}, column {} of the output; fix the template's Python there",
                e.error, at.line, at.column
            ),
        )
    })
}

/// The value of a helper's first parameter, and a name for it in messages.
fn param<'a>(h: &'a Helper<'_>) -> Result<(&'a Value, String), HbRenderError> {
    let p = h.param(0).ok_or_else(|| {
        RenderErrorReason::Other(format!(
            "`{}` needs a value, as in {{{{{} NAME}}}}",
            h.name(),
            h.name()
        ))
    })?;
    if p.is_value_missing() {
        return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
    }
    let name = p
        .relative_path()
        .cloned()
        .unwrap_or_else(|| "the inner expression".to_string());
    Ok((p.value(), name))
}

fn text_of(value: &Value, name: &str) -> Result<String, HbRenderError> {
    match value {
        Value::Null => Ok(String::new()),
        Value::Array(_) | Value::Object(_) => Err(RenderErrorReason::Other(format!(
            "{name} is a {}, not a single value: write {{{{py {name}}}}} outside quotes for a Python literal, or loop with {{{{#each {name}}}}}",
            if value.is_array() { "list" } else { "mapping" }
        ))
        .into()),
        other => Ok(scalar_text(other).unwrap_or_default()),
    }
}

fn no_pystachio_refs(text: &str, name: &str) -> Result<(), HbRenderError> {
    match find_pystachio_ref(text) {
        None => Ok(()),
        Some(found) => Err(RenderErrorReason::Other(format!(
            "the value of {name} contains `{found}`, which Aurora would read as one of its own references and replace; no escape survives both Aurora's client and its executor. Remove it, or write {{{{sh {name}}}}} where a shell reads the value (the shell quoting keeps the braces apart)"
        ))
        .into()),
    }
}

/// A helper that writes its one value as text, turned into that text by its function.
struct ValueHelper<F>(F);

impl<F> HelperDef for ValueHelper<F>
where
    F: Fn(&Value, &str) -> Result<String, HbRenderError> + Send + Sync,
{
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, HbRenderError> {
        let (value, name) = param(h)?;
        Ok(ScopedJson::Derived(Value::String((self.0)(value, &name)?)))
    }
}

/// The context helpers the scanner inserts: each writes its value escaped for where it stands.
fn escape(ctx: Ctx) -> ValueHelper<impl Fn(&Value, &str) -> Result<String, HbRenderError>> {
    ValueHelper(move |value: &Value, name: &str| {
        let text = match ctx {
            Ctx::Code => py_literal(value),
            Ctx::Comment => text_of(value, name)?
                .replace('\r', "\\r")
                .replace('\n', "\\n"),
            Ctx::Str(quote) => py_str_body(&text_of(value, name)?, quote),
        };
        if ctx != Ctx::Comment {
            no_pystachio_refs(&text, name)?;
        }
        Ok(text)
    })
}

/// `{{py X}}`: X as a complete Python literal (strings quoted, numbers bare, lists, dicts).
fn py(value: &Value, name: &str) -> Result<String, HbRenderError> {
    let text = py_literal(value);
    no_pystachio_refs(&text, name)?;
    Ok(text)
}

/// `{{sh X}}`: X as one POSIX shell word.
fn sh(value: &Value, name: &str) -> Result<String, HbRenderError> {
    Ok(sh_word(&text_of(value, name)?))
}
