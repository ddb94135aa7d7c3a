//! Heron's state in ZooKeeper, as Heron's `CuratorStateManager` keeps it (heron-aurora.md §7.1).
//!
//! - The session is opened on first use (a `get` costs one connect and one read) and closed
//!   cleanly by [`StateManager::close`], waiting for `Closed` so our ephemeral nodes vanish at once.
//! - Connecting retries until `connection.timeout.ms`; each operation, retries after a connection
//!   loss included, is bounded by the operation timeout. A terminal session (expired, closed) is
//!   replaced by a new one on the next operation.
//! - The connection string's chroot is applied by prefixing paths, so the tree (chroot included)
//!   can be created when `is.initialize.tree` is set. The tree is created before the first write
//!   only; reads never write.
//! - The update lock follows Curator's `InterProcessSemaphoreMutex` protocol, so it excludes
//!   Heron's Java tools and they exclude us.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use heron_common::Error;
use heron_common::contract::SubmitState;
use tokio::time::Instant;
use zookeeper_client as zk;

use crate::kind::{LOCKS_DIR, NodeKind, UPDATE_LOCK_SUFFIX, check_topology_name};
use crate::settings::{
    AclPolicy, KEY_ZK_CONNECTION_TIMEOUT, KEY_ZK_INIT_TREE, KEY_ZK_OPERATION_TIMEOUT, ZkSettings,
};
use crate::store::{
    BoxFuture, DeleteOutcome, HeldLock, Node, StateManager, TopologyListing, WatchCallback,
    WatchEvent, WriteMode,
};

static CREATOR_WORLD_READ: [zk::Acl; 2] = [
    zk::Acl::new_const(zk::Permission::ALL, "auth", ""),
    zk::Acl::new_const(zk::Permission::READ, "world", "anyone"),
];

/// State in ZooKeeper.
pub struct ZkStateManager {
    zk: ZkSettings,
    /// chroot + root, without a trailing `/` (empty for `/`).
    base: String,
    scheduler_is_service: bool,
    client: tokio::sync::Mutex<Option<zk::Client>>,
    tree_ready: AtomicBool,
}

/// Errors a retry can help with: the connection or the session went away.
trait Retryable {
    fn retryable(&self) -> bool;
}

impl Retryable for zk::Error {
    fn retryable(&self) -> bool {
        matches!(
            self,
            zk::Error::ConnectionLoss
                | zk::Error::Timeout
                | zk::Error::Custom(_)
                | zk::Error::Throttled
                | zk::Error::SessionExpired
                | zk::Error::SessionMoved
                | zk::Error::ClientClosed
                | zk::Error::NoHosts
        )
    }
}

impl Retryable for zk::MultiWriteError {
    fn retryable(&self) -> bool {
        match self {
            zk::MultiWriteError::RequestFailed { source } => source.retryable(),
            zk::MultiWriteError::OperationFailed { source, .. } => source.retryable(),
        }
    }
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

