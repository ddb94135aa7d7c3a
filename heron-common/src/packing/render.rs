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

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;

use super::units::{as_megabytes, format_bytes};
use crate::config::format_java_double;
use crate::error::{Error, Result};
use crate::proto::system::{ContainerPlan, InstancePlan, PackingPlan, Resource};

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

// ---------------------------------------------------------------------------------------------
// Tables

const ANSI_RESET: &str = "\u{1b}[0m";
const ANSI_RED: &str = "\u{1b}[31m";
const ANSI_GREEN: &str = "\u{1b}[32m";
const ANSI_BOLD: &str = "\u{1b}[1m";
const STRIKETHROUGH: char = '\u{0336}';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Color {
    Plain,
    Red,
    Green,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Struck,
}

/// Styles text for a terminal; `rich == false` gives the text unchanged.
fn styled(text: &str, color: Color, style: Style, rich: bool) -> String {
    if !rich || (color == Color::Plain && style == Style::Plain) {
        return text.to_string();
    }
    let mut out = String::new();
    match color {
        Color::Plain => {}
        Color::Red => out.push_str(ANSI_RED),
        Color::Green => out.push_str(ANSI_GREEN),
    }
    match style {
        Style::Plain => out.push_str(text),
        Style::Bold => {
            out.push_str(ANSI_BOLD);
            out.push_str(text);
        }
        Style::Struck => {
            for c in text.chars() {
                out.push(c);
                out.push(STRIKETHROUGH);
            }
        }
    }
    out.push_str(ANSI_RESET);
    out
}

struct Row {
    cells: Vec<String>,
    color: Color,
    style: Style,
}

const TITLES: [&str; 5] = ["component", "task ID", "CPU", "RAM (MB)", "disk (MB)"];

fn instance_row(instance: &InstancePlan, color: Color, style: Style) -> Row {
    Row {
        cells: vec![
            instance.component_name.clone(),
            instance.task_id.to_string(),
            format_java_double(instance.resource.cpu),
            as_megabytes(instance.resource.ram).to_string(),
            as_megabytes(instance.resource.disk).to_string(),
        ],
        color,
        style,
    }
}

/// One container's table: a title row and one right-aligned row per instance.
fn table(rows: &[Row], rich: bool) -> String {
    let mut widths: Vec<usize> = TITLES.iter().map(|t| t.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let frame: usize = widths.iter().map(|w| w + 3).sum::<usize>() + 1;
    let line = |cells: &[String], color: Color, style: Style| {
        let rendered: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| styled(&format!("{cell:>w$}"), color, style, rich))
            .collect();
        format!("| {} |\n", rendered.join(" | "))
    };
    let mut out = String::new();
    out.push_str(&"=".repeat(frame));
    out.push('\n');
    let titles: Vec<String> = TITLES.iter().map(|t| t.to_string()).collect();
    out.push_str(&line(&titles, Color::Plain, Style::Bold));
    out.push_str(&"-".repeat(frame));
    out.push('\n');
    for row in rows {
        out.push_str(&line(&row.cells, row.color, row.style));
    }
    out.push_str(&"=".repeat(frame));
    out.push('\n');
    out
}

fn resource_usage(r: &Resource) -> String {
    format!(
        "CPU: {}, RAM: {} MB, Disk: {} MB",
        format_java_double(r.cpu),
        as_megabytes(r.ram),
        as_megabytes(r.disk)
    )
}

/// ` (+12.50%)` in green, ` (-25.00%)` in red, nothing when unchanged (or when there was none).
fn percent_change(old: f64, new: f64, rich: bool) -> String {
    if old == 0.0 || old == new {
        return String::new();
    }
    let pct = (new - old) / old * 100.0;
    if pct > 0.0 {
        format!(
            " ({})",
            styled(&format!("+{pct:.2}%"), Color::Green, Style::Plain, rich)
        )
    } else {
        format!(
            " ({})",
            styled(&format!("{pct:.2}%"), Color::Red, Style::Plain, rich)
        )
    }
}

