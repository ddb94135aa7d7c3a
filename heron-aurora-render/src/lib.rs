//! heron-aurora-render: writes the Aurora job file of a Heron topology from a Handlebars
//! `heron.aurora` template and Heron's bindings, and checks job files without Aurora.
//!
//! What it is: the step Heron's Java `AuroraController` left to `aurora job create --bind ...`,
//! done up front so the job file can be read, diffed and checked before Aurora sees it. The
//! built-in template renders the same job as Heron's stock `heron.aurora`, with fetch commands
//! that follow each package's URI scheme; an unedited stock `heron.aurora` renders as well.
//!
//! What it is not: it does not talk to Aurora, upload packages or compute bindings from a
//! topology (that is `heron`'s job); it does not execute the job file.
//!
//! Layout:
//! - [`scan`]: tells Heron's `{{BINDINGS}}` from Aurora's `{{mesos.instance}}` references and
//!   finds the Python context (code, comment, string literal) of each value (the mustache reader
//!   in `scan/mustache.rs`, the Python tokenizer in `scan/python.rs`);
//! - [`render`](mod@render): handlebars in strict mode with the escaping helpers, then a Python parse;
//! - [`include`](mod@include): a template's `include('file')` calls, rendered in place;
//! - [`bindings`]: the values document and `--bind` pairs, with each known binding's kind;
//! - [`fetch`]: the per-scheme fetch commands (`heron.aurora.fetch.command.<scheme>`);
//! - [`quote`]: Python-literal and shell quoting;
//! - [`check`](mod@check): `--check`, a static reading of a job file.
//!
//! See docs/render.md for the template language and its escaping rules.

#![warn(missing_docs)]

pub mod bindings;
pub mod check;
pub mod fetch;
pub mod include;
pub mod quote;
pub mod render;
pub mod scan;

pub use bindings::{BindingError, Bindings, Source};
pub use check::{CheckError, JobKey, JobSummary, check};
pub use fetch::{FETCH_COMMAND_KEY_PREFIX, FetchCommands, FetchError};
pub use render::{RenderError, Template, TemplateVariables, list_variables, render};
