//! The `heron-statemgr` command line (docs/stage-contract.md, docs/statemgr.md).
//!
//! Each command is one function taking the opened [`StateManager`] and writing data to `out`;
//! diagnostics go to stderr. Commands return the exit code for outcomes that are not errors
//! (`exists` on an absent node).

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use heron_common::ExitCode;
use heron_common::config::{Config, LoadRequest, Mode};
use heron_common::contract::SubmitState;
use heron_common::error::CodedError;

use crate::codec::{self, InputFormat};
use crate::kind::NodeKind;
use crate::settings::Settings;
use crate::store::{self, DeleteOutcome, StateManager, WatchEvent, WriteMode};

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
    fn topology(&self) -> Option<&str> {
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

fn usage(message: impl Into<String>) -> anyhow::Error {
    CodedError::new(ExitCode::BadInput, message).into()
}

/// Loads the cluster config and resolves the state manager settings.
pub fn load_settings(common: &CommonArgs, topology: Option<&str>) -> anyhow::Result<Settings> {
    let cluster = common.cluster.clone().ok_or_else(|| {
        usage("--cluster is required: the cluster whose config (<config-path>/<cluster>/) names the state manager")
    })?;
    let config_path = match &common.config_path {
        Some(path) => path.clone(),
        None => {
            let home = std::env::var_os("HOME")
                .ok_or_else(|| usage("HOME is not set: pass --config-path"))?;
            PathBuf::from(home).join(".heron").join("conf")
        }
    };
    let mut properties = Vec::new();
    for property in &common.config_property {
        properties.push(heron_common::config::loader::parse_config_property(
            property,
        )?);
    }
    let mut request = LoadRequest::new(config_path, cluster);
    request.role = common.role.clone();
    request.environ = common.environ.clone();
    request.topology_name = topology.map(str::to_string);
    request.override_file = common.override_config_file.clone();
    request.properties = properties;
    request.mode = Mode::Local;
    let config: Config = heron_common::config::load(&request)
        .with_context(|| format!("cannot load the config of cluster {}", request.cluster))?;
    for warning in
        heron_common::config::known::property_warnings(&request.properties, &config, None)
    {
        eprintln!("warning: {warning}");
    }
    let env_auth = std::env::var(heron_common::env::ZK_AUTH).ok();
    let settings = Settings::from_config(&config, env_auth)?;
    tracing::debug!(?settings, "state manager settings");
    Ok(settings)
}

/// Parses arguments, runs the command, and returns the exit code (errors are printed here).
pub async fn main_with(cli: Cli) -> ExitCode {
    let mut stdout = std::io::stdout();
    let result = run(cli, &mut stdout).await;
    let _ = stdout.flush();
    match result {
        Ok(code) => code,
        // The reader went away (`| head`): not our failure, and nobody to tell.
        Err(err) if is_broken_pipe(&err) => ExitCode::Ok,
        Err(err) => {
            let code = exit_code(&err);
            eprintln!("error: {err:#}");
            code
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit code an error chain maps to.
pub fn exit_code(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(ours) = cause.downcast_ref::<heron_common::Error>() {
            return ours.exit_code();
        }
        if let Some(coded) = cause.downcast_ref::<CodedError>() {
            return coded.code;
        }
    }
    ExitCode::Failed
}

/// Runs one command against the configured backend and closes it cleanly.
pub async fn run(cli: Cli, out: &mut (dyn Write + Send)) -> anyhow::Result<ExitCode> {
    let settings = load_settings(&cli.common, cli.command.topology())?;
    // Input first: nothing is connected while we wait for stdin.
    let input = read_input(&cli.command)?;
    let store = crate::open(&settings);
    let format = cli.common.format;
    let result = if matches!(cli.command, Command::Lock { .. }) {
        dispatch(&cli.command, format, input, store.as_ref(), out).await
    } else {
        tokio::select! {
            result = dispatch(&cli.command, format, input, store.as_ref(), out) => result,
            signal = interrupted() => Err(CodedError::new(ExitCode::Interrupted, format!("interrupted by {signal}")).into()),
        }
    };
    if let Err(err) = store.close().await {
        tracing::warn!("closing the state manager: {err}");
    }
    result
}

/// Resolves on SIGINT or SIGTERM, with the signal's name.
async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

fn parse_kind(kind: &str) -> anyhow::Result<NodeKind> {
    Ok(kind.parse::<NodeKind>()?)
}

fn read_input(command: &Command) -> anyhow::Result<Vec<u8>> {
    let source = match command {
        Command::Set { .. } => "-",
        Command::Create { input, .. } => input.as_str(),
        _ => return Ok(Vec::new()),
    };
    if source == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprintln!("reading the node from stdin (end with Ctrl-D)...");
        }
        let mut data = Vec::new();
        stdin
            .lock()
            .read_to_end(&mut data)
            .context("cannot read stdin")?;
        Ok(data)
    } else {
        std::fs::read(source)
            .map_err(|e| heron_common::Error::io("cannot read", source, e))
            .map_err(anyhow::Error::from)
    }
}

async fn dispatch(
    command: &Command,
    format: Option<Format>,
    input: Vec<u8>,
    store: &dyn StateManager,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    if format == Some(Format::Proto) && !matches!(command, Command::Get { .. }) {
        return Err(usage("--format proto is only for `get`"));
    }
    match command {
        Command::Get { kind, topology } => {
            get(
                store,
                parse_kind(kind)?,
                topology,
                format.unwrap_or(Format::Json),
                out,
            )
            .await
        }
        Command::Set {
            kind,
            topology,
            input_format,
            replace,
            create,
        } => {
            let mode = if *replace {
                WriteMode::Replace
            } else if *create {
                WriteMode::Create
            } else {
                WriteMode::Heron
            };
            set(
                store,
                parse_kind(kind)?,
                topology,
                &input,
                *input_format,
                mode,
                format,
                out,
            )
            .await
        }
        Command::Delete {
            kind,
            topology,
            force,
        } => delete(store, parse_kind(kind)?, topology, *force, format, out).await,
        Command::Exists { kind, topology } => {
            exists(store, parse_kind(kind)?, topology, format, out).await
        }
        Command::List => list(store, format, out).await,
        Command::Dump { topologies, kinds } => {
            crate::dump::run(store, topologies, kinds, format, out).await
        }
        Command::Watch {
            kind,
            topology,
            count,
            timeout_ms,
        } => {
            watch(
                store,
                parse_kind(kind)?,
                topology,
                *count,
                *timeout_ms,
                format,
                out,
            )
            .await
        }
        Command::Clean { topology, force } => clean(store, topology, *force, format, out).await,
        Command::Create {
            topology,
            input: source,
        } => create(store, topology, &input, source, format, out).await,
        Command::Lock {
            topology,
            timeout_ms,
        } => lock(store, topology, *timeout_ms, out).await,
    }
}

fn write_json(
    out: &mut (dyn Write + Send),
    value: &serde_json::Value,
    pretty: bool,
) -> anyhow::Result<()> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .context("cannot render JSON")?;
    writeln!(out, "{text}").context("cannot write to stdout")?;
    Ok(())
}

