//! What to undo when an upload fails or is interrupted: temp files and open multipart uploads.
//!
//! Backends register an action before they create something temporary and mark it done once it
//! is gone or renamed into place. On an error or a signal, the binary calls [`Cleanup::run_all`].
//! The cancel flag tells blocking copy loops to stop before they rename anything into place.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One thing to remove.
#[derive(Debug, Clone)]
pub enum Action {
    /// A local temp file.
    LocalFile(PathBuf),
    /// An HDFS temp file.
    HdfsFile {
        /// The client that created it.
        client: hdfs_native::Client,
        /// Its path.
        path: String,
    },
    /// An S3 multipart upload that must not be completed.
    S3Multipart {
        /// The client.
        client: aws_sdk_s3::Client,
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The upload id.
        upload_id: String,
    },
}

/// A shared list of pending cleanup actions plus a cancel flag.
#[derive(Debug, Clone, Default)]
pub struct Cleanup {
    actions: Arc<Mutex<Vec<(u64, Action)>>>,
    next: Arc<AtomicU64>,
    cancelled: Arc<AtomicBool>,
}

/// The handle of a registered action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl Cleanup {
    /// An empty list.
    pub fn new() -> Cleanup {
        Cleanup::default()
    }

    /// Registers an action to run if the operation does not finish.
    pub fn register(&self, action: Action) -> Ticket {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut list) = self.actions.lock() {
            list.push((id, action));
        }
        Ticket(id)
    }

    /// Forgets an action: what it would remove is gone or now in place.
    pub fn done(&self, ticket: Ticket) {
        if let Ok(mut list) = self.actions.lock() {
            list.retain(|(id, _)| *id != ticket.0);
        }
    }

    /// True once [`Cleanup::run_all`] started: long copy loops stop and rename nothing.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// The number of pending actions.
    pub fn pending(&self) -> usize {
        self.actions.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// Cancels, then runs and forgets every pending action. Failures are logged, not returned:
    /// this runs on the way out of an error that is more important to report.
    pub async fn run_all(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let actions: Vec<Action> = match self.actions.lock() {
            Ok(mut list) => list.drain(..).map(|(_, a)| a).collect(),
            Err(_) => return,
        };
        for action in actions {
            match action {
                Action::LocalFile(path) => match std::fs::remove_file(&path) {
                    Ok(()) => tracing::debug!("removed temp file {}", path.display()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!("cannot remove temp file {}: {e}", path.display()),
                },
                Action::HdfsFile { client, path } => match client.delete(&path, false).await {
                    Ok(_) => tracing::debug!("removed HDFS temp file {path}"),
                    Err(e) => tracing::warn!("cannot remove HDFS temp file {path}: {e}"),
                },
                Action::S3Multipart {
                    client,
                    bucket,
                    key,
                    upload_id,
                } => {
                    match client
                        .abort_multipart_upload()
                        .bucket(&bucket)
                        .key(&key)
                        .upload_id(&upload_id)
                        .send()
                        .await
                    {
                        Ok(_) => tracing::debug!("aborted multipart upload of s3://{bucket}/{key}"),
                        // Some servers refuse an abort after a failed complete; the object under
                        // the final name is untouched either way.
                        Err(e) => tracing::warn!(
                            "cannot abort multipart upload of s3://{bucket}/{key}: {}",
                            aws_smithy_types::error::display::DisplayErrorContext(&e)
                        ),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_pending_actions_only() {
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("kept");
        let removed = dir.path().join("removed");
        std::fs::write(&kept, b"x").unwrap();
        std::fs::write(&removed, b"x").unwrap();
        let c = Cleanup::new();
        let t = c.register(Action::LocalFile(kept.clone()));
        c.register(Action::LocalFile(removed.clone()));
        c.register(Action::LocalFile(dir.path().join("never-existed")));
        c.done(t);
        assert_eq!(c.pending(), 2);
        c.run_all().await;
        assert!(kept.exists());
        assert!(!removed.exists());
        assert!(c.is_cancelled());
        assert_eq!(c.pending(), 0);
    }
}
