//! Heron's `LocalFileSystemStateManager` layout: one file per node, `<root>/<dir>/<topology>`.
//!
//! Every write goes to a temporary file in the same folder first (`.<topology>.<pid>.<n>.tmp`),
//! is synced, then moved into place: `rename` where Heron overwrites, `link` (which fails if the
//! target exists) where Heron creates. A crash never leaves a half-written node, and two writers
//! of a create-new node cannot both win. Names starting with `.` are ours and not topologies.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use heron_common::Error;
use heron_common::contract::SubmitState;

use crate::kind::{LOCKS_DIR, NodeKind, UPDATE_LOCK_SUFFIX, check_topology_name};
use crate::store::{
    BoxFuture, DeleteOutcome, HeldLock, Node, StateManager, TopologyListing, WatchCallback,
    WatchEvent, WriteMode,
};

/// How often `lock` and `watch` look at the file system again.
const POLL: Duration = Duration::from_millis(100);

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// State in a local directory.
#[derive(Debug)]
pub struct LocalFsStateManager {
    root: PathBuf,
    initialize_tree: bool,
    tree_ready: AtomicBool,
}

impl LocalFsStateManager {
    /// A state manager rooted at `root`. Nothing is touched until the first operation.
    pub fn new(root: impl Into<PathBuf>, initialize_tree: bool) -> LocalFsStateManager {
        LocalFsStateManager {
            root: root.into(),
            initialize_tree,
            tree_ready: AtomicBool::new(false),
        }
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
        let dirs = NodeKind::ALL.iter().map(|k| k.dir()).chain([LOCKS_DIR]);
        for dir in dirs {
            let path = self.dir(dir);
            fs::create_dir_all(&path)
                .map_err(|e| Error::io("cannot create state folder", path, e))?;
        }
        self.tree_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn missing_parent(&self, path: &Path, source: std::io::Error) -> Error {
        if source.kind() == ErrorKind::NotFound && !self.initialize_tree {
            let parent = path.parent().unwrap_or(path);
            Error::NotFound(format!(
                "state folder {} does not exist; create it or set \
                 heron.statemgr.localfs.is.initialize.file.tree to true",
                parent.display()
            ))
        } else {
            Error::io("cannot write", path, source)
        }
    }

    /// Writes `data` to a synced temporary file next to `path` and returns the temporary path.
    fn write_temp(&self, path: &Path, data: &[u8]) -> Result<PathBuf, Error> {
        let parent = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = parent.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let result = (|| {
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(data)?;
            file.sync_all()
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(self.missing_parent(&tmp, e));
        }
        Ok(tmp)
    }

    /// Atomically creates `path` with `data`; `AlreadyExists` if it is there.
    fn create_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        let tmp = self.write_temp(path, data)?;
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_parent(path);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(Error::AlreadyExists(format!(
                "{} already exists",
                path.display()
            ))),
            Err(e) => Err(Error::io("cannot create", path, e)),
        }
    }

    /// Atomically replaces (or creates) `path` with `data`.
    fn replace_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        let tmp = self.write_temp(path, data)?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io("cannot write", path, e));
        }
        sync_parent(path);
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
        let nodes: [(NodeKind, &[u8]); 4] = [
            (NodeKind::Topology, &state.topology),
            (NodeKind::PackingPlan, &state.packing_plan),
            (NodeKind::ExecutionState, &state.execution_state),
            (NodeKind::Scheduler, &state.scheduler_location),
        ];
        let mut created: Vec<PathBuf> = Vec::new();
        for (kind, data) in nodes {
            let path = self.path(kind, topology);
            if let Err(err) = self.create_file(&path, data) {
                // Roll back what this call created, newest first, so a failed submit changes nothing.
                for done in created.iter().rev() {
                    let _ = fs::remove_file(done);
                }
                return Err(match err {
                    Error::AlreadyExists(_) => Error::AlreadyExists(format!(
                        "topology {topology} already has state: {} exists; nothing was written",
                        path.display()
                    )),
                    other => other,
                });
            }
            created.push(path);
        }
        Ok(())
    }
}

fn sync_parent(path: &Path) {
    // Best effort: makes the rename or link itself durable.
    if let Some(parent) = path.parent()
        && let Ok(dir) = fs::File::open(parent)
    {
        let _ = dir.sync_all();
    }
}

/// A held local update lock: a file whose content is our token.
struct LocalLock {
    path: PathBuf,
    location: String,
    token: Vec<u8>,
}

