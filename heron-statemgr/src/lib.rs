//! heron-statemgr: a topology's state in Heron's layout, in ZooKeeper or a local directory.
//!
//! Heron keeps each topology's state as protobuf messages at
//! `<root>/{topologies, packingplans, pplans, executionstate, tmanagers, metricscaches, schedulers,
//! statefulcheckpoints, locks}/<topology>` (heron-aurora.md §7). This crate reads and writes that
//! tree byte for byte as Heron does, so Heron's tmanager, executor and tracker read what we write
//! and we read what they write. It is a library (used by `heron`) and a binary for scripts and
//! debugging (`heron-statemgr get|set|delete|exists|list|dump|watch|clean|create|lock`).
//!
//! It is not a scheduler and does not interpret the state beyond decoding it: deciding what a kill
//! or an update means is `heron`'s job.
//!
//! # Layout
//! - [`store`]: the [`StateManager`] trait both backends implement, [`store::clean`] (Heron's kill
//!   order) and the types they exchange.
//! - [`zk`]: ZooKeeper, as Heron's `CuratorStateManager` (ephemeral nodes, create-only writes,
//!   atomic submit in one multi, a Curator-compatible update lock); one file each for the
//!   session, reads, writes, the lock and ACLs.
//! - [`localfs`]: a local directory, as Heron's `LocalFileSystemStateManager`, with atomic writes
//!   (synced to disk only with `heron.statemgr.localfs.fsync`, as Heron never syncs) in
//!   `localfs/atomic.rs` and the lock file in `localfs/lock.rs`.
//! - [`kind`]: the node kinds and Heron's per-kind rules.
//! - [`dump`]: many nodes of many topologies in one read-only pass.
//! - [`codec`]: node bytes ⇄ protobuf messages ⇄ JSON.
//! - [`settings`]: the config keys read (Heron's, plus our ZooKeeper auth/ACL keys and the local
//!   fsync key).
//! - [`cli`]: the binary's commands (arguments in [`cli::args`], one file per group of commands).

pub mod cli;
pub mod codec;
pub mod dump;
pub mod kind;
pub mod localfs;
pub mod settings;
pub mod store;
pub mod zk;

pub use kind::NodeKind;
pub use settings::Settings;
pub use store::{
    DeleteOutcome, HeldLock, Node, StateManager, TopologyListing, WatchEvent, WriteMode,
};

/// Opens the state manager the settings name. Nothing is connected or created yet: backends
/// connect on first use.
pub fn open(settings: &Settings) -> Box<dyn StateManager> {
    match &settings.backend {
        settings::BackendSettings::ZooKeeper(zk) => Box::new(zk::ZkStateManager::new(
            zk.clone(),
            &settings.root,
            settings.scheduler_is_service,
        )),
        settings::BackendSettings::LocalFs {
            initialize_tree,
            fsync,
        } => Box::new(
            localfs::LocalFsStateManager::new(&settings.root, *initialize_tree).with_fsync(*fsync),
        ),
    }
}
