//! Heron's `LocalFileSystemStateManager` layout: one file per node, `<root>/<dir>/<topology>`.
//!
//! Every write goes to a temporary file in the same folder first (`.<topology>.<pid>.<n>.tmp`),
//! then is moved into place: `rename` where Heron overwrites, `link` (which fails if the target
//! exists) where Heron creates. A killed process never leaves a half-written node, and two writers
//! of a create-new node cannot both win. Names starting with `.` are ours and not topologies.
//!
//! With `heron.statemgr.localfs.fsync` (default off, as Heron's own local state manager, which
//! never syncs), the temporary files are synced before they are moved into place and the folders
//! after, so a machine crash cannot leave an empty node either. A multi-node write (the submit)
//! syncs its files together, from one thread each, so that the file system can fold them into
//! one journal commit, then each folder once.

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

    /// Writes each `(path, data)` to a new temporary file next to its `path` and returns the
    /// temporary paths, in order. With fsync on, they are all synced before this returns. On error
    /// no temporary file is left.
    fn stage(&self, writes: &[(&Path, &[u8])]) -> Result<Vec<PathBuf>, Error> {
        let mut temps: Vec<PathBuf> = Vec::with_capacity(writes.len());
        let mut files: Vec<fs::File> = Vec::new();
        for (path, data) in writes {
            let (tmp, mut file) = match create_temp(path) {
                Ok(created) => created,
                Err((tmp, e)) => {
                    remove_all(&temps);
                    return Err(self.missing_parent(&tmp, e));
                }
            };
            temps.push(tmp);
            if let Err(e) = file.write_all(data) {
                remove_all(&temps);
                return Err(self.missing_parent(&temps[temps.len() - 1], e));
            }
            if self.fsync {
                files.push(file);
            }
        }
        if self.fsync {
            let synced = sync_all(files.iter().zip(&temps).map(|(f, p)| (p.as_path(), f)));
            drop(files);
            if let Err((path, e)) = synced {
                remove_all(&temps);
                return Err(Error::io("cannot sync", path, e));
            }
        }
        Ok(temps)
    }

    /// Creates every `(path, data)`, all or nothing: fails with `(index, AlreadyExists)` naming
    /// the first node that exists (or another error) and then leaves none of them created.
    fn create_files(&self, writes: &[(&Path, &[u8])]) -> Result<(), (usize, Error)> {
        let temps = self.stage(writes).map_err(|e| (0, e))?;
        let mut created: Vec<&Path> = Vec::with_capacity(writes.len());
        for (i, ((path, _), tmp)) in writes.iter().zip(&temps).enumerate() {
            match fs::hard_link(tmp, path) {
                Ok(()) => created.push(path),
                Err(e) => {
                    // Roll back what this call created, newest first, so a failure changes nothing.
                    for done in created.iter().rev() {
                        let _ = fs::remove_file(done);
                    }
                    remove_all(&temps);
                    let err = if e.kind() == ErrorKind::AlreadyExists {
                        Error::AlreadyExists(format!("{} already exists", path.display()))
                    } else {
                        Error::io("cannot create", path, e)
                    };
                    return Err((i, err));
                }
            }
        }
        remove_all(&temps);
        if self.fsync {
            sync_parents(writes.iter().map(|(path, _)| *path));
        }
        Ok(())
    }

    /// Atomically creates `path` with `data`; `AlreadyExists` if it is there.
    fn create_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        self.create_files(&[(path, data)]).map_err(|(_, e)| e)
    }

    /// Atomically replaces (or creates) `path` with `data`.
    fn replace_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        let temps = self.stage(&[(path, data)])?;
        if let Err(e) = fs::rename(&temps[0], path) {
            remove_all(&temps);
            return Err(Error::io("cannot write", path, e));
        }
        if self.fsync {
            sync_parents([path]);
        }
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

/// Creates a new temporary file `.<name>.<pid>.<n>.tmp` next to `path`. The name is unique among
/// live processes; one left by a killed process whose pid came back is skipped, not overwritten.
fn create_temp(path: &Path) -> Result<(PathBuf, fs::File), (PathBuf, std::io::Error)> {
    create_temp_counting(path, &TMP_COUNTER)
}

fn create_temp_counting(
    path: &Path,
    counter: &AtomicU64,
) -> Result<(PathBuf, fs::File), (PathBuf, std::io::Error)> {
    let parent = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempts = 0;
    loop {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let tmp = parent.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err((tmp, e)),
        }
    }
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

/// fsyncs every file. Several are synced from one thread each: a file system with a journal
/// (ext4, xfs) then commits them together instead of one commit after another. Returns the first
/// failure with its path.
fn sync_all<'a>(
    files: impl Iterator<Item = (&'a Path, &'a fs::File)>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let files: Vec<(&Path, &fs::File)> = files.collect();
    let sync =
        |(path, file): (&Path, &fs::File)| file.sync_all().map_err(|e| (path.to_path_buf(), e));
    let Some((&first, rest)) = files.split_first() else {
        return Ok(());
    };
    std::thread::scope(|scope| {
        let mut helpers = Vec::with_capacity(rest.len());
        let mut results = Vec::with_capacity(files.len());
        for &item in rest {
            // A small stack: the thread only calls fsync. No thread to be had: sync it here.
            match std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(scope, move || sync(item))
            {
                Ok(handle) => helpers.push((item.0, handle)),
                Err(_) => results.push(sync(item)),
            }
        }
        results.push(sync(first));
        for (path, handle) in helpers {
            results.push(handle.join().unwrap_or_else(|_| {
                Err((
                    path.to_path_buf(),
                    std::io::Error::other("the thread syncing this file failed"),
                ))
            }));
        }
        results.into_iter().collect()
    })
}

