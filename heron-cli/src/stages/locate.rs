//! Where `heron` finds each stage program (docs/stage-contract.md, "Finding a stage"): the
//! environment variable, the config key, next to `heron`, then PATH; and which Aurora client it
//! runs (a real `aurora` before the workspace's stand-in).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use heron_common::ExitCode;
use heron_common::config::Config;

use super::Stage;
use super::child::{Ended, run_command};

/// What to do when there is no `aurora` client.
pub const AURORA_FIX: &str = "install Apache Aurora's client so `aurora` is on PATH, or set HERON_AURORA_BIN to it \
(to try heron without Aurora, `cargo build -p heron-tests` builds the stand-in next to heron)";

/// Finds a stage program: env var, config key, next to `heron`, PATH.
pub fn locate(stage: Stage, config: &Config) -> anyhow::Result<Option<PathBuf>> {
    // A program the user named must be there: `what` says where it was named.
    let named = |path: PathBuf, what: String| {
        find_program(&path).map(Some).ok_or_else(|| {
            anyhow::Error::new(heron_common::error::CodedError::new(
                ExitCode::NotFound,
                format!(
                    "{what} names {}, which is not an executable file",
                    path.display()
                ),
            ))
        })
    };
    if let Some(value) = std::env::var_os(stage.env_var()).filter(|v| !v.is_empty()) {
        return named(PathBuf::from(value), stage.env_var().to_string());
    }
    if let Some(value) = config.get_str(stage.config_key())? {
        let origin = config
            .origin(stage.config_key())
            .map(|p| format!(" (in {})", p.display()))
            .unwrap_or_default();
        return named(
            PathBuf::from(&value),
            format!("config key `{}`{origin}", stage.config_key()),
        );
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        let candidate = dir.join(stage.program());
        if is_executable(&candidate) {
            return Ok(Some(candidate));
        }
    }
    Ok(find_program(Path::new(stage.program())))
}

/// Where the Aurora client came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `HERON_AURORA_BIN`.
    EnvVar,
    /// The config key `heron.cli.stage.aurora`.
    ConfigKey,
    /// Next to the `heron` executable.
    NextToHeron,
    /// On PATH.
    Path,
}

/// The Aurora client `heron` will run.
#[derive(Debug, Clone)]
pub struct AuroraClient {
    /// Its path.
    pub path: PathBuf,
    /// How it was found.
    pub found: Found,
    /// Whether it is the workspace's test stand-in (tests/src/bin/aurora.rs), not Aurora.
    pub standin: bool,
}

impl AuroraClient {
    /// Whether the stand-in was picked because no Aurora client was found (not named by the user).
    pub fn is_fallback(&self) -> bool {
        self.standin && matches!(self.found, Found::NextToHeron | Found::Path)
    }
}

/// What the stand-in says about itself in its `--help` (tests/src/bin/aurora.rs, `ABOUT`).
const STANDIN_MARKER: &str = "TEST STAND-IN for the Apache Aurora client";

/// Whether the program at `path` is the workspace's Aurora stand-in: its `--help` says so. The
/// stand-in's state variable is removed for the probe, so the probe is not logged as a call.
pub fn is_aurora_standin(path: &Path) -> bool {
    let mut command = Command::new(path);
    command.arg("--help").env_remove("AURORA_STANDIN_STATE_DIR");
    match run_command(&mut command, Duration::from_secs(5)) {
        Ok(Ended::Exited(out)) => String::from_utf8_lossy(&out.stdout).contains(STANDIN_MARKER),
        _ => false,
    }
}

/// Finds the Aurora client like [`locate`], but a stand-in next to `heron` (a debug build's
/// `target/debug/aurora`) gives way to a real `aurora` on PATH. A client named by
/// `HERON_AURORA_BIN` or the config key is asked whether it is the stand-in only when
/// `probe_named` (doctor wants to say so; submit runs what it was told).
pub fn aurora_client(config: &Config, probe_named: bool) -> anyhow::Result<Option<AuroraClient>> {
    let stage = Stage::Aurora;
    let named = std::env::var_os(stage.env_var()).is_some_and(|v| !v.is_empty());
    let keyed = !named && config.get_str(stage.config_key())?.is_some();
    if named || keyed {
        return Ok(locate(stage, config)?.map(|path| AuroraClient {
            standin: probe_named && is_aurora_standin(&path),
            path,
            found: if named {
                Found::EnvVar
            } else {
                Found::ConfigKey
            },
        }));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(stage.program())))
        .filter(|p| is_executable(p));
    let on_path = find_program(Path::new(stage.program()));
    let mut candidates = Vec::new();
    if let Some(p) = beside {
        candidates.push((p, Found::NextToHeron));
    }
    if let Some(p) = on_path
        && !candidates.iter().any(|(c, _)| c == &p)
    {
        candidates.push((p, Found::Path));
    }
    let mut fallback = None;
    for (path, found) in candidates {
        let standin = is_aurora_standin(&path);
        if !standin {
            return Ok(Some(AuroraClient {
                path,
                found,
                standin,
            }));
        }
        fallback.get_or_insert(AuroraClient {
            path,
            found,
            standin,
        });
    }
    Ok(fallback)
}

/// A path with a `/` as is; a bare name on PATH.
fn find_program(path: &Path) -> Option<PathBuf> {
    if path.components().count() > 1 || path.is_absolute() {
        return is_executable(path).then(|| path.to_path_buf());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(path))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
