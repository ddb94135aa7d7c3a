//! `heron restart`: the tmanager's location removed (container 0 writes a new one), then
//! `aurora job restart` of the job or one instance.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde_json::json;

use super::{emit, validate};
use crate::cli::args::RestartCmd;
use crate::cli::context;
use crate::stages::aurora::Aurora;
use crate::stages::state::State;

/// `heron restart`.
pub fn restart(cmd: RestartCmd) -> anyhow::Result<()> {
    let ctx = context::setup_topology(&cmd.target)?;
    let name = &cmd.target.topology;
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
