//! What every cluster command sets up first: the cluster spec, the private temp folder with the
//! override file, the cluster config (local mode), and the stage runner.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::PathBuf;

use anyhow::Context as _;
use heron_common::ExitCode;
use heron_common::config::{self, Config, LoadRequest, Mode};
use heron_common::error::CodedError;

use crate::cli::args::{Common, Format, TopologyCmd};
use crate::stages::ClusterSpec;
use crate::stages::Runner;

/// A cluster command's context.
#[derive(Debug)]
pub struct Ctx {
    /// cluster/role/env.
    pub spec: ClusterSpec,
    /// `--config-path`.
    pub config_path: PathBuf,
    /// `<config-path>/<cluster>`.
    pub conf_dir: PathBuf,
    /// The cluster config in local mode, with the override file applied.
    pub config: Config,
    /// `--config-property` pairs.
    pub properties: Vec<(String, String)>,
    /// The override file (mode 0600) in [`Ctx::tmp`].
    pub override_file: PathBuf,
    /// Its content.
    pub override_yaml: String,
    /// Private temp folder (0700), removed on drop.
    pub tmp: tempfile::TempDir,
    /// Runs the stages.
    pub runner: Runner,
    /// `--verbose`.
    pub verbose: bool,
    /// `--format`.
    pub format: Format,
    /// The submitting user.
    pub user: String,
    /// Where the config folder came from.
    pub config_source: crate::cli::embedded::Source,
    /// The Aurora client (None: none found; the aurora steps fail with the fix).
    pub aurora: Option<crate::stages::AuroraClient>,
    /// The stand-in's state folder, when the Aurora client is the stand-in and one is known.
    pub standin_state_dir: Option<PathBuf>,
}

/// The stand-in's state variable (tests/src/bin/aurora.rs).
pub const STANDIN_STATE_DIR_VAR: &str = "AURORA_STANDIN_STATE_DIR";

/// The user name, as Heron's `getpass.getuser()` finds it (environment, then the password database).
pub fn user_name() -> String {
    heron_common::cluster::current_user().unwrap_or_else(|| "unknown".to_string())
}

/// `--config-path`, else `~/.heron/conf`.
pub fn config_path(common: &Common) -> anyhow::Result<PathBuf> {
    match &common.config_path {
        Some(p) => Ok(p.clone()),
        None => config::loader::default_config_path().ok_or_else(|| {
            CodedError::new(
                ExitCode::BadInput,
                "HOME is not set; give --config-path DIR",
            )
            .into()
        }),
    }
}

/// Refuses server mode.
pub fn refuse_service_url(url: Option<&str>) -> anyhow::Result<()> {
    if let Some(url) = url {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "--service-url {url}: Heron's API-server mode is not supported; this heron talks to the \
                 cluster directly (leave out --service-url)"
            ),
        )
        .into());
    }
    Ok(())
}

/// A private temp folder (0700) holding `override.yaml` (0600) with the `--config-property`
/// pairs: how they reach the stages, never on a command line.
pub fn private_override(
    properties: &[(String, String)],
) -> anyhow::Result<(tempfile::TempDir, PathBuf, String)> {
    let tmp = tempfile::Builder::new()
        .prefix("heron-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let override_yaml = config::loader::render_override_yaml(properties);
    let override_file = tmp.path().join("override.yaml");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&override_file)
        .with_context(|| format!("cannot create {}", override_file.display()))?;
    f.write_all(override_yaml.as_bytes())
        .with_context(|| format!("cannot write {}", override_file.display()))?;
    Ok((tmp, override_file, override_yaml))
}

/// The cluster config in local mode, read with the private override file of `properties`.
#[derive(Debug)]
pub struct LocalConfig {
    /// The private temp folder holding the override file (see [`private_override`]).
    pub tmp: tempfile::TempDir,
    /// The override file.
    pub override_file: PathBuf,
    /// Its content.
    pub override_yaml: String,
    /// The config.
    pub config: Config,
}

/// Writes the override file of `properties` and loads the cluster config (local mode) with it.
pub fn load_local(
    config_path: &std::path::Path,
    spec: &ClusterSpec,
    topology: Option<&str>,
    properties: &[(String, String)],
    user: &str,
) -> anyhow::Result<LocalConfig> {
    let (tmp, override_file, override_yaml) = private_override(properties)?;
    let config = load(
        config_path,
        spec,
        topology,
        &override_file,
        user,
        Mode::Local,
    )?;
    Ok(LocalConfig {
        tmp,
        override_file,
        override_yaml,
        config,
    })
}

