//! Loading `<config-path>/<cluster>/` in Heron's order (heron-aurora.md §3.8).

use std::path::PathBuf;

use super::Config;
use crate::error::Result;

/// Where token expansion points `${HERON_HOME}` and `${HERON_CONF}` (heron-aurora.md §3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// On the client: `~/.heron`, `<config-path>/<cluster>`.
    Local,
    /// In the Aurora sandbox: `./heron-core`, `./heron-conf`.
    Cluster,
}

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
    /// `--config-property K=V`, applied last.
    pub properties: Vec<(String, String)>,
    /// Token expansion mode.
    pub mode: Mode,
}

/// Loads a cluster's config. (Being written: see the foundation issue.)
pub fn load(request: &LoadRequest) -> Result<Config> {
    let _ = request;
    Ok(Config::new())
}
