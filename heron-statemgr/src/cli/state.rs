//! The commands on a topology's whole state: `list`, `clean` (Heron's kill order) and `create`
//! (the atomic submit write, checked before anything is written).

use std::io::Write;

use anyhow::{Context, bail};
use heron_common::ExitCode;
use heron_common::contract::SubmitState;

use super::{Format, write_json};
use crate::kind::NodeKind;
use crate::store::{self, DeleteOutcome, StateManager, submit_nodes};

pub(super) async fn list(
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

pub(super) async fn clean(
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

pub(super) async fn create(
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
        let paths: Vec<String> = submit_nodes(&state)
            .iter()
            .map(|(kind, _)| store.location(*kind, topology))
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
