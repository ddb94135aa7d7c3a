//! `watch`: the node, then each change, one line each, until `--count` lines or `--timeout-ms`.

use std::io::Write;
use std::time::Duration;

use anyhow::anyhow;
use heron_common::ExitCode;
use heron_common::error::CodedError;

use super::Format;
use crate::codec;
use crate::kind::NodeKind;
use crate::store::{StateManager, WatchEvent};

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

pub(super) async fn watch(
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
