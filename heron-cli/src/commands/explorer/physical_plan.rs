//! `heron explorer physical-plan containers CLUSTER[/ROLE[/ENV]] TOPOLOGY [--id N]`: per
//! container its stream manager (host, ports, pid) and its instances.
//!
//! The source is the physical plan the tmanager writes (`pplans/<name>`). Until a tmanager has
//! written one, the packing plan the submit stored (`packingplans/<name>`) says which instances
//! go where, without hosts, ports or pids; the output says which source it used.
//!
//! Heron's columns come first (`container host port pid #bolt #spout #instance`). Containers
//! are numbered as Heron numbers them (stream manager `stmgr-N` runs in container N), not by
//! the sorted position of the id as Heron's explorer does (which puts `stmgr-10` before
//! `stmgr-2`).

use std::collections::BTreeSet;

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::Topology;
use heron_common::proto::system::{PackingPlan, PhysicalPlan};
use serde::Serialize;

use super::context::Explorer;
use super::snapshot;
use super::table::{self, Cell};
use crate::cli::args::Format;
use crate::cli::args::explorer::{ContainersCmd, ExplorerOptions, MetricsCmd};

/// One instance of a container.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceRow {
    /// Heron's instance id (`container_<N>_<component>_<task>`).
    pub id: String,
    /// Its component.
    pub component: String,
    /// `spout`, `bolt`, or null when the definition does not name the component.
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    /// The global task id.
    pub task_id: i32,
    /// Its index within the component.
    pub component_index: i32,
}

/// One container (`containers[]`).
#[derive(Debug, Clone, Serialize)]
pub struct ContainerRow {
    /// The container number (1 for the first stream manager's container).
    pub container: i64,
    /// The stream manager's id (physical plan only).
    pub stmgr: Option<String>,
    /// Its host (physical plan only).
    pub host: Option<String>,
    /// Its data port (physical plan only).
    pub port: Option<i32>,
    /// Its shell port, when set.
    pub shell_port: Option<i32>,
    /// Its local data port, when set.
    pub local_data_port: Option<i32>,
    /// Its pid, when set.
    pub pid: Option<i32>,
    /// How many bolt instances.
    pub bolts: usize,
    /// How many spout instances.
    pub spouts: usize,
    /// The instances, by task id.
    pub instances: Vec<InstanceRow>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct Containers {
    /// The topology name.
    pub topology: String,
    /// `pplans` (the tmanager's physical plan) or `packingplans` (no physical plan yet).
    pub source: &'static str,
    /// The containers, by number.
    pub containers: Vec<ContainerRow>,
}

struct Kinds {
    spouts: BTreeSet<String>,
    bolts: BTreeSet<String>,
}

impl Kinds {
    fn of(topology: Option<&Topology>) -> Kinds {
        let names = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
        Kinds {
            spouts: names(topology.map_or(Vec::new(), |t| {
                t.spouts.iter().map(|s| s.comp.name.as_str()).collect()
            })),
            bolts: names(topology.map_or(Vec::new(), |t| {
                t.bolts.iter().map(|b| b.comp.name.as_str()).collect()
            })),
        }
    }

    fn kind(&self, component: &str) -> Option<&'static str> {
        if self.spouts.contains(component) {
            Some("spout")
        } else if self.bolts.contains(component) {
            Some("bolt")
        } else {
            None
        }
    }
}

fn finish(mut row: ContainerRow) -> ContainerRow {
    row.instances
        .sort_by_key(|i| (i.task_id, i.component_index));
    row.spouts = row
        .instances
        .iter()
        .filter(|i| i.kind == Some("spout"))
        .count();
    row.bolts = row
        .instances
        .iter()
        .filter(|i| i.kind == Some("bolt"))
        .count();
    row
}

/// The containers of a physical plan.
pub fn from_physical_plan(pplan: &PhysicalPlan) -> Containers {
    let kinds = Kinds::of(Some(&pplan.topology));
    let mut containers: Vec<ContainerRow> = pplan
        .stmgrs
        .iter()
        .enumerate()
        .map(|(position, s)| {
            let number =
                s.id.rsplit_once('-')
                    .and_then(|(_, n)| n.parse::<i64>().ok())
                    .unwrap_or(position as i64 + 1);
            finish(ContainerRow {
                container: number,
                stmgr: Some(s.id.clone()),
                host: Some(s.host_name.clone()),
                port: Some(s.data_port),
                shell_port: s.shell_port,
                local_data_port: s.local_data_port,
                pid: s.pid,
                bolts: 0,
                spouts: 0,
                instances: pplan
                    .instances
                    .iter()
                    .filter(|i| i.stmgr_id == s.id)
                    .map(|i| InstanceRow {
                        id: i.instance_id.clone(),
                        component: i.info.component_name.clone(),
                        kind: kinds.kind(&i.info.component_name),
                        task_id: i.info.task_id,
                        component_index: i.info.component_index,
                    })
                    .collect(),
            })
        })
        .collect();
    containers.sort_by_key(|c| c.container);
    Containers {
        topology: pplan.topology.name.clone(),
        source: "pplans",
        containers,
    }
}

