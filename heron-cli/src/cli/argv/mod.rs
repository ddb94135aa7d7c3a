//! Heron's command line as Heron's Python parser (argparse) reads it, rewritten so clap reads it
//! the same way ([`normalize`]). The option names come from the clap definitions in
//! [`crate::cli::args`], so there is no second list to keep in step.
//!
//! What is reproduced (heron/tools/cli/src/python, Heron 0.20.5):
//! - **Abbreviated long options.** argparse takes an unambiguous prefix of a long option for the
//!   option (`--config-pa DIR`, `--extra-launch CP`, `--dry-run-f json`) and refuses a prefix of
//!   several (`--config-p`: `--config-path` or `--config-property`?). Exact names always win
//!   (`--dry-run` is not ambiguous with `--dry-run-format`). An abbreviation is expanded here, not
//!   by clap's `infer_long_args`, because the two rules below need the full name.
//! - **Boolean options used as flags.** `--verbose`, `--deploy-deactivated` and `--verbose_gc`
//!   take a value in Heron, which inserts `True` after a bare `--verbose`; `--verbose True`,
//!   `--verbose=false` and a bare `--verbose` are all accepted.
//! - **`submit`'s unknown arguments go to the topology** (`parse_known_args`): options `heron`
//!   knows are taken wherever they appear, and every other argument after the class name
//!   (`--foo` included) is passed to the topology program in its order. `--` ends `heron`'s
//!   options: what follows is positional or the topology's; a `--` after the topology's first
//!   argument is passed on too (`M a -- b` gives the topology `a -- b`, as argparse does).
//!
//! On purpose unlike Heron: in `submit`, options of ours that Heron does not have (`--format`)
//! are matched by their full name only, so a topology argument Heron would pass on (`--fo`) is
//! still passed on. Other commands refuse an unknown option (Heron ignores it): a typo there is
//! an error, not a silently dropped option.

use clap::CommandFactory as _;

use crate::cli::args::Cli;

/// Heron's value-taking boolean options that are used as flags.
const BOOL_OPTIONS: &[&str] = &["--verbose", "--deploy-deactivated", "--verbose_gc"];

/// `submit` options of ours that Heron's `submit` does not have: matched by full name only.
/// (Heron's submit options: heron/tools/cli/src/python/submit.py `create_parser`.)
const SUBMIT_OPTIONS_NOT_IN_HERON: &[&str] = &["--format"];

/// A command line clap should not see: an ambiguous abbreviation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguous {
    /// What was typed (the part before any `=`).
    pub given: String,
    /// The options it is a prefix of, in their order.
    pub candidates: Vec<String>,
    /// The subcommand, if one was given.
    pub subcommand: Option<String>,
}

impl std::fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ambiguous option {}: it could be {}; write more of it",
            self.given,
            join_or(&self.candidates)
        )
    }
}

impl std::error::Error for Ambiguous {}

fn join_or(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// One long option of a command.
#[derive(Debug, Clone)]
struct LongOption {
    /// `--name`.
    name: String,
    /// Whether it takes a value (the next argument when not given as `--name=value`).
    takes_value: bool,
    /// Whether an abbreviation of it is accepted.
    abbreviable: bool,
}

/// The long options of the subcommand `sub` (or of `heron` itself), from the clap definitions.
fn long_options(sub: Option<&str>) -> Vec<LongOption> {
    let mut root = Cli::command();
    root.build();
    let command = match sub {
        None => Some(&root),
        Some(name) => root.find_subcommand(name),
    };
    let Some(command) = command else {
        return Vec::new();
    };
    command
        .get_arguments()
        .filter_map(|arg| {
            let name = format!("--{}", arg.get_long()?);
            let abbreviable =
                !(sub == Some("submit") && SUBMIT_OPTIONS_NOT_IN_HERON.contains(&name.as_str()));
            Some(LongOption {
                takes_value: arg.get_action().takes_values(),
                abbreviable,
                name,
            })
        })
        .collect()
}

/// The option `given` (`--name`, without `=value`) stands for: itself when it is one, else the
/// one option it is a prefix of; `Ok(None)` when it is none (clap or the topology gets it).
fn resolve<'a>(
    options: &'a [LongOption],
    given: &str,
    subcommand: Option<&str>,
) -> Result<Option<&'a LongOption>, Ambiguous> {
    if let Some(exact) = options.iter().find(|o| o.name == given) {
        return Ok(Some(exact));
    }
    let matches: Vec<&LongOption> = options
        .iter()
        .filter(|o| o.abbreviable && o.name.starts_with(given))
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(Ambiguous {
            given: given.to_string(),
            candidates: many.iter().map(|o| o.name.clone()).collect(),
            subcommand: subcommand.map(str::to_string),
        }),
    }
}

