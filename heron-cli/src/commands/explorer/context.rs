//! What every explorer view sets up: the `CLUSTER[/ROLE[/ENV]]` selection, the cluster config,
//! and the runner of `heron-statemgr` (and, for `status`, of the Aurora client).
//!
//! The role and environment select; they are not filled in and checked the way `submit` does it.
//! Heron's `topologies` view treats them the same way; its per-topology views fill in the user
//! and `default` and refuse a missing part that `client.yaml` requires. A read-only view has no
//! reason to refuse, so here a part that was not given matches anything (docs/cli.md).

use std::path::PathBuf;

use heron_common::ExitCode;
use heron_common::config::Config;
use heron_common::error::CodedError;
use heron_common::proto::system::ExecutionState;

use crate::cli::args::Format;
use crate::cli::args::explorer::ExplorerOptions;
use crate::cli::context;
use crate::stages::ClusterSpec;
use crate::stages::Runner;

/// `CLUSTER[/ROLE[/ENV]]` as a selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The cluster (a folder of the config root).
    pub cluster: String,
    /// The role, when given.
    pub role: Option<String>,
    /// The environment, when given.
    pub environ: Option<String>,
}

impl Selection {
    /// Parses `CLUSTER[/ROLE[/ENV]]`: at most three non-empty parts, Heron's characters.
    pub fn parse(cre: &str) -> anyhow::Result<Selection> {
        let parts: Vec<&str> = cre.split('/').collect();
        // The shared parser checks every part; placeholders stand in for the parts not given.
        let full = heron_common::cluster::parse(
            cre,
            &heron_common::cluster::Requirements::default(),
            Some("any"),
        )?;
        Ok(Selection {
            cluster: full.cluster,
            role: (parts.len() > 1).then_some(full.role),
            environ: (parts.len() > 2).then_some(full.environ),
        })
    }

    /// Whether an execution state is in the selection.
    pub fn matches(&self, exec: &ExecutionState) -> bool {
        exec.cluster == self.cluster
            && self.role.as_ref().is_none_or(|r| *r == exec.role)
            && self.environ.as_ref().is_none_or(|e| *e == exec.environ)
    }

    /// As given: `cluster`, `cluster/role` or `cluster/role/env`.
    pub fn display(&self) -> String {
        let mut text = self.cluster.clone();
        for part in [&self.role, &self.environ].into_iter().flatten() {
            text.push('/');
            text.push_str(part);
        }
        text
    }
}

/// One explorer command's context.
#[derive(Debug)]
pub struct Explorer {
    /// What the user selected.
    pub selection: Selection,
    /// The selection with the user and `default` filled in: the stages' `--role`/`--environ`
    /// (only for `${ROLE}`/`${ENVIRON}` tokens in the config) and the Aurora job key.
    pub spec: ClusterSpec,
    /// The cluster config (local mode).
    pub config: Config,
    /// Runs `heron-statemgr` (and `aurora`).
    pub runner: Runner,
    /// `--format`.
    pub format: Format,
    /// `--verbose`.
    pub verbose: bool,
    /// Whether text output may use colour: stdout is a terminal and `NO_COLOR` is unset or empty.
    pub colour: bool,
    /// Holds the private override file while the stages run.
    _tmp: tempfile::TempDir,
}

/// The config root: `--config-path`, else `~/.heron/conf`, else the built-in `local` cluster.
pub fn config_root(options: &ExplorerOptions, cluster: &str) -> anyhow::Result<PathBuf> {
    let resolved = crate::cli::embedded::resolve(options.config_path.as_deref(), cluster)?;
    if options.verbose > 0 {
        eprintln!(
            "[heron] using the config root {}",
            resolved.config_path.display()
        );
    }
    Ok(resolved.config_path)
}

impl Explorer {
    /// Sets up a view of `cre` (and of `topology`, for `${TOPOLOGY}` tokens).
    pub fn setup(
        options: &ExplorerOptions,
        cre: &str,
        topology: Option<&str>,
    ) -> anyhow::Result<Explorer> {
        if let Some(url) = &options.tracker_url
            && options.format == Format::Text
        {
            eprintln!(
                "note: --tracker-url {url} is not used: heron explorer reads the state manager directly"
            );
        }
        let selection = Selection::parse(cre)?;
        if let Some(name) = topology {
            heron_common::cluster::validate_topology_name(name)?;
        }
        let config_path = config_root(options, &selection.cluster)?;
        let user = context::user_name();
        let spec = ClusterSpec {
            cluster: selection.cluster.clone(),
            role: selection.role.clone().unwrap_or_else(|| user.clone()),
            environ: selection
                .environ
                .clone()
                .unwrap_or_else(|| heron_common::cluster::DEFAULT_ENVIRON.to_string()),
        };
        let mut properties = Vec::new();
        for p in &options.config_property {
            properties.push(heron_common::config::loader::parse_config_property(p)?);
        }
        let context::LocalConfig {
            tmp,
            override_file,
            config,
            ..
        } = context::load_local(&config_path, &spec, topology, &properties, &user)?;
        let verbose = options.verbose > 0;
        let runner = Runner::new(
            config_path,
            spec.clone(),
            Some(override_file),
            verbose,
            &config,
        )?;
        Ok(Explorer {
            selection,
            spec,
            config,
            runner,
            format: options.format,
            verbose,
            colour: options.format == Format::Text && crate::cli::colour_wanted(),
            _tmp: tmp,
        })
    }

    /// The Aurora job key of a topology: `cluster/role/env/name`.
    pub fn job_key(&self, topology: &str) -> String {
        self.spec.job_key(topology)
    }
}

/// The error for a topology with no state at all.
pub fn no_topology(name: &str, selection: &Selection) -> anyhow::Error {
    CodedError::new(
        ExitCode::NotFound,
        format!(
            "no topology '{name}' in {}: the state manager holds no node of it",
            selection.display()
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_keeps_only_what_was_given() {
        let s = Selection::parse("dc").expect("cluster");
        assert_eq!((s.role.as_deref(), s.environ.as_deref()), (None, None));
        let s = Selection::parse("dc/ads/devel").expect("full");
        assert_eq!(s.display(), "dc/ads/devel");
        assert!(Selection::parse("dc/ads/devel/wc").is_err());
        assert!(Selection::parse("dc//devel").is_err());
        assert!(Selection::parse("").is_err());
        let exec = |role: &str, env: &str| ExecutionState {
            cluster: "dc".into(),
            role: role.into(),
            environ: env.into(),
            ..Default::default()
        };
        let s = Selection::parse("dc/ads").expect("role");
        assert!(s.matches(&exec("ads", "prod")));
        assert!(!s.matches(&exec("web", "prod")));
        let mut other = exec("ads", "prod");
        other.cluster = "elsewhere".into();
        assert!(!s.matches(&other));
    }
}
