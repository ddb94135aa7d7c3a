//! The built-in `local` cluster, and which config folder a cluster command uses.
//!
//! With no `--config-path` and no `~/.heron/conf/local/`, `heron ... local` uses a cluster config
//! compiled into the binary: state as files under `~/.herondata/repository/state/local`, packages
//! copied under `~/.herondata/repository/topologies/local/ROLE/TOPOLOGY`, Aurora as the scheduler
//! (the job template is `heron.aurora`, the render stage's built-in one), role and environment
//! optional. The files are the repository's `conf/local/` folder, compiled in.
//!
//! The stages take `--config-path` and the package carries the cluster folder as `heron-conf/`, so
//! the built-in folder is written to `~/.herondata/conf/local/` before use. It is rewritten on every
//! use (only files whose content differs, each by an atomic rename), so it always matches this
//! `heron`; to change it, copy it to `~/.heron/conf/local/`, which then wins.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::error::CodedError;

/// The name of the built-in cluster.
pub const LOCAL: &str = "local";

/// The built-in folder's files: the repository's `conf/local` config files, one source of truth
/// (heron-common's `conf_folders` test checks that folder; its README stays behind).
const FILES: &[(&str, &str)] = &[
    (
        "client.yaml",
        include_str!("../../../conf/local/client.yaml"),
    ),
    (
        "packing.yaml",
        include_str!("../../../conf/local/packing.yaml"),
    ),
    (
        "scheduler.yaml",
        include_str!("../../../conf/local/scheduler.yaml"),
    ),
    (
        "statemgr.yaml",
        include_str!("../../../conf/local/statemgr.yaml"),
    ),
    (
        "uploader.yaml",
        include_str!("../../../conf/local/uploader.yaml"),
    ),
    (
        "heron_internals.yaml",
        include_str!("../../../conf/local/heron_internals.yaml"),
    ),
    (
        "metrics_sinks.yaml",
        include_str!("../../../conf/local/metrics_sinks.yaml"),
    ),
    (
        "stateful.yaml",
        include_str!("../../../conf/local/stateful.yaml"),
    ),
    (
        "downloader.yaml",
        include_str!("../../../conf/local/downloader.yaml"),
    ),
    // Equal to heron-aurora-render's built-in template (tests/tests/examples.rs checks it).
    (
        "heron.aurora",
        include_str!("../../../conf/local/heron.aurora"),
    ),
];

/// Where the config folder of a command comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--config-path DIR`.
    Given,
    /// `~/.heron/conf`.
    UserHome,
    /// The built-in `local` cluster, written to `~/.herondata/conf`.
    BuiltIn,
}

/// The config root to use and where it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The `--config-path` to hand to the stages.
    pub config_path: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// `$HOME`, or an error saying how to do without it.
pub fn home() -> anyhow::Result<PathBuf> {
    std::env::var_os(heron_common::env::HOME)
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            CodedError::new(
                ExitCode::BadInput,
                "HOME is not set; give --config-path DIR",
            )
            .into()
        })
}

/// `~/.herondata`.
pub fn herondata() -> anyhow::Result<PathBuf> {
    Ok(home()?.join(".herondata"))
}

/// Picks the config root for `cluster`: `--config-path`, else `~/.heron/conf` when it has the
/// cluster's folder, else the built-in `local` folder (written out), else an error that says
/// what to do.
pub fn resolve(given: Option<&Path>, cluster: &str) -> anyhow::Result<Resolved> {
    if let Some(p) = given {
        let dir = p.join(cluster);
        if !cluster.is_empty() && !dir.is_dir() {
            return Err(missing(cluster, &dir, true).into());
        }
        return Ok(Resolved {
            config_path: p.to_path_buf(),
            source: Source::Given,
        });
    }
    let user = home()?.join(".heron").join("conf");
    let dir = user.join(cluster);
    if cluster.is_empty() || dir.is_dir() {
        return Ok(Resolved {
            config_path: user,
            source: Source::UserHome,
        });
    }
    if cluster == LOCAL {
        return Ok(Resolved {
            config_path: materialise()?,
            source: Source::BuiltIn,
        });
    }
    Err(missing(cluster, &dir, false).into())
}

/// The newcomer's "no config for this cluster" error.
fn missing(cluster: &str, dir: &Path, given: bool) -> CodedError {
    let how = if given {
        "check --config-path (it names the folder that holds one folder per cluster)"
    } else {
        "create it: copy conf/aurora-zk-s3 or conf/aurora-zk-hdfs from the release to that path and \
         edit it (docs/operator-guide.md), or give --config-path DIR"
    };
    CodedError::new(
        ExitCode::NotFound,
        format!(
            "no config for cluster '{cluster}': {} is not a folder; {how}; or try the built-in \
             `{LOCAL}` cluster, which needs no services: heron submit {LOCAL} examples/word-count.yaml -",
            dir.display()
        ),
    )
}

/// Writes the built-in folder to `~/.herondata/conf/local/`; returns `~/.herondata/conf`.
pub fn materialise() -> anyhow::Result<PathBuf> {
    let root = herondata()?.join("conf");
    write_folder(&root.join(LOCAL))?;
    Ok(root)
}

/// Writes the built-in files into `dir` (created), replacing any that differ.
pub fn write_folder(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create {} for the built-in `{LOCAL}` cluster config (is HOME writable?)",
            dir.display()
        )
    })?;
    for (name, text) in FILES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        // Same folder, then rename: a concurrent `heron` never reads half a file.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        tmp.write_all(text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The line `heron` prints once when it uses the built-in folder.
pub fn notice() -> String {
    format!(
        "note: using the built-in `{LOCAL}` cluster config (written to ~/.herondata/conf/{LOCAL}); \
         create ~/.heron/conf/{LOCAL} to override"
    )
}

/// The names of the built-in files (for tests and docs).
pub fn file_names() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_folder_loads_as_the_local_cluster() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write_folder(&tmp.path().join(LOCAL)).expect("written");
        let mut request = heron_common::config::LoadRequest::new(tmp.path(), LOCAL);
        request.role = Some("alice".to_string());
        request.environ = Some("default".to_string());
        request.topology_name = Some("wc".to_string());
        let config = heron_common::config::load(&request).expect("loads");
        use heron_common::config::classes::{StateManagerKind, UploaderKind};
        assert_eq!(
            StateManagerKind::from_config(&config).expect("statemgr"),
            StateManagerKind::LocalFs
        );
        assert_eq!(
            UploaderKind::from_config(&config).expect("uploader"),
            UploaderKind::LocalFs
        );
        let dir = config
            .get_str(heron_common::config::keys::UPLOADER_LOCALFS_DIRECTORY)
            .expect("str")
            .expect("set");
        assert!(
            dir.ends_with("/.herondata/repository/topologies/local/alice/wc"),
            "{dir}"
        );
        assert_eq!(
            config
                .get_bool("heron.config.is.role.required")
                .ok()
                .flatten(),
            Some(false)
        );
    }

    #[test]
    fn rewriting_restores_an_edited_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join(LOCAL);
        write_folder(&dir).expect("written");
        std::fs::write(dir.join("client.yaml"), "edited: 1\n").expect("edit");
        write_folder(&dir).expect("rewritten");
        let text = std::fs::read_to_string(dir.join("client.yaml")).expect("read");
        assert!(text.contains("heron.package.core.uri"));
        for name in file_names() {
            assert!(dir.join(name).is_file(), "{name}");
        }
    }
}