async fn get(
    store: &dyn StateManager,
    kind: NodeKind,
    topology: &str,
    format: Format,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let node = store.get(kind, topology).await?.ok_or_else(|| {
        heron_common::Error::NotFound(format!(
            "{} does not exist ({})",
            store.location(kind, topology),
            store.describe()
        ))
    })?;
    match format {
        Format::Proto => {
            // Check before printing so a corrupt node is an error, not garbage on stdout.
            codec::validate(kind, &node.data, &node.location)?;
            out.write_all(&node.data)
                .context("cannot write to stdout")?;
        }
        Format::Json => {
            let text = codec::to_json_pretty(kind, &node.data, &node.location)?;
            writeln!(out, "{text}").context("cannot write to stdout")?;
        }
        Format::Text => {
            let json = codec::to_json(kind, &node.data, &node.location)?;
            for line in codec::to_text_lines(&json) {
                writeln!(out, "{line}").context("cannot write to stdout")?;
            }
        }
    }
    Ok(ExitCode::Ok)
}

#[allow(clippy::too_many_arguments)]
async fn set(
    store: &dyn StateManager,
    kind: NodeKind,
    topology: &str,
    input: &[u8],
    input_format: InputFormatArg,
    mode: WriteMode,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let input_format = match input_format {
        InputFormatArg::Auto => InputFormat::Auto,
        InputFormatArg::Json => InputFormat::Json,
        InputFormatArg::Proto => InputFormat::Proto,
    };
    let bytes = codec::input_to_bytes(kind, input, input_format, "stdin")?;
    store.set(kind, topology, &bytes, mode).await?;
    let location = store.location(kind, topology);
    if store.ephemeral(kind) && mode != WriteMode::Replace {
        eprintln!(
            "warning: {location} is ephemeral in ZooKeeper (as Heron creates it): it was removed \
             again when this command ended its session; use --replace to change the data of a \
             node another process owns"
        );
    }
    if format == Some(Format::Json) {
        write_json(
            out,
            &serde_json::json!({"path": location, "bytes": bytes.len()}),
            false,
        )?;
    }
    Ok(ExitCode::Ok)
}

