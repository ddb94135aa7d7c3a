//! The command line: Heron's subcommands and flags (heron-aurora.md §4.1, §4.2), plus `--format`.
//!
//! Heron's parser quirks (abbreviated options, boolean options used as flags, `submit`'s
//! `parse_known_args`) are applied to argv before clap sees it, by [`crate::cli::argv::normalize`].

pub mod explorer;
pub mod help;
pub mod values;

use std::path::PathBuf;

use clap::{Args, FromArgMatches as _, Parser, Subcommand, ValueEnum};

pub use self::help::command;

const EXAMPLES: &str = "\
Examples:
  heron submit local examples/word-count.yaml -     # the built-in local cluster, no services
  heron doctor devcluster/ads/devel                 # check a cluster before a first submit
  heron submit devcluster/ads/devel ~/topologies/wordcount.jar com.example.WordCount wordcount
  heron submit --dry-run --dry-run-format json devcluster/ads/devel topology.yaml -
  heron kill devcluster/ads/devel wordcount
  heron update devcluster/ads/devel wordcount --component-parallelism split:4
  heron restart devcluster/ads/devel wordcount 2
  heron deactivate devcluster/ads/devel wordcount --format json
  heron explorer topologies devcluster              # what runs, read from the state manager
  heron explorer status devcluster/ads/devel wordcount

Exit codes: 0 ok, 1 failed, 2 bad input or usage, 3 not found, 4 already exists,
5 a backend unreachable or timed out, 6 denied, 130 interrupted (work rolled back).
See docs/cli.md.";

/// `heron`: submit and manage Heron topologies on Apache Aurora.
#[derive(Debug, Parser)]
#[command(name = "heron", version, about, after_help = EXAMPLES, disable_help_subcommand = false)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Parses `argv` (as [`crate::cli::argv::normalize`] gave it) like `Cli::try_parse_from`, with
/// [`command`]'s examples in the help.
pub fn parse<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = command();
    let mut matches = command.try_get_matches_from_mut(argv)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut command))
}

/// Output format for results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON document on stdout (errors: one JSON line on stderr).
    Json,
}

/// `--dry-run-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRunFormatArg {
    /// Heron's raw `toString` layout.
    Raw,
    /// Plain tables.
    Table,
    /// Tables with colours.
    #[value(name = "colored_table")]
    ColoredTable,
    /// One JSON document.
    Json,
}

impl DryRunFormatArg {
    /// The packing renderer's format; `None` picks colored_table on a terminal without
    /// `NO_COLOR` (Heron's default), else table.
    pub fn resolve(arg: Option<DryRunFormatArg>) -> heron_common::packing::DryRunFormat {
        use heron_common::packing::DryRunFormat as F;
        match arg {
            Some(DryRunFormatArg::Raw) => F::Raw,
            Some(DryRunFormatArg::Table) => F::Table,
            Some(DryRunFormatArg::ColoredTable) => F::ColoredTable,
            Some(DryRunFormatArg::Json) => F::Json,
            None if crate::cli::colour_wanted() => F::ColoredTable,
            None => F::Table,
        }
    }
}

/// Options every cluster command takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The config root; the cluster's files are in DIR/<cluster>/ [default: ~/.heron/conf]
    #[arg(long, value_name = "DIR")]
    pub config_path: Option<PathBuf>,
    /// A config key applied after the cluster's files (repeatable).
    #[arg(long = "config-property", value_name = "KEY=VALUE")]
    pub config_property: Vec<String>,
    /// Heron's API server mode; not supported by this implementation.
    #[arg(long, value_name = "URL")]
    pub service_url: Option<String>,
    /// Show each child command line and its time on stderr (also `--verbose True`).
    #[arg(long)]
    pub verbose: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Activate a paused topology (through its tmanager).
    Activate(TopologyCmd),
    /// Show or change the CLI's per-cluster settings (server mode only in Heron).
    Config(ConfigCmd),
    /// Deactivate (pause) a running topology (through its tmanager).
    Deactivate(TopologyCmd),
    /// Check a cluster before a first submit: config, classes, core package, uploader, state, aurora.
    Doctor(DoctorCmd),
    /// Show what runs on a cluster, read from the state manager and Aurora (no heron-tracker).
    Explorer(explorer::ExplorerCmd),
    /// Kill a topology: `aurora job killall`, then remove its state.
    Kill(TopologyCmd),
    /// Restart a topology, or one of its containers.
    Restart(RestartCmd),
    /// Submit a topology: define, pack, upload, write state, create the Aurora job.
    Submit(SubmitCmd),
    /// Change a running topology's parallelism, container count or runtime config.
    Update(UpdateCmd),
    /// Print the release this CLI belongs to.
    Version(VersionCmd),
}

/// `activate | deactivate | kill cluster/[role]/[env] topology-name`.
#[derive(Debug, Args)]
pub struct TopologyCmd {
    /// Options.
    #[command(flatten)]
    pub common: Common,
    /// `cluster/[role]/[env]`.
    #[arg(value_name = "CLUSTER/[ROLE]/[ENV]")]
    pub cluster: String,
    /// The topology name.
    #[arg(value_name = "TOPOLOGY-NAME")]
    pub topology: String,
}

