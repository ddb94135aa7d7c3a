//! One read of a topology's state, decoded: the typed messages of what `heron-statemgr dump`
//! printed, and which folders were absent or did not decode.

use std::collections::BTreeMap;

use heron_common::ExitCode;
use heron_common::contract::TopologyNodes;
use heron_common::error::CodedError;
use heron_common::proto::api::Topology;
use heron_common::proto::scheduler::SchedulerLocation;
use heron_common::proto::system::{ExecutionState, PackingPlan, PhysicalPlan};
use heron_common::proto::tmanager::{MetricsCacheLocation, TManagerLocation};

use super::context::Explorer;
use crate::stages::state::State;

/// The folders Heron's state tree has, in `heron-statemgr list` order.
pub const ALL_KINDS: [&str; 8] = [
    "topologies",
    "packingplans",
    "pplans",
    "executionstate",
    "tmanagers",
    "metricscaches",
    "schedulers",
    "statefulcheckpoints",
];

/// A topology's nodes, decoded.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The topology name.
    pub name: String,
    /// `topologies/<name>`.
    pub topology: Option<Topology>,
    /// `packingplans/<name>`.
    pub packing_plan: Option<PackingPlan>,
    /// `pplans/<name>`, written by the tmanager.
    pub physical_plan: Option<PhysicalPlan>,
    /// `executionstate/<name>`.
    pub execution_state: Option<ExecutionState>,
    /// `tmanagers/<name>`.
    pub tmanager: Option<TManagerLocation>,
    /// `metricscaches/<name>`.
    pub metrics_cache: Option<MetricsCacheLocation>,
    /// `schedulers/<name>`.
    pub scheduler: Option<SchedulerLocation>,
    /// Every folder holding a node of this topology, read or not, decoded or not.
    pub present: Vec<String>,
    /// Folders whose node did not decode, with why.
    pub errors: BTreeMap<String, String>,
    /// Whether the update lock is held.
    pub locked: bool,
}

fn decode<M: serde::de::DeserializeOwned>(nodes: &mut TopologyNodes, dir: &str) -> Option<M> {
    let json = nodes.nodes.remove(dir)?;
    match serde_json::from_value(json) {
        Ok(message) => Some(message),
        Err(e) => {
            nodes.errors.insert(
                dir.to_string(),
                format!("its JSON form does not parse: {e}"),
            );
            None
        }
    }
}

impl Snapshot {
    /// Decodes one entry of `dump`'s output.
    pub fn from_nodes(mut nodes: TopologyNodes) -> Snapshot {
        let mut present = std::mem::take(&mut nodes.present);
        present.sort_by_key(|d| ALL_KINDS.iter().position(|k| k == d));
        let topology = decode(&mut nodes, "topologies");
        let packing_plan = decode(&mut nodes, "packingplans");
        let physical_plan = decode(&mut nodes, "pplans");
        let execution_state = decode(&mut nodes, "executionstate");
        let tmanager = decode(&mut nodes, "tmanagers");
        let metrics_cache = decode(&mut nodes, "metricscaches");
        let scheduler = decode(&mut nodes, "schedulers");
        Snapshot {
            name: nodes.topology,
            topology,
            packing_plan,
            physical_plan,
            execution_state,
            tmanager,
            metrics_cache,
            scheduler,
            present,
            errors: nodes.errors,
            locked: nodes.locked,
        }
    }

    /// The topology definition: the `topologies` node, else the one inside the physical plan.
    pub fn definition(&self) -> Option<&Topology> {
        self.topology
            .as_ref()
            .or_else(|| self.physical_plan.as_ref().map(|p| &p.topology))
    }

    /// Whether no node of the topology exists (the update lock included).
    pub fn is_empty(&self) -> bool {
        self.present.is_empty() && !self.locked
    }
}

/// Reads `kinds` of one topology. Exit 3 when it has no state at all, 2 when its execution state
/// says it belongs to another cluster/role/env than the one selected.
pub fn read_one(ex: &Explorer, name: &str, kinds: &[&str]) -> anyhow::Result<Snapshot> {
    let mut kinds = kinds.to_vec();
    // The execution state says whose the topology is; always read it to check the selection.
    if !kinds.contains(&"executionstate") {
        kinds.push("executionstate");
    }
    let mut dumped = State::new(&ex.runner).dump(&[name], &kinds)?;
    let Some(nodes) = dumped.pop() else {
        return Err(super::context::no_topology(name, &ex.selection));
    };
    let snapshot = Snapshot::from_nodes(nodes);
    if snapshot.is_empty() {
        return Err(super::context::no_topology(name, &ex.selection));
    }
    if let Some(exec) = &snapshot.execution_state
        && !ex.selection.matches(exec)
    {
        return Err(CodedError::new(
            ExitCode::BadInput,
            format!(
                "topology '{name}' was submitted as {}/{}/{}, which is not in {}",
                exec.cluster,
                exec.role,
                exec.environ,
                ex.selection.display()
            ),
        )
        .into());
    }
    for (dir, why) in &snapshot.errors {
        eprintln!("warning: {dir}/{name} does not decode: {why}");
    }
    Ok(snapshot)
}

/// The error for a view that needs a node the topology lacks.
pub fn missing_node(name: &str, dir: &str, what: &str) -> anyhow::Error {
    CodedError::new(
        ExitCode::NotFound,
        format!("topology '{name}' has no {what} ({dir}/{name} is absent)"),
    )
    .into()
}