fn resource_usage_change(old: &Resource, new: &Resource, rich: bool) -> String {
    let (old_ram, new_ram) = (as_megabytes(old.ram), as_megabytes(new.ram));
    let (old_disk, new_disk) = (as_megabytes(old.disk), as_megabytes(new.disk));
    format!(
        "CPU: {}{}, RAM: {} MB{}, Disk: {} MB{}",
        format_java_double(new.cpu),
        percent_change(old.cpu, new.cpu, rich),
        new_ram,
        percent_change(old_ram as f64, new_ram as f64, rich),
        new_disk,
        percent_change(old_disk as f64, new_disk as f64, rich),
    )
}

fn sorted_containers(plan: &PackingPlan) -> Vec<&ContainerPlan> {
    let mut containers: Vec<&ContainerPlan> = plan.container_plans.iter().collect();
    containers.sort_by_key(|c| c.id);
    containers
}

fn sorted_instances(container: &ContainerPlan) -> Vec<&InstancePlan> {
    let mut instances: Vec<&InstancePlan> = container.instance_plans.iter().collect();
    instances.sort_by_key(|i| (i.task_id, i.component_index));
    instances
}

fn container_name(id: i32, rich: bool) -> String {
    styled(&format!("Container {id}"), Color::Plain, Style::Bold, rich)
}

/// The submit dry run as tables, one per container (`rich`: with ANSI colours and styles).
pub fn render_table(plan: &PackingPlan, packing_class: &str, rich: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Total number of containers: {}",
        plan.container_plans.len()
    );
    let _ = writeln!(out, "Using packing class: {packing_class}");
    let blocks: Vec<String> = sorted_containers(plan)
        .into_iter()
        .map(|c| {
            let rows: Vec<Row> = sorted_instances(c)
                .into_iter()
                .map(|i| instance_row(i, Color::Plain, Style::Plain))
                .collect();
            format!(
                "{}\n{}\n{}",
                container_name(c.id, rich),
                resource_usage(&c.required_resource),
                table(&rows, rich)
            )
        })
        .collect();
    out.push_str(&blocks.join("\n"));
    out
}

/// How a container differs between the current and the proposed plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainerChange {
    /// Same instances and required resources.
    Unaffected,
    /// In both plans, with different instances or resources.
    Modified,
    /// Only in the proposed plan (Aurora adds a task).
    New,
    /// Only in the current plan (Aurora kills a task).
    Removed,
}

impl ContainerChange {
    /// Heron's label: `UNAFFECTED`, `MODIFIED`, `NEW`, `REMOVED`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerChange::Unaffected => "UNAFFECTED",
            ContainerChange::Modified => "MODIFIED",
            ContainerChange::New => "NEW",
            ContainerChange::Removed => "REMOVED",
        }
    }
}

/// One container of an update, by id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerDiff<'a> {
    /// The container id.
    pub id: i32,
    /// What happens to it.
    pub change: ContainerChange,
    /// The container in the current plan.
    pub old: Option<&'a ContainerPlan>,
    /// The container in the proposed plan.
    pub new: Option<&'a ContainerPlan>,
}

fn same_container(a: &ContainerPlan, b: &ContainerPlan) -> bool {
    a.required_resource == b.required_resource
        && a.instance_plans.len() == b.instance_plans.len()
        && a.instance_plans
            .iter()
            .all(|i| b.instance_plans.contains(i))
}

/// Every container id of either plan, ascending, with what changes.
pub fn diff_plans<'a>(old: &'a PackingPlan, new: &'a PackingPlan) -> Vec<ContainerDiff<'a>> {
    let mut ids: Vec<i32> = old
        .container_plans
        .iter()
        .chain(&new.container_plans)
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let o = old.container_plans.iter().find(|c| c.id == id);
            let n = new.container_plans.iter().find(|c| c.id == id);
            let change = match (o, n) {
                (Some(o), Some(n)) if same_container(o, n) => ContainerChange::Unaffected,
                (Some(_), Some(_)) => ContainerChange::Modified,
                (None, _) => ContainerChange::New,
                (Some(_), None) => ContainerChange::Removed,
            };
            ContainerDiff {
                id,
                change,
                old: o,
                new: n,
            }
        })
        .collect()
}

