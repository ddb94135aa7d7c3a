//! Heron's `LocalFileSystemStateManager` layout: one file per node, `<root>/<dir>/<topology>`.
//!
//! This module owns the [`LocalFsStateManager`]: its paths, reads, deletes, the listing, the
//! polling watch and the [`StateManager`] surface. Names starting with `.` are ours (temporary
//! files) and not topologies. Its parts:
//! - `atomic.rs`: every write, atomic (a temporary file moved into place), synced to disk only
//!   with `heron.statemgr.localfs.fsync`.
//! - `lock.rs`: the update lock, a create-new file holding our token.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use heron_common::Error;
use heron_common::contract::SubmitState;

use crate::kind::{LOCKS_DIR, NodeKind, UPDATE_LOCK_SUFFIX, check_topology_name, tree_dirs};
use crate::store::{
    BoxFuture, DeleteOutcome, HeldLock, Node, StateManager, TopologyListing, WatchCallback,
    WatchEvent, WriteMode, group_listing, submit_nodes,
};

mod atomic;
mod lock;
#[cfg(test)]
mod tests;

/// How often `lock` and `watch` look at the file system again.
const POLL: Duration = Duration::from_millis(100);

/// State in a local directory.
#[derive(Debug)]
pub struct LocalFsStateManager {
    root: PathBuf,
    initialize_tree: bool,
    fsync: bool,
    tree_ready: AtomicBool,
}

impl LocalFsStateManager {
    /// A state manager rooted at `root`, without fsync. Nothing is touched until the first
    /// operation.
    pub fn new(root: impl Into<PathBuf>, initialize_tree: bool) -> LocalFsStateManager {
        LocalFsStateManager {
            root: root.into(),
            initialize_tree,
            fsync: false,
            tree_ready: AtomicBool::new(false),
        }
    }

    /// Whether writes are synced to disk before they count as done
    /// (`heron.statemgr.localfs.fsync`).
    pub fn with_fsync(mut self, fsync: bool) -> LocalFsStateManager {
        self.fsync = fsync;
        self
    }

    fn dir(&self, dir: &str) -> PathBuf {
        self.root.join(dir)
    }

    fn path(&self, kind: NodeKind, topology: &str) -> PathBuf {
        self.dir(kind.dir()).join(topology)
    }

    fn lock_path(&self, topology: &str) -> PathBuf {
        self.dir(LOCKS_DIR)
            .join(format!("{topology}{UPDATE_LOCK_SUFFIX}"))
    }

    /// Creates the nine folders when configured to (Heron's `initTree`), once per process.
    fn ensure_tree(&self) -> Result<(), Error> {
        if !self.initialize_tree || self.tree_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        for dir in tree_dirs() {
            let path = self.dir(dir);
            fs::create_dir_all(&path)
                .map_err(|e| Error::io("cannot create state folder", path, e))?;
        }
        self.tree_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn read(&self, kind: NodeKind, topology: &str) -> Result<Option<Node>, Error> {
        check_topology_name(topology)?;
        let path = self.path(kind, topology);
        let data = match fs::read(&path) {
            Ok(data) => data,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        // Heron reads an empty file as "no node".
        if data.is_empty() {
            return Ok(None);
        }
        let modified_ms = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Ok(Some(Node {
            data,
            location: path.display().to_string(),
            ephemeral_owner: None,
            version: None,
            modified_ms,
        }))
    }

    fn remove(&self, path: &Path, recursive: bool) -> Result<DeleteOutcome, Error> {
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(DeleteOutcome::Absent),
            Err(e) => return Err(Error::io("cannot delete", path, e)),
        };
        let result = if meta.is_dir() {
            if recursive {
                fs::remove_dir_all(path)
            } else {
                return Err(Error::Failed(format!(
                    "{} is a folder with children; Heron deletes it only recursively",
                    path.display()
                )));
            }
        } else {
            fs::remove_file(path)
        };
        match result {
            Ok(()) => Ok(DeleteOutcome::Deleted),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(DeleteOutcome::Absent),
            Err(e) => Err(Error::io("cannot delete", path, e)),
        }
    }

    fn list_dir(&self, dir: &str) -> Result<Vec<String>, Error> {
        let path = self.dir(dir);
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("cannot list", path, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot list", &path, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn submit(&self, topology: &str, state: &SubmitState) -> Result<(), Error> {
        check_topology_name(topology)?;
        self.ensure_tree()?;
        let nodes = submit_nodes(state);
        let paths = nodes.map(|(kind, _)| self.path(kind, topology));
        let writes: Vec<(&Path, &[u8])> = paths
            .iter()
            .zip(nodes)
            .map(|(path, (_, data))| (path.as_path(), data))
            .collect();
        self.create_files(&writes).map_err(|(i, err)| match err {
            Error::AlreadyExists(_) => Error::AlreadyExists(format!(
                "topology {topology} already has state: {} exists; nothing was written",
                paths[i].display()
            )),
            other => other,
        })
    }
}

impl StateManager for LocalFsStateManager {
    fn describe(&self) -> String {
        format!("local state in {}", self.root.display())
    }

    fn location(&self, kind: NodeKind, topology: &str) -> String {
        self.path(kind, topology).display().to_string()
    }

    fn get<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, Option<Node>> {
        Box::pin(async move { self.read(kind, topology) })
    }

    fn exists<'a>(&'a self, kind: NodeKind, topology: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            check_topology_name(topology)?;
            let path = self.path(kind, topology);
            match fs::symlink_metadata(&path) {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
                Err(e) => Err(Error::io("cannot check", path, e)),
            }
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
            self.ensure_tree()?;
            let path = self.path(kind, topology);
            let overwrite = match mode {
                WriteMode::Heron => kind.localfs_overwrites(),
                WriteMode::Create => false,
                WriteMode::Replace => true,
            };
            if overwrite {
                self.replace_file(&path, data)
            } else {
                self.create_file(&path, data)
            }
        })
    }

    fn delete<'a>(
        &'a self,
        kind: NodeKind,
        topology: &'a str,
        _force: bool,
    ) -> BoxFuture<'a, DeleteOutcome> {
        // Heron's local state manager deletes every kind, tmanager locations included.
        Box::pin(async move {
            check_topology_name(topology)?;
            self.remove(&self.path(kind, topology), false)
        })
    }

    fn delete_locks<'a>(&'a self, topology: &'a str) -> BoxFuture<'a, DeleteOutcome> {
        Box::pin(async move {
            check_topology_name(topology)?;
            self.remove(&self.lock_path(topology), true)
        })
    }

    fn list(&self) -> BoxFuture<'_, Vec<TopologyListing>> {
        Box::pin(async move {
            let mut found = Vec::new();
            for dir in tree_dirs() {
                found.push((dir, self.list_dir(dir)?));
            }
            Ok(group_listing(found))
        })
    }

    fn create_submit<'a>(&'a self, topology: &'a str, state: &'a SubmitState) -> BoxFuture<'a, ()> {
        Box::pin(async move { self.submit(topology, state) })
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
        Box::pin(async move {
            let mut last = self.read(kind, topology)?;
            if !on_event(WatchEvent::Initial(last.clone())) {
                return Ok(());
            }
            loop {
                tokio::time::sleep(POLL).await;
                let now = self.read(kind, topology)?;
                let changed = WatchEvent::between(&last, &now, |a, b| {
                    a.data != b.data || a.modified_ms != b.modified_ms
                });
                let Some(event) = changed else { continue };
                last = now;
                if !on_event(event) {
                    return Ok(());
                }
            }
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}
