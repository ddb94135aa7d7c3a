//! Failure injection, read from the environment (documented in docs/aurora-standin.md).

use std::collections::BTreeMap;

/// The verbs the stand-in knows; `all` in a list matches every one of them.
pub const VERBS: [&str; 7] = [
    "create", "killall", "kill", "restart", "add", "status", "list",
];

pub const FAIL: &str = "AURORA_STANDIN_FAIL";
pub const FAIL_AFTER: &str = "AURORA_STANDIN_FAIL_AFTER";
pub const FAIL_AFTER_CREATE: &str = "AURORA_STANDIN_FAIL_AFTER_CREATE";
pub const FAIL_COUNT: &str = "AURORA_STANDIN_FAIL_COUNT";
pub const FAIL_EXIT: &str = "AURORA_STANDIN_FAIL_EXIT";
pub const HANG: &str = "AURORA_STANDIN_HANG";
pub const HANG_AFTER: &str = "AURORA_STANDIN_HANG_AFTER";
pub const DELAY_MS: &str = "AURORA_STANDIN_DELAY_MS";
/// Removed: it made `killall` of a missing job exit 6, which no Aurora release does for Heron's
/// batched command line. Setting it is a usage error that says so.
pub const KILLALL_MISSING: &str = "AURORA_STANDIN_KILLALL_MISSING";

/// What the environment asks of this call.
#[derive(Debug, Default, Clone)]
pub struct Injection {
    /// Fail before doing anything.
    pub fail: bool,
    /// Fail the first N calls of this verb (counted in the state directory).
    pub fail_count: Option<u32>,
    /// Do the work, then fail.
    pub fail_after: bool,
    /// Exit status of injected failures.
    pub fail_exit: u8,
    /// Sleep until killed, before doing anything.
    pub hang: bool,
    /// Do the work, then sleep until killed.
    pub hang_after: bool,
    /// Sleep this long before doing the work.
    pub delay_ms: u64,
}

fn var(name: &str) -> Result<Option<String>, String> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}

fn verb_list(name: &str, verb: &str) -> Result<bool, String> {
    let Some(value) = var(name)? else {
        return Ok(false);
    };
    let mut hit = false;
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item != "all" && !VERBS.contains(&item) {
            return Err(format!(
                "{name}={value}: unknown verb {item:?}; use a comma list of {} or `all`",
                VERBS.join(", ")
            ));
        }
        hit |= item == "all" || item == verb;
    }
    Ok(hit)
}

/// `verb:N[,verb:N]...`
fn verb_numbers(name: &str) -> Result<BTreeMap<String, u64>, String> {
    let mut out = BTreeMap::new();
    let Some(value) = var(name)? else {
        return Ok(out);
    };
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (verb, n) = item
            .split_once(':')
            .ok_or_else(|| format!("{name}={value}: {item:?} is not VERB:NUMBER"))?;
        let verb = verb.trim();
        if verb != "all" && !VERBS.contains(&verb) {
            return Err(format!(
                "{name}={value}: unknown verb {verb:?}; use one of {} or `all`",
                VERBS.join(", ")
            ));
        }
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("{name}={value}: {n:?} is not a non-negative integer"))?;
        out.insert(verb.to_string(), n);
    }
    Ok(out)
}

fn lookup(map: &BTreeMap<String, u64>, verb: &str) -> Option<u64> {
    map.get(verb).or_else(|| map.get("all")).copied()
}

impl Injection {
    /// Reads every variable for `verb`. A malformed variable is an error naming it.
    pub fn from_env(verb: &str) -> Result<Injection, String> {
        let fail_exit = match var(FAIL_EXIT)? {
            None => 1,
            Some(v) => v
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|n| *n != 0)
                .ok_or_else(|| format!("{FAIL_EXIT}={v}: expected an exit status 1-255"))?,
        };
        let fail_after_create = match var(FAIL_AFTER_CREATE)?.as_deref().map(str::trim) {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => return Err(format!("{FAIL_AFTER_CREATE}={other}: expected 1 or 0")),
        };
        if let Some(value) = var(KILLALL_MISSING)? {
            return Err(format!(
                "{KILLALL_MISSING}={value}: this variable was removed. No Aurora release fails \
                 `job killall` of a missing job for Heron's batched command line: it prints \
                 `No tasks to kill found for job ...`, then `Job killall succeeded`, and exits 0, \
                 as the stand-in does. For a failing killall use {FAIL}=killall or {FAIL_COUNT}=killall:N."
            ));
        }
        let counts = verb_numbers(FAIL_COUNT)?;
        let delays = verb_numbers(DELAY_MS)?;
        Ok(Injection {
            fail: verb_list(FAIL, verb)?,
            fail_count: lookup(&counts, verb).map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            fail_after: verb_list(FAIL_AFTER, verb)? || (fail_after_create && verb == "create"),
            fail_exit,
            hang: verb_list(HANG, verb)?,
            hang_after: verb_list(HANG_AFTER, verb)?,
            delay_ms: lookup(&delays, verb).unwrap_or(0),
        })
    }
}
