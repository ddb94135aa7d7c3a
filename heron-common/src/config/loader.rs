//! Loading `<config-path>/<cluster>/` in Heron's order (heron-aurora.md §3.8).
//!
//! Later sources win:
//! 1. Heron's built-in Key defaults ([`keys::DEFAULTS`]), with `heron.directory.home` set to the
//!    Heron home (`~/.heron`) and `heron.directory.conf` to `<config-path>/<cluster>`;
//! 2. the cluster's files, each optional as in Heron: `cluster.yaml`, `client.yaml`,
//!    `healthmgr.yaml`, `packing.yaml`, `scheduler.yaml`, `statemgr.yaml`, `uploader.yaml`,
//!    `downloader.yaml`, `stateful.yaml`, then the cluster's own `override.yaml`;
//! 3. the request's override file (must exist when given);
//! 4. `--config-property K=V` pairs;
//! 5. the runtime values of the request (cluster, role, environ, topology name, submit user).
//!
//! `metrics_sinks.yaml` and `heron_internals.yaml` are not loaded (Heron's client does not read
//! them); [`load_file`] parses them, or any one file, on request. Every value is checked against
//! the type its key must have ([`keys::KNOWN_KEYS`]) as its file is read, so the error names the
//! file and line.

use std::path::{Path, PathBuf};

use super::yaml::{self, TopEntry};
use super::{Config, Value, check_type, keys, tokens::TokenContext};
use crate::error::{Error, Result};

/// Where token expansion points `${HERON_HOME}` and `${HERON_CONF}` (heron-aurora.md §3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// On the client: `~/.heron`, `<config-path>/<cluster>`.
    Local,
    /// In the Aurora sandbox: `./heron-core`, `./heron-conf`.
    Cluster,
}

/// The cluster files Heron's client loads, in order (the cluster's `override.yaml` comes last).
pub const CLUSTER_FILES: &[&str] = &[
    "cluster.yaml",
    "client.yaml",
    "healthmgr.yaml",
    "packing.yaml",
    "scheduler.yaml",
    "statemgr.yaml",
    "uploader.yaml",
    "downloader.yaml",
    "stateful.yaml",
    "override.yaml",
];

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    /// `--config-path` (default `~/.heron/conf`).
    pub config_path: PathBuf,
    /// The cluster: the folder under `config_path`.
    pub cluster: String,
    /// The role, for `${ROLE}`.
    pub role: Option<String>,
    /// The environment, for `${ENVIRON}`.
    pub environ: Option<String>,
    /// The topology name, for `${TOPOLOGY}`.
    pub topology_name: Option<String>,
    /// An extra override file, applied after the cluster's `override.yaml`.
    pub override_file: Option<PathBuf>,
    /// `--config-property K=V`, applied last (see [`parse_config_property`]).
    pub properties: Vec<(String, String)>,
    /// Token expansion mode.
    pub mode: Mode,
    /// The Heron home for `${HERON_HOME}` in local mode; `None`: `~/.heron`.
    pub heron_home: Option<PathBuf>,
    /// The submitting user (`heron.config.submit_user`).
    pub submit_user: Option<String>,
}

impl LoadRequest {
    /// A request for `<config_path>/<cluster>/` in local mode, with nothing else set.
    pub fn new(config_path: impl Into<PathBuf>, cluster: impl Into<String>) -> LoadRequest {
        LoadRequest {
            config_path: config_path.into(),
            cluster: cluster.into(),
            role: None,
            environ: None,
            topology_name: None,
            override_file: None,
            properties: Vec::new(),
            mode: Mode::Local,
            heron_home: None,
            submit_user: None,
        }
    }

    /// The cluster's folder: `<config_path>/<cluster>`.
    pub fn cluster_dir(&self) -> PathBuf {
        self.config_path.join(&self.cluster)
    }
}

/// `~/.heron/conf`, Heron's default `--config-path` (`None` when `HOME` is not set).
pub fn default_config_path() -> Option<PathBuf> {
    default_heron_home().map(|h| h.join("conf"))
}

/// `~/.heron`, Heron's default home (`None` when `HOME` is not set).
pub fn default_heron_home() -> Option<PathBuf> {
    std::env::var_os(crate::env::HOME)
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".heron"))
}

/// Loads a cluster's config and expands its tokens in `request.mode`, with `${HOME}` and
/// `${JAVA_HOME}` from the environment.
pub fn load(request: &LoadRequest) -> Result<Config> {
    load_with_context(request, &TokenContext::from_env())
}

