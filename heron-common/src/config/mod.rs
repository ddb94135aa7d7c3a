//! A cluster's config, loaded as Heron loads it, and typed access to its keys.
//!
//! [`Config`] is a flat map from Heron's dotted keys (`heron.statemgr.connection.string`) to YAML
//! values, each remembering the file it came from so errors can name it.
//!
//! - [`loader`]: [`load`] builds it from `<config-path>/<cluster>/` in Heron's order (Key
//!   defaults, the cluster's files, override files, `--config-property`), type-checking known
//!   keys per file; [`load_file`] reads any one file; [`parse_config_property`] is the CLI's
//!   `KEY=VALUE` parser.
//! - [`yaml`]: the YAML reader, with SnakeYAML's scalar rules and line/column errors.
//! - [`tokens`]: `${...}` substitution; [`Config::expanded`], [`Config::to_local_mode`] and
//!   [`Config::to_cluster_mode`] give both views of the same loaded files.
//! - [`keys`]: key constants, the typed key table, Heron's defaults and token names.
//! - [`known`]: our own keys and the topology's, typed; warnings for `--config-property` keys
//!   nothing reads.
//! - [`classes`]: Heron's Java class names mapped to our backends.

pub mod classes;
pub mod keys;
pub mod known;
pub mod loader;
pub mod tokens;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use loader::{
    LoadRequest, Mode, check_property, default_config_path, default_heron_home, load, load_file,
    load_raw, load_with_context, parse_config_property, property_value, render_override_yaml,
};

/// A config value as YAML gives it. Strings are token-expanded at load time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// `~` or an empty value.
    Null,
    /// `true`, `False`, ...
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Any other scalar.
    String(String),
    /// A YAML sequence.
    List(Vec<Value>),
    /// A YAML mapping (for example `heron.downloader.registry`).
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// The value as text, for scalars; `None` for null, lists and maps.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Null | Value::List(_) | Value::Map(_) => None,
            Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(format_java_double(*f)),
            Value::String(s) => Some(s.clone()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

/// Formats a double as Java's `Double.toString` does for the values Heron binds (`3.0`, `0.5`).
pub fn format_java_double(value: f64) -> String {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e7 {
        format!("{value:.1}")
    } else {
        format!("{value}")
    }
}

/// One key's value and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// The file that set it; `None` for built-in defaults and the command line.
    pub origin: Option<PathBuf>,
}

/// A loaded cluster config: Heron's keys, later sources overriding earlier ones.
///
/// A config from [`load`] is token-expanded in the mode asked for and also keeps its raw
/// (unexpanded) values, so [`to_cluster_mode`](Config::to_cluster_mode) and
/// [`to_local_mode`](Config::to_local_mode) can give the other view of the same files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    entries: BTreeMap<String, Entry>,
    /// The values before token expansion; `None` when this config was never expanded.
    raw: Option<BTreeMap<String, Entry>>,
}

impl Config {
    /// An empty config.
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets a key, replacing any earlier value (later sources win).
    ///
    /// On an expanded config the value is stored as given in both views (it is not expanded;
    /// call [`expanded`](Config::expanded) again if it holds tokens).
    pub fn set(&mut self, key: impl Into<String>, value: Value, origin: Option<PathBuf>) {
        let key = key.into();
        let entry = Entry { value, origin };
        if let Some(raw) = self.raw.as_mut() {
            raw.insert(key.clone(), entry.clone());
        }
        self.entries.insert(key, entry);
    }

    /// Sets a string key with no origin file (runtime values, defaults).
    pub fn set_str(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.set(key, Value::String(value.into()), None);
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        if let Some(raw) = self.raw.as_mut() {
            raw.remove(key);
        }
        self.entries.remove(key)
    }

    /// The config before token expansion (itself when it was never expanded).
    pub fn raw(&self) -> Config {
        match &self.raw {
            Some(raw) => Config {
                entries: raw.clone(),
                raw: None,
            },
            None => Config {
                entries: self.entries.clone(),
                raw: None,
            },
        }
    }

    /// This config's raw values expanded for `mode` (heron-aurora.md §3.9).
    ///
    /// Local mode expands with the `heron.directory.home`/`conf` the loader set (the client's
    /// `~/.heron` and `<config-path>/<cluster>`); cluster mode first sets them to
    /// `heron.directory.cluster.home`/`conf` (`./heron-core`, `./heron-conf`), as Heron's
    /// `Config.toClusterMode` does. `context` gives `${HOME}` and `${JAVA_HOME}`; every other
    /// token takes its value from the config's own keys (then from `context.values`).
    pub fn expanded(&self, mode: Mode, context: &tokens::TokenContext) -> Config {
        let base = self.raw();
        let mut current = base.entries.clone();
        if mode == Mode::Cluster {
            for (target, source) in [
                (keys::HERON_HOME, keys::HERON_CLUSTER_HOME),
                (keys::HERON_CONF, keys::HERON_CLUSTER_CONF),
            ] {
                if let Some(entry) = current.get(source).cloned() {
                    current.insert(target.to_string(), entry);
                }
            }
        }
        let mut previous = 0usize;
        // Heron stops when a pass leaves as many values holding `${` as the pass before; the
        // bound only guards against a pathological cycle.
        for _ in 0..64 {
            let mut ctx = context.clone();
            for (name, key) in keys::TOKEN_KEYS {
                if let Some(text) = current.get(*key).and_then(|e| e.value.as_text()) {
                    ctx.values.insert((*name).to_string(), text);
                }
            }
            let mut remaining = 0usize;
            for entry in current.values_mut() {
                if let Value::String(text) = &entry.value {
                    let expanded = tokens::substitute(text, &ctx);
                    if expanded.contains("${") {
                        remaining += 1;
                    }
                    entry.value = Value::String(expanded);
                }
            }
            if remaining == previous {
                break;
            }
            previous = remaining;
        }
        Config {
            entries: current,
            raw: Some(base.entries),
        }
    }

