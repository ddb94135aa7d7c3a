//! The `table` and `colored_table` renderings: per container its resources and a table of its
//! instances; for an update each container's change, resource changes in percent, and in colour
//! new instances green and removed ones red and struck through.

use std::fmt::Write as _;

use super::diff::{ContainerChange, diff_plans};
use super::{sorted_containers, sorted_instances};
use crate::config::format_java_double;
use crate::packing::units::as_megabytes;
use crate::proto::system::{InstancePlan, PackingPlan, Resource};

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

fn container_name(id: i32, rich: bool) -> String {
    styled(&format!("Container {id}"), Color::Plain, Style::Bold, rich)
}

/// The submit dry run as tables, one per container (`rich`: with ANSI colours and styles).
pub fn render_table(plan: &PackingPlan, packing_class: &str, rich: bool) -> String {
    let blocks: Vec<String> = sorted_containers(plan)
        .into_iter()
        .map(|c| {
            let rows: Vec<Row> = sorted_instances(c)
                .into_iter()
                .map(|i| instance_row(i, Color::Plain, Style::Plain))
                .collect();
            let usage = resource_usage(&c.required_resource);
            block(&container_name(c.id, rich), &usage, &rows, rich)
        })
        .collect();
    tables(plan, "packing", packing_class, &blocks)
}

/// The lines both table renderings start with (the containers of `plan`, the (re)packing
/// class), then each container's block.
fn tables(plan: &PackingPlan, class_kind: &str, class: &str, blocks: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Total number of containers: {}",
        plan.container_plans.len()
    );
    let _ = writeln!(out, "Using {class_kind} class: {class}");
    out.push_str(&blocks.join("\n"));
    out
}

/// One container: its header line, its resources, and the table of its instances.
fn block(header: &str, usage: &str, rows: &[Row], rich: bool) -> String {
    format!("{header}\n{usage}\n{}", table(rows, rich))
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
            block(&header, &usage, &rows, rich)
        })
        .collect();
    tables(new, "repacking", repacking_class, &blocks)
}
