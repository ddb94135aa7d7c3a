//! `cluster/[role]/[env]` and topology-name rules, as Heron's CLI applies them (heron-aurora.md §4.1).
//!
//! - The spec is split on `/` into at most three parts (a fourth is refused rather than
//!   silently dropped, since `cluster/role/env/name` is a common slip).
//! - A missing role becomes the current user and a missing environment becomes `default`,
//!   unless the cluster's `client.yaml` sets `heron.config.is.role.required` /
//!   `heron.config.is.env.required` (Heron's stock aurora conf sets both).
//! - Every part must then be non-empty, without whitespace or control characters.
//!
//! Topology names follow Heron's `TopologyUtils.verifyTopology`: not empty, no `.` and no `/`;
//! this tool also refuses whitespace and control characters, which break state paths and
//! Aurora job keys.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, keys};
use crate::error::{Error, Result};

/// The environment used when none is given and none is required.
pub const DEFAULT_ENVIRON: &str = "default";

/// A parsed `cluster/role/env`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ClusterRoleEnv {
    /// The cluster (a folder under the config path).
    pub cluster: String,
    /// The role (an Aurora role, usually a user).
    pub role: String,
    /// The environment.
    pub environ: String,
}

impl fmt::Display for ClusterRoleEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.cluster, self.role, self.environ)
    }
}

/// Whether the cluster requires the role and environment to be given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// `heron.config.is.role.required`.
    pub role_required: bool,
    /// `heron.config.is.env.required`.
    pub env_required: bool,
    /// The file that said so, for messages.
    pub client_file: Option<PathBuf>,
}

impl Requirements {
    /// Reads `<cluster_dir>/client.yaml` (absent: nothing is required), as Heron's CLI does.
    pub fn from_cluster_dir(cluster_dir: &Path) -> Result<Requirements> {
        let path = cluster_dir.join("client.yaml");
        if !path.is_file() {
            return Ok(Requirements::default());
        }
        let config = config::load_file(&path)?;
        let mut requirements = Requirements::from_config(&config)?;
        requirements.client_file = Some(path);
        Ok(requirements)
    }

    /// Reads the two keys from a loaded config.
    pub fn from_config(config: &Config) -> Result<Requirements> {
        Ok(Requirements {
            role_required: config.get_bool(keys::IS_ROLE_REQUIRED)?.unwrap_or(false),
            env_required: config.get_bool(keys::IS_ENV_REQUIRED)?.unwrap_or(false),
            client_file: config
                .origin(keys::IS_ROLE_REQUIRED)
                .or_else(|| config.origin(keys::IS_ENV_REQUIRED))
                .map(Path::to_path_buf),
        })
    }
}

/// The current user, as Python's `getpass.getuser()` finds it: the first of `LOGNAME`, `USER`,
/// `LNAME`, `USERNAME` that is set and not empty, else the name of the process's user in the
/// password database (`getpwuid_r`, so NSS and LDAP users too). `None` only when both fail.
pub fn current_user() -> Option<String> {
    crate::env::USER_VARS
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .or_else(|| whoami::username().ok().filter(|u| !u.is_empty()))
}

/// Parses `cluster/[role]/[env]`; `current_user` fills a missing role (see the module docs).
pub fn parse(
    spec: &str,
    requirements: &Requirements,
    current_user: Option<&str>,
) -> Result<ClusterRoleEnv> {
    let mut parts: Vec<String> = spec.split('/').map(str::to_string).collect();
    if parts.len() > 3 {
        return Err(Error::BadInput(format!(
            "invalid cluster/role/env `{spec}`: expected at most 3 parts separated by `/`, found {}",
            parts.len()
        )));
    }
    let see = |key: &str| match &requirements.client_file {
        Some(file) => format!("{key} is true in {}", file.display()),
        None => format!("{key} is true"),
    };
    if parts.len() == 1 {
        if requirements.role_required {
            return Err(Error::BadInput(format!(
                "role required but not provided (cluster/role/env = `{spec}`): {}; use cluster/role/env",
                see(keys::IS_ROLE_REQUIRED)
            )));
        }
        let user = current_user.filter(|u| !u.is_empty()).ok_or_else(|| {
            Error::BadInput(format!(
                "no role in `{spec}` and the current user is unknown (LOGNAME, USER, LNAME and USERNAME are \
                 unset, and this process's uid has no entry in the password database); use cluster/role/env"
            ))
        })?;
        parts.push(user.to_string());
    }
    if parts.len() == 2 {
        if requirements.env_required {
            return Err(Error::BadInput(format!(
                "environ required but not provided (cluster/role/env = `{spec}`): {}; use cluster/role/env",
                see(keys::IS_ENV_REQUIRED)
            )));
        }
        parts.push(DEFAULT_ENVIRON.to_string());
    }
    for (what, part) in ["cluster", "role", "environ"].iter().zip(&parts) {
        check_part(spec, what, part)?;
    }
    let environ = parts.pop().unwrap_or_default();
    let role = parts.pop().unwrap_or_default();
    let cluster = parts.pop().unwrap_or_default();
    Ok(ClusterRoleEnv {
        cluster,
        role,
        environ,
    })
}

