//! Local (or shared, e.g. NFS) file system backend: `<dir>/<topology>-<role>-tag-0.tar.gz`.
//!
//! Upload: copy to a hidden temp name in the same directory (so the rename cannot cross file
//! systems), fsync, hard-link the current package to `<file>.previous`, rename the temp file
//! over the final name, then write `<file>.sha256`. The final name always holds a whole
//! package: the old one until the rename, the new one after. All file work runs on blocking
//! threads.
//!
//! The sha256 costs as much as the copy itself (the kernel copies at memory speed), so it is
//! computed only when something needs it: the caller asks for it (`--format json`), or the
//! identical-package check does (a package of the same size is there). Otherwise the side file
//! records size and mtime only, and `undo --if-sha256` hashes the package when it runs.
//!
//! Upload, undo and delete of one destination hold an exclusive `flock` on `<dir>/.<file>.lock`
//! for their whole run, so two processes (e.g. two `heron submit`s of one name) never interleave
//! their renames, and `undo --if-sha256` checks and restores as one step: it acts only while the
//! package there is the one it names.
//!
//! This file holds the backend and its undo, delete and stat; the upload itself is in
//! `localfs/upload.rs`, the file helpers (existence, the side file's record, comparing and copying
//! packages) in `localfs/files.rs` and the destination lock in `localfs/lock.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use heron_common::{Error, Result};

use crate::cleanup::Cleanup;
use crate::naming;
use crate::settings::LocalFsSettings;
use crate::source::{Input, Progress, hash_file};
use crate::{
    DeleteResult, PreviousPackage, StatResult, UndoResult, UploadOptions, Uploaded, undo_result,
};

mod files;
mod lock;
#[cfg(test)]
mod tests;
mod upload;

use files::{Recorded, exists, io, mtime_ns, recorded, remove_if_exists, sync_dir};
use lock::DestLock;

/// The localfs backend for one topology.
#[derive(Debug, Clone)]
pub struct LocalFs {
    dir: PathBuf,
    file: String,
    fsync: bool,
    cleanup: Cleanup,
}

/// Paths of one topology's files.
struct Paths {
    package: PathBuf,
    sidecar: PathBuf,
    previous: PathBuf,
    previous_sidecar: PathBuf,
    lock: PathBuf,
}
impl LocalFs {
    /// The backend for `topology` of `role`.
    pub fn new(
        settings: &LocalFsSettings,
        topology: &str,
        role: &str,
        cleanup: Cleanup,
    ) -> LocalFs {
        LocalFs {
            dir: settings.directory.clone(),
            file: naming::package_file_name(topology, role),
            fsync: settings.fsync,
            cleanup,
        }
    }

    fn paths(&self) -> Paths {
        let previous = naming::previous_name(&self.file);
        Paths {
            package: self.dir.join(&self.file),
            sidecar: self.dir.join(naming::sidecar_name(&self.file)),
            previous_sidecar: self.dir.join(naming::sidecar_name(&previous)),
            previous: self.dir.join(previous),
            lock: self.dir.join(format!(".{}.lock", self.file)),
        }
    }

    /// Takes the destination's lock (waits for it).
    fn lock(&self) -> Result<DestLock> {
        let p = self.paths();
        DestLock::acquire(&p.lock, [p.package, p.previous])
    }

    fn uri_of(path: &Path) -> String {
        format!(
            "file://{}",
            naming::percent_encode_path(&path.to_string_lossy())
        )
    }

    /// `file://<dir>/<file>`.
    pub fn uri(&self) -> String {
        LocalFs::uri_of(&self.paths().package)
    }

