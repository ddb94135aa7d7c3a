//! `heron update --component-parallelism / --container-number`: Heron's UpdateTopologyManager.
//!
//! Under the update lock (`heron-statemgr lock`): the stored plan repacked (a dry run prints the
//! change and stops); a running topology deactivated; Aurora instances added, the new plan
//! written, instances killed. On a failure the job and the plan are put back in agreement
//! (`undo_update`); a topology that was running is reactivated whatever happened.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::packing::{self, PackingDefaults};
use heron_common::proto::api::{Topology, TopologyState};
use heron_common::proto::system::{PackingPlan, PhysicalPlan};
use prost::Message as _;
use serde_json::json;

use super::{emit, tmanager};
use crate::cli::args::{DryRunFormatArg, Format, UpdateCmd};
use crate::cli::context::Ctx;
use crate::stages::aurora::Aurora;
use crate::stages::state::State;
use crate::stages::tmanager::encode;

/// Repacks topology `name` to `parallelism` and `containers`.
pub fn repack(
    ctx: &Ctx,
    cmd: &UpdateCmd,
    name: &str,
    parallelism: &BTreeMap<String, u32>,
    containers: Option<u32>,
) -> anyhow::Result<()> {
    let lock = if cmd.dry_run {
        None
    } else {
        Some(ctx.runner.lock(name)?)
    };
    let state = State::new(&ctx.runner);
    let topology: Topology = state.get("topologies", name)?.ok_or_else(|| {
        CodedError::new(
            ExitCode::NotFound,
            format!("Topology '{name}' does not exist"),
        )
    })?;
    let current: PackingPlan = state.get("packingplans", name)?.ok_or_else(|| {
        CodedError::new(
            ExitCode::NotFound,
            format!("topology '{name}' has no packing plan in the state"),
        )
    })?;
    let mut proposed = propose(ctx, name, &topology, &current, parallelism, containers)?;
    if cmd.dry_run {
        return print_dry_run(ctx, cmd, name, &current, &proposed);
    }

    // Heron's UpdateTopologyManager: containers compared by id.
    let current_ids: BTreeSet<i32> = current.container_plans.iter().map(|c| c.id).collect();
    let proposed_ids: BTreeSet<i32> = proposed.container_plans.iter().map(|c| c.id).collect();
    let added: Vec<i32> = proposed_ids.difference(&current_ids).copied().collect();
    let removed: Vec<i32> = current_ids.difference(&proposed_ids).copied().collect();
    let aurora = Aurora::new(&ctx.runner, ctx.spec.job_key(name));

    let pplan: Option<PhysicalPlan> = state.get("pplans", name)?;
    let running_id = pplan
        .filter(|p| p.topology.state == TopologyState::Running as i32)
        .map(|p| p.topology.id);
    if let Some(id) = &running_id {
        deactivate(ctx, name, &topology, id)?;
    }
    // Whatever happens below, a topology that was running is reactivated afterwards.
    let mut renumbered = BTreeMap::new();
    let mut set_attempted = false;
    let changed = (|| -> anyhow::Result<()> {
        if !added.is_empty() {
            let ids = aurora.add(added.len())?;
            for (old, new) in added.iter().zip(ids) {
                renumbered.insert(*old, i32::try_from(new).unwrap_or(i32::MAX));
            }
            for c in &mut proposed.container_plans {
                if let Some(new) = renumbered.get(&c.id) {
                    c.id = *new;
                }
            }
        }
        set_attempted = true;
        state.set("packingplans", name, &proposed.encode_to_vec())?;
        if !removed.is_empty() {
            let ids: Vec<u32> = removed
                .iter()
                .filter_map(|i| u32::try_from(*i).ok())
                .collect();
            aurora.kill_instances(&ids)?;
        }
        Ok(())
    })();
    if changed.is_err() {
        // Like a submit's rollback, this runs to the end even after Ctrl-C.
        crate::stages::signals::begin_rollback();
        for line in undo_update(&aurora, &state, name, &current, set_attempted) {
            eprintln!("rollback: {line}");
        }
    }
    if let Some(id) = &running_id {
        reactivate(ctx, name, &topology, id, changed.is_ok());
    }
    drop(lock);
    changed?;
    let counts = packing::component_counts(&proposed);
    emit(
        ctx,
        &format!(
            "Topology '{name}' updated: {}; added instances {:?}, removed {:?}; parallelism {}",
            crate::commands::report::containers_phrase(proposed.container_plans.len()),
            renumbered.values().collect::<Vec<_>>(),
            removed,
            counts
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
        json!({
            "command": "update", "ok": true, "topology": name,
            "containers": proposed.container_plans.len(), "aurora_instances": proposed.container_plans.len() + 1,
            "added_instances": renumbered.values().collect::<Vec<_>>(),
            "removed_instances": removed,
            "parallelism": counts,
        }),
    )
}

/// The new plan: the stored one repacked with the parallelism changes (and to `containers`).
fn propose(
    ctx: &Ctx,
    name: &str,
    topology: &Topology,
    current: &PackingPlan,
    parallelism: &BTreeMap<String, u32>,
    containers: Option<u32>,
) -> anyhow::Result<PackingPlan> {
    let deltas = packing::parallelism_deltas(current, parallelism)?;
    let same_containers =
        containers.is_none_or(|n| usize::try_from(n).ok() == Some(current.container_plans.len()));
    if deltas.is_empty() && same_containers {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!("the update changes nothing: topology '{name}' already has that parallelism and container count"),
        )
        .into());
    }
    let defaults = PackingDefaults::from_config(&ctx.config)?;
    let packed = match containers {
        Some(n) => packing::repack_with_containers(current, topology, &defaults, n, &deltas)?,
        None => packing::repack(current, topology, &defaults, &deltas)?,
    };
    for w in &packed.warnings {
        eprintln!("warning: {w}");
    }
    Ok(packed.plan)
}