impl HeldLock for LocalLock {
    fn location(&self) -> &str {
        &self.location
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            // Only delete the file if it is still ours (someone may have cleaned and re-taken it).
            match fs::read(&self.path) {
                Ok(content) if content == self.token => fs::remove_file(&self.path)
                    .or_else(|e| {
                        if e.kind() == ErrorKind::NotFound {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    })
                    .map_err(|e| Error::io("cannot release lock", &self.path, e)),
                _ => Ok(()),
            }
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
            let mut by_topology: std::collections::BTreeMap<String, Vec<String>> =
                Default::default();
            for kind in NodeKind::ALL {
                for name in self.list_dir(kind.dir())? {
                    by_topology
                        .entry(name)
                        .or_default()
                        .push(kind.dir().to_string());
                }
            }
            for name in self.list_dir(LOCKS_DIR)? {
                if let Some(topology) = name.strip_suffix(UPDATE_LOCK_SUFFIX) {
                    by_topology
                        .entry(topology.to_string())
                        .or_default()
                        .push(LOCKS_DIR.to_string());
                }
            }
            Ok(by_topology
                .into_iter()
                .map(|(topology, nodes)| TopologyListing { topology, nodes })
                .collect())
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
        Box::pin(async move {
            check_topology_name(topology)?;
            self.ensure_tree()?;
            let path = self.lock_path(topology);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let token =
                format!("heron-statemgr pid {} at {nanos}", std::process::id()).into_bytes();
            let start = Instant::now();
            loop {
                match self.create_file(&path, &token) {
                    Ok(()) => {
                        let location = path.display().to_string();
                        return Ok(Box::new(LocalLock {
                            path,
                            location,
                            token,
                        }) as Box<dyn HeldLock>);
                    }
                    Err(Error::AlreadyExists(_)) => {
                        let waited = start.elapsed();
                        if waited >= timeout {
                            return Err(Error::AlreadyExists(format!(
                                "the update lock {} is held by another process (waited {} ms); \
                                 retry later, or delete the file if its holder is gone",
                                path.display(),
                                waited.as_millis()
                            )));
                        }
                        tokio::time::sleep(POLL.min(timeout - waited)).await;
                    }
                    Err(other) => return Err(other),
                }
            }
        })
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
                let event = match (&last, &now) {
                    (None, Some(node)) => WatchEvent::Created(node.clone()),
                    (Some(_), None) => WatchEvent::Deleted,
                    (Some(a), Some(b)) if a.data != b.data || a.modified_ms != b.modified_ms => {
                        WatchEvent::Changed(b.clone())
                    }
                    _ => continue,
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn submit_state() -> SubmitState {
        SubmitState {
            topology: vec![1],
            packing_plan: vec![2],
            execution_state: vec![3],
            scheduler_location: vec![4],
        }
    }

    #[tokio::test]
    async fn heron_create_and_overwrite_rules() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true);
        store
            .set(NodeKind::Topology, "t", b"a", WriteMode::Heron)
            .await
            .unwrap();
        let err = store
            .set(NodeKind::Topology, "t", b"b", WriteMode::Heron)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
        store
            .set(NodeKind::PackingPlan, "t", b"a", WriteMode::Heron)
            .await
            .unwrap();
        store
            .set(NodeKind::PackingPlan, "t", b"b", WriteMode::Heron)
            .await
            .unwrap();
        assert_eq!(
            store
                .get(NodeKind::PackingPlan, "t")
                .await
                .unwrap()
                .unwrap()
                .data,
            b"b"
        );
        store
            .set(NodeKind::Topology, "t", b"c", WriteMode::Replace)
            .await
            .unwrap();
        assert_eq!(
            store
                .get(NodeKind::Topology, "t")
                .await
                .unwrap()
                .unwrap()
                .data,
            b"c"
        );
        // No temporary files are left behind.
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("topologies"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[tokio::test]
    async fn empty_file_reads_as_absent_and_delete_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true);
        store
            .set(NodeKind::TManager, "t", b"x", WriteMode::Heron)
            .await
            .unwrap();
        fs::write(dir.path().join("pplans/t"), b"").unwrap();
        assert_eq!(store.get(NodeKind::PhysicalPlan, "t").await.unwrap(), None);
        assert_eq!(
            store.delete(NodeKind::TManager, "t", false).await.unwrap(),
            DeleteOutcome::Deleted
        );
        assert_eq!(
            store.delete(NodeKind::TManager, "t", false).await.unwrap(),
            DeleteOutcome::Absent
        );
    }

    #[tokio::test]
    async fn submit_rolls_back_on_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true);
        store
            .set(NodeKind::ExecutionState, "t", b"old", WriteMode::Heron)
            .await
            .unwrap();
        let err = store.create_submit("t", &submit_state()).await.unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
        assert!(err.to_string().contains("executionstate"), "{err}");
        let listing = store.list().await.unwrap();
        assert_eq!(listing.len(), 1);
        assert_eq!(listing[0].nodes, vec!["executionstate"]);
        store
            .delete(NodeKind::ExecutionState, "t", false)
            .await
            .unwrap();
        store.create_submit("t", &submit_state()).await.unwrap();
        let listing = store.list().await.unwrap();
        assert_eq!(
            listing[0].nodes,
            vec!["topologies", "packingplans", "executionstate", "schedulers"]
        );
    }

    #[tokio::test]
    async fn lock_excludes_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true);
        let held = store.lock("t", Duration::from_millis(100)).await.unwrap();
        let started = Instant::now();
        let err = store
            .lock("t", Duration::from_millis(300))
            .await
            .err()
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
        assert_eq!(store.list().await.unwrap()[0].nodes, vec!["locks"]);
        held.release().await.unwrap();
        let again = store.lock("t", Duration::from_millis(100)).await.unwrap();
        again.release().await.unwrap();
    }

    #[tokio::test]
    async fn no_tree_init_gives_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), false);
        let err = store
            .set(NodeKind::Topology, "t", b"x", WriteMode::Heron)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is.initialize.file.tree"), "{err}");
    }
}
