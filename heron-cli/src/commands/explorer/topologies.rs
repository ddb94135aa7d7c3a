//! `heron explorer topologies CLUSTER[/ROLE[/ENV]]`: every topology of the selection with its
//! role, environment, state, submitter, submission time and release, from one `heron-statemgr
//! dump` of the execution states, topology nodes and physical plans.

use serde::Serialize;

use heron_common::proto::api::TopologyState;

use super::context::Explorer;
use super::snapshot::Snapshot;
use super::table::{self, Cell, Tone};
use crate::cli::args::Format;
use crate::cli::args::explorer::{ExplorerOptions, TopologiesCmd};
use crate::stages::state::State;

/// One row (`topologies[]` in the JSON document).
#[derive(Debug, Clone, Serialize)]
pub struct TopologyRow {
    /// The topology name.
    pub name: String,
    /// Its id (the execution state's, else the topology node's).
    pub id: Option<String>,
    /// From the execution state.
    pub cluster: Option<String>,
    /// From the execution state.
    pub role: Option<String>,
    /// From the execution state.
    pub environ: Option<String>,
    /// `RUNNING` or `PAUSED` (Heron's `TopologyState`): the physical plan's, which the tmanager
    /// keeps current, else the topology node's as submitted.
    pub state: Option<String>,
    /// Where `state` came from: `pplans` or `topologies`.
    pub state_from: Option<&'static str>,
    /// Who submitted it.
    pub submission_user: Option<String>,
    /// When, in seconds since the epoch.
    pub submission_time: Option<i64>,
    /// The release that submitted it: `{"username", "tag", "version"}`.
    pub release: Option<Release>,
    /// The state folders holding a node of it.
    pub nodes: Vec<String>,
    /// Whether an update holds its lock.
    pub locked: bool,
}

/// The execution state's release.
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    /// `release_username`.
    pub username: Option<String>,
    /// `release_tag`.
    pub tag: Option<String>,
    /// `release_version`.
    pub version: Option<String>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct Listing<'a> {
    cluster: &'a str,
    role: Option<&'a str>,
    environ: Option<&'a str>,
    topologies: Vec<TopologyRow>,
}

/// The state name of a `TopologyState` value.
pub fn state_name(value: i32) -> String {
    TopologyState::try_from(value)
        .map(|s| s.as_str_name().to_string())
        .unwrap_or_else(|_| value.to_string())
}

/// The row of one topology.
pub fn row(s: &Snapshot) -> TopologyRow {
    let exec = s.execution_state.as_ref();
    let (state, state_from) = match (&s.physical_plan, &s.topology) {
        (Some(p), _) => (Some(state_name(p.topology.state)), Some("pplans")),
        (None, Some(t)) => (Some(state_name(t.state)), Some("topologies")),
        (None, None) => (None, None),
    };
    TopologyRow {
        name: s.name.clone(),
        id: exec
            .map(|e| e.topology_id.clone())
            .or_else(|| s.definition().map(|t| t.id.clone())),
        cluster: exec.map(|e| e.cluster.clone()),
        role: exec.map(|e| e.role.clone()),
        environ: exec.map(|e| e.environ.clone()),
        state,
        state_from,
        submission_user: exec.and_then(|e| e.submission_user.clone()),
        submission_time: exec.and_then(|e| e.submission_time),
        release: exec
            .and_then(|e| e.release_state.as_ref())
            .map(|r| Release {
                username: r.release_username.clone(),
                tag: r.release_tag.clone(),
                version: r.release_version.clone(),
            }),
        nodes: s.present.clone(),
        locked: s.locked,
    }
}

fn state_tone(state: Option<&str>) -> Tone {
    match state {
        Some("RUNNING") => Tone::Good,
        Some("PAUSED") => Tone::Warn,
        Some(_) => Tone::Bad,
        None => Tone::Dim,
    }
}

/// The text table.
pub fn render(rows: &[TopologyRow], colour: bool) -> String {
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                table::or_dash(r.role.as_ref()).into(),
                table::or_dash(r.environ.as_ref()).into(),
                r.name.clone().into(),
                Cell::toned(
                    table::or_dash(r.state.as_ref()),
                    state_tone(r.state.as_deref()),
                ),
                table::or_dash(r.submission_user.as_ref()).into(),
                table::or_dash(r.submission_time.map(table::utc_time)).into(),
                table::or_dash(r.release.as_ref().and_then(|x| x.version.as_ref())).into(),
            ]
        })
        .collect();
    table::render(
        &[
            "role",
            "env",
            "topology",
            "state",
            "submitted by",
            "submitted (UTC)",
            "release",
        ],
        &cells,
        colour,
    )
}

/// Runs the view.
pub fn run(options: &ExplorerOptions, cmd: &TopologiesCmd) -> anyhow::Result<()> {
    let ex = Explorer::setup(options, &cmd.cre, None)?;
    let dumped = State::new(&ex.runner).dump(&[], &["topologies", "executionstate", "pplans"])?;
    let mut outside = 0usize;
    let mut rows: Vec<TopologyRow> = Vec::new();
    for nodes in dumped {
        let snapshot = Snapshot::from_nodes(nodes);
        for (dir, why) in &snapshot.errors {
            eprintln!("warning: {dir}/{} does not decode: {why}", snapshot.name);
        }
        let selected = match &snapshot.execution_state {
            Some(exec) => ex.selection.matches(exec),
            // Without an execution state it has no role or environment: shown for the whole
            // cluster only (it is half there, and an operator wants to see that).
            None => ex.selection.role.is_none() && !snapshot.is_empty(),
        };
        if selected {
            rows.push(row(&snapshot));
        } else if snapshot.execution_state.is_some() {
            outside += 1;
        }
    }
    rows.sort_by(|a, b| (&a.role, &a.environ, &a.name).cmp(&(&b.role, &b.environ, &b.name)));
    if ex.format == Format::Text && outside > 0 {
        eprintln!(
            "note: {outside} other topolog{} in this state manager {} not in {}",
            if outside == 1 { "y" } else { "ies" },
            if outside == 1 { "is" } else { "are" },
            ex.selection.display()
        );
    }
    let text = format!(
        "Topologies in {}:\n{}",
        ex.selection.display(),
        render(&rows, ex.colour)
    );
    let doc = Listing {
        cluster: &ex.selection.cluster,
        role: ex.selection.role.as_deref(),
        environ: ex.selection.environ.as_deref(),
        topologies: rows,
    };
    table::emit(ex.format == Format::Json, &doc, &text)
}