/// Makes the links and renames into these paths' folders durable, each folder once. Best effort
/// (some file systems refuse to sync a folder): the nodes themselves are already synced.
fn sync_parents<'a>(paths: impl IntoIterator<Item = &'a Path>) {
    let mut dirs: Vec<&Path> = Vec::new();
    for path in paths {
        let dir = path.parent().unwrap_or(Path::new("."));
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let opened: Vec<(&Path, fs::File)> = dirs
        .into_iter()
        .filter_map(|dir| fs::File::open(dir).ok().map(|f| (dir, f)))
        .collect();
    let _ = sync_all(opened.iter().map(|(dir, f)| (*dir, f)));
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

    /// Every file under `root` (hidden ones included), with its bytes.
    fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let name = path.strip_prefix(root).unwrap().display().to_string();
                    files.push((name, fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    #[tokio::test]
    async fn fsync_on_and_off_write_the_same_files_and_bytes() {
        let mut trees = Vec::new();
        for fsync in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let store = LocalFsStateManager::new(dir.path(), true).with_fsync(fsync);
            store.create_submit("t", &submit_state()).await.unwrap();
            store
                .set(NodeKind::PackingPlan, "t", b"plan 2", WriteMode::Heron)
                .await
                .unwrap();
            store
                .set(NodeKind::PhysicalPlan, "t", b"pplan", WriteMode::Create)
                .await
                .unwrap();
            store
                .set(NodeKind::Topology, "t", b"topology 2", WriteMode::Replace)
                .await
                .unwrap();
            let conflict = store.create_submit("t", &submit_state()).await.unwrap_err();
            assert_eq!(
                conflict.exit_code(),
                heron_common::ExitCode::AlreadyExists,
                "fsync {fsync}"
            );
            let held = store.lock("t", Duration::from_millis(100)).await.unwrap();
            let mut files = tree(dir.path());
            held.release().await.unwrap();
            // The lock token names the process and the time: compare that it is there, not its bytes.
            let lock = files
                .iter_mut()
                .find(|(name, _)| name == "locks/t__updateTopology")
                .expect("the lock file");
            assert!(lock.1.starts_with(b"heron-statemgr pid "), "fsync {fsync}");
            lock.1.clear();
            trees.push(files);
        }
        let names: Vec<&str> = trees[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "executionstate/t",
                "locks/t__updateTopology",
                "packingplans/t",
                "pplans/t",
                "schedulers/t",
                "topologies/t"
            ],
            "no temporary file is left"
        );
        assert_eq!(trees[0], trees[1], "fsync off (left) and on (right) differ");
        assert_eq!(trees[1][2].1, b"plan 2");
        assert_eq!(trees[1][5].1, b"topology 2");
    }

    #[tokio::test]
    async fn a_failed_submit_with_fsync_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true).with_fsync(true);
        store
            .set(NodeKind::Scheduler, "t", b"old", WriteMode::Create)
            .await
            .unwrap();
        let err = store.create_submit("t", &submit_state()).await.unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
        // The last of the four nodes conflicted: the three before it were created, then removed.
        assert!(err.to_string().contains("schedulers"), "{err}");
        assert_eq!(
            tree(dir.path()),
            [("schedulers/t".to_string(), b"old".to_vec())]
        );
    }

    #[test]
    fn sync_all_syncs_several_files_and_names_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..4).map(|i| dir.path().join(format!("f{i}"))).collect();
        let files: Vec<fs::File> = paths.iter().map(|p| fs::File::create(p).unwrap()).collect();
        sync_all(paths.iter().map(PathBuf::as_path).zip(&files)).unwrap();
        sync_all(std::iter::empty()).unwrap();
        // fsync of a pipe fails with EINVAL: the error names the path it was given.
        let (reader, _writer) = std::io::pipe().unwrap();
        let pipe = fs::File::from(std::os::fd::OwnedFd::from(reader));
        let (path, _) = sync_all(
            [
                (paths[0].as_path(), &files[0]),
                (Path::new("the-pipe"), &pipe),
            ]
            .into_iter(),
        )
        .unwrap_err();
        assert_eq!(path, Path::new("the-pipe"));
    }

    #[test]
    fn a_temp_file_left_by_a_killed_process_with_our_pid_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        let left = |n: u64| dir.path().join(format!(".t.{pid}.{n}.tmp"));
        // What a killed earlier process with this pid would have left for the first three names.
        for n in 0..3 {
            fs::write(left(n), b"old").unwrap();
        }
        let counter = AtomicU64::new(0);
        let (tmp, _) = create_temp_counting(&dir.path().join("t"), &counter).unwrap();
        assert_eq!(tmp, left(3));
        for n in 0..3 {
            assert_eq!(fs::read(left(n)).unwrap(), b"old", "left as it was");
        }
        // A folder full of such names is an error naming the file, not an endless loop.
        for n in 4..200 {
            fs::write(left(n), b"old").unwrap();
        }
        let (path, err) = create_temp_counting(&dir.path().join("t"), &counter).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert!(path.starts_with(dir.path()), "{}", path.display());
    }
}
