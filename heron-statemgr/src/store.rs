//! The one trait both backends implement, and what it exchanges.
//!
//! The trait is object-safe (boxed futures) so `heron` and the binary hold a
//! `Box<dyn StateManager>` chosen at run time from the config.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use heron_common::Error;
use heron_common::contract::SubmitState;
use serde::Serialize;

use crate::kind::{LOCKS_DIR, NodeKind, UPDATE_LOCK_SUFFIX};

/// A boxed, sendable future of a `Result`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The bytes of one node and what the backend knows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Heron's protobuf bytes.
    pub data: Vec<u8>,
    /// Where it is (a ZooKeeper path or a file).
    pub location: String,
    /// ZooKeeper: the session owning this ephemeral node; `None` for persistent nodes and files.
    pub ephemeral_owner: Option<i64>,
    /// Data version (ZooKeeper) if known.
    pub version: Option<i32>,
    /// Last modification, milliseconds since the epoch, if known.
    pub modified_ms: Option<i64>,
}

/// How a `set` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// As Heron's state manager of this backend does: ZooKeeper creates (fails if the node exists);
    /// the local file system creates topology, execution state and physical plan and overwrites
    /// the other kinds.
    Heron,
    /// Create; fail with exit 4 if the node exists.
    Create,
    /// Create or replace the data of an existing node (ZooKeeper keeps the node's mode and owner).
    Replace,
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteOutcome {
    /// The node was there and is gone.
    Deleted,
    /// There was no node (Heron counts this as success).
    Absent,
    /// The node is ephemeral in ZooKeeper and belongs to another process's session; as Heron does,
    /// it was left for ZooKeeper to remove when that session ends.
    SkippedEphemeral,
}

/// One topology's state, as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopologyListing {
    /// The topology name.
    pub topology: String,
    /// The folders holding a node for it, in [`NodeKind::ALL`] order, plus `locks` if an update
    /// lock node exists.
    pub nodes: Vec<String>,
}

/// The four nodes of the submit write, in the order Heron writes them, with their bytes.
pub fn submit_nodes(state: &SubmitState) -> [(NodeKind, &[u8]); 4] {
    [
        (NodeKind::Topology, &state.topology),
        (NodeKind::PackingPlan, &state.packing_plan),
        (NodeKind::ExecutionState, &state.execution_state),
        (NodeKind::Scheduler, &state.scheduler_location),
    ]
}

/// Groups the names found in each folder into one listing per topology, sorted by name. `found`
/// gives each folder with its node names, in the order `list` shows folders; in [`LOCKS_DIR`] only
/// update lock nodes count, under their topology's name.
pub(crate) fn group_listing(
    found: impl IntoIterator<Item = (&'static str, Vec<String>)>,
) -> Vec<TopologyListing> {
    let mut by_topology: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (dir, names) in found {
        for name in names {
            let topology = if dir == LOCKS_DIR {
                match name.strip_suffix(UPDATE_LOCK_SUFFIX) {
                    Some(topology) => topology.to_string(),
                    None => continue,
                }
            } else {
                name
            };
            by_topology
                .entry(topology)
                .or_default()
                .push(dir.to_string());
        }
    }
    by_topology
        .into_iter()
        .map(|(topology, nodes)| TopologyListing { topology, nodes })
        .collect()
}

/// A change seen by `watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The state when the watch started.
    Initial(Option<Node>),
    /// The node appeared.
    Created(Node),
    /// The node's data changed.
    Changed(Node),
    /// The node went away.
    Deleted,
}

impl WatchEvent {
    /// `initial`, `created`, `changed` or `deleted`.
    pub fn name(&self) -> &'static str {
        match self {
            WatchEvent::Initial(_) => "initial",
            WatchEvent::Created(_) => "created",
            WatchEvent::Changed(_) => "changed",
            WatchEvent::Deleted => "deleted",
        }
    }

    /// The node after the event, if any.
    pub fn node(&self) -> Option<&Node> {
        match self {
            WatchEvent::Initial(node) => node.as_ref(),
            WatchEvent::Created(node) | WatchEvent::Changed(node) => Some(node),
            WatchEvent::Deleted => None,
        }
    }

    /// The event that took the node from `last` to `now`, if any; `changed` says whether two
    /// present nodes differ (each backend knows what it can compare).
    pub(crate) fn between(
        last: &Option<Node>,
        now: &Option<Node>,
        changed: impl Fn(&Node, &Node) -> bool,
    ) -> Option<WatchEvent> {
        match (last, now) {
            (None, Some(node)) => Some(WatchEvent::Created(node.clone())),
            (Some(_), None) => Some(WatchEvent::Deleted),
            (Some(a), Some(b)) if changed(a, b) => Some(WatchEvent::Changed(b.clone())),
            _ => None,
        }
    }
}

/// A held update lock. Release it explicitly; dropping it releases it in the background
/// (ZooKeeper) or leaves the lock file (local file system), so always call `release`.
pub trait HeldLock: Send {
    /// Where the lock lives (for messages).
    fn location(&self) -> &str;
    /// Releases the lock.
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
    /// Resolves, with the reason, if the lock is lost while held (ZooKeeper: the session ended).
    /// Never resolves for locks that cannot be lost.
    fn lost(&self) -> Pin<Box<dyn Future<Output = String> + Send + 'static>> {
        Box::pin(std::future::pending())
    }
}

/// Called for each watch event; return `false` to stop watching.
pub type WatchCallback<'a> = &'a mut (dyn FnMut(WatchEvent) -> bool + Send);