    fn acls(&self) -> zk::Acls<'static> {
        match self.zk.acl {
            AclPolicy::Open => zk::Acls::anyone_all(),
            AclPolicy::Creator => zk::Acls::creator_all(),
            AclPolicy::CreatorWorldRead => zk::Acls::new(&CREATOR_WORLD_READ),
        }
    }

    fn create_mode(&self, kind: NodeKind) -> zk::CreateMode {
        if kind.zk_ephemeral(self.scheduler_is_service) {
            zk::CreateMode::Ephemeral
        } else {
            zk::CreateMode::Persistent
        }
    }

    fn unavailable(&self, what: &str, cause: &str) -> Error {
        Error::Unavailable(format!(
            "ZooKeeper at {} {what}: {cause}; check that the servers are up and reachable from here",
            self.zk.connection_string
        ))
    }

    /// Maps a ZooKeeper answer that is not a connection problem to our error.
    fn fail(&self, err: zk::Error, action: &str, path: &str) -> Error {
        match err {
            zk::Error::NoNode => {
                Error::NotFound(format!("cannot {action} {path}: it does not exist"))
            }
            zk::Error::NodeExists => {
                Error::AlreadyExists(format!("cannot {action} {path}: it already exists"))
            }
            zk::Error::NoAuth | zk::Error::AuthFailed => Error::Denied(format!(
                "ZooKeeper denied {action} {path} ({err}): check the credentials in \
                 heron.statemgr.zookeeper.auth.digest or HERON_ZK_AUTH and the node's ACL"
            )),
            zk::Error::NotEmpty => {
                Error::Failed(format!("cannot {action} {path}: it has children"))
            }
            err if err.retryable() => {
                self.unavailable(&format!("did not {action} {path}"), &err.to_string())
            }
            err => Error::Failed(format!("ZooKeeper failed to {action} {path}: {err}")),
        }
    }

    async fn connect(&self) -> Result<zk::Client, Error> {
        let timeout = self.zk.connection_timeout;
        let deadline = Instant::now() + timeout;
        let mut backoff = Duration::from_millis(50);
        let mut last_error = String::from("no answer");
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.unavailable(
                    &format!(
                        "did not accept a session within {} ms ({KEY_ZK_CONNECTION_TIMEOUT})",
                        timeout.as_millis()
                    ),
                    &last_error,
                ));
            }
            // fail_eagerly: one pass over the hosts per attempt, so a refused connection is seen
            // at once and we decide the pacing (and the deadline) ourselves.
            let mut connector = zk::Client::connector()
                .with_session_timeout(self.zk.session_timeout)
                .with_fail_eagerly();
            if let Some(auth) = &self.zk.auth_digest {
                connector = connector.with_auth("digest", auth.expose().as_bytes());
            }
            match tokio::time::timeout(remaining, connector.connect(&self.zk.hosts)).await {
                Ok(Ok(client)) => {
                    tracing::debug!(session = %client.session_id(), "connected to {}", self.zk.hosts);
                    return Ok(client);
                }
                Ok(Err(zk::Error::AuthFailed)) => {
                    return Err(Error::Denied(format!(
                        "ZooKeeper at {} rejected the digest credentials of user {:?}: check \
                         heron.statemgr.zookeeper.auth.digest or HERON_ZK_AUTH",
                        self.zk.connection_string,
                        self.zk
                            .auth_digest
                            .as_ref()
                            .map(|a| a.user())
                            .unwrap_or_default()
                    )));
                }
                Ok(Err(err)) => last_error = describe_connect_error(&err),
                Err(_) => last_error = "no server answered".to_string(),
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(backoff.min(remaining)).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }

    /// The live client, connecting (again) when there is none or its session ended.
    async fn client(&self) -> Result<zk::Client, Error> {
        let mut guard = self.client.lock().await;
        if let Some(client) = guard.as_ref() {
            if !client.state().is_terminated() {
                return Ok(client.clone());
            }
            tracing::debug!(
                "session {} ended ({}); reconnecting",
                client.session_id(),
                client.state()
            );
        }
        let client = self.connect().await?;
        *guard = Some(client.clone());
        Ok(client)
    }

    /// Runs `op` until it gives an answer that is not a connection problem, within the operation
    /// timeout and `retry.count` retries (plus the connection timeout when a session must be
    /// opened first). The closure gets the attempt number, so writes can tell
    /// "exists because my earlier attempt made it" from "exists because someone else made it".
    async fn op<T, E, F, Fut>(
        &self,
        action: &str,
        path: &str,
        mut op: F,
    ) -> Result<Result<T, E>, Error>
    where
        E: Retryable + std::fmt::Display,
        F: FnMut(zk::Client, u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let timeout = self.zk.operation_timeout;
        let deadline = Instant::now() + timeout;
        let mut backoff = Duration::from_millis(50);
        let mut attempt = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let too_late = || {
                self.unavailable(
                    &format!(
                        "did not {action} {path} within {} ms ({KEY_ZK_OPERATION_TIMEOUT})",
                        timeout.as_millis()
                    ),
                    "no answer",
                )
            };
            if remaining.is_zero() {
                return Err(too_late());
            }
            // Connecting has its own bound (the connection timeout) and its own message.
            let client = self.client().await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let result = match tokio::time::timeout(remaining, op(client, attempt)).await {
                Ok(result) => result,
                Err(_) => return Err(too_late()),
            };
            match result {
                Err(err) if err.retryable() => {
                    if attempt >= self.zk.retry_count {
                        return Err(self.unavailable(
                            &format!("did not {action} {path} after {} retries", attempt),
                            &err.to_string(),
                        ));
                    }
                    tracing::debug!("{action} {path}: {err}; retrying");
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    tokio::time::sleep(backoff.min(remaining)).await;
                    backoff = (backoff * 2).min(self.zk.retry_interval);
                    attempt += 1;
                }
                other => return Ok(other),
            }
        }
    }

    /// Creates the root (chroot included) and the nine folders, once, when configured to.
    async fn ensure_tree(&self) -> Result<(), Error> {
        if !self.zk.initialize_tree || self.tree_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let acls = self.acls();
        if !self.base.is_empty() {
            let base = self.base.clone();
            self.op("create", &base, |c, _| {
                let base = base.clone();
                async move {
                    c.mkdir(&base, &zk::CreateMode::Persistent.with_acls(acls))
                        .await
                }
            })
            .await?
            .map_err(|e| self.fail(e, "create", &self.base))?;
        }
        let dirs: Vec<String> = NodeKind::ALL
            .iter()
            .map(|k| self.dir_path(k.dir()))
            .chain([self.dir_path(LOCKS_DIR)])
            .collect();
        let label = format!("{}/*", self.base);
        let result = self
            .op("create", &label, |c, _| {
                let dirs = dirs.clone();
                async move {
                    let options = zk::CreateMode::Persistent.with_acls(acls);
                    let creates = dirs.iter().map(|d| c.create(d, &[], &options));
                    for result in futures::future::join_all(creates).await {
                        match result {
                            Ok(_) | Err(zk::Error::NodeExists) => {}
                            Err(err) => return Err(err),
                        }
                    }
                    Ok(())
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "create", &label))?;
        self.tree_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn missing_parent(&self, path: &str) -> Error {
        let parent = path.rsplit_once('/').map(|(p, _)| p).unwrap_or(path);
        Error::NotFound(format!(
            "cannot create {path}: its folder {parent} does not exist; create it or set \
             {KEY_ZK_INIT_TREE} to true"
        ))
    }

    async fn read(&self, path: &str) -> Result<Option<Node>, Error> {
        let owned = path.to_string();
        let result = self
            .op("read", path, |c, _| {
                let path = owned.clone();
                async move { c.get_data(&path).await }
            })
            .await?;
        match result {
            Ok((data, stat)) => Ok(Some(node_from(path, data, &stat))),
            Err(zk::Error::NoNode) => Ok(None),
            Err(err) => Err(self.fail(err, "read", path)),
        }
    }

    async fn create_node(&self, kind: NodeKind, path: &str, data: &[u8]) -> Result<(), Error> {
        let mode = self.create_mode(kind);
        let acls = self.acls();
        let owned = path.to_string();
        let result = self
            .op("create", path, |c, attempt| {
                let path = owned.clone();
                let data = data.to_vec();
                async move {
                    match c.create(&path, &data, &mode.with_acls(acls)).await {
                        Ok(_) => Ok(true),
                        // An earlier attempt may have succeeded before the connection dropped.
                        Err(zk::Error::NodeExists) if attempt > 0 => {
                            match c.get_data(&path).await {
                                Ok((existing, stat)) => Ok(existing == data
                                    && (stat.ephemeral_owner == 0
                                        || stat.ephemeral_owner == c.session_id().0)),
                                Err(zk::Error::NoNode) => Err(zk::Error::ConnectionLoss),
                                Err(err) => Err(err),
                            }
                        }
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        match result {
            Ok(true) => Ok(()),
            Ok(false) | Err(zk::Error::NodeExists) => Err(Error::AlreadyExists(format!(
                "{path} already exists; Heron's ZooKeeper state manager never overwrites a node: \
                 delete it first, or use `set --replace`"
            ))),
            Err(zk::Error::NoNode) => Err(self.missing_parent(path)),
            Err(err) => Err(self.fail(err, "create", path)),
        }
    }

    async fn replace_node(&self, kind: NodeKind, path: &str, data: &[u8]) -> Result<(), Error> {
        let mode = self.create_mode(kind);
        let acls = self.acls();
        let owned = path.to_string();
        let result = self
            .op("write", path, |c, _| {
                let path = owned.clone();
                let data = data.to_vec();
                async move {
                    // set, else create; a racing create or delete sends us round again.
                    for _ in 0..5 {
                        match c.set_data(&path, &data, None).await {
                            Ok(_) => return Ok(()),
                            Err(zk::Error::NoNode) => {}
                            Err(err) => return Err(err),
                        }
                        match c.create(&path, &data, &mode.with_acls(acls)).await {
                            Ok(_) => return Ok(()),
                            Err(zk::Error::NodeExists) => {}
                            Err(err) => return Err(err),
                        }
                    }
                    Err(zk::Error::RuntimeInconsistent)
                }
            })
            .await?;
        match result {
            Ok(()) => Ok(()),
            Err(zk::Error::NoNode) => Err(self.missing_parent(path)),
            Err(err) => Err(self.fail(err, "write", path)),
        }
    }

    async fn delete_node(&self, path: &str) -> Result<DeleteOutcome, Error> {
        let owned = path.to_string();
        let result = self
            .op("delete", path, |c, attempt| {
                let path = owned.clone();
                async move {
                    match c.delete(&path, None).await {
                        Ok(()) => Ok(DeleteOutcome::Deleted),
                        // After a lost connection, "absent" may mean our earlier attempt deleted it.
                        Err(zk::Error::NoNode) if attempt > 0 => Ok(DeleteOutcome::Deleted),
                        Err(zk::Error::NoNode) => Ok(DeleteOutcome::Absent),
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "delete", path))
    }

    /// Deletes a node and everything under it (children first).
    async fn delete_recursive(&self, path: &str) -> Result<DeleteOutcome, Error> {
        let owned = path.to_string();
        let result = self
            .op("delete", path, |c, attempt| {
                let root = owned.clone();
                async move {
                    // Lock holders may add children while we delete: go round a few times.
                    for _ in 0..10 {
                        let mut all = vec![root.clone()];
                        let mut i = 0;
                        while i < all.len() {
                            match c.list_children(&all[i]).await {
                                Ok(children) => {
                                    let parent = all[i].clone();
                                    all.extend(
                                        children.into_iter().map(|ch| format!("{parent}/{ch}")),
                                    );
                                }
                                Err(zk::Error::NoNode) => {}
                                Err(err) => return Err(err),
                            }
                            i += 1;
                        }
                        let mut deleted_root = false;
                        let mut retry = false;
                        for path in all.iter().rev() {
                            match c.delete(path, None).await {
                                Ok(()) => deleted_root |= *path == root,
                                Err(zk::Error::NoNode) => {}
                                Err(zk::Error::NotEmpty) => {
                                    retry = true;
                                    break;
                                }
                                Err(err) => return Err(err),
                            }
                        }
                        if !retry {
                            let gone = deleted_root || all.len() > 1 || attempt > 0;
                            return Ok(if gone {
                                DeleteOutcome::Deleted
                            } else {
                                DeleteOutcome::Absent
                            });
                        }
                    }
                    Err(zk::Error::NotEmpty)
                }
            })
            .await?;
        result.map_err(|e| self.fail(e, "delete", path))
    }

    async fn submit(&self, topology: &str, state: &SubmitState) -> Result<(), Error> {
        check_topology_name(topology)?;
        self.ensure_tree().await?;
        let acls = self.acls();
        let nodes: Vec<(String, Vec<u8>, zk::CreateMode)> = [
            (NodeKind::Topology, &state.topology),
            (NodeKind::PackingPlan, &state.packing_plan),
            (NodeKind::ExecutionState, &state.execution_state),
            (NodeKind::Scheduler, &state.scheduler_location),
        ]
        .into_iter()
        .map(|(kind, data)| {
            (
                self.node_path(kind, topology),
                data.clone(),
                self.create_mode(kind),
            )
        })
        .collect();
        let label = self.node_path(NodeKind::Topology, topology);
        let result = self
            .op("submit", &label, |c, attempt| {
                let nodes = nodes.clone();
                async move {
                    let mut writer = c.new_multi_writer();
                    for (path, data, mode) in &nodes {
                        writer
                            .add_create(path, data, &mode.with_acls(acls))
                            .map_err(zk::MultiWriteError::from)?;
                    }
                    match writer.commit().await {
                        Ok(_) => Ok(None),
                        Err(zk::MultiWriteError::OperationFailed {
                            index,
                            source: zk::Error::NodeExists,
                        }) if attempt > 0 => {
                            // The multi is atomic: if all four hold our bytes, it was our attempt.
                            for (path, data, _) in &nodes {
                                match c.get_data(path).await {
                                    Ok((existing, _)) if existing == *data => {}
                                    Ok(_) | Err(zk::Error::NoNode) => return Ok(Some(index)),
                                    Err(err) => return Err(err.into()),
                                }
                            }
                            Ok(None)
                        }
                        Err(zk::MultiWriteError::OperationFailed {
                            index,
                            source: zk::Error::NodeExists,
                        }) => Ok(Some(index)),
                        Err(err) => Err(err),
                    }
                }
            })
            .await?;
        match result {
            Ok(None) => Ok(()),
            Ok(Some(index)) => {
                let existing = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(Error::AlreadyExists(format!(
                    "topology {topology} already has state: {existing} exists; nothing was written"
                )))
            }
            Err(zk::MultiWriteError::OperationFailed {
                index,
                source: zk::Error::NoNode,
            }) => {
                let path = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(self.missing_parent(path))
            }
            Err(zk::MultiWriteError::OperationFailed { index, source }) => {
                let path = nodes
                    .get(index)
                    .map(|n| n.0.as_str())
                    .unwrap_or(label.as_str());
                Err(self.fail(source, "create", path))
            }
            Err(zk::MultiWriteError::RequestFailed { source }) => {
                Err(self.fail(source, "submit", &label))
            }
        }
    }

    async fn list_all(&self) -> Result<Vec<TopologyListing>, Error> {
        let mut dirs: Vec<String> = NodeKind::ALL.iter().map(|k| k.dir().to_string()).collect();
        dirs.push(LOCKS_DIR.to_string());
        let paths: Vec<String> = dirs.iter().map(|d| self.dir_path(d)).collect();
        let label = format!("{}/*", self.base);
        let result = self
            .op("list", &label, |c, _| {
                let paths = paths.clone();
                async move {
                    // One round trip, one consistent snapshot.
                    let mut reader = c.new_multi_reader();
                    for path in &paths {
                        reader.add_get_children(path)?;
                    }
                    let results = reader.commit().await?;
                    let mut out = Vec::new();
                    for result in results {
                        match result {
                            zk::MultiReadResult::Children { children } => out.push(children),
                            zk::MultiReadResult::Error {
                                err: zk::Error::NoNode,
                            } => out.push(Vec::new()),
                            zk::MultiReadResult::Error { err } => return Err(err),
                            _ => out.push(Vec::new()),
                        }
                    }
                    Ok(out)
                }
            })
            .await?;
        let children = result.map_err(|e| self.fail(e, "list", &label))?;
        let mut by_topology: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (dir, names) in dirs.iter().zip(children) {
            for name in names {
                let topology = if dir == LOCKS_DIR {
                    match name.strip_suffix(UPDATE_LOCK_SUFFIX) {
                        Some(t) => t.to_string(),
                        None => continue,
                    }
                } else {
                    name
                };
                by_topology.entry(topology).or_default().push(dir.clone());
            }
        }
        Ok(by_topology
            .into_iter()
            .map(|(topology, nodes)| TopologyListing { topology, nodes })
            .collect())
    }

    async fn take_lock(
        &self,
        topology: &str,
        timeout: Duration,
    ) -> Result<Box<dyn HeldLock>, Error> {
        check_topology_name(topology)?;
        let deadline = Instant::now() + timeout;
        self.ensure_tree().await?;
        let lock_path = self.lock_path(topology);
        let client = self.client().await?;
        let acls = self.acls();
        let busy = |why: &str| {
            Error::AlreadyExists(format!(
                "the update lock {lock_path} is held by another process ({why}, waited {} ms); \
                 an update of {topology} is probably running: retry later",
                timeout.as_millis()
            ))
        };
        let container = zk::CreateMode::Container.with_acls(acls);
        // Curator's InterProcessSemaphoreMutex = a semaphore of one lease: take the mutex
        // `<lock>/locks`, add an ephemeral lease under `<lock>/leases`, keep it if it is the only
        // one, release the mutex.
        let mutex_dir = format!("{lock_path}/locks");
        let prefix = zk::LockPrefix::new_curator(&mutex_dir, "lock-")
            .map_err(|e| Error::BadInput(format!("invalid lock path {mutex_dir}: {e}")))?;
        let options = zk::LockOptions::new(acls)
            .with_ancestor_options(container.clone())
            .map_err(|e| Error::Failed(format!("lock options: {e}")))?;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let mutex = match tokio::time::timeout(remaining, client.lock(prefix, b"", options)).await {
            Err(_) => return Err(busy("its mutex stayed taken")),
            Ok(Err(err)) => return Err(self.fail(err, "lock", &mutex_dir)),
            Ok(Ok(mutex)) => mutex,
        };
        let mutex_node = mutex.lock_path().to_string();
        let outcome = self
            .add_lease(&client, &lock_path, deadline, &container)
            .await;
        // Release the mutex whatever happened (dropping it would do so in the background too).
        let _ =
            tokio::time::timeout(self.zk.operation_timeout, client.delete(&mutex_node, None)).await;
        drop(mutex);
        match outcome {
            Ok(Some(lease)) => Ok(Box::new(ZkLock {
                client,
                location: lock_path,
                lease,
                release_timeout: self.zk.operation_timeout,
            })),
            Ok(None) => Err(busy("another lease is active")),
            Err(err) => Err(err),
        }
    }

    /// Adds our lease and waits until it is the only one. `None` when the deadline passed (our
    /// lease is then removed again).
    async fn add_lease(
        &self,
        client: &zk::Client,
        lock_path: &str,
        deadline: Instant,
        container: &zk::CreateOptions<'_>,
    ) -> Result<Option<String>, Error> {
        let leases_dir = format!("{lock_path}/leases");
        let prefix = format!("{leases_dir}/_c_{}-lease-", uuid::Uuid::new_v4());
        let ephemeral = zk::CreateMode::EphemeralSequential.with_acls(self.acls());
        let t = self.zk.operation_timeout;
        let data = lease_data();
        let sequence = loop {
            match tokio::time::timeout(t, client.create(&prefix, &data, &ephemeral)).await {
                Ok(Ok((_, sequence))) => break sequence,
                Ok(Err(zk::Error::NoNode)) => {
                    match tokio::time::timeout(t, client.mkdir(&leases_dir, container)).await {
                        Ok(Ok(())) => continue,
                        Ok(Err(err)) => return Err(self.fail(err, "create", &leases_dir)),
                        Err(_) => {
                            return Err(
                                self.unavailable("did not answer", "creating the lease folder")
                            );
                        }
                    }
                }
                Ok(Err(err)) => return Err(self.fail(err, "create", &prefix)),
                Err(_) => return Err(self.unavailable("did not answer", "creating the lease")),
            }
        };
        let lease = format!("{prefix}{sequence}");
        let name = lease.rsplit('/').next().unwrap_or_default().to_string();
        loop {
            let listed = tokio::time::timeout(
                self.zk.operation_timeout,
                client.get_and_watch_children(&leases_dir),
            )
            .await;
            let (children, _, watcher) = match listed {
                Ok(Ok(listed)) => listed,
                Ok(Err(err)) => {
                    let _ = tokio::time::timeout(t, client.delete(&lease, None)).await;
                    return Err(self.fail(err, "list", &leases_dir));
                }
                Err(_) => {
                    let _ = tokio::time::timeout(t, client.delete(&lease, None)).await;
                    return Err(self.unavailable("did not answer", "listing the leases"));
                }
            };
            if !children.contains(&name) {
                return Err(Error::Failed(format!(
                    "our lease {lease} vanished while taking the lock (session lost?); try again"
                )));
            }
            if children.len() <= 1 {
                return Ok(Some(lease));
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero()
                || tokio::time::timeout(remaining, watcher.changed())
                    .await
                    .is_err()
            {
                let _ = tokio::time::timeout(t, client.delete(&lease, None)).await;
                return Ok(None);
            }
        }
    }

    async fn watch_node(
        &self,
        kind: NodeKind,
        topology: &str,
        on_event: WatchCallback<'_>,
    ) -> Result<(), Error> {
        check_topology_name(topology)?;
        let path = self.node_path(kind, topology);
        let mut last: Option<Node> = None;
        let mut first = true;
        loop {
            let owned = path.clone();
            let armed = self
                .op("watch", &path, |c, _| {
                    let path = owned.clone();
                    async move {
                        loop {
                            match c.get_and_watch_data(&path).await {
                                Ok((data, stat, watcher)) => {
                                    return Ok((Some((data, stat)), watcher));
                                }
                                Err(zk::Error::NoNode) => {}
                                Err(err) => return Err(err),
                            }
                            match c.check_and_watch_stat(&path).await {
                                Ok((None, watcher)) => return Ok((None, watcher)),
                                // Created in between: read it again.
                                Ok((Some(_), _)) => continue,
                                Err(err) => return Err(err),
                            }
                        }
                    }
                })
                .await?;
            let (now, watcher) = armed.map_err(|e| self.fail(e, "watch", &path))?;
            let now = now.map(|(data, stat)| node_from(&path, data, &stat));
            let event = if first {
                first = false;
                Some(WatchEvent::Initial(now.clone()))
            } else {
                match (&last, &now) {
                    (None, Some(node)) => Some(WatchEvent::Created(node.clone())),
                    (Some(_), None) => Some(WatchEvent::Deleted),
                    (Some(a), Some(b)) if a.data != b.data || a.version != b.version => {
                        Some(WatchEvent::Changed(b.clone()))
                    }
                    _ => None,
                }
            };
            last = now;
            if let Some(event) = event
                && !on_event(event)
            {
                return Ok(());
            }
            let event = watcher.changed().await;
            if event.event_type == zk::EventType::Session && event.session_state.is_terminated() {
                tracing::debug!("watch session ended ({}); re-arming", event.session_state);
            }
        }
    }

    async fn close_session(&self) -> Result<(), Error> {
        let client = self.client.lock().await.take();
        let Some(client) = client else { return Ok(()) };
        let mut state = client.state_watcher();
        drop(client);
        if state.peek_state().is_terminated() {
            return Ok(());
        }
        // The session closes once every clone is gone; waiting for `Closed` makes our ephemeral
        // nodes disappear now instead of after the session timeout.
        let bound = self.zk.operation_timeout.min(Duration::from_secs(5));
        let closed = tokio::time::timeout(bound, async {
            loop {
                if state.changed().await.is_terminated() {
                    break;
                }
            }
        })
        .await;
        if closed.is_err() {
            tracing::warn!(
                "the ZooKeeper session did not close within {} ms; its ephemeral nodes go away \
                 when it times out",
                bound.as_millis()
            );
        }
        Ok(())
    }
}

fn describe_connect_error(err: &zk::Error) -> String {
    match err {
        zk::Error::NoHosts => "no server accepted a connection".to_string(),
        zk::Error::Timeout => "session establishment timed out".to_string(),
        other => other.to_string(),
    }
}

/// What Curator would put in a lease node: something naming the holder.
fn lease_data() -> Vec<u8> {
    format!("heron-statemgr pid {}", std::process::id()).into_bytes()
}

fn node_from(path: &str, data: Vec<u8>, stat: &zk::Stat) -> Node {
    Node {
        data,
        location: path.to_string(),
        ephemeral_owner: (stat.ephemeral_owner != 0).then_some(stat.ephemeral_owner),
        version: Some(stat.version),
        modified_ms: Some(stat.mtime),
    }
}

/// A held Curator-compatible semaphore lease.
struct ZkLock {
    client: zk::Client,
    location: String,
    lease: String,
    release_timeout: Duration,
}

impl HeldLock for ZkLock {
    fn location(&self) -> &str {
        &self.location
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let ZkLock {
                client,
                lease,
                release_timeout,
                ..
            } = *self;
            if client.state().is_terminated() {
                // The session is gone, and its ephemeral lease with it.
                return Ok(());
            }
            match tokio::time::timeout(release_timeout, client.delete(&lease, None)).await {
                Ok(Ok(())) | Ok(Err(zk::Error::NoNode)) => Ok(()),
                Ok(Err(err)) => Err(Error::Failed(format!(
                    "cannot release the lock lease {lease}: {err}; it goes away with our session"
                ))),
                Err(_) => Err(Error::Unavailable(format!(
                    "ZooKeeper did not answer while releasing {lease}; it goes away with our session"
                ))),
            }
        })
    }

    fn lost(&self) -> Pin<Box<dyn Future<Output = String> + Send + 'static>> {
        let mut state = self.client.state_watcher();
        Box::pin(async move {
            loop {
                let now = state.changed().await;
                if now.is_terminated() {
                    return format!("the ZooKeeper session ended ({now}), and the lock with it");
                }
            }
        })
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
            match mode {
                WriteMode::Heron | WriteMode::Create => self.create_node(kind, &path, data).await,
                WriteMode::Replace => self.replace_node(kind, &path, data).await,
            }
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