/// `doctor cluster/[role]/[env]`.
#[derive(Debug, Args)]
pub struct DoctorCmd {
    /// Options.
    #[command(flatten)]
    pub common: Common,
    /// `cluster/[role]/[env]`.
    #[arg(value_name = "CLUSTER/[ROLE]/[ENV]")]
    pub cluster: String,
}

/// `restart cluster/[role]/[env] topology-name [container-id]`.
#[derive(Debug, Args)]
pub struct RestartCmd {
    /// The options, the cluster and the topology.
    #[command(flatten)]
    pub target: TopologyCmd,
    /// The container (Aurora instance) to restart; -1 (default) restarts the whole job.
    #[arg(value_name = "CONTAINER-ID", default_value_t = -1, allow_negative_numbers = true)]
    pub container: i32,
}

/// `submit cluster/[role]/[env] topology-file class-name [args]`.
#[derive(Debug, Args)]
pub struct SubmitCmd {
    /// Options.
    #[command(flatten)]
    pub common: Common,
    /// Submit the topology PAUSED (also `--deploy-deactivated True`).
    #[arg(long)]
    pub deploy_deactivated: bool,
    /// Print the packing plan and the rendered Aurora job; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Format of the dry-run packing plan [default: colored_table on a terminal without NO_COLOR, else table]
    #[arg(long, value_enum)]
    pub dry_run_format: Option<DryRunFormatArg>,
    /// Extra ':'-separated classpath for a Java topology program (each entry must exist).
    #[arg(long, value_name = "CLASS_PATH")]
    pub extra_launch_classpath: Option<String>,
    /// The release file [default: ~/.heron/release.yaml; ours when absent]
    #[arg(long, value_name = "FILE")]
    pub release_yaml_file: Option<PathBuf>,
    /// A `-D` JVM property for a Java topology program (repeatable).
    #[arg(long, value_name = "PROPERTY=VALUE")]
    pub topology_main_jvm_property: Vec<String>,
    /// Ask the executor for verbose GC logs.
    #[arg(long = "verbose_gc")]
    pub verbose_gc: bool,
    /// `cluster/[role]/[env]`.
    #[arg(value_name = "CLUSTER/[ROLE]/[ENV]")]
    pub cluster: String,
    /// The topology file: .jar, .tar, .tar.gz, .pex, .py, .defn, .yaml/.yml; or an http(s) URL
    /// to download it from.
    #[arg(value_name = "TOPOLOGY-FILE")]
    pub topology_file: PathBuf,
    /// The topology's main class (`-` for a .yaml, .defn, .py or .pex file that needs none).
    #[arg(value_name = "CLASS-NAME")]
    pub class_name: String,
    /// Arguments passed to the topology program.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

/// `update cluster/[role]/[env] topology-name ...`.
#[derive(Debug, Args)]
pub struct UpdateCmd {
    /// The options, the cluster and the topology.
    #[command(flatten)]
    pub target: TopologyCmd,
    /// New parallelism of a component, `name:N` (repeatable).
    #[arg(long, value_name = "NAME:N")]
    pub component_parallelism: Vec<String>,
    /// New number of containers (the last one given wins).
    #[arg(long, value_name = "N")]
    pub container_number: Vec<String>,
    /// A runtime config change `[component:]key:value`, sent to the tmanager (repeatable).
    #[arg(long, value_name = "[COMPONENT:]KEY:VALUE")]
    pub runtime_config: Vec<String>,
    /// Print the new packing plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Format of the dry-run output.
    #[arg(long, value_enum)]
    pub dry_run_format: Option<DryRunFormatArg>,
}

/// `version [cluster]`.
#[derive(Debug, Args)]
pub struct VersionCmd {
    /// A cluster (accepted for compatibility; the local release is printed).
    pub cluster: Option<String>,
    /// Heron's API server mode; not supported by this implementation.
    #[arg(long, value_name = "URL")]
    pub service_url: Option<String>,
    /// The release file [default: ~/.heron/release.yaml]
    #[arg(long, value_name = "FILE")]
    pub release_yaml_file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `config cluster list | set service_url URL | unset service_url`.
#[derive(Debug, Args)]
pub struct ConfigCmd {
    /// The cluster.
    pub cluster: String,
    /// `list`, `set` or `unset`.
    #[arg(value_parser = ["list", "set", "unset"])]
    pub action: String,
    /// The property (only `service_url` exists).
    pub property: Option<String>,
    /// The value for `set`.
    pub value: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(crate::cli::argv::normalize(v(args)).unwrap()).unwrap()
    }

    #[test]
    fn restart_container_defaults_to_all() {
        let Command::Restart(r) = parse(&["heron", "restart", "c/r/e", "t"]).command else {
            panic!()
        };
        assert_eq!(r.container, -1);
        let Command::Restart(r) = parse(&["heron", "restart", "c/r/e", "t", "3"]).command else {
            panic!()
        };
        assert_eq!(r.container, 3);
    }
}
