//! The destination lock: an exclusive `flock` on `<dir>/.<file>.lock`, held by upload, undo and
//! delete for their whole run.

use std::fs;
use std::path::{Path, PathBuf};

use heron_common::{Error, Result};

use super::files::{exists, io};

/// An exclusive `flock` on a destination's lock file, released on drop. On release, the lock
/// file is removed (still held) when the destination has neither package nor previous copy, so
/// a failed or undone first upload leaves nothing behind.
pub(super) struct DestLock {
    file: fs::File,
    path: PathBuf,
    packages: [PathBuf; 2],
}

impl Drop for DestLock {
    fn drop(&mut self) {
        if self.packages.iter().all(|p| matches!(exists(p), Ok(false))) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

impl DestLock {
    pub(super) fn acquire(path: &Path, packages: [PathBuf; 2]) -> Result<DestLock> {
        use std::os::unix::fs::MetadataExt;
        loop {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io("cannot open lock file", path))?;
            file.lock().map_err(io("cannot lock", path))?;
            // The lock file is removed while held (see Drop); a lock on that unlinked file
            // excludes nobody who opens the path afresh, so take the lock again.
            let held = file.metadata().map_err(io("cannot read", path))?;
            match fs::metadata(path) {
                Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => {
                    return Ok(DestLock {
                        file,
                        path: path.to_path_buf(),
                        packages,
                    });
                }
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io("cannot read", path, e)),
            }
        }
    }
}