/// Finds the Aurora client and gives it to the runner. When it is the workspace's stand-in
/// (no real client found), says so on stderr (text output) and, on the built-in local cluster,
/// gives the stand-in a state folder of its own. Returns the client and the stand-in's folder.
pub fn use_aurora_client(
    runner: &mut Runner,
    config: &Config,
    spec: &ClusterSpec,
    format: Format,
) -> anyhow::Result<(Option<crate::stages::AuroraClient>, Option<PathBuf>)> {
    let aurora = crate::stages::aurora_client(config, false)?;
    let mut standin_state_dir = None;
    if let Some(client) = &aurora {
        runner.set_program(crate::stages::Stage::Aurora, client.path.clone());
        if client.is_fallback() {
            standin_state_dir = std::env::var_os(STANDIN_STATE_DIR_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from);
            // The local cluster is for trying heron out: give the stand-in a home of its own.
            if standin_state_dir.is_none() && spec.cluster == crate::cli::embedded::LOCAL {
                let dir = crate::cli::embedded::herondata()?.join("aurora-standin");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                runner.set_child_env(STANDIN_STATE_DIR_VAR, dir.as_os_str());
                standin_state_dir = Some(dir);
            }
            if format == Format::Text {
                eprintln!(
                    "note: no Aurora client found; using the Aurora stand-in at {} ({}; nothing runs)",
                    client.path.display(),
                    match &standin_state_dir {
                        Some(d) => format!("it records jobs in {}", d.display()),
                        None => format!(
                            "it records jobs in ${STANDIN_STATE_DIR_VAR}, which is not set, so it will refuse to run"
                        ),
                    }
                );
            }
        }
    }
    Ok((aurora, standin_state_dir))
}

/// Sets up a cluster command.
pub fn setup(common: &Common, cluster: &str, topology: Option<&str>) -> anyhow::Result<Ctx> {
    refuse_service_url(common.service_url.as_deref())?;
    let user = user_name();
    let cluster_name = cluster.split('/').next().unwrap_or_default().trim();
    let resolved = crate::cli::embedded::resolve(common.config_path.as_deref(), cluster_name)?;
    let config_path = resolved.config_path;
    let conf_dir = config_path.join(cluster_name);
    if resolved.source == crate::cli::embedded::Source::BuiltIn && common.format == Format::Text {
        eprintln!("{}", crate::cli::embedded::notice());
    } else if common.verbose {
        eprintln!("[heron] using the cluster config in {}", conf_dir.display());
    }
    // Heron's rules: a missing role is the user, a missing env `default`, unless the cluster's
    // client.yaml requires them (Heron's aurora conf does).
    let parsed = heron_common::cluster::parse_for_config_path(cluster, &config_path)?;
    let spec = ClusterSpec {
        cluster: parsed.cluster,
        role: parsed.role,
        environ: parsed.environ,
    };
    let mut properties = Vec::new();
    for p in &common.config_property {
        let (key, text) = config::loader::parse_config_property(p)?;
        // Refused here, naming the property, as a stage would: not later as a line of the
        // override file, which the user never wrote.
        config::loader::check_property(&key, &text)?;
        properties.push((key, text));
    }
    let LocalConfig {
        tmp,
        override_file,
        override_yaml,
        config,
    } = load_local(&config_path, &spec, topology, &properties, &user)?;
    for warning in config::known::property_warnings(&properties, &config, Some(&override_file)) {
        eprintln!("warning: {warning}");
    }
    let mut runner = Runner::new(
        config_path.clone(),
        spec.clone(),
        Some(override_file.clone()),
        common.verbose,
        &config,
    )?;
    let (aurora, standin_state_dir) =
        use_aurora_client(&mut runner, &config, &spec, common.format)?;
    Ok(Ctx {
        spec,
        config_path,
        conf_dir,
        config,
        properties,
        override_file,
        override_yaml,
        tmp,
        runner,
        verbose: common.verbose,
        format: common.format,
        user,
        config_source: resolved.source,
        aurora,
        standin_state_dir,
    })
}

/// Sets up a command about one topology (`activate`, `deactivate`, `kill`, `restart`, `update`).
pub fn setup_topology(target: &TopologyCmd) -> anyhow::Result<Ctx> {
    setup(&target.common, &target.cluster, Some(&target.topology))
}

