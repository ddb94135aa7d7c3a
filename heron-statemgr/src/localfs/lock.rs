//! The local update lock `locks/<topology>__updateTopology`: a file created only if absent
//! (atomically, see `atomic.rs`) holding a token naming our process, polled until the
//! timeout while another holder keeps it.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use heron_common::Error;

use super::{LocalFsStateManager, POLL};
use crate::kind::check_topology_name;
use crate::store::{BoxFuture, HeldLock};

impl LocalFsStateManager {
    /// Takes the update lock, waiting up to `timeout`.
    pub(super) async fn take_lock(
        &self,
        topology: &str,
        timeout: Duration,
    ) -> Result<Box<dyn HeldLock>, Error> {
        check_topology_name(topology)?;
        self.ensure_tree()?;
        let path = self.lock_path(topology);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let token = format!("heron-statemgr pid {} at {nanos}", std::process::id()).into_bytes();
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
