//! Heron's state in ZooKeeper, as Heron's `CuratorStateManager` keeps it (heron-aurora.md §7.1).
//!
//! This module owns the [`ZkStateManager`] (its paths and the [`StateManager`] surface); the work
//! is in its parts:
//! - `session.rs`: the session, opened on first use (a `get` costs one connect and one read) and
//!   closed cleanly by [`StateManager::close`]; connecting retries until `connection.timeout.ms`,
//!   each operation (retries after a connection loss included) is bounded by the operation
//!   timeout, and a terminal session (expired, closed) is replaced on the next operation.
//! - `acl.rs`: the ACL and the mode each node is created with.
//! - `reads.rs`: reads, the listing and watches; reads never write.
//! - `writes.rs`: creates, replaces, deletes, the atomic submit, and the tree. The connection
//!   string's chroot is applied by prefixing paths, so the tree (chroot included) can be created
//!   when `is.initialize.tree` is set, before the first write only.
//! - `lock.rs`: the update lock, following Curator's `InterProcessSemaphoreMutex` protocol, so it
//!   excludes Heron's Java tools and they exclude us.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use heron_common::contract::SubmitState;
use zookeeper_client as zk;

use crate::kind::{LOCKS_DIR, NodeKind, UPDATE_LOCK_SUFFIX, check_topology_name};
use crate::settings::ZkSettings;
use crate::store::{
    BoxFuture, DeleteOutcome, HeldLock, Node, StateManager, TopologyListing, WatchCallback,
    WriteMode,
};

mod acl;
mod lock;
mod reads;
mod session;
mod writes;

/// State in ZooKeeper.
pub struct ZkStateManager {
    zk: ZkSettings,
    /// chroot + root, without a trailing `/` (empty for `/`).
    base: String,
    scheduler_is_service: bool,
    client: tokio::sync::Mutex<Option<zk::Client>>,
    tree_ready: AtomicBool,
}

impl ZkStateManager {
    /// A state manager for `root` (already checked) on the ensemble of `settings`. Nothing is
    /// connected until the first operation.
    pub fn new(settings: ZkSettings, root: &str, scheduler_is_service: bool) -> ZkStateManager {
        let base = format!("{}{}", settings.chroot, root)
            .trim_end_matches('/')
            .to_string();
        ZkStateManager {
            zk: settings,
            base,
            scheduler_is_service,
            client: tokio::sync::Mutex::new(None),
            tree_ready: AtomicBool::new(false),
        }
    }

    fn dir_path(&self, dir: &str) -> String {
        format!("{}/{dir}", self.base)
    }

    fn node_path(&self, kind: NodeKind, topology: &str) -> String {
        format!("{}/{}/{topology}", self.base, kind.dir())
    }

    fn lock_path(&self, topology: &str) -> String {
        format!("{}/{LOCKS_DIR}/{topology}{UPDATE_LOCK_SUFFIX}", self.base)
    }
}

impl StateManager for ZkStateManager {
    fn describe(&self) -> String {
        format!(
            "ZooKeeper {} root {}",
            self.zk.connection_string,
            if self.base.is_empty() {
                "/"
            } else {
                &self.base
            }
        )
    }

    fn location(&self, kind: NodeKind, topology: &str) -> String {
        self.node_path(kind, topology)
    }

    fn ephemeral(&self, kind: NodeKind) -> bool {
        kind.zk_ephemeral(self.scheduler_is_service)
    }

    fn get<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, Option<Node>> {
        Box::pin(async move {
            check_topology_name(topology)?;
            self.read(&self.node_path(kind, topology)).await
        })
    }

    fn exists<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            check_topology_name(topology)?;
            let path = self.node_path(kind, topology);
            let owned = path.clone();
            let result = self
                .op("check", &path, |c, _| {
                    let path = owned.clone();
                    async move { c.check_stat(&path).await }
                })
                .await?;
            result
                .map(|stat| stat.is_some())
                .map_err(|e| self.fail(e, "check", &path))
        })
    }

    fn set<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        data: &'a [u8],
        mode: WriteMode,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            check_topology_name(topology)?;
            self.ensure_tree().await?;
            let path = self.node_path(kind, topology);
            // ZooKeeper's Heron mode is create-only.
            let replace = mode == WriteMode::Replace;
            self.write_node(kind, &path, data, replace).await
        })
    }

    fn delete<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        force: bool,
    ) -> BoxFuture<'a, DeleteOutcome> {
        Box::pin(async move {
            check_topology_name(topology)?;
            let path = self.node_path(kind, topology);
            if !force && kind.zk_delete_is_noop(self.scheduler_is_service) {
                // Heron leaves these to the owning session (CuratorStateManager.delete*Location).
                let present = self.exists(kind, topology).await?;
                return Ok(if present {
                    DeleteOutcome::SkippedEphemeral
                } else {
                    DeleteOutcome::Absent
                });
            }
            self.delete_node(&path).await
        })
    }

    fn delete_locks<'a>(&'a self, topology: &'a str) -> BoxFuture<'a, DeleteOutcome> {
        Box::pin(async move {
            check_topology_name(topology)?;
            self.delete_recursive(&self.lock_path(topology)).await
        })
    }

    fn list(&self) -> BoxFuture<'_, Vec<TopologyListing>> {
        Box::pin(self.list_all())
    }

    fn create_submit<'a>(&'a self, topology: &'a str, state: &'a SubmitState) -> BoxFuture<'a, ()> {
        Box::pin(self.submit(topology, state))
    }

    fn lock<'a>(
        &'a self,
        topology: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Box<dyn HeldLock>> {
        Box::pin(self.take_lock(topology, timeout))
    }

    fn watch<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        on_event: WatchCallback<'a>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(self.watch_node(kind, topology, on_event))
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.close_session())
    }
}
