//! What `heron submit --dry-run` and `heron update --dry-run` print, in Heron's four
//! `--dry-run-format`s: `table`, `colored_table`, `json` and `raw`.
//!
//! The content follows Heron's dry-run renderers: the number of containers and the (re)packing
//! class, then per container its resources and one row per instance (component, task id, CPU,
//! RAM and disk in MB). For updates each container is marked `UNAFFECTED`, `MODIFIED`, `NEW` or
//! `REMOVED`, resource changes are shown in percent, and in colour new instances are green and
//! removed ones red and struck through.
//!
//! Differences from Heron, on purpose:
//! - containers are listed by id and instances by task id (Heron lists them in hash-set order);
//! - an update compares containers by their instances and required resources only: the plan in
//!   the state manager carries Aurora's scheduled resources and a fresh repack does not, which
//!   would mark every container `MODIFIED`;
//! - the update JSON is one JSON document (`{"topology", "repackingClass", "newPackingPlan",
//!   "oldPackingPlan", "containerChanges"}`), where Heron prints two documents with text between.
//!
//! Every rendering ends with a newline.
//!
//! This file holds the formats and the two entry points; each format is beside it (`table.rs`,
//! `json.rs`, `raw.rs`), with the comparison of two plans in `diff.rs`.

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::proto::system::{ContainerPlan, InstancePlan, PackingPlan};

mod diff;
mod json;
mod raw;
mod table;

pub use diff::{ContainerChange, ContainerDiff, diff_plans};
pub use json::{render_json, render_update_json};
pub use raw::{render_raw, render_update_raw};
pub use table::{render_table, render_update_table};

/// Heron's `--dry-run-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DryRunFormat {
    /// `raw`: the plan as Heron's Java `toString` lays it out.
    Raw,
    /// `table`: plain text tables.
    Table,
    /// `colored_table`: tables with ANSI colours and styles (Heron's default on a terminal).
    ColoredTable,
    /// `json`: one JSON document.
    Json,
}

impl DryRunFormat {
    /// Heron's name of the format.
    pub fn as_str(self) -> &'static str {
        match self {
            DryRunFormat::Raw => "raw",
            DryRunFormat::Table => "table",
            DryRunFormat::ColoredTable => "colored_table",
            DryRunFormat::Json => "json",
        }
    }
}

impl FromStr for DryRunFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<DryRunFormat> {
        match s {
            "raw" => Ok(DryRunFormat::Raw),
            "table" => Ok(DryRunFormat::Table),
            "colored_table" => Ok(DryRunFormat::ColoredTable),
            "json" => Ok(DryRunFormat::Json),
            other => Err(Error::BadInput(format!(
                "unknown dry-run format {other:?}; use raw, table, colored_table or json"
            ))),
        }
    }
}

/// Renders a submit dry run: the plan `packing_class` made for `topology_name`.
pub fn render_submit(
    format: DryRunFormat,
    plan: &PackingPlan,
    topology_name: &str,
    packing_class: &str,
) -> String {
    match format {
        DryRunFormat::Raw => render_raw(plan, topology_name, packing_class),
        DryRunFormat::Table => render_table(plan, packing_class, false),
        DryRunFormat::ColoredTable => render_table(plan, packing_class, true),
        DryRunFormat::Json => render_json(plan, topology_name, packing_class),
    }
}

/// Renders an update dry run: the current plan `old` and the proposed plan `new`.
pub fn render_update(
    format: DryRunFormat,
    old: &PackingPlan,
    new: &PackingPlan,
    topology_name: &str,
    repacking_class: &str,
) -> String {
    match format {
        DryRunFormat::Raw => render_update_raw(old, new, topology_name, repacking_class),
        DryRunFormat::Table => render_update_table(old, new, repacking_class, false),
        DryRunFormat::ColoredTable => render_update_table(old, new, repacking_class, true),
        DryRunFormat::Json => render_update_json(old, new, topology_name, repacking_class),
    }
}

/// The plan's containers by id (Heron lists them in hash-set order).
fn sorted_containers(plan: &PackingPlan) -> Vec<&ContainerPlan> {
    let mut containers: Vec<&ContainerPlan> = plan.container_plans.iter().collect();
    containers.sort_by_key(|c| c.id);
    containers
}

/// A container's instances by task id.
fn sorted_instances(container: &ContainerPlan) -> Vec<&InstancePlan> {
    let mut instances: Vec<&InstancePlan> = container.instance_plans.iter().collect();
    instances.sort_by_key(|i| (i.task_id, i.component_index));
    instances
}