    /// The same config expanded for the Aurora sandbox (`./heron-core`, `./heron-conf`), with
    /// `${HOME}`/`${JAVA_HOME}` from this process's environment.
    pub fn to_cluster_mode(&self) -> Config {
        self.expanded(Mode::Cluster, &tokens::TokenContext::from_env())
    }

    /// The same config expanded for the client (`heron.directory.home`/`conf` as loaded).
    pub fn to_local_mode(&self) -> Config {
        self.expanded(Mode::Local, &tokens::TokenContext::from_env())
    }

    /// The raw entry of a key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key).map(|e| &e.value)
    }

    /// The file that set a key, if any.
    pub fn origin(&self, key: &str) -> Option<&Path> {
        self.entries.get(key).and_then(|e| e.origin.as_deref())
    }

    /// Every key and entry, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    /// True if the key is set to something other than null.
    pub fn contains(&self, key: &str) -> bool {
        !matches!(self.get(key), None | Some(Value::Null))
    }

    /// A list key.
    pub fn get_list(&self, key: &str) -> Result<Option<&[Value]>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::List(items)) => Ok(Some(items)),
            Some(v) => Err(self.wrong(key, format!("expected a list, found {}", describe(v)))),
        }
    }

    /// Checks every known key (see [`keys::KNOWN_KEYS`]) holds a value of its type.
    pub fn validate(&self) -> Result<()> {
        for (key, entry) in &self.entries {
            check_type(key, &entry.value, entry.origin.as_deref())?;
        }
        Ok(())
    }

    fn wrong(&self, key: &str, message: String) -> Error {
        Error::ConfigValue {
            key: key.to_string(),
            origin: self.origin(key).map(Path::to_path_buf),
            message,
        }
    }

    /// A scalar key as text (numbers and booleans as written); `None` when unset or null.
    pub fn get_str(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_text()
                .map(Some)
                .ok_or_else(|| self.wrong(key, format!("expected a string, found {}", v.kind()))),
        }
    }

    /// A scalar key as text, or an error naming the key when it is unset.
    pub fn require_str(&self, key: &str, hint: &str) -> Result<String> {
        self.get_str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| Error::ConfigMissing {
                key: key.to_string(),
                hint: hint.to_string(),
            })
    }

    /// A boolean key: YAML booleans, or the strings `true`/`false` in any case.
    pub fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.wrong(
                key,
                format!("expected true or false, found {}", describe(v)),
            )),
        }
    }

    /// A signed integer key: YAML integers or integer strings.
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(*f as i64)),
            Some(Value::String(s)) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.wrong(key, format!("expected an integer, found {s:?}"))),
            Some(v) => Err(self.wrong(key, format!("expected an integer, found {}", describe(v)))),
        }
    }

    /// A non-negative integer key.
    pub fn get_u64(&self, key: &str) -> Result<Option<u64>> {
        match self.get_i64(key)? {
            None => Ok(None),
            Some(i) if i >= 0 => Ok(Some(i as u64)),
            Some(i) => Err(self.wrong(key, format!("expected a non-negative integer, found {i}"))),
        }
    }

    /// A floating-point key: YAML numbers or numeric strings.
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i as f64)),
            Some(Value::Float(f)) => Ok(Some(*f)),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| self.wrong(key, format!("expected a number, found {s:?}"))),
            Some(v) => Err(self.wrong(key, format!("expected a number, found {}", describe(v)))),
        }
    }

    /// A map key (for example `heron.downloader.registry`).
    pub fn get_map(&self, key: &str) -> Result<Option<&BTreeMap<String, Value>>> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Map(m)) => Ok(Some(m)),
            Some(v) => Err(self.wrong(key, format!("expected a map, found {}", describe(v)))),
        }
    }
}

/// Checks one value against the type its key must have; unknown keys pass.
pub fn check_type(key: &str, value: &Value, origin: Option<&Path>) -> Result<()> {
    let Some(expected) = keys::key_type(key) else {
        return Ok(());
    };
    let ok = match (expected, value) {
        (_, Value::Null) => true,
        (keys::KeyType::Bool, Value::Bool(_)) => true,
        (keys::KeyType::Bool, Value::String(s)) => {
            s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
        }
        (keys::KeyType::Int, Value::Int(_)) => true,
        (keys::KeyType::Int, Value::Float(f)) => f.fract() == 0.0 && f.abs() < 9.0e15,
        (keys::KeyType::Int, Value::String(s)) => s.trim().parse::<i64>().is_ok(),
        (keys::KeyType::Float, Value::Int(_) | Value::Float(_)) => true,
        (keys::KeyType::Float, Value::String(s)) => {
            s.trim().parse::<f64>().is_ok_and(|f| f.is_finite())
        }
        (keys::KeyType::String, Value::String(_) | Value::Int(_) | Value::Float(_)) => true,
        (keys::KeyType::Map, Value::Map(_)) => true,
        (keys::KeyType::List, Value::List(_)) => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let hint = match (expected, value) {
        (keys::KeyType::String, Value::Bool(_)) => {
            " (YAML reads yes/no/on/off/true/false as booleans: quote the value)"
        }
        _ => "",
    };
    Err(Error::ConfigValue {
        key: key.to_string(),
        origin: origin.map(Path::to_path_buf),
        message: format!(
            "expected {}, found {}{hint}",
            expected.describe(),
            describe(value)
        ),
    })
}

fn describe(value: &Value) -> String {
    match value.as_text() {
        Some(text) => format!("{} {text:?}", value.kind()),
        None => value.kind().to_string(),
    }
}
