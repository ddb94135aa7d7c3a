//! The node kinds of Heron's state tree (heron-aurora.md §7.1) and what each one holds.

use std::fmt;
use std::str::FromStr;

use heron_common::Error;

/// One of Heron's state folders under the root, each holding one node per topology.
///
/// `locks` is not a kind: its nodes are lock recipes, not protobuf messages (see
/// [`crate::StateManager::lock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// `topologies/<name>`: `heron.proto.api.Topology`. Its existence means "the topology runs".
    Topology,
    /// `packingplans/<name>`: `heron.proto.system.PackingPlan`.
    PackingPlan,
    /// `pplans/<name>`: `heron.proto.system.PhysicalPlan`, written by the tmanager.
    PhysicalPlan,
    /// `executionstate/<name>`: `heron.proto.system.ExecutionState`.
    ExecutionState,
    /// `tmanagers/<name>`: `heron.proto.tmanager.TManagerLocation` (ephemeral in ZooKeeper).
    TManager,
    /// `metricscaches/<name>`: `heron.proto.tmanager.MetricsCacheLocation` (ephemeral in ZooKeeper).
    MetricsCache,
    /// `schedulers/<name>`: `heron.proto.scheduler.SchedulerLocation`.
    Scheduler,
    /// `statefulcheckpoints/<name>`: `heron.proto.ckptmgr.StatefulConsistentCheckpoints`.
    StatefulCheckpoints,
}

/// The folder of update locks, `locks/<name>__updateTopology`.
pub const LOCKS_DIR: &str = "locks";
/// The suffix Heron gives the update lock node (`LockName.UPDATE_TOPOLOGY`).
pub const UPDATE_LOCK_SUFFIX: &str = "__updateTopology";

impl NodeKind {
    /// Every kind, in the order `list` shows them.
    pub const ALL: [NodeKind; 8] = [
        NodeKind::Topology,
        NodeKind::PackingPlan,
        NodeKind::PhysicalPlan,
        NodeKind::ExecutionState,
        NodeKind::TManager,
        NodeKind::MetricsCache,
        NodeKind::Scheduler,
        NodeKind::StatefulCheckpoints,
    ];

    /// Heron's folder name.
    pub fn dir(self) -> &'static str {
        match self {
            NodeKind::Topology => "topologies",
            NodeKind::PackingPlan => "packingplans",
            NodeKind::PhysicalPlan => "pplans",
            NodeKind::ExecutionState => "executionstate",
            NodeKind::TManager => "tmanagers",
            NodeKind::MetricsCache => "metricscaches",
            NodeKind::Scheduler => "schedulers",
            NodeKind::StatefulCheckpoints => "statefulcheckpoints",
        }
    }

    /// The fully qualified protobuf message type the node holds.
    pub fn message_type(self) -> &'static str {
        match self {
            NodeKind::Topology => "heron.proto.api.Topology",
            NodeKind::PackingPlan => "heron.proto.system.PackingPlan",
            NodeKind::PhysicalPlan => "heron.proto.system.PhysicalPlan",
            NodeKind::ExecutionState => "heron.proto.system.ExecutionState",
            NodeKind::TManager => "heron.proto.tmanager.TManagerLocation",
            NodeKind::MetricsCache => "heron.proto.tmanager.MetricsCacheLocation",
            NodeKind::Scheduler => "heron.proto.scheduler.SchedulerLocation",
            NodeKind::StatefulCheckpoints => "heron.proto.ckptmgr.StatefulConsistentCheckpoints",
        }
    }

    /// Local file system semantics of a plain write (Heron's `LocalFileSystemStateManager`):
    /// topology, execution state and physical plan are create-new; the rest are overwritten.
    pub fn localfs_overwrites(self) -> bool {
        !matches!(
            self,
            NodeKind::Topology | NodeKind::ExecutionState | NodeKind::PhysicalPlan
        )
    }

    /// Whether the ZooKeeper node is ephemeral, as Heron's `CuratorStateManager` creates it.
    /// Scheduler locations are ephemeral only when the scheduler runs as a service
    /// (`heron.scheduler.is.service`; false for Aurora).
    pub fn zk_ephemeral(self, scheduler_is_service: bool) -> bool {
        match self {
            NodeKind::TManager | NodeKind::MetricsCache => true,
            NodeKind::Scheduler => scheduler_is_service,
            _ => false,
        }
    }

    /// Whether Heron's ZooKeeper state manager treats a delete of this kind as a no-op (the node is
    /// ephemeral and belongs to another process's session).
    pub fn zk_delete_is_noop(self, scheduler_is_service: bool) -> bool {
        self.zk_ephemeral(scheduler_is_service)
    }

    /// The names accepted on the command line, folder name first.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            NodeKind::Topology => &["topologies", "topology"],
            NodeKind::PackingPlan => &["packingplans", "packingplan"],
            NodeKind::PhysicalPlan => &["pplans", "pplan"],
            NodeKind::ExecutionState => &["executionstate"],
            NodeKind::TManager => &["tmanagers", "tmanager"],
            NodeKind::MetricsCache => &["metricscaches", "metricscache"],
            NodeKind::Scheduler => &["schedulers", "scheduler"],
            NodeKind::StatefulCheckpoints => &["statefulcheckpoints"],
        }
    }

    /// The kind whose folder is `dir`, if any.
    pub fn from_dir(dir: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.dir() == dir)
    }
}

