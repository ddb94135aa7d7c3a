//! `heron kill`: `aurora job killall` (retried), then the state cleaned, then the package
//! deleted; it works when the job or part of the state is already gone.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde_json::json;

use super::{emit, validate};
use crate::cli::args::TopologyCmd;
use crate::cli::context::{self, Ctx};
use crate::stages::aurora::{Aurora, Killed};
use crate::stages::state::State;
use crate::stages::uploader::Uploader;

/// `heron kill`.
pub fn kill(cmd: TopologyCmd) -> anyhow::Result<()> {
    let ctx = context::setup_topology(&cmd)?;
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
