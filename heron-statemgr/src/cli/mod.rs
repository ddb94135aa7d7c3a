//! The `heron-statemgr` command line (docs/stage-contract.md, docs/statemgr.md).
//!
//! Each command is one function taking the opened [`StateManager`] and writing data to `out`;
//! diagnostics go to stderr. Commands return the exit code for outcomes that are not errors
//! (`exists` on an absent node). This module loads the settings, reads the input, runs one command
//! (interruptible by SIGINT/SIGTERM) and maps errors to exit codes; the commands are in:
//! - [`args`]: the arguments and subcommands.
//! - `node`: `get`, `set`, `delete`, `exists` (one node).
//! - `state`: `list`, `clean`, `create` (a topology's whole state).
//! - `watch`, `lock`: the commands that wait.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use heron_common::ExitCode;
use heron_common::config::{Config, LoadRequest, Mode};
use heron_common::error::CodedError;
use heron_common::signal::interrupted;

use crate::kind::NodeKind;
use crate::settings::Settings;
use crate::store::{StateManager, WriteMode};

pub mod args;
mod lock;
mod node;
mod state;
mod watch;

pub use args::{Cli, Command, CommonArgs, Format, InputFormatArg};

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
            node::get(
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
            node::set(
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
        } => node::delete(store, parse_kind(kind)?, topology, *force, format, out).await,
        Command::Exists { kind, topology } => {
            node::exists(store, parse_kind(kind)?, topology, format, out).await
        }
        Command::List => state::list(store, format, out).await,
        Command::Dump { topologies, kinds } => {
            crate::dump::run(store, topologies, kinds, format, out).await
        }
        Command::Watch {
            kind,
            topology,
            count,
            timeout_ms,
        } => {
            watch::watch(
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
        Command::Clean { topology, force } => {
            state::clean(store, topology, *force, format, out).await
        }
        Command::Create {
            topology,
            input: source,
        } => state::create(store, topology, &input, source, format, out).await,
        Command::Lock {
            topology,
            timeout_ms,
        } => lock::lock(store, topology, *timeout_ms, out).await,
    }
}

/// Writes one JSON document and a newline.
pub(super) fn write_json(
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