/// The nine folders under the root: every kind's, in [`NodeKind::ALL`] order, then [`LOCKS_DIR`].
pub fn tree_dirs() -> impl Iterator<Item = &'static str> {
    NodeKind::ALL.iter().map(|k| k.dir()).chain([LOCKS_DIR])
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir())
    }
}

impl FromStr for NodeKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<NodeKind, Error> {
        let wanted = text.trim().to_ascii_lowercase();
        NodeKind::ALL
            .into_iter()
            .find(|k| k.names().contains(&wanted.as_str()))
            .ok_or_else(|| {
                let all: Vec<&str> = NodeKind::ALL.iter().map(|k| k.dir()).collect();
                Error::BadInput(format!(
                    "unknown node kind {text:?}: expected one of {}",
                    all.join(", ")
                ))
            })
    }
}

/// Checks a topology name before it becomes part of a path: it must be one path segment.
pub fn check_topology_name(name: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::BadInput(format!(
            "invalid topology name {name:?}: {why}"
        )))
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name == "." || name == ".." {
        return bad("it must not be `.` or `..`");
    }
    if name.contains('/') {
        return bad("it must not contain `/`");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("it must not contain control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_to_kinds() {
        assert_eq!("pplan".parse::<NodeKind>().unwrap(), NodeKind::PhysicalPlan);
        assert_eq!("TMANAGERS".parse::<NodeKind>().unwrap(), NodeKind::TManager);
        assert_eq!(
            "executionstate".parse::<NodeKind>().unwrap(),
            NodeKind::ExecutionState
        );
        let err = "locks".parse::<NodeKind>().unwrap_err().to_string();
        assert!(err.contains("unknown node kind \"locks\""), "{err}");
        for kind in NodeKind::ALL {
            assert_eq!(NodeKind::from_dir(kind.dir()), Some(kind));
        }
    }

    #[test]
    fn heron_write_semantics() {
        assert!(!NodeKind::Topology.localfs_overwrites());
        assert!(!NodeKind::PhysicalPlan.localfs_overwrites());
        assert!(NodeKind::PackingPlan.localfs_overwrites());
        assert!(NodeKind::TManager.zk_ephemeral(false));
        assert!(!NodeKind::Scheduler.zk_ephemeral(false));
        assert!(NodeKind::Scheduler.zk_ephemeral(true));
        assert!(!NodeKind::ExecutionState.zk_ephemeral(true));
    }

    #[test]
    fn topology_names_are_one_segment() {
        assert!(check_topology_name("WordCount-1.x_y").is_ok());
        for bad in ["", ".", "..", "a/b", "a\nb"] {
            assert!(check_topology_name(bad).is_err(), "{bad:?}");
        }
    }
}