async fn delete(
    store: &dyn StateManager,
    kind: NodeKind,
    topology: &str,
    force: bool,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let outcome = store.delete(kind, topology, force).await?;
    let location = store.location(kind, topology);
    if outcome == DeleteOutcome::SkippedEphemeral {
        eprintln!(
            "warning: {location} is an ephemeral node owned by another process; as Heron does, it \
             was left for ZooKeeper to remove when that process's session ends (use --force to \
             delete it now)"
        );
    }
    if format == Some(Format::Json) {
        write_json(
            out,
            &serde_json::json!({"path": location, "outcome": outcome}),
            false,
        )?;
    }
    Ok(ExitCode::Ok)
}

async fn exists(
    store: &dyn StateManager,
    kind: NodeKind,
    topology: &str,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let present = store.exists(kind, topology).await?;
    if format == Some(Format::Json) {
        let location = store.location(kind, topology);
        write_json(
            out,
            &serde_json::json!({"path": location, "exists": present}),
            false,
        )?;
    }
    Ok(if present {
        ExitCode::Ok
    } else {
        ExitCode::NotFound
    })
}

async fn list(
    store: &dyn StateManager,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let listing = store.list().await?;
    if format == Some(Format::Json) {
        write_json(
            out,
            &serde_json::to_value(&listing).context("cannot render JSON")?,
            true,
        )?;
        return Ok(ExitCode::Ok);
    }
    if listing.is_empty() {
        eprintln!("no topology has state in {}", store.describe());
    }
    let width = listing.iter().map(|l| l.topology.len()).max().unwrap_or(0);
    for entry in &listing {
        writeln!(out, "{:<width$}  {}", entry.topology, entry.nodes.join(" "))
            .context("cannot write to stdout")?;
    }
    Ok(ExitCode::Ok)
}

fn event_line(kind: NodeKind, topology: &str, event: &WatchEvent, format: Format) -> String {
    let node = event.node();
    match format {
        Format::Json | Format::Proto => {
            let mut value = serde_json::json!({
                "event": event.name(),
                "kind": kind.dir(),
                "topology": topology,
                "exists": node.is_some(),
            });
            if let Some(node) = node {
                value["path"] = node.location.clone().into();
                if let Some(version) = node.version {
                    value["version"] = version.into();
                }
                match codec::to_json(kind, &node.data, &node.location) {
                    Ok(json) => value["data"] = json,
                    Err(err) => value["error"] = err.to_string().into(),
                }
            }
            value.to_string()
        }
        Format::Text => match node {
            Some(node) => format!(
                "{} {} ({} bytes{})",
                event.name(),
                node.location,
                node.data.len(),
                node.version
                    .map(|v| format!(", version {v}"))
                    .unwrap_or_default()
            ),
            None => format!("{} {}/{topology} (absent)", event.name(), kind.dir()),
        },
    }
}

async fn watch(
    store: &dyn StateManager,
    kind: NodeKind,
    topology: &str,
    count: Option<u64>,
    timeout_ms: Option<u64>,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let format = format.unwrap_or(Format::Text);
    let mut seen = 0u64;
    let mut write_error: Option<std::io::Error> = None;
    let mut on_event = |event: WatchEvent| {
        let line = event_line(kind, topology, &event, format);
        if let Err(err) = writeln!(out, "{line}").and_then(|_| out.flush()) {
            write_error = Some(err);
            return false;
        }
        seen += 1;
        count.is_none_or(|c| seen < c)
    };
    let watching = store.watch(kind, topology, &mut on_event);
    let finished = match timeout_ms {
        Some(ms) => tokio::time::timeout(Duration::from_millis(ms), watching)
            .await
            .ok(),
        None => Some(watching.await),
    };
    if let Some(err) = write_error {
        // A closed pipe (`| head -1`) ends the watch normally.
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::Ok);
        }
        return Err(anyhow!(err).context("cannot write to stdout"));
    }
    match finished {
        Some(result) => {
            result?;
            Ok(ExitCode::Ok)
        }
        None if count.is_some() => Err(CodedError::new(
            ExitCode::Unavailable,
            format!(
                "watch of {} ended after {} ms with {seen} of {} events",
                store.location(kind, topology),
                timeout_ms.unwrap_or_default(),
                count.unwrap_or_default()
            ),
        )
        .into()),
        None => Ok(ExitCode::Ok),
    }
}

