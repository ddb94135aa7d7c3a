//! The command line's shape: the arguments every stage takes, the output and input formats, and
//! the subcommands with their `--help` text and examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  heron-statemgr --cluster aurora get executionstate WordCount
  heron-statemgr --cluster aurora get pplan WordCount --format text
  heron-statemgr --cluster aurora get topology WordCount --format proto > WordCount.defn
  heron-statemgr --cluster aurora get packingplan WordCount | jq .container_plans
  heron-statemgr --cluster aurora set packingplan WordCount --replace < plan.json
  heron-statemgr --cluster aurora exists topology WordCount && echo running
  heron-statemgr --cluster aurora list --format json
  heron-statemgr --cluster aurora dump --kind executionstate,topologies   # every topology, one document
  heron-statemgr --cluster aurora watch pplan WordCount --count 2 --timeout-ms 60000
  heron-statemgr --cluster aurora clean WordCount
  heron-statemgr --cluster aurora create WordCount < submit.json
  heron-statemgr --cluster aurora lock WordCount --timeout-ms 5000   # prints `locked`, holds until stdin closes

Config: <config-path>/<cluster>/statemgr.yaml (heron.class.state.manager, heron.statemgr.*).
ZooKeeper credentials: heron.statemgr.zookeeper.auth.digest in the config, or HERON_ZK_AUTH=user:password.
Exit codes: 0 ok, 1 failed, 2 bad input, 3 not found, 4 already exists, 5 unavailable/timeout,
6 denied, 130 interrupted.";

/// Reads and writes a Heron topology's state in ZooKeeper or a local directory.
#[derive(Debug, Parser)]
#[command(name = "heron-statemgr", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Arguments every stage takes.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The common stage arguments (docs/stage-contract.md).
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Config root; the cluster's files are in DIR/<cluster>/ [default: ~/.heron/conf]
    #[arg(long, global = true, value_name = "DIR")]
    pub config_path: Option<PathBuf>,
    /// The cluster (a folder under --config-path)
    #[arg(long, global = true, value_name = "C")]
    pub cluster: Option<String>,
    /// The role, for ${ROLE}
    #[arg(long, global = true, value_name = "R")]
    pub role: Option<String>,
    /// The environment, for ${ENVIRON}
    #[arg(long, global = true, value_name = "E")]
    pub environ: Option<String>,
    /// A YAML file of keys applied after the cluster's files
    #[arg(long, global = true, value_name = "FILE")]
    pub override_config_file: Option<PathBuf>,
    /// One config key, applied last (repeatable); never pass secrets here
    #[arg(long, global = true, value_name = "K=V")]
    pub config_property: Vec<String>,
    /// Output format [default: json for get, text otherwise]
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Diagnostics on stderr
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts.
    Json,
    /// Heron's protobuf bytes (`get` only).
    Proto,
}

/// `set` input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// JSON if the input starts with `{`, protobuf bytes otherwise.
    Auto,
    /// The message's JSON form.
    Json,
    /// Protobuf bytes.
    Proto,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a node (JSON by default; --format text|proto)
    Get {
        /// Node kind: topologies, packingplans, pplans, executionstate, tmanagers, metricscaches,
        /// schedulers, statefulcheckpoints (or the singular)
        kind: String,
        /// Topology name
        topology: String,
    },
    /// Write a node from stdin (protobuf bytes or the JSON that `get` prints)
    Set {
        /// Node kind
        kind: String,
        /// Topology name
        topology: String,
        /// How stdin is encoded
        #[arg(long, value_enum, default_value = "auto")]
        input_format: InputFormatArg,
        /// Create or replace the node (default: as Heron's state manager writes this kind)
        #[arg(long, conflicts_with = "create")]
        replace: bool,
        /// Fail with exit 4 if the node exists
        #[arg(long)]
        create: bool,
    },
    /// Delete a node; a missing node is success. ZooKeeper ephemeral kinds (tmanagers,
    /// metricscaches) are left to their owner as Heron does, unless --force
    Delete {
        /// Node kind
        kind: String,
        /// Topology name
        topology: String,
        /// Delete ephemeral nodes owned by another process's session too
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 if the node exists, 3 if not
    Exists {
        /// Node kind
        kind: String,
        /// Topology name
        topology: String,
    },
    /// Every topology with what state it has
    List,
    /// Many nodes of many topologies, decoded, as one JSON document (one session, reads only)
    Dump {
        /// Topology names [default: every topology with state]
        topologies: Vec<String>,
        /// Node kinds to read, repeatable or comma-separated [default: all]
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
    },
    /// Print the node, then each change, one line each
    Watch {
        /// Node kind
        kind: String,
        /// Topology name
        topology: String,
        /// Stop after this many lines (the first shows the current state)
        #[arg(long)]
        count: Option<u64>,
        /// Stop after this long; exit 5 if --count lines were not seen by then
        #[arg(long)]
        timeout_ms: Option<u64>,
    },
    /// Delete a topology's state in Heron's kill order, `topologies` last
    Clean {
        /// Topology name
        topology: String,
        /// Delete ephemeral nodes owned by other sessions too
        #[arg(long)]
        force: bool,
    },
    /// The atomic submit write of topology, packing plan, execution state and scheduler location,
    /// from a SubmitState JSON document; exit 4 (and nothing written) if any exists
    Create {
        /// Topology name
        topology: String,
        /// The SubmitState JSON file, `-` for stdin
        #[arg(long, default_value = "-", value_name = "FILE")]
        input: String,
    },
    /// Take the update lock; print `locked`, hold it until stdin closes, release, exit 0
    Lock {
        /// Topology name
        topology: String,
        /// Give up (exit 4) after this long
        #[arg(long, default_value_t = 5000)]
        timeout_ms: u64,
    },
}

impl Command {
    /// The topology the command is about, for `${TOPOLOGY}` in the config.
    pub(super) fn topology(&self) -> Option<&str> {
        match self {
            Command::Get { topology, .. }
            | Command::Set { topology, .. }
            | Command::Delete { topology, .. }
            | Command::Exists { topology, .. }
            | Command::Watch { topology, .. }
            | Command::Clean { topology, .. }
            | Command::Create { topology, .. }
            | Command::Lock { topology, .. } => Some(topology),
            Command::List | Command::Dump { .. } => None,
        }
    }
}