/// `config` (as [`load`] gave it) with the topology name set, ready to be expanded again in
/// either mode: the loaded config keeps its raw values, so the YAML files are read and parsed
/// once per command, not once per view (each load is ~0.3 ms of a ~20 ms submit, issue 9).
fn with_topology(config: &Config, topology: &str) -> Config {
    let mut config = config.clone();
    config.set_str(config::keys::TOPOLOGY_NAME, topology);
    config
}

/// Loads the cluster config in a mode.
pub fn load(
    config_path: &std::path::Path,
    spec: &ClusterSpec,
    topology: Option<&str>,
    override_file: &std::path::Path,
    user: &str,
    mode: Mode,
) -> anyhow::Result<Config> {
    let mut request = LoadRequest::new(config_path, spec.cluster.clone());
    request.role = Some(spec.role.clone());
    request.environ = Some(spec.environ.clone());
    request.topology_name = topology.map(str::to_string);
    request.override_file = Some(override_file.to_path_buf());
    request.mode = mode;
    request.submit_user = Some(user.to_string());
    Ok(config::load(&request)?)
}

impl Ctx {
    /// The cluster config in cluster mode (for the Aurora bindings and executor arguments).
    pub fn cluster_config(&self, topology: &str) -> anyhow::Result<Config> {
        Ok(with_topology(&self.config, topology).to_cluster_mode())
    }

    /// The local config with the topology name known (for `${TOPOLOGY}` tokens).
    pub fn local_config(&self, topology: &str) -> anyhow::Result<Config> {
        Ok(with_topology(&self.config, topology).to_local_mode())
    }

    /// The Aurora stand-in's path when `heron` fell back to it because no Aurora client was
    /// found (the `note: ... nothing runs` case): it records jobs and runs nothing, so no
    /// tmanager will ever start. A stand-in named by `HERON_AURORA_BIN` or the config key is
    /// not counted: whoever named it may run the tmanager stand-in beside it (the tests do).
    pub fn fallback_standin(&self) -> Option<&std::path::Path> {
        self.aurora
            .as_ref()
            .filter(|client| client.is_fallback())
            .map(|client| client.path.as_path())
    }

    /// The error for a topology whose tmanager has not written its `what` (physical plan,
    /// location) into the state: exit 5, try again later; but when `heron` fell back to the
    /// Aurora stand-in, which runs nothing, it never will: exit 1, saying so.
    pub fn no_tmanager(&self, name: &str, what: &str) -> CodedError {
        match self.fallback_standin() {
            Some(standin) => CodedError::new(
                ExitCode::Failed,
                format!(
                    "topology '{name}' has no {what}, and never will: the `aurora` client is the \
                     Aurora stand-in ({}), which records jobs and runs nothing, so no tmanager \
                     starts. activate, deactivate and --runtime-config need a real Aurora cluster",
                    standin.display()
                ),
            ),
            None => CodedError::new(
                ExitCode::Unavailable,
                format!(
                    "topology '{name}' has no {what} in the state yet (its tmanager in container 0 \
                     has not started); try again later"
                ),
            ),
        }
    }

    /// Prints a line for people on stderr unless `--format json`.
    pub fn note(&self, text: &str) {
        if self.format == Format::Text {
            eprintln!("{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topology_views_equal_a_fresh_load_with_the_name() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf = tmp.path().join("conf");
        crate::cli::embedded::write_folder(&conf.join("local")).expect("conf");
        let override_file = tmp.path().join("override.yaml");
        std::fs::write(
            &override_file,
            "heron.uploader.localfs.file.system.directory: /x/${TOPOLOGY}\n",
        )
        .expect("override");
        let spec = ClusterSpec {
            cluster: "local".into(),
            role: "alice".into(),
            environ: "default".into(),
        };
        let base = load(&conf, &spec, None, &override_file, "alice", Mode::Local).expect("base");
        for mode in [Mode::Local, Mode::Cluster] {
            let fresh =
                load(&conf, &spec, Some("wc"), &override_file, "alice", mode).expect("fresh");
            let derived = match mode {
                Mode::Local => with_topology(&base, "wc").to_local_mode(),
                Mode::Cluster => with_topology(&base, "wc").to_cluster_mode(),
            };
            assert_eq!(derived, fresh, "{mode:?}");
        }
        assert_eq!(
            with_topology(&base, "wc")
                .to_local_mode()
                .get_str("heron.uploader.localfs.file.system.directory")
                .expect("str")
                .as_deref(),
            Some("/x/wc")
        );
    }
}