/// [`parse`] with the requirements from `<config_path>/<cluster>/client.yaml` and the current
/// user from the environment.
pub fn parse_for_config_path(spec: &str, config_path: &Path) -> Result<ClusterRoleEnv> {
    let cluster = spec.split('/').next().unwrap_or_default();
    check_part(spec, "cluster", cluster)?;
    let requirements = Requirements::from_cluster_dir(&config_path.join(cluster))?;
    parse(spec, &requirements, current_user().as_deref())
}

fn check_part(spec: &str, what: &str, part: &str) -> Result<()> {
    if part.is_empty() {
        return Err(Error::BadInput(format!(
            "invalid cluster/role/env `{spec}`: the {what} is empty"
        )));
    }
    if let Some(c) = part.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::BadInput(format!(
            "invalid cluster/role/env `{spec}`: the {what} `{part}` contains {c:?}; whitespace and control characters are not allowed"
        )));
    }
    if part == "." || part == ".." {
        return Err(Error::BadInput(format!(
            "invalid cluster/role/env `{spec}`: the {what} cannot be `{part}`"
        )));
    }
    Ok(())
}

/// Checks a topology name with Heron's rule (not empty, no `.` or `/`) plus no whitespace or
/// control characters.
pub fn validate_topology_name(name: &str) -> Result<()> {
    let rule = "a topology name must be non-empty and contain no `.`, `/`, whitespace or control characters";
    if name.is_empty() {
        return Err(Error::BadInput(format!(
            "invalid topology name \"\": {rule}"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| *c == '.' || *c == '/' || c.is_whitespace() || c.is_control())
    {
        return Err(Error::BadInput(format!(
            "invalid topology name {name:?}: contains {c:?}; {rule}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Requirements {
        Requirements::default()
    }

    fn both() -> Requirements {
        Requirements {
            role_required: true,
            env_required: true,
            client_file: Some("/c/client.yaml".into()),
        }
    }

    #[test]
    fn defaults_fill_missing_parts() {
        let p = parse("dev", &none(), Some("alice")).expect("parses");
        assert_eq!(p.to_string(), "dev/alice/default");
        let p = parse("dev/bob", &none(), Some("alice")).expect("parses");
        assert_eq!(p.to_string(), "dev/bob/default");
        let p = parse("dev/bob/prod", &both(), Some("alice")).expect("parses");
        assert_eq!(
            (p.cluster.as_str(), p.role.as_str(), p.environ.as_str()),
            ("dev", "bob", "prod")
        );
    }

    #[test]
    fn required_parts() {
        let err = parse("dev", &both(), Some("alice"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("role required but not provided"), "{err}");
        assert!(
            err.contains("/c/client.yaml") && err.contains("cluster/role/env"),
            "{err}"
        );
        let err = parse("dev/bob", &both(), Some("alice"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("environ required but not provided"), "{err}");
        let only_role = Requirements {
            role_required: true,
            ..none()
        };
        assert_eq!(
            parse("dev/bob", &only_role, None).expect("ok").environ,
            "default"
        );
    }

    #[test]
    fn bad_specs() {
        for (spec, needle) in [
            ("", "cluster is empty"),
            ("dev//prod", "role is empty"),
            ("dev/bob/", "environ is empty"),
            ("/bob/prod", "cluster is empty"),
            ("dev/bo b/prod", "whitespace"),
            ("dev/bob/prod/wc", "at most 3 parts"),
            ("../bob/prod", "cannot be"),
        ] {
            let err = parse(spec, &none(), Some("alice")).unwrap_err();
            assert_eq!(err.exit_code(), crate::ExitCode::BadInput);
            assert!(err.to_string().contains(needle), "{spec}: {err}");
        }
        let err = parse("dev", &none(), None).unwrap_err().to_string();
        assert!(err.contains("current user"), "{err}");
    }

    #[test]
    fn topology_names() {
        for ok in ["wordcount", "Word_Count-2", "ünïcode"] {
            validate_topology_name(ok).expect(ok);
        }
        for bad in ["", "a.b", "a/b", "a b", "tab\t", "nl\n"] {
            let err = validate_topology_name(bad).unwrap_err().to_string();
            assert!(err.contains("topology name"), "{err}");
        }
    }
}
