//! `heron explorer`'s command line: Heron 0.20.5's `heron-explorer` subcommands and flags
//! (heron/tools/explorer/src/python/main.py), plus the flags of the older argparse explorer that
//! scripts still use (`--spout`, `--bolt`), `--format json`, and `status` / `packing-plan`, which
//! Heron's explorer does not have.

use std::path::PathBuf;

use clap::{ArgAction, Args, Subcommand, ValueEnum};

use crate::cli::args::{DryRunFormatArg, Format};

const EXAMPLES: &str = "\
Examples:
  heron explorer topologies devcluster                      # everything on the cluster
  heron explorer topologies devcluster/ads --format json    # one role, for scripts
  heron explorer logical-plan devcluster/ads/devel wordcount --bolts
  heron explorer physical-plan containers devcluster/ads/devel wordcount --id 2
  heron explorer packing-plan devcluster/ads/devel wordcount --dry-run-format json
  heron explorer status devcluster/ads/devel wordcount || echo 'something is missing'

Reads the state manager (through heron-statemgr) and, for `status`, the Aurora client; no
heron-tracker is needed and nothing is written or locked. Colour only on a terminal without NO_COLOR.
Exit codes: 0 ok, 1 `status` found something missing, 2 bad input, 3 no such topology,
5 ZooKeeper or Aurora unreachable, 6 denied. See docs/cli.md (heron explorer).";

/// `heron explorer ...`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, subcommand_required = true, arg_required_else_help = true)]
pub struct ExplorerCmd {
    /// Options every view takes.
    #[command(flatten)]
    pub options: ExplorerOptions,
    /// The view.
    #[command(subcommand)]
    pub view: View,
}

/// Options of every view; accepted before or after the view's name, as Heron's are.
#[derive(Debug, Clone, Args)]
pub struct ExplorerOptions {
    /// The config root; the cluster's files are in DIR/<cluster>/ [default: ~/.heron/conf]
    #[arg(long, global = true, value_name = "DIR")]
    pub config_path: Option<PathBuf>,
    /// A config key applied after the cluster's files (repeatable), e.g. another ZooKeeper.
    #[arg(long = "config-property", global = true, value_name = "KEY=VALUE")]
    pub config_property: Vec<String>,
    /// Show the stage command lines and their times on stderr (`-v`, as Heron's explorer).
    #[arg(long, short = 'v', global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Output format: tables for people, or one JSON document for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Heron's heron-tracker address; not needed here (the state is read directly), so ignored.
    #[arg(
        long,
        alias = "tracker_url",
        global = true,
        value_name = "URL",
        hide = true
    )]
    pub tracker_url: Option<String>,
}

/// The views.
#[derive(Debug, Subcommand)]
pub enum View {
    /// List the clusters: the folders of the config root.
    Clusters,
    /// Show the topologies under CLUSTER[/ROLE[/ENV]]: role, env, state, submitter, release.
    Topologies(TopologiesCmd),
    /// Show a topology's components: parallelism, inputs with groupings, output streams.
    LogicalPlan(LogicalPlanCmd),
    /// Show a topology's physical plan.
    #[command(subcommand)]
    PhysicalPlan(PhysicalPlanView),
    /// Show a topology's stored packing plan, in the dry run's formats.
    PackingPlan(PackingPlanCmd),
    /// Check a topology: its state nodes, tmanager, scheduler and Aurora job, each ok or missing.
    Status(TopologyArgs),
}

/// `physical-plan containers | metrics`.
#[derive(Debug, Subcommand)]
pub enum PhysicalPlanView {
    /// Per container: its stream manager's host, ports and pid, and its instances.
    Containers(ContainersCmd),
    /// Heron's metrics view; it needs the tracker and the metrics cache, so it is not offered.
    #[command(hide = true)]
    Metrics(MetricsCmd),
}

/// `CLUSTER[/ROLE[/ENV]] TOPOLOGY`.
#[derive(Debug, Clone, Args)]
pub struct TopologyArgs {
    /// The cluster, optionally with role and environment.
    #[arg(value_name = "CLUSTER[/ROLE[/ENV]]")]
    pub cre: String,
    /// The topology name.
    #[arg(value_name = "TOPOLOGY")]
    pub topology: String,
}

/// `topologies CLUSTER[/ROLE[/ENV]]`.
#[derive(Debug, Args)]
pub struct TopologiesCmd {
    /// The cluster, optionally narrowed to a role and an environment.
    #[arg(value_name = "CLUSTER[/ROLE[/ENV]]")]
    pub cre: String,
}

/// Heron 0.20.5's `--component-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ComponentType {
    /// Spouts and bolts.
    #[default]
    All,
    /// Spouts only.
    Spouts,
    /// Bolts only.
    Bolts,
}

