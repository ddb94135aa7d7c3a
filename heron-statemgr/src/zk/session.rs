//! The ZooKeeper session: connecting (with digest credentials), retrying an operation across
//! connection losses within the timeouts, mapping ZooKeeper's answers to our errors, and closing
//! cleanly, waiting for `Closed` so our ephemeral nodes vanish at once.

use std::future::Future;
use std::time::Duration;

use heron_common::Error;
use tokio::time::Instant;
use zookeeper_client as zk;

use super::ZkStateManager;
use crate::settings::{KEY_ZK_CONNECTION_TIMEOUT, KEY_ZK_OPERATION_TIMEOUT};

/// Errors a retry can help with: the connection or the session went away.
pub(super) trait Retryable {
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
    pub(super) fn unavailable(&self, what: &str, cause: &str) -> Error {
        Error::Unavailable(format!(
            "ZooKeeper at {} {what}: {cause}; check that the servers are up and reachable from here",
            self.zk.connection_string
        ))
    }

    /// Maps a ZooKeeper answer that is not a connection problem to our error.
    pub(super) fn fail(&self, err: zk::Error, action: &str, path: &str) -> Error {
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

    pub(super) async fn connect(&self) -> Result<zk::Client, Error> {
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
    pub(super) async fn client(&self) -> Result<zk::Client, Error> {
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
    pub(super) async fn op<T, E, F, Fut>(
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

    pub(super) async fn close_session(&self) -> Result<(), Error> {
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