/// The containers of a packing plan (no hosts, ports or pids).
pub fn from_packing_plan(
    name: &str,
    plan: &PackingPlan,
    topology: Option<&Topology>,
) -> Containers {
    let kinds = Kinds::of(topology);
    let mut containers: Vec<ContainerRow> = plan
        .container_plans
        .iter()
        .map(|c| {
            finish(ContainerRow {
                container: i64::from(c.id),
                stmgr: None,
                host: None,
                port: None,
                shell_port: None,
                local_data_port: None,
                pid: None,
                bolts: 0,
                spouts: 0,
                instances: c
                    .instance_plans
                    .iter()
                    .map(|i| InstanceRow {
                        id: format!("container_{}_{}_{}", c.id, i.component_name, i.task_id),
                        component: i.component_name.clone(),
                        kind: kinds.kind(&i.component_name),
                        task_id: i.task_id,
                        component_index: i.component_index,
                    })
                    .collect(),
            })
        })
        .collect();
    containers.sort_by_key(|c| c.container);
    Containers {
        topology: name.to_string(),
        source: "packingplans",
        containers,
    }
}

/// The text: a line saying the source, Heron's container table, and with one container its
/// instances.
pub fn render(doc: &Containers, one: bool, colour: bool) -> String {
    let name = &doc.topology;
    let mut out = if doc.source == "pplans" {
        format!("Containers of '{name}' (from the physical plan pplans/{name}):\n")
    } else {
        format!(
            "Containers of '{name}' (no tmanager has written a physical plan (pplans/{name}) yet; \
             from the packing plan packingplans/{name}: host, ports and pid are not known):\n"
        )
    };
    let rows: Vec<Vec<Cell>> = doc
        .containers
        .iter()
        .map(|c| {
            vec![
                c.container.to_string().into(),
                table::or_dash(c.host.as_ref()).into(),
                table::or_dash(c.port).into(),
                table::or_dash(c.pid).into(),
                c.bolts.to_string().into(),
                c.spouts.to_string().into(),
                c.instances.len().to_string().into(),
                table::or_dash(c.stmgr.as_ref()).into(),
                table::or_dash(c.shell_port).into(),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &[
            "container",
            "host",
            "port",
            "pid",
            "#bolt",
            "#spout",
            "#instance",
            "stmgr",
            "shell port",
        ],
        &rows,
        colour,
    ));
    if one && let Some(c) = doc.containers.first() {
        let rows: Vec<Vec<Cell>> = c
            .instances
            .iter()
            .map(|i| {
                vec![
                    i.id.clone().into(),
                    i.component.clone().into(),
                    table::or_dash(i.kind).into(),
                    i.task_id.to_string().into(),
                    i.component_index.to_string().into(),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table::render(
            &["instance", "component", "type", "task", "index"],
            &rows,
            colour,
        ));
    }
    out
}

/// Runs `physical-plan containers`.
pub fn run_containers(options: &ExplorerOptions, cmd: &ContainersCmd) -> anyhow::Result<()> {
    let name = &cmd.target.topology;
    let ex = Explorer::setup(options, &cmd.target.cre, Some(name))?;
    let s = snapshot::read_one(&ex, name, &["pplans", "packingplans", "topologies"])?;
    let mut doc = match (&s.physical_plan, &s.packing_plan) {
        (Some(pplan), _) => from_physical_plan(pplan),
        (None, Some(plan)) => from_packing_plan(name, plan, s.topology.as_ref()),
        (None, None) => {
            return Err(snapshot::missing_node(
                name,
                "pplans",
                "physical plan and no packing plan",
            ));
        }
    };
    if let Some(id) = cmd.id {
        let numbers: Vec<String> = doc
            .containers
            .iter()
            .map(|c| c.container.to_string())
            .collect();
        doc.containers.retain(|c| c.container == id);
        if doc.containers.is_empty() {
            return Err(CodedError::new(
                ExitCode::NotFound,
                format!(
                    "topology '{name}' has no container {id} (its containers: {})",
                    numbers.join(", ")
                ),
            )
            .into());
        }
    }
    let text = render(&doc, cmd.id.is_some(), ex.colour);
    table::emit(ex.format == Format::Json, &doc, &text)
}

/// `physical-plan metrics`: Heron's explorer asks the tracker, which asks the metrics cache.
pub fn run_metrics(_cmd: &MetricsCmd) -> anyhow::Result<()> {
    Err(CodedError::new(
        ExitCode::BadInput,
        "`physical-plan metrics` is not offered: metrics live in the topology's metrics cache, \
         which Heron's explorer reaches through heron-tracker; this explorer reads the state \
         manager only (see `containers`)",
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_common::proto::system::{Instance, InstanceInfo, StMgr};
    use heron_common::topology::TopologyBuilder;

    fn stmgr(n: i32) -> StMgr {
        StMgr {
            id: format!("stmgr-{n}"),
            host_name: "h".into(),
            data_port: 4000 + n,
            local_endpoint: "/x".into(),
            pid: Some(100 + n),
            ..Default::default()
        }
    }

    fn instance(stmgr: i32, component: &str, task: i32) -> Instance {
        Instance {
            instance_id: format!("container_{stmgr}_{component}_{task}"),
            stmgr_id: format!("stmgr-{stmgr}"),
            info: InstanceInfo {
                task_id: task,
                component_index: 0,
                component_name: component.into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn containers_are_numbered_by_stmgr_id_not_by_sorted_name() {
        let pplan = PhysicalPlan {
            topology: TopologyBuilder::new("wc")
                .spout("word", 1)
                .bolt("count", 2)
                .build(),
            stmgrs: (1..=10).rev().map(stmgr).collect(),
            instances: vec![
                instance(10, "word", 1),
                instance(10, "count", 2),
                instance(2, "count", 3),
            ],
        };
        let doc = from_physical_plan(&pplan);
        let numbers: Vec<i64> = doc.containers.iter().map(|c| c.container).collect();
        assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
        let ten = &doc.containers[9];
        assert_eq!(
            (ten.spouts, ten.bolts, ten.port, ten.pid),
            (1, 1, Some(4010), Some(110))
        );
        assert_eq!(doc.containers[1].bolts, 1);
    }
}
