//! The bindings: Heron's values for the template, from a JSON/YAML document and `--bind` pairs,
//! checked for their kind before anything is rendered.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

/// The bindings Heron defines and what kind of value each must be (heron-aurora.md §2.2).
pub const KNOWN_BINDINGS: &[(&str, Kind)] = &[
    ("CLUSTER", Kind::Identifier),
    ("ROLE", Kind::Identifier),
    ("ENVIRON", Kind::Identifier),
    ("TOPOLOGY_NAME", Kind::Identifier),
    ("NUM_CONTAINERS", Kind::PositiveInt),
    ("CPUS_PER_CONTAINER", Kind::PositiveNumber),
    ("RAM_PER_CONTAINER", Kind::Bytes),
    ("DISK_PER_CONTAINER", Kind::Bytes),
    ("EXECUTOR_BINARY", Kind::Text),
    ("CORE_PACKAGE_URI", Kind::Uri),
    ("TOPOLOGY_PACKAGE_URI", Kind::Uri),
    ("TOPOLOGY_ARGUMENTS", Kind::Text),
    ("TIER", Kind::Text),
    ("CORE_PACKAGE_FETCH", Kind::Text),
    ("TOPOLOGY_PACKAGE_FETCH", Kind::Text),
];

/// Smallest RAM or disk size Aurora accepts: its Python 2 client divides bytes by 1 MiB with
/// integer division and rejects a result of 0.
pub const MIN_BYTES: u64 = 1024 * 1024;

/// The kind of value a known binding must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An Aurora job-key part: letters, digits, `_`, `-`, `.` (Aurora's GOOD_IDENTIFIER_PATTERN).
    Identifier,
    /// An integer >= 1.
    PositiveInt,
    /// A finite number > 0.
    PositiveNumber,
    /// A byte count >= 1 MiB.
    Bytes,
    /// A `scheme://` URI.
    Uri,
    /// Any scalar, as text.
    Text,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Identifier => "a name of letters, digits, `_`, `-` and `.`",
            Kind::PositiveInt => "a positive integer",
            Kind::PositiveNumber => "a positive number",
            Kind::Bytes => "a positive integer number of bytes, at least 1048576 (1 MiB)",
            Kind::Uri => "a URI with a scheme (file://, http(s)://, hdfs://, s3://, ...)",
            Kind::Text => "a string",
        }
    }
}

/// The kind a binding name must hold: known names by the table, `AURORA_METADATA_<n>` text.
pub fn kind_of(name: &str) -> Option<Kind> {
    if let Some((_, kind)) = KNOWN_BINDINGS.iter().find(|(n, _)| *n == name) {
        return Some(*kind);
    }
    name.strip_prefix("AURORA_METADATA_")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|_| Kind::Text)
}

/// Where a binding's value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A values document (a file path, or `-` for stdin).
    Document(PathBuf),
    /// A `--bind` argument.
    Bind,
    /// `--cluster`, `--role` or `--environ`.
    Flag(&'static str),
    /// The cluster config (`heron.package.core.uri`).
    Config(&'static str),
    /// Computed from other bindings (the fetch commands).
    Computed,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Document(p) if p.as_os_str() == "-" => write!(f, "from the values on stdin"),
            Source::Document(p) => write!(f, "from {}", p.display()),
            Source::Bind => write!(f, "from --bind"),
            Source::Flag(flag) => write!(f, "from {flag}"),
            Source::Config(key) => write!(f, "from config key {key}"),
            Source::Computed => write!(f, "computed"),
        }
    }
}

/// A problem with the bindings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    /// A values document could not be parsed.
    #[error("cannot parse the values document {path}: {message}")]
    Document {
        /// The file (`-` for stdin).
        path: PathBuf,
        /// What the parser said, with line and column.
        message: String,
    },
    /// A `--bind` argument is not `KEY=VALUE`.
    #[error("--bind `{arg}`: expected KEY=VALUE, as in --bind NUM_CONTAINERS=3")]
    BindSyntax {
        /// The argument.
        arg: String,
    },
    /// A binding name that templates cannot use.
    #[error("binding name `{name}` ({from}): {message}")]
    Name {
        /// The name.
        name: String,
        /// Where it came from.
        from: Source,
        /// What is wrong.
        message: String,
    },
    /// A binding holds the wrong kind of value.
    #[error("binding {name} ({from}) must be {expected}, found {found}")]
    Kind {
        /// The binding.
        name: String,
        /// Where it came from.
        from: Source,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: String,
    },
    /// Two sources disagree on a job-key binding.
    #[error(
        "binding {name} is `{first}` ({first_source}) but `{second}` ({second_source}); they must agree"
    )]
    Conflict {
        /// The binding.
        name: String,
        /// One value.
        first: String,
        /// Its source.
        first_source: Source,
        /// The other value.
        second: String,
        /// Its source.
        second_source: Source,
    },
}

