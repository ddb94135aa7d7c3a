//! `heron update`: a topology's runtime config changed through its tmanager, or its parallelism
//! or container count changed by a [`super::repack`].

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::Topology;
use heron_common::proto::system::PhysicalPlan;
use serde_json::json;

use super::{emit, repack, tmanager, validate};
use crate::cli::args::values::{check_runtime_config, parse_parallelism};
use crate::cli::args::{DryRunFormatArg, UpdateCmd};
use crate::cli::context::{self, Ctx};
use crate::stages::state::State;
use crate::stages::tmanager::encode;

/// `heron update`.
pub fn update(cmd: UpdateCmd) -> anyhow::Result<()> {
    let bad = |m: String| anyhow::Error::new(CodedError::new(ExitCode::BadInput, m));
    let parallelism = parse_parallelism(&cmd.component_parallelism).map_err(bad)?;
    check_runtime_config(&cmd.runtime_config).map_err(bad)?;
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
    let ctx = context::setup_topology(&cmd.target)?;
    let name = cmd.target.topology.clone();
    validate(&ctx, &name, false)?;
    if has_runtime {
        runtime_config(&ctx, &cmd, &name)
    } else {
        repack::repack(&ctx, &cmd, &name, &parallelism, containers)
    }
}

/// `--runtime-config`: one `GET /runtime_config/update` to the tmanager.
fn runtime_config(ctx: &Ctx, cmd: &UpdateCmd, name: &str) -> anyhow::Result<()> {
    let pplan: Option<PhysicalPlan> = State::new(&ctx.runner).get("pplans", name)?;
    let id = match pplan {
        Some(p) => p.topology.id,
        None => State::new(&ctx.runner)
            .get::<Topology>("topologies", name)?
            .map(|t| t.id)
            .unwrap_or_default(),
    };
    let mut path = format!("/runtime_config/update?topologyid={}", encode(&id));
    for rc in &cmd.runtime_config {
        path.push_str(&format!("&runtime-config={}", encode(rc)));
    }
    if cmd.dry_run {
        let doc = json!({"command": "update", "dry_run": true, "topology": name, "request": path});
        // `--dry-run-format json` asks for JSON too: one document, as for a repack.
        if cmd.dry_run_format == Some(DryRunFormatArg::Json) {
            println!("{}", serde_json::to_string_pretty(&doc)?);
            return Ok(());
        }
        return emit(
            ctx,
            &format!("dry run: would send GET {path} to the tmanager of '{name}'"),
            doc,
        );
    }
    tmanager(ctx, name)?.get(&path)?;
    emit(
        ctx,
        &format!(
            "Topology '{name}' runtime config updated: {}",
            cmd.runtime_config.join(", ")
        ),
        json!({"command": "update", "ok": true, "topology": name, "runtime_config": cmd.runtime_config}),
    )
}
