//! `kill`, `restart`, `activate`, `deactivate` and `update` (heron-aurora.md §5.2, §5.3).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::packing::{self, PackingDefaults};
use heron_common::proto::api::{Topology, TopologyState};
use heron_common::proto::system::{ExecutionState, PackingPlan, PhysicalPlan};
use heron_common::proto::tmanager::TManagerLocation;
use prost::Message as _;
use serde_json::json;

use crate::cli::args::{DryRunFormatArg, Format, RestartCmd, TopologyCmd, UpdateCmd};
use crate::cli::context::{self, Ctx};
use crate::stages::aurora::{Aurora, Killed};
use crate::stages::state::State;
use crate::stages::tmanager;
use crate::stages::uploader::Uploader;

/// Config key: seconds to wait for the tmanager's HTTP answer (default 30).
pub const TMANAGER_TIMEOUT_KEY: &str = "heron.cli.tmanager.timeout.secs";

fn emit(ctx: &Ctx, text: &str, doc: serde_json::Value) -> anyhow::Result<()> {
    if ctx.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{text}");
    }
    Ok(())
}

/// Heron's `validateRuntimeManage`: the topology must exist (except for kill) and its execution
/// state must be for this cluster/role/env.
fn validate(
    ctx: &Ctx,
    name: &str,
    allow_missing: bool,
) -> anyhow::Result<(bool, Option<ExecutionState>)> {
    let state = State::new(&ctx.runner);
    let exists = state.exists("topologies", name)?;
    if !exists && !allow_missing {
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!("Topology '{name}' does not exist in cluster {} (no topologies/{name} in the state)", ctx.spec.cluster),
        )
        .into());
    }
    let exec: Option<ExecutionState> = state.get("executionstate", name)?;
    match &exec {
        Some(e)
            if e.cluster != ctx.spec.cluster
                || e.role != ctx.spec.role
                || e.environ != ctx.spec.environ =>
        {
            return Err(CodedError::new(
                ExitCode::BadInput,
                format!(
                    "cluster/role/environ does not match: topology '{name}' was submitted as {}/{}/{}, not {}/{}/{}",
                    e.cluster, e.role, e.environ, ctx.spec.cluster, ctx.spec.role, ctx.spec.environ
                ),
            )
            .into());
        }
        None if !allow_missing => {
            return Err(CodedError::new(
                ExitCode::NotFound,
                format!(
                    "Topology '{name}' has no execution state in cluster {}",
                    ctx.spec.cluster
                ),
            )
            .into());
        }
        _ => {}
    }
    Ok((exists, exec))
}

/// `heron kill`.
pub fn kill(cmd: TopologyCmd) -> anyhow::Result<()> {
    let ctx = context::setup(&cmd.common, &cmd.cluster, Some(&cmd.topology))?;
    let name = &cmd.topology;
    let (exists, exec) = validate(&ctx, name, true)?;
    let job_key = ctx.spec.job_key(name);
    let killed = Aurora::new(&ctx.runner, job_key.clone()).killall(&ctx.config)?;
    let cleaned = State::new(&ctx.runner).clean(name)?;
    let package = delete_package(&ctx, name);
    // `heron-statemgr clean` prints one `<dir> deleted|absent` line per node.
    let deleted: Vec<String> = cleaned
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let dir = parts.next()?;
            (parts.next() == Some("deleted")).then(|| dir.to_string())
        })
        .collect();
    let found_anything = exists
        || exec.is_some()
        || killed == Killed::Killed
        || !deleted.is_empty()
        || package == "deleted";
    // Nothing found: the error is the whole answer (no "killed" line, no notes before it).
    if !found_anything {
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!(
                "found nothing of topology '{name}': no state, no Aurora job {job_key} and no package"
            ),
        )
        .into());
    }
    if !exists {
        ctx.note(&format!(
            "warning: topology '{name}' was not in the state (no topologies/{name}); killed the Aurora job and cleaned what was left"
        ));
    }
    if killed == Killed::NoJob {
        ctx.note(&format!(
            "note: Aurora had no job {job_key} (already killed?); cleaned the state anyway"
        ));
    }
    let doc = json!({
        "command": "kill", "ok": true, "topology": name, "job_key": job_key,
        "found": {"topology": exists, "execution_state": exec.is_some(), "aurora_job": killed == Killed::Killed},
        "deleted_state": deleted,
        "state_cleanup": cleaned,
        "package": package,
    });
    let text = format!(
        "Topology '{name}' killed: Aurora job {}; state {}; package {package}",
        if killed == Killed::Killed {
            "killed"
        } else {
            "was already gone"
        },
        if deleted.is_empty() {
            "was already gone".to_string()
        } else if exists {
            format!("deleted ({})", deleted.join(", "))
        } else {
            format!(
                "was partly missing, deleted what was left ({})",
                deleted.join(", ")
            )
        }
    );
    emit(&ctx, &text, doc)
}

