//! The update lock `locks/<topology>__updateTopology`, as Curator's
//! `InterProcessSemaphoreMutex`: a semaphore of one lease, so Heron's Java tools and we exclude
//! each other.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use heron_common::Error;
use tokio::time::Instant;
use zookeeper_client as zk;

use super::ZkStateManager;
use crate::kind::check_topology_name;
use crate::store::{BoxFuture, HeldLock};

impl ZkStateManager {
    pub(super) async fn take_lock(
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
    pub(super) async fn add_lease(
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
}

/// What Curator would put in a lease node: something naming the holder.
fn lease_data() -> Vec<u8> {
    format!("heron-statemgr pid {}", std::process::id()).into_bytes()
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
