//! `heron explorer`: Heron's `heron-explorer` views, read straight from the state manager and
//! the Aurora client, with no heron-tracker to run (docs/cli.md, "heron explorer").
//!
//! Every view reads through the stage programs: `heron-statemgr dump` (one process for all the
//! nodes a view needs, whatever the number of topologies) and, for `status`, `aurora job status
//! --write-json`. Nothing is written and no lock is taken.
//!
//! # Layout
//! - [`crate::cli::args::explorer`]: the subcommands and flags (Heron 0.20.5's names).
//! - [`context`]: the `CLUSTER[/ROLE[/ENV]]` selection, the config and the stage runner.
//! - [`snapshot`]: one topology's nodes, decoded.
//! - [`aurora_job`]: the Aurora job's instances.
//! - [`table`]: Heron's text tables, colour, times.
//! - the views: [`clusters`], [`topologies`], [`logical_plan`], [`physical_plan`],
//!   [`packing_plan`], [`status`].

pub mod aurora_job;
pub mod clusters;
pub mod context;
pub mod logical_plan;
pub mod packing_plan;
pub mod physical_plan;
pub mod snapshot;
pub mod status;
pub mod table;
pub mod topologies;

pub use crate::cli::args::explorer::ExplorerCmd;

use crate::cli::args::explorer::{PhysicalPlanView, View};

/// Runs `heron explorer ...`.
pub fn run(cmd: ExplorerCmd) -> anyhow::Result<()> {
    let options = &cmd.options;
    match &cmd.view {
        View::Clusters => clusters::run(options),
        View::Topologies(c) => topologies::run(options, c),
        View::LogicalPlan(c) => logical_plan::run(options, c),
        View::PhysicalPlan(PhysicalPlanView::Containers(c)) => {
            physical_plan::run_containers(options, c)
        }
        View::PhysicalPlan(PhysicalPlanView::Metrics(c)) => physical_plan::run_metrics(c),
        View::PackingPlan(c) => packing_plan::run(options, c),
        View::Status(c) => status::run(options, c),
    }
}