impl BindingError {
    /// The binding this error is about, if it is about one.
    pub fn binding(&self) -> Option<&str> {
        match self {
            BindingError::Kind { name, .. } | BindingError::Conflict { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Checked bindings: name to JSON value, with where each came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bindings {
    values: Map<String, Value>,
    sources: BTreeMap<String, Source>,
}

impl Bindings {
    /// No bindings.
    pub fn new() -> Bindings {
        Bindings::default()
    }

    /// Adds every key of a values document (JSON or YAML; a mapping at the top). Later calls and
    /// `--bind` pairs override earlier values.
    pub fn add_document(
        &mut self,
        text: &str,
        path: impl Into<PathBuf>,
    ) -> Result<(), BindingError> {
        let path = path.into();
        let parsed: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| BindingError::Document {
                path: path.clone(),
                message: e.to_string(),
            })?
        } else if text.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_saphyr::from_str(text).map_err(|e| BindingError::Document {
                path: path.clone(),
                message: e.to_string(),
            })?
        };
        let Value::Object(map) = parsed else {
            return Err(BindingError::Document {
                path,
                message: "the document must be a mapping of binding names to values, as in `NUM_CONTAINERS: 3`"
                    .to_string(),
            });
        };
        for (name, value) in map {
            self.insert(name, value, Source::Document(path.clone()))?;
        }
        Ok(())
    }

    /// Adds one `--bind KEY=VALUE` (the value is a string; known bindings are converted later).
    pub fn add_bind(&mut self, arg: &str) -> Result<(), BindingError> {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| BindingError::BindSyntax {
                arg: arg.to_string(),
            })?;
        self.insert(
            name.trim().to_string(),
            Value::String(value.to_string()),
            Source::Bind,
        )
    }

    /// Sets a binding unless it is already set; if it is, the two must agree (for job-key parts
    /// given both as flags and as values).
    pub fn add_default(
        &mut self,
        name: &str,
        value: &str,
        source: Source,
    ) -> Result<(), BindingError> {
        match self.values.get(name) {
            None => self.insert(name.to_string(), Value::String(value.to_string()), source),
            Some(existing) if scalar_text(existing).as_deref() == Some(value) => Ok(()),
            Some(existing) if matches!(source, Source::Flag(_)) => Err(BindingError::Conflict {
                name: name.to_string(),
                first: scalar_text(existing).unwrap_or_else(|| existing.to_string()),
                first_source: self.source(name).cloned().unwrap_or(Source::Bind),
                second: value.to_string(),
                second_source: source,
            }),
            Some(_) => Ok(()),
        }
    }

    /// Sets a computed binding.
    pub fn set_computed(&mut self, name: &str, value: String) {
        self.values.insert(name.to_string(), Value::String(value));
        self.sources.insert(name.to_string(), Source::Computed);
    }

    fn insert(&mut self, name: String, value: Value, source: Source) -> Result<(), BindingError> {
        check_name(&name, &source)?;
        self.values.insert(name.clone(), value);
        self.sources.insert(name, source);
        Ok(())
    }

    /// Checks every known binding's kind and converts it (`"3"` to `3` for NUM_CONTAINERS).
    /// Unknown bindings are kept as they are.
    pub fn normalize(&mut self) -> Result<(), BindingError> {
        let names: Vec<String> = self.values.keys().cloned().collect();
        for name in names {
            let Some(kind) = kind_of(&name) else { continue };
            let value = &self.values[&name];
            let source = self.sources.get(&name).cloned().unwrap_or(Source::Bind);
            let converted = convert(kind, value).map_err(|found| BindingError::Kind {
                name: name.clone(),
                from: source,
                expected: kind.describe(),
                found,
            })?;
            self.values.insert(name, converted);
        }
        Ok(())
    }

    /// A binding's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// A binding's value as text, for scalars.
    pub fn get_text(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(scalar_text)
    }

    /// Where a binding came from.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.get(name)
    }

    /// True if the binding is set.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The bindings as the JSON object handlebars renders from.
    pub fn as_json(&self) -> Value {
        Value::Object(self.values.clone())
    }
}

fn check_name(name: &str, source: &Source) -> Result<(), BindingError> {
    let bad = |message: &str| BindingError::Name {
        name: name.to_string(),
        from: source.clone(),
        message: message.to_string(),
    };
    let mut chars = name.chars();
    match chars.next() {
        None => Err(bad("empty name")),
        Some(c) if c.is_ascii_lowercase() || c == '_' => Err(bad(
            "binding names start with an upper-case letter; lower-case `{{names}}` in a template are Aurora's own references",
        )),
        Some(c) if !c.is_ascii_uppercase() => {
            Err(bad("binding names start with an upper-case letter"))
        }
        Some(_) if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Err(bad("binding names hold only letters, digits and `_`"))
        }
        Some(_) => Ok(()),
    }
}