fn change_label(change: ContainerChange, rich: bool) -> String {
    let color = match change {
        ContainerChange::New => Color::Green,
        ContainerChange::Removed => Color::Red,
        _ => Color::Plain,
    };
    styled(change.as_str(), color, Style::Plain, rich)
}

/// The update dry run as tables: each container with its change, resources and instances.
pub fn render_update_table(
    old: &PackingPlan,
    new: &PackingPlan,
    repacking_class: &str,
    rich: bool,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Total number of containers: {}",
        new.container_plans.len()
    );
    let _ = writeln!(out, "Using repacking class: {repacking_class}");
    let blocks: Vec<String> = diff_plans(old, new)
        .into_iter()
        .map(|d| {
            let header = format!(
                "{} {}",
                container_name(d.id, rich),
                change_label(d.change, rich)
            );
            let (usage, rows) = match (d.old, d.new) {
                (Some(o), Some(n)) if d.change == ContainerChange::Modified => {
                    let mut rows = Vec::new();
                    let new_instances = sorted_instances(n);
                    let old_instances = sorted_instances(o);
                    for i in new_instances
                        .iter()
                        .filter(|i| o.instance_plans.contains(i))
                    {
                        rows.push(instance_row(i, Color::Plain, Style::Plain));
                    }
                    for i in new_instances
                        .iter()
                        .filter(|i| !o.instance_plans.contains(i))
                    {
                        rows.push(instance_row(i, Color::Green, Style::Plain));
                    }
                    for i in old_instances
                        .iter()
                        .filter(|i| !n.instance_plans.contains(i))
                    {
                        rows.push(instance_row(i, Color::Red, Style::Struck));
                    }
                    (
                        resource_usage_change(&o.required_resource, &n.required_resource, rich),
                        rows,
                    )
                }
                (_, Some(n)) => {
                    let color = if d.change == ContainerChange::New {
                        Color::Green
                    } else {
                        Color::Plain
                    };
                    let rows = sorted_instances(n)
                        .into_iter()
                        .map(|i| instance_row(i, color, Style::Plain))
                        .collect();
                    (resource_usage(&n.required_resource), rows)
                }
                (Some(o), None) => {
                    let rows = sorted_instances(o)
                        .into_iter()
                        .map(|i| instance_row(i, Color::Red, Style::Struck))
                        .collect();
                    (resource_usage(&o.required_resource), rows)
                }
                (None, None) => (String::new(), Vec::new()),
            };
            format!("{header}\n{usage}\n{}", table(&rows, rich))
        })
        .collect();
    out.push_str(&blocks.join("\n"));
    out
}

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonResources {
    cpu: f64,
    ram: i64,
    disk: i64,
}

impl From<&Resource> for JsonResources {
    fn from(r: &Resource) -> JsonResources {
        JsonResources {
            cpu: r.cpu,
            ram: r.ram,
            disk: r.disk,
        }
    }
}

#[derive(Serialize)]
struct JsonInstance<'a> {
    component: &'a str,
    id: i32,
    index: i32,
    resources: JsonResources,
}

#[derive(Serialize)]
struct JsonContainer<'a> {
    id: i32,
    resources: JsonResources,
    components: Vec<JsonInstance<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonPlan<'a> {
    packing_class: &'a str,
    topology: &'a str,
    containers: Vec<JsonContainer<'a>>,
}

fn json_containers(plan: &PackingPlan) -> Vec<JsonContainer<'_>> {
    sorted_containers(plan)
        .into_iter()
        .map(|c| JsonContainer {
            id: c.id,
            resources: (&c.required_resource).into(),
            components: sorted_instances(c)
                .into_iter()
                .map(|i| JsonInstance {
                    component: &i.component_name,
                    id: i.task_id,
                    index: i.component_index,
                    resources: (&i.resource).into(),
                })
                .collect(),
        })
        .collect()
}