/// [`load`] with an explicit token context (`${HOME}`, `${JAVA_HOME}`).
pub fn load_with_context(request: &LoadRequest, context: &TokenContext) -> Result<Config> {
    Ok(load_raw(request)?.expanded(request.mode, context))
}

/// Loads a cluster's config without expanding tokens.
pub fn load_raw(request: &LoadRequest) -> Result<Config> {
    let dir = request.cluster_dir();
    check_cluster_dir(request, &dir)?;

    let mut config = Config::new();
    for (key, default) in keys::DEFAULTS {
        let value = match default {
            keys::DefaultValue::Str(s) => Value::String((*s).to_string()),
            keys::DefaultValue::Bool(b) => Value::Bool(*b),
            keys::DefaultValue::Int(i) => Value::Int(*i),
            keys::DefaultValue::Float(f) => Value::Float(*f),
        };
        config.set(*key, value, None);
    }
    let home = match &request.heron_home {
        Some(home) => home.display().to_string(),
        // `~` is a token of its own: it becomes the user's home at expansion.
        None => {
            default_heron_home().map_or_else(|| "~/.heron".to_string(), |h| h.display().to_string())
        }
    };
    config.set_str(keys::HERON_HOME, home);
    config.set_str(keys::HERON_CONF, dir.display().to_string());

    for name in CLUSTER_FILES {
        let path = dir.join(name);
        if let Some(entries) = read_entries(&path, false)? {
            merge(&mut config, entries, &path)?;
        }
    }
    if let Some(path) = &request.override_file
        && let Some(entries) = read_entries(path, true)?
    {
        merge(&mut config, entries, path)?;
    }
    for (key, text) in &request.properties {
        let value = check_property(key, text)?;
        config.set(key.clone(), value, None);
    }
    let runtime = [
        (keys::CLUSTER, Some(&request.cluster)),
        (keys::ROLE, request.role.as_ref()),
        (keys::ENVIRON, request.environ.as_ref()),
        (keys::TOPOLOGY_NAME, request.topology_name.as_ref()),
        (keys::SUBMIT_USER, request.submit_user.as_ref()),
    ];
    for (key, value) in runtime {
        if let Some(value) = value {
            config.set_str(key, value.clone());
        }
    }
    Ok(config)
}

fn check_cluster_dir(request: &LoadRequest, dir: &Path) -> Result<()> {
    if request.cluster.is_empty()
        || request.cluster.contains('/')
        || request.cluster == "."
        || request.cluster == ".."
    {
        return Err(Error::BadInput(format!(
            "invalid cluster name {:?}: it names a folder under the config path",
            request.cluster
        )));
    }
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Error::BadInput(format!(
            "cluster config path {} is not a folder; it must hold the cluster's YAML files",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound(format!(
            "no config folder for cluster `{cluster}`: {dir} does not exist. Create \
             ~/.heron/conf/{cluster}/ with the cluster's YAML files (Heron's conf/aurora is a \
             template), or pass --config-path DIR where DIR/{cluster}/ exists",
            cluster = request.cluster,
            dir = dir.display()
        ))),
        Err(e) => Err(Error::ConfigRead {
            path: dir.to_path_buf(),
            source: e,
        }),
    }
}

fn merge(config: &mut Config, entries: Vec<TopEntry>, path: &Path) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.key.clone()) {
            tracing::warn!(
                "{}: line {}: key `{}` appears again; the later value wins",
                path.display(),
                entry.line,
                entry.key
            );
        }
        check_type(&entry.key, &entry.value, Some(path)).map_err(|e| with_line(e, entry.line))?;
        config.set(entry.key, entry.value, Some(path.to_path_buf()));
    }
    Ok(())
}

fn with_line(error: Error, line: usize) -> Error {
    match error {
        Error::ConfigValue {
            key,
            origin,
            message,
        } => Error::ConfigValue {
            key,
            origin,
            message: format!("line {line}: {message}"),
        },
        other => other,
    }
}