/// Heron's topology state, whichever backend holds it.
pub trait StateManager: Send + Sync {
    /// One line naming the backend and root, for messages.
    fn describe(&self) -> String;

    /// Where a node lives (a ZooKeeper path or a file path).
    fn location(&self, kind: NodeKind, topology: &str) -> String;

    /// Whether this backend keeps nodes of `kind` as ephemeral nodes, which vanish when the
    /// writing process's session ends (ZooKeeper: tmanagers, metricscaches, and schedulers when
    /// the scheduler is a service).
    fn ephemeral(&self, kind: NodeKind) -> bool {
        let _ = kind;
        false
    }

    /// Reads a node; `None` when it does not exist (or, on the local file system, is empty, as
    /// Heron treats it).
    fn get<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, Option<Node>>;

    /// Whether the node exists.
    fn exists<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, bool>;

    /// Writes a node. The bytes must already be valid for the kind (see [`crate::codec`]).
    fn set<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        data: &'a [u8],
        mode: WriteMode,
    ) -> BoxFuture<'a, ()>;

    /// Deletes a node. A missing node is success ([`DeleteOutcome::Absent`]). Without `force`,
    /// ZooKeeper ephemeral kinds are left alone as Heron does ([`DeleteOutcome::SkippedEphemeral`]).
    fn delete<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        force: bool,
    ) -> BoxFuture<'a, DeleteOutcome>;

    /// Deletes the update lock node `locks/<topology>__updateTopology`, recursively.
    fn delete_locks<'a>(&'a self, topology: &'a str) -> BoxFuture<'a, DeleteOutcome>;

    /// Every topology with any state, sorted by name.
    fn list(&self) -> BoxFuture<'_, Vec<TopologyListing>>;

    /// The submit-time write: topology, packing plan, execution state and scheduler location, all
    /// or nothing. Fails with [`Error::AlreadyExists`] (changing nothing) if any of them exists.
    fn create_submit<'a>(&'a self, topology: &'a str, state: &'a SubmitState) -> BoxFuture<'a, ()>;

    /// Takes the update lock `locks/<topology>__updateTopology`, waiting up to `timeout`.
    /// [`Error::AlreadyExists`] when another holder keeps it past the timeout.
    fn lock<'a>(&'a self, topology: &'a str, timeout: Duration)
    -> BoxFuture<'a, Box<dyn HeldLock>>;

    /// Calls `on_event` with the node's current state, then with each change, until it returns
    /// false or an error happens.
    fn watch<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        on_event: WatchCallback<'a>,
    ) -> BoxFuture<'a, ()>;

    /// Ends the session cleanly (ZooKeeper: our ephemeral nodes vanish at once).
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// Heron's kill order for `clean` (RuntimeManagerRunner.cleanState): `topologies` last, because
/// its existence is what "running" means.
pub const CLEAN_ORDER: [CleanStep; 8] = [
    CleanStep::Node(NodeKind::TManager),
    CleanStep::Node(NodeKind::MetricsCache),
    CleanStep::Node(NodeKind::PackingPlan),
    CleanStep::Node(NodeKind::PhysicalPlan),
    CleanStep::Node(NodeKind::Scheduler),
    CleanStep::Locks,
    CleanStep::Node(NodeKind::ExecutionState),
    CleanStep::Node(NodeKind::Topology),
];

/// One step of `clean`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanStep {
    /// Delete one node kind.
    Node(NodeKind),
    /// Delete the update lock, recursively.
    Locks,
}

impl CleanStep {
    /// The folder name.
    pub fn dir(self) -> &'static str {
        match self {
            CleanStep::Node(kind) => kind.dir(),
            CleanStep::Locks => crate::kind::LOCKS_DIR,
        }
    }
}

/// What `clean` did to one folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanedNode {
    /// The folder.
    pub kind: &'static str,
    /// What happened.
    pub outcome: DeleteOutcome,
}

/// Deletes a topology's state in Heron's kill order, `topologies` last. Missing nodes are fine;
/// the first failing delete stops the clean (so `topologies` stays and the topology still shows as
/// present) and is returned.
pub async fn clean(
    store: &dyn StateManager,
    topology: &str,
    force_ephemeral: bool,
) -> Result<Vec<CleanedNode>, Error> {
    let mut done = Vec::new();
    for step in CLEAN_ORDER {
        let outcome = match step {
            CleanStep::Node(kind) => store.delete(kind, topology, force_ephemeral).await,
            CleanStep::Locks => store.delete_locks(topology).await,
        };
        match outcome {
            Ok(outcome) => done.push(CleanedNode {
                kind: step.dir(),
                outcome,
            }),
            Err(err) => {
                let finished: Vec<String> = done
                    .iter()
                    .filter(|c| c.outcome == DeleteOutcome::Deleted)
                    .map(|c| c.kind.to_string())
                    .collect();
                let message = format!(
                    "cleaning {topology} stopped at {}/{topology}: {err}{}; run clean again once \
                     the cause is fixed",
                    step.dir(),
                    if finished.is_empty() {
                        String::new()
                    } else {
                        format!(" (already deleted: {})", finished.join(", "))
                    }
                );
                // Keep the cause's exit code: a denied ACL is 6 and a lost ZooKeeper 5, as for
                // a single delete, so scripts can tell them from a plain failure.
                return Err(match err.exit_code() {
                    heron_common::ExitCode::Denied => Error::Denied(message),
                    heron_common::ExitCode::Unavailable => Error::Unavailable(message),
                    _ => Error::Failed(message),
                });
            }
        }
    }
    Ok(done)
}