async fn clean(
    store: &dyn StateManager,
    topology: &str,
    force: bool,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let report = store::clean(store, topology, force).await?;
    if format == Some(Format::Json) {
        let value = serde_json::json!({"topology": topology, "nodes": report});
        write_json(out, &value, true)?;
    } else {
        for node in &report {
            let outcome = match node.outcome {
                DeleteOutcome::Deleted => "deleted",
                DeleteOutcome::Absent => "absent",
                DeleteOutcome::SkippedEphemeral => "left (ephemeral, owned by another session)",
            };
            writeln!(out, "{:<20} {outcome}", node.kind).context("cannot write to stdout")?;
        }
    }
    if report.iter().all(|n| n.outcome == DeleteOutcome::Absent) {
        eprintln!(
            "warning: no state found for topology {topology} in {}",
            store.describe()
        );
    }
    Ok(ExitCode::Ok)
}

async fn create(
    store: &dyn StateManager,
    topology: &str,
    input: &[u8],
    source: &str,
    format: Option<Format>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let what = if source == "-" {
        "stdin".to_string()
    } else {
        source.to_string()
    };
    let state: SubmitState = serde_json::from_slice(input).map_err(|e| {
        heron_common::Error::BadInput(format!(
            "{what} is not a SubmitState JSON document ({{\"topology\", \"packing_plan\", \
             \"execution_state\", \"scheduler_location\"}}, base64 protobuf): {e}"
        ))
    })?;
    check_submit(topology, &state, &what)?;
    store.create_submit(topology, &state).await?;
    if store.ephemeral(NodeKind::Scheduler) {
        eprintln!(
            "warning: heron.scheduler.is.service is true, so {} is ephemeral (as Heron creates it) \
             and was removed when this command ended; a scheduler service writes its own location",
            store.location(NodeKind::Scheduler, topology)
        );
    }
    if format == Some(Format::Json) {
        let paths: Vec<String> = [
            NodeKind::Topology,
            NodeKind::PackingPlan,
            NodeKind::ExecutionState,
            NodeKind::Scheduler,
        ]
        .iter()
        .map(|k| store.location(*k, topology))
        .collect();
        write_json(
            out,
            &serde_json::json!({"topology": topology, "created": paths}),
            false,
        )?;
    }
    Ok(ExitCode::Ok)
}

/// Every node decodes, and the names inside agree with the topology being written.
fn check_submit(topology: &str, state: &SubmitState, what: &str) -> anyhow::Result<()> {
    use heron_common::defn::decode_message;
    use heron_common::proto::{api, scheduler, system};
    let field = |name: &str| format!("{what}: {name}");
    let topo: api::Topology = decode_message(
        &state.topology,
        NodeKind::Topology.message_type(),
        &field("topology"),
    )?;
    let _: system::PackingPlan = decode_message(
        &state.packing_plan,
        NodeKind::PackingPlan.message_type(),
        &field("packing_plan"),
    )?;
    let exec: system::ExecutionState = decode_message(
        &state.execution_state,
        NodeKind::ExecutionState.message_type(),
        &field("execution_state"),
    )?;
    let sched: scheduler::SchedulerLocation = decode_message(
        &state.scheduler_location,
        NodeKind::Scheduler.message_type(),
        &field("scheduler_location"),
    )?;
    for (name, inside) in [
        ("topology.name", topo.name.as_str()),
        ("execution_state.topology_name", exec.topology_name.as_str()),
        (
            "scheduler_location.topology_name",
            sched.topology_name.as_str(),
        ),
    ] {
        if inside != topology {
            bail!(heron_common::Error::BadInput(format!(
                "{what}: {name} is {inside:?}, but the command writes topology {topology:?}"
            )));
        }
    }
    Ok(())
}

async fn lock(
    store: &dyn StateManager,
    topology: &str,
    timeout_ms: u64,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<ExitCode> {
    let held = tokio::select! {
        held = store.lock(topology, Duration::from_millis(timeout_ms)) => held?,
        signal = interrupted() => {
            return Err(CodedError::new(ExitCode::Interrupted, format!("interrupted by {signal} while waiting for the lock")).into());
        }
    };
    writeln!(out, "locked")
        .and_then(|_| out.flush())
        .context("cannot write to stdout")?;
    let lost = held.lost();
    let stdin_closed = async {
        use tokio::io::AsyncReadExt;
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        loop {
            match stdin.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::select! {
        _ = stdin_closed => {}
        _ = interrupted() => {}
        reason = lost => {
            bail!(CodedError::new(ExitCode::Failed, format!("lost the update lock {}: {reason}", held.location())));
        }
    }
    held.release().await?;
    Ok(ExitCode::Ok)
}