    async fn blocking<T: Send + 'static>(
        f: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| Error::Failed(format!("file system task failed: {e}")))?
    }

    /// Stores the package, showing its progress on `progress`.
    pub async fn upload(
        &self,
        input: &Input,
        options: UploadOptions,
        progress: &Progress,
    ) -> Result<Uploaded> {
        let (me, input, bar) = (self.clone(), input.clone(), progress.clone());
        LocalFs::blocking(move || me.upload_blocking(&input, options, &bar)).await
    }

    /// Removes temp files left by killed uploads of this package. Call it only with the
    /// destination lock held: every temp file is written under that lock, so while we hold it no
    /// other upload is writing one, and each one there is a leftover (its writer may even linger
    /// as a zombie, so a process check would keep it).
    fn remove_stale_temps(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let previous = naming::previous_name(&self.file);
        let prefixes = [
            naming::temp_prefix(&naming::sidecar_name(&self.file)),
            naming::temp_prefix(&naming::sidecar_name(&previous)),
            naming::temp_prefix(&self.file),
            naming::temp_prefix(&previous),
        ];
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if prefixes.iter().any(|p| name.starts_with(p)) {
                tracing::debug!("removing leftover temp file {name}");
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    /// The answer for an identical package already in place.
    fn skipped(&self, size: u64, sha256: Option<String>) -> Uploaded {
        Uploaded {
            uri: self.uri(),
            size,
            sha256,
            uploaded: false,
        }
    }

    /// Restores the previous copy, else deletes the package. With `if_sha256`, only while the
    /// package there has that sha256 (checked under the destination lock); otherwise the package
    /// and its previous copy are left alone (`kept`).
    pub async fn undo(&self, if_sha256: Option<String>) -> Result<UndoResult> {
        let me = self.clone();
        LocalFs::blocking(move || {
            let p = me.paths();
            if !exists(&me.dir)? {
                return Ok(undo_result("nothing", me.uri()));
            }
            let _lock = me.lock()?;
            // A killed upload's temp file goes too, whatever the undo then finds.
            me.remove_stale_temps();
            if let Some(want) = &if_sha256 {
                let ours = match recorded(&p.package, &p.sidecar) {
                    Some(Recorded {
                        sha256: Some(s), ..
                    }) => s.eq_ignore_ascii_case(want),
                    // Ours, uploaded without the digest: hash it now. The lock keeps our own
                    // uploads out meanwhile.
                    Some(Recorded { sha256: None, .. }) => {
                        let (sha, _) = hash_file(&p.package, &Progress::hidden())?;
                        sha.eq_ignore_ascii_case(want)
                    }
                    // Not written by us, or changed since: never ours.
                    None => false,
                };
                if !ours {
                    return Ok(undo_result("kept", me.uri()));
                }
            }
            if exists(&p.previous)? {
                fs::rename(&p.previous, &p.package).map_err(io("cannot restore", &p.package))?;
                if exists(&p.previous_sidecar)? {
                    fs::rename(&p.previous_sidecar, &p.sidecar)
                        .map_err(io("cannot restore", &p.sidecar))?;
                } else {
                    remove_if_exists(&p.sidecar)?;
                }
                if me.fsync {
                    sync_dir(&me.dir);
                }
                Ok(undo_result("restored", me.uri()))
            } else if exists(&p.package)? {
                remove_if_exists(&p.package)?;
                remove_if_exists(&p.sidecar)?;
                if me.fsync {
                    sync_dir(&me.dir);
                }
                Ok(undo_result("deleted", me.uri()))
            } else {
                Ok(undo_result("nothing", me.uri()))
            }
        })
        .await
    }

    /// Removes the package, its previous copy and their side files.
    pub async fn delete(&self) -> Result<DeleteResult> {
        let me = self.clone();
        LocalFs::blocking(move || {
            let p = me.paths();
            if !exists(&me.dir)? {
                return Err(Error::NotFound(format!("no package at {}", me.uri())));
            }
            let lock = me.lock()?;
            me.remove_stale_temps();
            let mut deleted = Vec::new();
            if remove_if_exists(&p.package)? {
                deleted.push(LocalFs::uri_of(&p.package));
            }
            if remove_if_exists(&p.previous)? {
                deleted.push(LocalFs::uri_of(&p.previous));
            }
            remove_if_exists(&p.sidecar)?;
            remove_if_exists(&p.previous_sidecar)?;
            // Releasing removes the lock file too: no package is left.
            drop(lock);
            if deleted.is_empty() {
                return Err(Error::NotFound(format!("no package at {}", me.uri())));
            }
            Ok(DeleteResult { deleted })
        })
        .await
    }

    /// Describes the package.
    pub async fn stat(&self) -> Result<StatResult> {
        let me = self.clone();
        LocalFs::blocking(move || {
            let p = me.paths();
            let meta = match fs::metadata(&p.package) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(Error::NotFound(format!("no package at {}", me.uri())));
                }
                Err(e) => return Err(Error::io("cannot read", &p.package, e)),
            };
            let previous = fs::metadata(&p.previous).ok().map(|m| PreviousPackage {
                uri: LocalFs::uri_of(&p.previous),
                size: m.len(),
            });
            Ok(StatResult {
                uri: me.uri(),
                backend: "localfs".into(),
                size: meta.len(),
                sha256: recorded(&p.package, &p.sidecar).and_then(|r| r.sha256),
                modified_ms: Some(mtime_ns(&meta) / 1_000_000),
                previous,
            })
        })
        .await
    }
}