fn to_json_line(value: &impl Serialize) -> String {
    // Only plain structs of strings and numbers are serialized; that cannot fail.
    let mut text = serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The submit dry run as one JSON document (Heron's shape):
/// `{"packingClass", "topology", "containers": [{"id", "resources": {"cpu", "ram", "disk"},
/// "components": [{"component", "id" (task id), "index", "resources"}]}]}`; bytes for RAM and disk.
pub fn render_json(plan: &PackingPlan, topology_name: &str, packing_class: &str) -> String {
    to_json_line(&JsonPlan {
        packing_class,
        topology: topology_name,
        containers: json_containers(plan),
    })
}

#[derive(Serialize)]
struct JsonChange {
    id: i32,
    change: ContainerChange,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonPlanBody<'a> {
    containers: Vec<JsonContainer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonUpdate<'a> {
    topology: &'a str,
    repacking_class: &'a str,
    new_packing_plan: JsonPlanBody<'a>,
    old_packing_plan: JsonPlanBody<'a>,
    container_changes: Vec<JsonChange>,
}

/// The update dry run as one JSON document: `{"topology", "repackingClass", "newPackingPlan":
/// {"containers": …}, "oldPackingPlan": {"containers": …}, "containerChanges": [{"id", "change"}]}`.
pub fn render_update_json(
    old: &PackingPlan,
    new: &PackingPlan,
    topology_name: &str,
    repacking_class: &str,
) -> String {
    to_json_line(&JsonUpdate {
        topology: topology_name,
        repacking_class,
        new_packing_plan: JsonPlanBody {
            containers: json_containers(new),
        },
        old_packing_plan: JsonPlanBody {
            containers: json_containers(old),
        },
        container_changes: diff_plans(old, new)
            .into_iter()
            .map(|d| JsonChange {
                id: d.id,
                change: d.change,
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Raw

fn raw_resource(r: &Resource) -> String {
    format!(
        "{{cpu: {:.6}, ram: ByteAmount{{{}}}, disk: ByteAmount{{{}}}}}",
        r.cpu,
        format_bytes(r.ram),
        format_bytes(r.disk)
    )
}

fn raw_plan(plan: &PackingPlan) -> String {
    let containers: Vec<String> = sorted_containers(plan)
        .into_iter()
        .map(|c| {
            let instances: Vec<String> = sorted_instances(c)
                .into_iter()
                .map(|i| {
                    format!(
                        "{{component-name: {}, task-id: {}, component-index: {}, instance-resource: {}}}",
                        i.component_name,
                        i.task_id,
                        i.component_index,
                        raw_resource(&i.resource)
                    )
                })
                .collect();
            let scheduled = c
                .scheduled_resource
                .as_ref()
                .map(|s| format!(", scheduled-resource: {}", raw_resource(s)))
                .unwrap_or_default();
            format!(
                "{{container-id: {}, instances-list: [{}], required-resource: {}{scheduled}}}",
                c.id,
                instances.join(", "),
                raw_resource(&c.required_resource)
            )
        })
        .collect();
    format!(
        "{{plan-id: {}, containers-list: [{}]}}",
        plan.id,
        containers.join(", ")
    )
}

/// The submit dry run in Heron's raw layout (its Java objects' `toString`).
pub fn render_raw(plan: &PackingPlan, topology_name: &str, packing_class: &str) -> String {
    format!(
        "Packing class: {packing_class}\nTopology: {topology_name}\nPacking plan:\n{}\n",
        raw_plan(plan)
    )
}

/// The update dry run in Heron's raw layout: the new plan, then the old one.
pub fn render_update_raw(
    old: &PackingPlan,
    new: &PackingPlan,
    topology_name: &str,
    repacking_class: &str,
) -> String {
    format!(
        "Repacking class: {repacking_class}\nTopology: {topology_name}\nNew packing plan:\n{}\nOld packing plan:\n{}\n",
        raw_plan(new),
        raw_plan(old)
    )
}
