//! `heron activate` and `heron deactivate`: the topology's state checked in its physical plan,
//! then the tmanager asked to change it.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::TopologyState;
use heron_common::proto::system::PhysicalPlan;
use serde_json::json;

use super::{emit, tmanager, validate};
use crate::cli::args::TopologyCmd;
use crate::cli::context;
use crate::stages::state::State;
use crate::stages::tmanager::encode;

/// `heron activate` (`activate = true`) and `heron deactivate`.
pub fn set_active(cmd: TopologyCmd, activate: bool) -> anyhow::Result<()> {
    let ctx = context::setup_topology(&cmd)?;
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
    let path = format!("/{verb}?topologyid={}", encode(&pplan.topology.id));
    tmanager(&ctx, name)?.get(&path)?;
    emit(
        &ctx,
        &format!("Topology '{name}' {verb}d"),
        json!({"command": verb, "ok": true, "topology": name, "changed": true, "state": target.as_str_name()}),
    )
}