/// Reads one file's top-level entries; `None` when it is missing and `required` is false.
fn read_entries(path: &Path, required: bool) -> Result<Option<Vec<TopEntry>>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // Heron skips a config "file" that is a folder; so do we, unless it was asked for.
        Err(e) if !required && path.is_dir() => {
            tracing::warn!(
                "{} is a folder, not a config file; skipped ({e})",
                path.display()
            );
            return Ok(None);
        }
        Err(source) => {
            return Err(Error::ConfigRead {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| Error::ConfigSyntax {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    yaml::parse_document(&text, path).map(Some)
}

/// Loads one YAML config file as a flat config (any of Heron's files, including
/// `metrics_sinks.yaml` and `heron_internals.yaml`), without defaults or expansion.
/// Known keys are type-checked. A missing file is an error.
pub fn load_file(path: &Path) -> Result<Config> {
    let mut config = Config::new();
    if let Some(entries) = read_entries(path, true)? {
        merge(&mut config, entries, path)?;
    }
    Ok(config)
}

/// Parses one `--config-property` argument: `KEY=VALUE` with `=` exactly once and a non-empty
/// key, as Heron's CLI requires.
pub fn parse_config_property(arg: &str) -> Result<(String, String)> {
    let parts: Vec<&str> = arg.split('=').collect();
    match parts.as_slice() {
        [key, value] if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), (*value).to_string()))
        }
        [_, _] => Err(Error::BadInput(format!(
            "invalid --config-property `{arg}`: the key before `=` is empty (expected KEY=VALUE)"
        ))),
        _ => Err(Error::BadInput(format!(
            "invalid --config-property `{arg}`: expected KEY=VALUE with exactly one `=`"
        ))),
    }
}

/// The value of `--config-property KEY=TEXT`, type-checked as a value in a file is
/// ([`check_type`]): a known key with a value of the wrong type is refused, naming the key.
pub fn check_property(key: &str, text: &str) -> Result<Value> {
    let value = property_value(text);
    check_type(key, &value, None).map_err(|e| match e {
        Error::ConfigValue { key, message, .. } => Error::ConfigValue {
            message: format!("{message} (from --config-property {key}={text})"),
            key,
            origin: None,
        },
        other => other,
    })?;
    Ok(value)
}

/// The value a `--config-property` text becomes, as Heron's CLI writes it to the override file:
/// `true`/`True`/`TRUE` and `false`/`False`/`FALSE` are booleans, anything else is a string.
pub fn property_value(text: &str) -> Value {
    match text {
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        other => Value::String(other.to_string()),
    }
}

/// Renders `--config-property` pairs as an override YAML file that [`load`] reads back to the
/// same values (strings single-quoted, so `5` or `yes` stay strings).
pub fn render_override_yaml(properties: &[(String, String)]) -> String {
    fn quote(text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }
    let mut out = String::new();
    for (key, text) in properties {
        let value = match property_value(text) {
            Value::Bool(b) => b.to_string(),
            _ => quote(text),
        };
        out.push_str(&format!("{}: {value}\n", quote(key)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_property_parsing() {
        assert_eq!(
            parse_config_property("a.b=c").ok(),
            Some(("a.b".into(), "c".into()))
        );
        assert_eq!(
            parse_config_property("a=").ok(),
            Some(("a".into(), String::new()))
        );
        for bad in ["a", "a=b=c", "=x", ""] {
            let err = parse_config_property(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
            assert_eq!(err.exit_code(), crate::ExitCode::BadInput);
        }
        assert_eq!(property_value("TRUE"), Value::Bool(true));
        assert_eq!(property_value("False"), Value::Bool(false));
        assert_eq!(property_value("yes"), Value::String("yes".into()));
        assert_eq!(property_value("tRUE"), Value::String("tRUE".into()));
    }

    #[test]
    fn override_yaml_round_trips() {
        let props = vec![
            ("a".to_string(), "5".to_string()),
            ("b".to_string(), "yes".to_string()),
            ("c".to_string(), "True".to_string()),
            ("d".to_string(), "it's: #x".to_string()),
            ("e".to_string(), String::new()),
        ];
        let text = render_override_yaml(&props);
        let entries = yaml::parse_document(&text, Path::new("o.yaml")).expect("parses");
        let values: Vec<(String, Value)> = entries.into_iter().map(|e| (e.key, e.value)).collect();
        assert_eq!(
            values,
            vec![
                ("a".into(), Value::String("5".into())),
                ("b".into(), Value::String("yes".into())),
                ("c".into(), Value::Bool(true)),
                ("d".into(), Value::String("it's: #x".into())),
                ("e".into(), Value::String(String::new())),
            ]
        );
    }
}