/// `logical-plan CLUSTER[/ROLE[/ENV]] TOPOLOGY [--component-type T] [--component C]`.
#[derive(Debug, Args)]
pub struct LogicalPlanCmd {
    /// The topology.
    #[command(flatten)]
    pub target: TopologyArgs,
    /// Which components (Heron 0.20.5's flag).
    #[arg(long, value_enum, default_value_t = ComponentType::All)]
    pub component_type: ComponentType,
    /// Spouts only (`--spout`, as Heron's older explorer).
    #[arg(long, alias = "spout", conflicts_with = "bolts")]
    pub spouts: bool,
    /// Bolts only (`--bolt`, as Heron's older explorer).
    #[arg(long, alias = "bolt")]
    pub bolts: bool,
    /// Only this component.
    #[arg(long, value_name = "NAME")]
    pub component: Option<String>,
}

impl LogicalPlanCmd {
    /// The component filter from `--component-type`, `--spouts` and `--bolts`; `None` when they
    /// disagree.
    pub fn component_filter(&self) -> Option<ComponentType> {
        match (self.component_type, self.spouts, self.bolts) {
            (t, false, false) => Some(t),
            (ComponentType::All | ComponentType::Spouts, true, false) => {
                Some(ComponentType::Spouts)
            }
            (ComponentType::All | ComponentType::Bolts, false, true) => Some(ComponentType::Bolts),
            _ => None,
        }
    }
}

/// `physical-plan containers CLUSTER[/ROLE[/ENV]] TOPOLOGY [--id N]`.
#[derive(Debug, Args)]
pub struct ContainersCmd {
    /// The topology.
    #[command(flatten)]
    pub target: TopologyArgs,
    /// Only container N (1 is the first stream manager's container; must be at least 1).
    #[arg(long = "id", value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub id: Option<i64>,
}

/// `physical-plan metrics ...` (refused with the reason).
#[derive(Debug, Args)]
pub struct MetricsCmd {
    /// Whatever Heron's metrics view takes.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

/// `packing-plan CLUSTER[/ROLE[/ENV]] TOPOLOGY [--dry-run-format F]`.
#[derive(Debug, Args)]
pub struct PackingPlanCmd {
    /// The topology.
    #[command(flatten)]
    pub target: TopologyArgs,
    /// The dry run's format [default: colored_table on a terminal without NO_COLOR, else table;
    /// json with --format json]
    #[arg(long, value_enum)]
    pub dry_run_format: Option<DryRunFormatArg>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use clap::Parser as _;

    fn parse(args: &[&str]) -> Result<ExplorerCmd, clap::Error> {
        let mut argv = vec!["heron", "explorer"];
        argv.extend(args);
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let argv = crate::cli::argv::normalize(argv).expect("no ambiguous option");
        match Cli::try_parse_from(argv)?.command {
            Command::Explorer(e) => Ok(e),
            other => panic!("not explorer: {other:?}"),
        }
    }

    #[test]
    fn heron_0_20_5_shapes_parse() {
        let e = parse(&["topologies", "devcluster/ads"]).expect("topologies");
        assert!(matches!(e.view, View::Topologies(ref t) if t.cre == "devcluster/ads"));
        let e = parse(&[
            "logical-plan",
            "--config-path",
            "/c",
            "--component-type",
            "bolts",
            "dc/r/e",
            "wc",
        ])
        .expect("logical-plan");
        assert_eq!(e.options.config_path, Some(PathBuf::from("/c")));
        let View::LogicalPlan(l) = e.view else {
            panic!()
        };
        assert_eq!(l.component_filter(), Some(ComponentType::Bolts));
        let e = parse(&[
            "-v",
            "physical-plan",
            "containers",
            "--tracker-url",
            "http://t:8888",
            "--id",
            "2",
            "dc",
            "wc",
        ])
        .expect("containers");
        assert_eq!(e.options.verbose, 1);
        assert_eq!(e.options.tracker_url.as_deref(), Some("http://t:8888"));
        assert!(matches!(
            e.view,
            View::PhysicalPlan(PhysicalPlanView::Containers(ContainersCmd {
                id: Some(2),
                ..
            }))
        ));
    }

    #[test]
    fn older_flags_and_their_conflicts() {
        let View::LogicalPlan(l) = parse(&["logical-plan", "dc", "wc", "--spout"])
            .expect("spout")
            .view
        else {
            panic!()
        };
        assert_eq!(l.component_filter(), Some(ComponentType::Spouts));
        assert!(parse(&["logical-plan", "dc", "wc", "--spouts", "--bolts"]).is_err());
        let View::LogicalPlan(l) = parse(&[
            "logical-plan",
            "dc",
            "wc",
            "--bolts",
            "--component-type",
            "spouts",
        ])
        .expect("parses")
        .view
        else {
            panic!()
        };
        assert_eq!(l.component_filter(), None);
        assert!(parse(&["physical-plan", "containers", "dc", "wc", "--id", "0"]).is_err());
        assert!(parse(&["status", "dc"]).is_err());
    }

    #[test]
    fn format_json_anywhere() {
        let e = parse(&["--format", "json", "status", "dc/r/e", "wc"]).expect("before");
        assert_eq!(e.options.format, Format::Json);
        let e = parse(&["status", "dc/r/e", "wc", "--format", "json"]).expect("after");
        assert_eq!(e.options.format, Format::Json);
    }
}
