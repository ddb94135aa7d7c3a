//! The shell commands that fetch Heron's packages in the Aurora sandbox, one per URI scheme.
//!
//! Heron's stock template fetches both packages with `curl`, so packages on HDFS or S3 needed a
//! hand-edited template. Here the command follows each package's URI scheme, and a cluster can set
//! or replace the command of any scheme with `heron.aurora.fetch.command.<scheme>`: a shell
//! command in which `{URI}` and `{FILE}` stand for the package URI and the local file name (both
//! are shell-quoted when substituted, so the command writes them bare).

use std::collections::BTreeMap;
use std::path::PathBuf;

use heron_common::config::Config;

use crate::quote::sh_word;

/// Prefix of the config keys holding a fetch command per scheme.
pub const FETCH_COMMAND_KEY_PREFIX: &str = "heron.aurora.fetch.command.";

/// Placeholder for the package URI in a fetch command.
pub const URI_PLACEHOLDER: &str = "{URI}";
/// Placeholder for the local file name in a fetch command.
pub const FILE_PLACEHOLDER: &str = "{FILE}";

const CURL: &str = "curl --fail --silent --show-error --location --output {FILE} {URI}";

/// The built-in commands: curl for `file`, `http` and `https`, the Hadoop client for `hdfs`, the
/// AWS CLI for `s3`.
pub const DEFAULT_FETCH_COMMANDS: &[(&str, &str)] = &[
    ("file", CURL),
    ("http", CURL),
    ("https", CURL),
    ("hdfs", "hdfs dfs -get {URI} {FILE}"),
    ("s3", "aws s3 cp {URI} {FILE}"),
];

/// Why no fetch command could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URI has no `scheme://`.
    #[error("`{uri}` has no URI scheme (as in file:///path, hdfs://nn/path, s3://bucket/key)")]
    NoScheme {
        /// The URI.
        uri: String,
    },
    /// No command is known for the scheme.
    #[error(
        "no fetch command for URI scheme `{scheme}` (of `{uri}`): set `{FETCH_COMMAND_KEY_PREFIX}{scheme}` in the cluster config, for example `mytool get {{URI}} {{FILE}}`"
    )]
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// The URI.
        uri: String,
    },
    /// A configured command lacks a placeholder.
    #[error("config key `{key}`{}: the command must contain both {{URI}} and {{FILE}}, found `{command}`", origin.as_ref().map(|p| format!(" (from {})", p.display())).unwrap_or_default())]
    BadCommand {
        /// The key.
        key: String,
        /// The file that set it.
        origin: Option<PathBuf>,
        /// The command found.
        command: String,
    },
}

/// Fetch commands by lower-case scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCommands {
    by_scheme: BTreeMap<String, String>,
}

impl Default for FetchCommands {
    fn default() -> Self {
        FetchCommands {
            by_scheme: DEFAULT_FETCH_COMMANDS
                .iter()
                .map(|(s, c)| (s.to_string(), c.to_string()))
                .collect(),
        }
    }
}

impl FetchCommands {
    /// The built-in commands, overridden or extended by `heron.aurora.fetch.command.<scheme>` keys.
    pub fn from_config(config: &Config) -> Result<FetchCommands, heron_common::Error> {
        let mut commands = FetchCommands::default();
        for (key, _) in config.iter() {
            let Some(scheme) = key.strip_prefix(FETCH_COMMAND_KEY_PREFIX) else {
                continue;
            };
            let Some(command) = config.get_str(key)? else {
                continue;
            };
            commands.set(scheme, &command).map_err(|e| match e {
                FetchError::BadCommand { command, .. } => heron_common::Error::ConfigValue {
                    key: key.clone(),
                    origin: config.origin(key).map(PathBuf::from),
                    message: format!(
                        "the command must contain both {{URI}} and {{FILE}}, found `{command}`"
                    ),
                },
                other => heron_common::Error::BadInput(other.to_string()),
            })?;
        }
        Ok(commands)
    }

    /// Sets the command of one scheme.
    pub fn set(&mut self, scheme: &str, command: &str) -> Result<(), FetchError> {
        if !command.contains(URI_PLACEHOLDER) || !command.contains(FILE_PLACEHOLDER) {
            return Err(FetchError::BadCommand {
                key: format!("{FETCH_COMMAND_KEY_PREFIX}{scheme}"),
                origin: None,
                command: command.to_string(),
            });
        }
        self.by_scheme
            .insert(scheme.to_ascii_lowercase(), command.trim().to_string());
        Ok(())
    }

    /// The shell command that downloads `uri` to `file` in the current directory.
    pub fn command(&self, uri: &str, file: &str) -> Result<String, FetchError> {
        let scheme = uri_scheme(uri).ok_or_else(|| FetchError::NoScheme {
            uri: uri.to_string(),
        })?;
        let template = self
            .by_scheme
            .get(&scheme)
            .ok_or_else(|| FetchError::UnknownScheme {
                scheme: scheme.clone(),
                uri: uri.to_string(),
            })?;
        Ok(template
            .replace(URI_PLACEHOLDER, &sh_word(uri))
            .replace(FILE_PLACEHOLDER, &sh_word(file)))
    }

    /// Every scheme and its command, sorted by scheme.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_scheme.iter().map(|(s, c)| (s.as_str(), c.as_str()))
    }
}

/// The lower-case scheme of `scheme://...`, if the URI has one.
pub fn uri_scheme(uri: &str) -> Option<String> {
    let (scheme, _) = uri.trim().split_once("://")?;
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    ok.then(|| scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_has_its_tool() {
        let f = FetchCommands::default();
        assert_eq!(
            f.command("hdfs://nn:8020/heron/t.tar.gz", "topology.tar.gz")
                .ok(),
            Some("hdfs dfs -get hdfs://nn:8020/heron/t.tar.gz topology.tar.gz".to_string())
        );
        assert_eq!(
            f.command("S3://bucket/a b.tar.gz", "t.tar.gz").ok(),
            Some("aws s3 cp 'S3://bucket/a b.tar.gz' t.tar.gz".to_string())
        );
        assert!(
            f.command("https://x/y", "f")
                .is_ok_and(|c| c.starts_with("curl "))
        );
        assert_eq!(
            f.command("/tmp/x", "f"),
            Err(FetchError::NoScheme {
                uri: "/tmp/x".into()
            })
        );
        assert!(matches!(
            f.command("gs://b/k", "f"),
            Err(FetchError::UnknownScheme { .. })
        ));
    }

    #[test]
    fn config_keys_override_and_extend() {
        let mut config = Config::new();
        config.set_str("heron.aurora.fetch.command.gs", "gsutil cp {URI} {FILE}");
        config.set_str(
            "heron.aurora.fetch.command.hdfs",
            "hadoop fs -copyToLocal {URI} {FILE}",
        );
        let f = FetchCommands::from_config(&config).expect("valid config");
        assert_eq!(
            f.command("gs://b/k", "f").ok(),
            Some("gsutil cp gs://b/k f".to_string())
        );
        assert!(
            f.command("hdfs://nn/p", "f")
                .is_ok_and(|c| c.starts_with("hadoop fs"))
        );
        config.set_str("heron.aurora.fetch.command.s3", "aws s3 cp {URI} .");
        let err = FetchCommands::from_config(&config).expect_err("missing {FILE}");
        assert!(
            err.to_string().contains("heron.aurora.fetch.command.s3"),
            "{err}"
        );
    }
}