/// Config key: whether `heron kill` deletes the uploaded package (default true; Heron leaves it).
pub const KILL_DELETES_PACKAGE_KEY: &str = "heron.cli.kill.delete.package";

/// `heron-uploader delete`: a failure is a warning (the topology is already gone).
fn delete_package(ctx: &Ctx, name: &str) -> String {
    if !ctx
        .config
        .get_bool(KILL_DELETES_PACKAGE_KEY)
        .ok()
        .flatten()
        .unwrap_or(true)
    {
        return "kept".to_string();
    }
    match Uploader::new(&ctx.runner).delete(name) {
        Ok(out) if out.status == 0 => "deleted".to_string(),
        Ok(out) if out.status == 3 => "absent".to_string(),
        Ok(out) => {
            let why = crate::stages::error_line(&out.stderr, &out.stdout);
            eprintln!("warning: the topology is killed but its package was not deleted: {why}");
            format!("not deleted: {why}")
        }
        Err(e) => {
            eprintln!("warning: the topology is killed but its package was not deleted: {e}");
            format!("not deleted: {e}")
        }
    }
}

/// `heron restart`.
pub fn restart(cmd: RestartCmd) -> anyhow::Result<()> {
    let ctx = context::setup(&cmd.common, &cmd.cluster, Some(&cmd.topology))?;
    let name = &cmd.topology;
    if cmd.container < -1 {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "container id {} is invalid: use -1 (all) or an instance id >= 0",
                cmd.container
            ),
        )
        .into());
    }
    validate(&ctx, name, false)?;
    if cmd.container <= 0 {
        // The tmanager of the restarted container 0 writes a new location.
        State::new(&ctx.runner).delete("tmanagers", name)?;
    }
    let container = u32::try_from(cmd.container).ok();
    let job_key = ctx.spec.job_key(name);
    Aurora::new(&ctx.runner, job_key.clone()).restart(container)?;
    let what = match container {
        Some(id) => format!("container {id}"),
        None => "all containers".to_string(),
    };
    emit(
        &ctx,
        &format!("Topology '{name}' restarted ({what}) through Aurora job {job_key}"),
        json!({"command": "restart", "ok": true, "topology": name, "job_key": job_key, "container": cmd.container}),
    )
}

fn tmanager_get(ctx: &Ctx, name: &str, path: &str) -> anyhow::Result<tmanager::Response> {
    let location: TManagerLocation = State::new(&ctx.runner)
        .get("tmanagers", name)?
        .ok_or_else(|| ctx.no_tmanager(name, "tmanager location"))?;
    let port = u16::try_from(location.controller_port).map_err(|_| {
        CodedError::new(
            ExitCode::Failed,
            format!(
                "tmanager location has a bad port {}",
                location.controller_port
            ),
        )
    })?;
    let timeout = Duration::from_secs(ctx.config.get_u64(TMANAGER_TIMEOUT_KEY)?.unwrap_or(30));
    if ctx.verbose {
        eprintln!("[heron] GET http://{}:{port}{path}", location.host);
    }
    let started = std::time::Instant::now();
    let response = tmanager::get(&location.host, port, path, timeout).map_err(|e| {
        CodedError::new(ExitCode::Unavailable, format!("tmanager unreachable: {e}"))
    })?;
    if ctx.verbose {
        eprintln!(
            "[heron] tmanager answered {} in {} ms",
            response.status,
            started.elapsed().as_millis()
        );
    }
    if response.status != 200 {
        return Err(CodedError::new(
            ExitCode::Failed,
            format!(
                "tmanager at {}:{port} answered {} to {path}: {}",
                location.host,
                response.status,
                response.body.trim()
            ),
        )
        .into());
    }
    Ok(response)
}

