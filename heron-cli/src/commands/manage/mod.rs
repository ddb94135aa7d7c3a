//! The commands that manage a submitted topology (heron-aurora.md §5.2, §5.3):
//! [`kill`](mod@kill), [`restart`](mod@restart), [`activate`] (and deactivate) and
//! [`update`](mod@update) (a runtime config through the tmanager, or a [`repack`] of its
//! containers).

pub mod activate;
pub mod kill;
pub mod repack;
pub mod restart;
pub mod update;

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::system::ExecutionState;
use heron_common::proto::tmanager::TManagerLocation;

pub use self::activate::set_active;
pub use self::kill::kill;
pub use self::restart::restart;
pub use self::update::update;
use crate::cli::args::Format;
use crate::cli::context::Ctx;
use crate::stages::state::State;
use crate::stages::tmanager::Tmanager;

/// The result: a line for people, or the document with `--format json`.
pub fn emit(ctx: &Ctx, text: &str, doc: serde_json::Value) -> anyhow::Result<()> {
    if ctx.format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{text}");
    }
    Ok(())
}

/// The tmanager of a topology, where it wrote its location into the state.
fn tmanager(ctx: &Ctx, name: &str) -> anyhow::Result<Tmanager> {
    let location: TManagerLocation = State::new(&ctx.runner)
        .get("tmanagers", name)?
        .ok_or_else(|| ctx.no_tmanager(name, "tmanager location"))?;
    Tmanager::new(&location, &ctx.config, ctx.verbose)
}

/// Heron's `validateRuntimeManage`: the topology must exist (except for kill) and its execution
/// state must be for this cluster/role/env.
pub fn validate(
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