/// The text of a scalar value (strings as they are, numbers and booleans as written).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn convert(kind: Kind, value: &Value) -> Result<Value, String> {
    let text = scalar_text(value).ok_or_else(|| describe(value))?;
    let found = || describe(value);
    // YAML reads `yes` as a boolean and `1.10` as the number 1.1: for a text binding that would
    // silently change the value, so only strings and integers (which print back exactly) pass.
    if matches!(kind, Kind::Text | Kind::Identifier | Kind::Uri)
        && (value.is_boolean() || value.as_f64().is_some() && !(value.is_i64() || value.is_u64()))
    {
        return Err(format!(
            "{} (not a string: quote it in the values document)",
            found()
        ));
    }
    match kind {
        Kind::Text => Ok(Value::String(text)),
        Kind::Identifier => {
            let ok = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
            if ok {
                Ok(Value::String(text))
            } else {
                Err(found())
            }
        }
        Kind::Uri => {
            if crate::fetch::uri_scheme(&text).is_some() {
                Ok(Value::String(text))
            } else {
                Err(found())
            }
        }
        Kind::PositiveInt | Kind::Bytes => {
            if matches!(value, Value::Bool(_)) {
                return Err(found());
            }
            let n: u64 = text.trim().parse().map_err(|_| found())?;
            let min = if kind == Kind::Bytes { MIN_BYTES } else { 1 };
            if n < min {
                return Err(found());
            }
            Ok(Value::from(n))
        }
        Kind::PositiveNumber => {
            if matches!(value, Value::Bool(_)) {
                return Err(found());
            }
            let n: f64 = text.trim().parse().map_err(|_| found())?;
            if !n.is_finite() || n <= 0.0 {
                return Err(found());
            }
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_and_binds_merge_and_convert() {
        let mut b = Bindings::new();
        b.add_document(
            "NUM_CONTAINERS: 2\nCPUS_PER_CONTAINER: 1\nTOPOLOGY_NAME: wc\n",
            "v.yaml",
        )
        .expect("yaml");
        b.add_bind("NUM_CONTAINERS=3").expect("bind");
        b.add_bind("TOPOLOGY_ARGUMENTS=--a=b c").expect("bind");
        b.normalize().expect("valid");
        assert_eq!(b.get("NUM_CONTAINERS"), Some(&Value::from(3u64)));
        assert_eq!(b.get("CPUS_PER_CONTAINER"), Some(&Value::from(1.0)));
        assert_eq!(b.get_text("TOPOLOGY_ARGUMENTS").as_deref(), Some("--a=b c"));
        assert_eq!(b.source("NUM_CONTAINERS"), Some(&Source::Bind));
    }

    #[test]
    fn wrong_kinds_are_named() {
        for (name, value) in [
            ("NUM_CONTAINERS", "0"),
            ("NUM_CONTAINERS", "2.5"),
            ("RAM_PER_CONTAINER", "0"),
            ("DISK_PER_CONTAINER", "1000"),
            ("CPUS_PER_CONTAINER", "-1"),
            ("TOPOLOGY_NAME", "a b"),
            ("CORE_PACKAGE_URI", "/no/scheme"),
        ] {
            let mut b = Bindings::new();
            b.add_bind(&format!("{name}={value}")).expect("syntax ok");
            let err = b.normalize().expect_err(name);
            assert_eq!(err.binding(), Some(name), "{err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("binding {name} (from --bind) must be")),
                "{err}"
            );
        }
        let mut b = Bindings::new();
        b.add_document("{\"TOPOLOGY_ARGUMENTS\": [1]}", "v.json")
            .expect("json");
        assert!(b.normalize().is_err());
        for doc in ["TIER: yes\n", "TOPOLOGY_NAME: 1.10\n"] {
            let mut b = Bindings::new();
            b.add_document(doc, "v.yaml").expect("yaml");
            let err = b.normalize().expect_err(doc).to_string();
            assert!(err.contains("quote it in the values document"), "{err}");
        }
        let mut b = Bindings::new();
        b.add_document("ROLE: 1234\n", "v.yaml").expect("yaml");
        b.normalize().expect("integers print back exactly");
        assert_eq!(b.get("ROLE"), Some(&Value::from("1234")));
    }

    #[test]
    fn names_and_documents_are_checked() {
        let mut b = Bindings::new();
        assert!(b.add_bind("mesos=1").is_err());
        assert!(b.add_bind("NOEQUALS").is_err());
        assert!(b.add_document("- a\n- b\n", "v.yaml").is_err());
        let err = b
            .add_document("A: [1,\n", "v.yaml")
            .expect_err("broken yaml");
        assert!(err.to_string().contains("v.yaml"), "{err}");
    }

    #[test]
    fn flags_must_agree_with_values() {
        let mut b = Bindings::new();
        b.add_bind("CLUSTER=a").expect("bind");
        b.add_default("CLUSTER", "a", Source::Flag("--cluster"))
            .expect("same");
        assert!(
            b.add_default("CLUSTER", "b", Source::Flag("--cluster"))
                .is_err()
        );
    }
}