/// `heron activate` (`activate = true`) and `heron deactivate`.
pub fn set_active(cmd: TopologyCmd, activate: bool) -> anyhow::Result<()> {
    let ctx = context::setup(&cmd.common, &cmd.cluster, Some(&cmd.topology))?;
    let name = &cmd.topology;
    validate(&ctx, name, false)?;
    let verb = if activate { "activate" } else { "deactivate" };
    let pplan: PhysicalPlan = State::new(&ctx.runner)
        .get("pplans", name)?
        .ok_or_else(|| ctx.no_tmanager(name, "physical plan"))?;
    let (target, start) = if activate {
        (TopologyState::Running, TopologyState::Paused)
    } else {
        (TopologyState::Paused, TopologyState::Running)
    };
    let current = TopologyState::try_from(pplan.topology.state)
        .map(|s| s.as_str_name())
        .unwrap_or("UNKNOWN");
    if pplan.topology.state == target as i32 {
        ctx.note(&format!(
            "warning: topology '{name}' is already {current}; nothing to {verb}"
        ));
        return emit(
            &ctx,
            &format!("Topology '{name}' is already {current}"),
            json!({"command": verb, "ok": true, "topology": name, "changed": false, "state": current}),
        );
    }
    if pplan.topology.state != start as i32 {
        return Err(CodedError::new(
            ExitCode::Failed,
            format!(
                "cannot {verb} topology '{name}': it is {current}, expected {}",
                start.as_str_name()
            ),
        )
        .into());
    }
    let path = format!(
        "/{verb}?topologyid={}",
        tmanager::encode(&pplan.topology.id)
    );
    tmanager_get(&ctx, name, &path)?;
    emit(
        &ctx,
        &format!("Topology '{name}' {verb}d"),
        json!({"command": verb, "ok": true, "topology": name, "changed": true, "state": target.as_str_name()}),
    )
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
    let path = format!("/activate?topologyid={}", tmanager::encode(id));
    loop {
        let err = match tmanager_get(ctx, name, &path) {
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

/// `heron update`.
pub fn update(cmd: UpdateCmd) -> anyhow::Result<()> {
    let bad = |m: String| anyhow::Error::new(CodedError::new(ExitCode::BadInput, m));
    let parallelism =
        crate::cli::args::values::parse_parallelism(&cmd.component_parallelism).map_err(bad)?;
    crate::cli::args::values::check_runtime_config(&cmd.runtime_config).map_err(bad)?;
    let containers: Option<u32> = match cmd.container_number.last() {
        None => None,
        Some(n) => Some(n.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            bad(format!(
                "invalid --container-number {n:?}: expected a whole number >= 1"
            ))
        })?),
    };
    let has_runtime = !cmd.runtime_config.is_empty();
    if has_runtime && (!parallelism.is_empty() || containers.is_some()) {
        return Err(bad("--runtime-config cannot be combined with --component-parallelism or --container-number".into()));
    }
    if !has_runtime && parallelism.is_empty() && containers.is_none() {
        return Err(bad(
            "nothing to update: give --component-parallelism, --container-number or --runtime-config".into(),
        ));
    }
    let ctx = context::setup(&cmd.common, &cmd.cluster, Some(&cmd.topology))?;
    let name = cmd.topology.clone();
    validate(&ctx, &name, false)?;

    if has_runtime {
        let pplan: Option<PhysicalPlan> = State::new(&ctx.runner).get("pplans", &name)?;
        let id = match pplan {
            Some(p) => p.topology.id,
            None => State::new(&ctx.runner)
                .get::<Topology>("topologies", &name)?
                .map(|t| t.id)
                .unwrap_or_default(),
        };
        let mut path = format!(
            "/runtime_config/update?topologyid={}",
            tmanager::encode(&id)
        );
        for rc in &cmd.runtime_config {
            path.push_str(&format!("&runtime-config={}", tmanager::encode(rc)));
        }
        if cmd.dry_run {
            let doc =
                json!({"command": "update", "dry_run": true, "topology": name, "request": path});
            // `--dry-run-format json` asks for JSON too: one document, as for a repack.
            if cmd.dry_run_format == Some(DryRunFormatArg::Json) {
                println!("{}", serde_json::to_string_pretty(&doc)?);
                return Ok(());
            }
            return emit(
                &ctx,
                &format!("dry run: would send GET {path} to the tmanager of '{name}'"),
                doc,
            );
        }
        tmanager_get(&ctx, &name, &path)?;
        return emit(
            &ctx,
            &format!(
                "Topology '{name}' runtime config updated: {}",
                cmd.runtime_config.join(", ")
            ),
            json!({"command": "update", "ok": true, "topology": name, "runtime_config": cmd.runtime_config}),
        );
    }

    let lock = if cmd.dry_run {
        None
    } else {
        Some(ctx.runner.lock(&name)?)
    };
    let state = State::new(&ctx.runner);
    let topology: Topology = state.get("topologies", &name)?.ok_or_else(|| {
        CodedError::new(
            ExitCode::NotFound,
            format!("Topology '{name}' does not exist"),
        )
    })?;
    let current: PackingPlan = state.get("packingplans", &name)?.ok_or_else(|| {
        CodedError::new(
            ExitCode::NotFound,
            format!("topology '{name}' has no packing plan in the state"),
        )
    })?;
    let deltas = packing::parallelism_deltas(&current, &parallelism)?;
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
        Some(n) => packing::repack_with_containers(&current, &topology, &defaults, n, &deltas)?,
        None => packing::repack(&current, &topology, &defaults, &deltas)?,
    };
    for w in &packed.warnings {
        eprintln!("warning: {w}");
    }
    let mut proposed = packed.plan;
    let repacking_class = ctx
        .config
        .get_str(heron_common::config::keys::REPACKING_CLASS)
        .ok()
        .flatten()
        .unwrap_or_else(|| "org.apache.heron.packing.roundrobin.RoundRobinPacking".to_string());
    if cmd.dry_run {
        let format = DryRunFormatArg::resolve(cmd.dry_run_format);
        if ctx.format == Format::Json {
            let doc: serde_json::Value = serde_json::from_str(&packing::render_update_json(
                &current,
                &proposed,
                &name,
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
                packing::render_update(format, &current, &proposed, &name, &repacking_class)
            );
        }
        return Ok(());
    }

    // Heron's UpdateTopologyManager: containers compared by id.
    let current_ids: BTreeSet<i32> = current.container_plans.iter().map(|c| c.id).collect();
    let proposed_ids: BTreeSet<i32> = proposed.container_plans.iter().map(|c| c.id).collect();
    let added: Vec<i32> = proposed_ids.difference(&current_ids).copied().collect();
    let removed: Vec<i32> = current_ids.difference(&proposed_ids).copied().collect();
    let aurora = Aurora::new(&ctx.runner, ctx.spec.job_key(&name));

    let pplan: Option<PhysicalPlan> = state.get("pplans", &name)?;
    let was_running = pplan
        .as_ref()
        .is_some_and(|p| p.topology.state == TopologyState::Running as i32);
    if was_running {
        let id = pplan
            .as_ref()
            .map(|p| p.topology.id.clone())
            .unwrap_or_default();
        tmanager_get(
            &ctx,
            &name,
            &format!("/deactivate?topologyid={}", tmanager::encode(&id)),
        )?;
        // Heron's pause for in-flight tuples to drain (default 0).
        let pause =
            heron_common::topology::config_value(&topology, "topology.update.deactivate.wait.secs")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0);
        if pause > 0 {
            ctx.note(&format!(
                "deactivated; waiting {pause} s (topology.update.deactivate.wait.secs)"
            ));
            std::thread::sleep(Duration::from_secs(pause));
        }
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
        state.set("packingplans", &name, &proposed.encode_to_vec())?;
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
        for line in undo_update(&aurora, &state, &name, &current, set_attempted) {
            eprintln!("rollback: {line}");
        }
    }
    if was_running {
        let id = pplan
            .as_ref()
            .map(|p| p.topology.id.clone())
            .unwrap_or_default();
        reactivate(&ctx, &name, &topology, &id, changed.is_ok());
    }
    drop(lock);
    changed?;
    let counts = packing::component_counts(&proposed);
    emit(
        &ctx,
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