/// `--dry-run`: the plan before and after, in the `--dry-run-format` asked for.
fn print_dry_run(
    ctx: &Ctx,
    cmd: &UpdateCmd,
    name: &str,
    current: &PackingPlan,
    proposed: &PackingPlan,
) -> anyhow::Result<()> {
    let repacking_class = crate::commands::report::packing_class(
        &ctx.config,
        heron_common::config::keys::REPACKING_CLASS,
    );
    let format = DryRunFormatArg::resolve(cmd.dry_run_format);
    if ctx.format == Format::Json {
        let doc: serde_json::Value = serde_json::from_str(&packing::render_update_json(
            current,
            proposed,
            name,
            &repacking_class,
        ))
        .unwrap_or(json!(null));
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"command": "update", "dry_run": true, "plan": doc})
            )?
        );
    } else {
        print!(
            "{}",
            packing::render_update(format, current, proposed, name, &repacking_class)
        );
    }
    Ok(())
}

/// Deactivates the running topology, then Heron's pause for in-flight tuples to drain
/// (`topology.update.deactivate.wait.secs`, default 0).
fn deactivate(ctx: &Ctx, name: &str, topology: &Topology, id: &str) -> anyhow::Result<()> {
    tmanager(ctx, name)?.get(&format!("/deactivate?topologyid={}", encode(id)))?;
    let pause =
        heron_common::topology::config_value(topology, "topology.update.deactivate.wait.secs")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
    if pause > 0 {
        ctx.note(&format!(
            "deactivated; waiting {pause} s (topology.update.deactivate.wait.secs)"
        ));
        std::thread::sleep(Duration::from_secs(pause));
    }
    Ok(())
}

/// After an update, activates the topology again, retrying while its tmanager comes back (the
/// executors restart on a new packing plan), for up to the topology's
/// `topology.update.reactivate.wait.secs` (default 600, as Heron), every 5 s.
fn reactivate(ctx: &Ctx, name: &str, topology: &Topology, id: &str, patient: bool) {
    let wait =
        heron_common::topology::config_value(topology, "topology.update.reactivate.wait.secs")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(600);
    // A failed update restarted nothing: one attempt is enough.
    let wait = if patient { wait } else { 0 };
    let deadline = std::time::Instant::now() + Duration::from_secs(wait);
    let path = format!("/activate?topologyid={}", encode(id));
    loop {
        let err = match tmanager(ctx, name).and_then(|t| t.get(&path)) {
            Ok(_) => return,
            Err(e) => e,
        };
        if crate::stages::signals::interrupted()
            || std::time::Instant::now() + Duration::from_secs(5) > deadline
        {
            eprintln!(
                "warning: the topology could not be reactivated: {err:#}; run `heron activate` once it is reachable"
            );
            return;
        }
        ctx.note(&format!(
            "waiting for the tmanager to reactivate '{name}': {err:#}"
        ));
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// After a failed update, makes the packing plan and the Aurora job agree again: when the job's
/// instances match the stored plan nothing is done; otherwise the job goes back to the old plan
/// (instances the update added are killed, the old plan is written back). Returns what it did.
fn undo_update(
    aurora: &Aurora<'_>,
    state: &State<'_>,
    name: &str,
    old: &PackingPlan,
    set_attempted: bool,
) -> Vec<String> {
    let ids = |p: &PackingPlan| -> BTreeSet<u32> {
        p.container_plans
            .iter()
            .filter_map(|c| u32::try_from(c.id).ok())
            .collect()
    };
    let mut lines = Vec::new();
    let active: BTreeSet<u32> = match aurora.instances() {
        Ok(a) => a.into_iter().filter(|i| *i != 0).collect(),
        Err(e) => {
            return vec![format!(
                "FAILED: cannot read the job's instances ({e}); compare `aurora job status` with the packing plan"
            )];
        }
    };
    let stored: Option<PackingPlan> = if set_attempted {
        match state.get::<PackingPlan>("packingplans", name) {
            Ok(p) => p,
            Err(e) => {
                lines.push(format!("FAILED: cannot read the packing plan back ({e})"));
                None
            }
        }
    } else {
        Some(old.clone())
    };
    if stored.as_ref().is_some_and(|p| ids(p) == active) {
        lines.push("the Aurora job matches the stored packing plan; nothing to undo".to_string());
        return lines;
    }
    let old_ids = ids(old);
    let extra: Vec<u32> = active.difference(&old_ids).copied().collect();
    if !extra.is_empty() {
        match aurora.kill_instances(&extra) {
            Ok(()) => lines.push(format!("killed the instances the update added: {extra:?}")),
            Err(e) => lines.push(format!("FAILED to kill the added instances {extra:?}: {e}")),
        }
    }
    if stored.as_ref() != Some(old) {
        match state.set("packingplans", name, &old.encode_to_vec()) {
            Ok(()) => lines.push("the old packing plan is back in the state".to_string()),
            Err(e) => lines.push(format!("FAILED to write the old packing plan back: {e}")),
        }
    }
    let missing: Vec<u32> = old_ids.difference(&active).copied().collect();
    if !missing.is_empty() {
        lines.push(format!(
            "WARNING: containers {missing:?} of the plan are not running in Aurora"
        ));
    }
    lines
}
