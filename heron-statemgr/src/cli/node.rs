//! The commands on one node: `get`, `set`, `delete`, `exists`.

use std::io::Write;

use anyhow::Context;
use heron_common::ExitCode;

use super::{Format, InputFormatArg, write_json};
use crate::codec::{self, InputFormat};
use crate::kind::NodeKind;
use crate::store::{DeleteOutcome, StateManager, WriteMode};

pub(super) async fn get(
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
pub(super) async fn set(
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

pub(super) async fn delete(
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

pub(super) async fn exists(
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