/// Expands abbreviated long options to their full names, leaving option values, positionals and
/// everything after `--` alone.
fn expand(
    args: Vec<String>,
    options: &[LongOption],
    subcommand: Option<&str>,
) -> Result<Vec<String>, Ambiguous> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(iter);
            break;
        }
        if !arg.starts_with("--") || arg.len() == 2 {
            out.push(arg);
            continue;
        }
        let (given, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        let Some(option) = resolve(options, &given, subcommand)? else {
            out.push(arg);
            continue;
        };
        match inline {
            Some(value) => out.push(format!("{}={value}", option.name)),
            None => {
                out.push(option.name.clone());
                // A value-taking option's value is never itself read as an option.
                if option.takes_value
                    && !BOOL_OPTIONS.contains(&option.name.as_str())
                    && let Some(value) = iter.next()
                {
                    out.push(value);
                }
            }
        }
    }
    Ok(out)
}

fn bool_word(word: &str) -> Option<bool> {
    if word.eq_ignore_ascii_case("true") {
        Some(true)
    } else if word.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Rewrites argv for clap: abbreviations, Heron's boolean options, and for `submit` the split
/// between `heron`'s options and the topology's arguments (see the module docs).
pub fn normalize(argv: Vec<String>) -> Result<Vec<String>, Ambiguous> {
    let mut iter = argv.into_iter();
    let mut out: Vec<String> = iter.next().into_iter().collect();
    // Up to the subcommand, `heron`'s own options (--help, --version).
    let mut before = Vec::new();
    let mut subcommand: Option<String> = None;
    for arg in iter.by_ref() {
        if !arg.starts_with('-') {
            subcommand = Some(arg);
            break;
        }
        before.push(arg);
    }
    out.extend(expand(before, &long_options(None), None)?);
    let Some(sub) = subcommand else {
        return Ok(out);
    };
    let options = long_options(Some(&sub));
    let rest = expand(iter.collect(), &options, Some(&sub))?;
    let rest = bool_quirk(rest);
    out.push(sub.clone());
    if sub == "submit" {
        out.extend(split_submit(rest, &options));
    } else {
        out.extend(rest);
    }
    Ok(out)
}

/// `--verbose True` → `--verbose`; `--verbose False` → nothing; `--verbose=true` → `--verbose`.
fn bool_quirk(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().peekable();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(iter);
            break;
        }
        if let Some((name, value)) = arg.split_once('=')
            && BOOL_OPTIONS.contains(&name)
            && let Some(b) = bool_word(value)
        {
            if b {
                out.push(name.to_string());
            }
            continue;
        }
        if BOOL_OPTIONS.contains(&arg.as_str()) {
            match iter.peek().and_then(|next| bool_word(next)) {
                Some(b) => {
                    iter.next();
                    if b {
                        out.push(arg);
                    }
                }
                None => out.push(arg),
            }
            continue;
        }
        out.push(arg);
    }
    out
}

/// `submit`'s `parse_known_args`: known options anywhere go first, then `--`, the three
/// positionals, and the topology's arguments in their order.
fn split_submit(args: Vec<String>, known: &[LongOption]) -> Vec<String> {
    let mut options = Vec::new();
    let mut positionals = Vec::new();
    let mut topology_args = Vec::new();
    let mut iter = args.into_iter();
    let mut after_double_dash = false;
    while let Some(arg) = iter.next() {
        if after_double_dash {
            if positionals.len() < 3 {
                positionals.push(arg);
            } else {
                topology_args.push(arg);
            }
            continue;
        }
        if arg == "--" {
            after_double_dash = true;
            // As argparse: once the topology's arguments have begun, `--` is one of them.
            if !topology_args.is_empty() {
                topology_args.push(arg);
            }
            continue;
        }
        if arg == "-h" {
            options.push(arg);
            continue;
        }
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        if let Some(option) = known.iter().find(|o| o.name == name) {
            let takes_value = option.takes_value && !BOOL_OPTIONS.contains(&name);
            let inline = arg.contains('=');
            options.push(arg);
            if takes_value
                && !inline
                && let Some(value) = iter.next()
            {
                options.push(value);
            }
            continue;
        }
        if positionals.len() < 3 && (!arg.starts_with('-') || arg == "-") {
            positionals.push(arg);
        } else {
            topology_args.push(arg);
        }
    }
    let mut out = options;
    out.push("--".to_string());
    out.extend(positionals);
    out.extend(topology_args);
    out
}

/// Adds what clap cannot know to its usage errors: that `-` is the class name of a topology file
/// that needs none.
pub fn add_hints(error: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::MissingRequiredArgument {
        return;
    }
    let missing_class = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::Strings(args)) => args.iter().any(|a| a.contains("CLASS-NAME")),
        Some(ContextValue::String(arg)) => arg.contains("CLASS-NAME"),
        _ => false,
    };
    if missing_class {
        error.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "a .yaml, .defn, .py or .pex file needs no class: give `-` as the class name \
                 (heron submit CLUSTER topology.yaml -)"
                    .into(),
            ]),
        );
    }
}

#[cfg(test)]
mod tests;
