//! Local (or shared, e.g. NFS) file system backend: `<dir>/<topology>-<role>-tag-0.tar.gz`.
//!
//! Upload: copy to a hidden temp name in the same directory (so the rename cannot cross file
//! systems), fsync, hard-link the current package to `<file>.previous`, rename the temp file
//! over the final name, then write `<file>.sha256`. The final name always holds a whole
//! package: the old one until the rename, the new one after. All file work runs on blocking
//! threads.
//!
//! Upload, undo and delete of one destination hold an exclusive `flock` on `<dir>/.<file>.lock`
//! for their whole run, so two processes (e.g. two `heron submit`s of one name) never interleave
//! their renames, and `undo --if-sha256` checks and restores as one step: it acts only while the
//! package there is the one it names.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use heron_common::{Error, Result};
use sha2::{Digest, Sha256};

use crate::cleanup::{Action, Cleanup};
use crate::naming;
use crate::settings::LocalFsSettings;
use crate::source::{Input, Progress, hash_file};
use crate::{
    DeleteResult, PreviousPackage, Sidecar, StatResult, UndoResult, UploadOptions, Uploaded,
};

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

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

fn exists(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot check", path, e)),
    }
}

fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot remove", path, e)),
    }
}

fn mtime_ns(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The sha256 recorded for `package`, if its side file still describes it.
fn recorded_sha(package: &Path, sidecar: &Path) -> Option<(String, u64)> {
    let meta = fs::metadata(package).ok()?;
    let side = Sidecar::parse(&fs::read(sidecar).ok()?)?;
    side.sha_for(meta.len(), mtime_ns(&meta))
        .map(|s| (s.to_string(), meta.len()))
}

fn sync_dir(dir: &Path) {
    // Makes the renames durable; not fatal where directories cannot be opened for sync.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
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

    /// Stores the package.
    pub async fn upload(&self, input: &Input, options: UploadOptions) -> Result<Uploaded> {
        let me = self.clone();
        let input = input.clone();
        let progress = Progress::new(options.progress, input.size(), "uploading");
        let bar = progress.clone();
        let result = LocalFs::blocking(move || me.upload_blocking(&input, options, &bar)).await;
        progress.finish();
        result
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

    fn upload_blocking(
        &self,
        input: &Input,
        options: UploadOptions,
        progress: &Progress,
    ) -> Result<Uploaded> {
        let p = self.paths();
        fs::create_dir_all(&self.dir).map_err(io("cannot create directory", &self.dir))?;
        // Held to the end: the skip check, the previous copy, the rename and the side file
        // describe one package only if no other upload or undo runs in between.
        let _lock = self.lock()?;
        self.remove_stale_temps();
        let existing = recorded_sha(&p.package, &p.sidecar);
        let temp = self.dir.join(naming::temp_name(&self.file));
        let ticket = self.cleanup.register(Action::LocalFile(temp.clone()));
        let (sha256, size) = match input {
            Input::File { path, size } => {
                if !options.force && existing.as_ref().is_some_and(|(_, s)| s == size) {
                    // Same size as what is there: hash first, it may spare the copy.
                    let (sha, n) = hash_file(path, progress)?;
                    if existing.as_ref().is_some_and(|(s, _)| *s == sha) {
                        self.cleanup.done(ticket);
                        return Ok(Uploaded {
                            uri: self.uri(),
                            size: n,
                            sha256: sha,
                            uploaded: false,
                        });
                    }
                    progress.restart("copying");
                    let copied =
                        fs::copy(path, &temp).map_err(io("cannot copy package to", &temp))?;
                    check_same_size(path, n, copied)?;
                    (sha, n)
                } else {
                    // Hash on one thread while the kernel copies on another (copy_file_range).
                    let (hashed, copied) = std::thread::scope(|s| {
                        let h = s.spawn(|| hash_file(path, progress));
                        let c = fs::copy(path, &temp).map_err(io("cannot copy package to", &temp));
                        (h.join(), c)
                    });
                    let (sha, n) =
                        hashed.map_err(|_| Error::Failed("hashing thread panicked".into()))??;
                    check_same_size(path, n, copied?)?;
                    (sha, n)
                }
            }
            Input::Stdin => {
                let (sha, n) = self.copy_stdin(&temp, progress)?;
                if n == 0 {
                    return Err(crate::source::empty_package(input));
                }
                if !options.force
                    && existing
                        .as_ref()
                        .is_some_and(|(s, sz)| *s == sha && *sz == n)
                {
                    remove_if_exists(&temp)?;
                    self.cleanup.done(ticket);
                    return Ok(Uploaded {
                        uri: self.uri(),
                        size: n,
                        sha256: sha,
                        uploaded: false,
                    });
                }
                (sha, n)
            }
        };
        // Readable by the sandbox's user whatever the source file's mode (a copy takes it over).
        fs::set_permissions(&temp, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .map_err(io("cannot set the mode of", &temp))?;
        if self.fsync {
            fs::File::open(&temp)
                .and_then(|f| f.sync_all())
                .map_err(io("cannot sync", &temp))?;
        }
        if self.cleanup.is_cancelled() {
            return Err(Error::Failed("upload interrupted".into()));
        }
        self.keep_previous(&p)?;
        fs::rename(&temp, &p.package).map_err(io("cannot rename temp file to", &p.package))?;
        self.cleanup.done(ticket);
        self.write_sidecar(&p, &sha256)?;
        if self.fsync {
            sync_dir(&self.dir);
        }
        Ok(Uploaded {
            uri: self.uri(),
            size,
            sha256,
            uploaded: true,
        })
    }

    fn copy_stdin(&self, temp: &Path, progress: &Progress) -> Result<(String, u64)> {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .map_err(io("cannot create", temp))?;
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 1 << 20];
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        loop {
            if self.cleanup.is_cancelled() {
                return Err(Error::Failed("upload interrupted".into()));
            }
            let n = match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io("cannot read package from", "stdin", e)),
            };
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io("cannot write", temp))?;
            total += n as u64;
            progress.inc(n as u64);
        }
        out.flush().map_err(io("cannot write", temp))?;
        Ok((hex::encode(hasher.finalize()), total))
    }

    /// Hard-links the current package (and its side file) to the previous names; a copy where
    /// the file system has no hard links. The current package stays in place meanwhile.
    fn keep_previous(&self, p: &Paths) -> Result<()> {
        if !exists(&p.package)? {
            // A previous copy older than the missing package is not what this upload replaced:
            // undo must delete the new package, not resurrect that one.
            remove_if_exists(&p.previous)?;
            remove_if_exists(&p.previous_sidecar)?;
            return Ok(());
        }
        link_or_copy(&self.dir, &p.package, &p.previous)?;
        if exists(&p.sidecar)? {
            link_or_copy(&self.dir, &p.sidecar, &p.previous_sidecar)?;
        } else {
            remove_if_exists(&p.previous_sidecar)?;
        }
        Ok(())
    }

    fn write_sidecar(&self, p: &Paths, sha256: &str) -> Result<()> {
        let meta = fs::metadata(&p.package).map_err(io("cannot read", &p.package))?;
        let side = Sidecar {
            sha256: sha256.to_string(),
            size: meta.len(),
            mtime: mtime_ns(&meta),
        };
        let temp = self
            .dir
            .join(naming::temp_name(&naming::sidecar_name(&self.file)));
        fs::write(&temp, side.to_bytes()).map_err(io("cannot write", &temp))?;
        fs::rename(&temp, &p.sidecar).map_err(io("cannot rename temp file to", &p.sidecar))
    }

    /// Restores the previous copy, else deletes the package. With `if_sha256`, only while the
    /// package there has that sha256 (checked under the destination lock); otherwise the package
    /// and its previous copy are left alone (`kept`).
    pub async fn undo(&self, if_sha256: Option<String>) -> Result<UndoResult> {
        let me = self.clone();
        LocalFs::blocking(move || {
            let p = me.paths();
            if !exists(&me.dir)? {
                return Ok(UndoResult {
                    action: "nothing".into(),
                    uri: me.uri(),
                });
            }
            let _lock = me.lock()?;
            // A killed upload's temp file goes too, whatever the undo then finds.
            me.remove_stale_temps();
            if let Some(want) = &if_sha256 {
                let current = recorded_sha(&p.package, &p.sidecar).map(|(s, _)| s);
                if !current.is_some_and(|s| s.eq_ignore_ascii_case(want)) {
                    return Ok(UndoResult {
                        action: "kept".into(),
                        uri: me.uri(),
                    });
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
                Ok(UndoResult {
                    action: "restored".into(),
                    uri: me.uri(),
                })
            } else if exists(&p.package)? {
                remove_if_exists(&p.package)?;
                remove_if_exists(&p.sidecar)?;
                if me.fsync {
                    sync_dir(&me.dir);
                }
                Ok(UndoResult {
                    action: "deleted".into(),
                    uri: me.uri(),
                })
            } else {
                Ok(UndoResult {
                    action: "nothing".into(),
                    uri: me.uri(),
                })
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
                sha256: recorded_sha(&p.package, &p.sidecar).map(|(s, _)| s),
                modified_ms: Some(mtime_ns(&meta) / 1_000_000),
                previous,
            })
        })
        .await
    }
}

/// An exclusive `flock` on a destination's lock file, released on drop. On release, the lock
/// file is removed (still held) when the destination has neither package nor previous copy, so
/// a failed or undone first upload leaves nothing behind.
struct DestLock {
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
    fn acquire(path: &Path, packages: [PathBuf; 2]) -> Result<DestLock> {
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

fn check_same_size(path: &Path, hashed: u64, copied: u64) -> Result<()> {
    if hashed != copied {
        return Err(Error::Failed(format!(
            "package {} changed while it was being uploaded ({hashed} bytes hashed, {copied} copied); \
             upload it again once it is complete",
            path.display()
        )));
    }
    Ok(())
}

/// `dst` becomes a hard link to (or a copy of) `src`, replaced atomically.
fn link_or_copy(dir: &Path, src: &Path, dst: &Path) -> Result<()> {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = dir.join(naming::temp_name(&name));
    if fs::hard_link(src, &temp).is_err() {
        fs::copy(src, &temp).map_err(io("cannot copy previous package to", &temp))?;
    }
    fs::rename(&temp, dst).map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io("cannot keep previous package as", dst, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(dir: &Path) -> LocalFs {
        LocalFs::new(
            &LocalFsSettings {
                directory: dir.join("pkgs"),
                fsync: true,
            },
            "wc",
            "ads",
            Cleanup::new(),
        )
    }

    fn file(dir: &Path, name: &str, body: &[u8]) -> Input {
        let p = dir.join(name);
        fs::write(&p, body).unwrap();
        Input::open(p.to_str().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn upload_skip_previous_undo_delete() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        let one = file(d.path(), "one", b"version one");
        let r = b.upload(&one, UploadOptions::default()).await.unwrap();
        assert!(r.uploaded);
        assert_eq!(r.uri, format!("file://{}", final_path.display()));
        assert_eq!(r.sha256, hex::encode(Sha256::digest(b"version one")));
        assert_eq!(fs::read(&final_path).unwrap(), b"version one");

        let again = b.upload(&one, UploadOptions::default()).await.unwrap();
        assert!(!again.uploaded);
        let forced = b
            .upload(
                &one,
                UploadOptions {
                    force: true,
                    progress: false,
                },
            )
            .await
            .unwrap();
        assert!(forced.uploaded);

        let two = file(d.path(), "two", b"version two");
        assert!(
            b.upload(&two, UploadOptions::default())
                .await
                .unwrap()
                .uploaded
        );
        assert_eq!(fs::read(&final_path).unwrap(), b"version two");
        let st = b.stat().await.unwrap();
        assert_eq!(st.size, 11);
        assert_eq!(
            st.sha256.as_deref(),
            Some(hex::encode(Sha256::digest(b"version two")).as_str())
        );
        assert_eq!(st.previous.as_ref().map(|p| p.size), Some(11));

        let u = b.undo(None).await.unwrap();
        assert_eq!(u.action, "restored");
        assert_eq!(fs::read(&final_path).unwrap(), b"version one");
        // The restored package's checksum is known again, so re-uploading it is skipped.
        assert!(
            !b.upload(&one, UploadOptions::default())
                .await
                .unwrap()
                .uploaded
        );
        assert_eq!(b.undo(None).await.unwrap().action, "deleted");
        assert!(!final_path.exists());
        assert_eq!(b.undo(None).await.unwrap().action, "nothing");
        assert_eq!(
            b.stat().await.unwrap_err().exit_code(),
            heron_common::ExitCode::NotFound
        );
        assert_eq!(
            b.delete().await.unwrap_err().exit_code(),
            heron_common::ExitCode::NotFound
        );

        b.upload(&one, UploadOptions::default()).await.unwrap();
        b.upload(&two, UploadOptions::default()).await.unwrap();
        assert_eq!(b.delete().await.unwrap().deleted.len(), 2);
        // Only temp-free, expected files remain: nothing.
        assert_eq!(fs::read_dir(d.path().join("pkgs")).unwrap().count(), 0);
    }

    fn sha(body: &[u8]) -> String {
        hex::encode(Sha256::digest(body))
    }

    #[tokio::test]
    async fn conditional_undo_touches_only_its_own_package() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        let previous = d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous");
        // The loser uploads first, the winner replaces it (the loser's becomes `.previous`).
        let loser = file(d.path(), "loser", b"loser pkg");
        let winner = file(d.path(), "winner", b"winnerpkg"); // same size
        b.upload(&loser, UploadOptions::default()).await.unwrap();
        b.upload(&winner, UploadOptions::default()).await.unwrap();
        assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");
        // The loser's undo must neither resurrect its own package nor drop the winner's.
        let u = b.undo(Some(sha(b"loser pkg"))).await.unwrap();
        assert_eq!(u.action, "kept");
        assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
        assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");

        // Other order: the winner's is `.previous` and the loser's undo restores it.
        b.upload(&loser, UploadOptions::default()).await.unwrap();
        let u = b
            .undo(Some(sha(b"loser pkg").to_uppercase()))
            .await
            .unwrap();
        assert_eq!(u.action, "restored");
        assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
        assert_eq!(
            b.stat().await.unwrap().sha256.as_deref(),
            Some(sha(b"winnerpkg").as_str())
        );
    }

    #[tokio::test]
    async fn undo_and_delete_remove_a_killed_uploads_temp_file() {
        // A killed upload (SIGKILL, its writer perhaps still a zombie) leaves its temp file
        // behind with no package: the rollback's undo must not leave it there.
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let dir = d.path().join("pkgs");
        fs::create_dir_all(&dir).unwrap();
        let ours = format!(".wc-ads-tag-0.tar.gz.tmp-{}-1", std::process::id());
        fs::write(dir.join(&ours), b"half a package").unwrap();
        fs::write(dir.join("other-topology.tar.gz"), b"not ours").unwrap();
        assert_eq!(b.undo(None).await.unwrap().action, "nothing");
        assert!(!dir.join(&ours).exists(), "the temp file is still there");
        assert!(dir.join("other-topology.tar.gz").exists());

        fs::write(dir.join(&ours), b"half a package").unwrap();
        let one = file(d.path(), "one", b"whole");
        b.upload(&one, UploadOptions::default()).await.unwrap();
        fs::write(dir.join(&ours), b"half a package").unwrap();
        b.delete().await.unwrap();
        assert!(!dir.join(&ours).exists(), "delete left the temp file");
    }

    #[tokio::test]
    async fn first_upload_drops_a_stale_previous_copy() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        fs::create_dir_all(d.path().join("pkgs")).unwrap();
        fs::write(d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous"), b"old").unwrap();
        let one = file(d.path(), "one", b"new one");
        b.upload(&one, UploadOptions::default()).await.unwrap();
        // Undo of the first upload deletes it; it does not bring back the unrelated old file.
        assert_eq!(
            b.undo(Some(sha(b"new one"))).await.unwrap().action,
            "deleted"
        );
        assert!(!final_path.exists());
        assert!(!d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous").exists());
    }

    #[test]
    fn concurrent_uploads_and_conditional_undo_keep_a_whole_winner() {
        // Many rounds of: two processes' worth of uploads racing, then the loser's undo; the
        // package left must be the winner's with a side file that describes it.
        let d = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        for round in 0..100 {
            let b = backend(d.path());
            let _ = rt.block_on(b.delete());
            let a = file(d.path(), "a", format!("package a {round:03}").as_bytes());
            let c = file(d.path(), "c", format!("package c {round:03}").as_bytes());
            let (ra, rc) = rt.block_on(async {
                let (b1, b2) = (b.clone(), b.clone());
                let t1 = tokio::spawn(async move { b1.upload(&a, UploadOptions::default()).await });
                let t2 = tokio::spawn(async move { b2.upload(&c, UploadOptions::default()).await });
                (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap())
            });
            // `a` wins; `c` loses and undoes conditionally.
            rt.block_on(b.undo(Some(rc.sha256.clone()))).unwrap();
            let st = rt.block_on(b.stat()).unwrap();
            assert_eq!(
                st.sha256.as_deref(),
                Some(ra.sha256.as_str()),
                "round {round}"
            );
            let body = fs::read(d.path().join("pkgs/wc-ads-tag-0.tar.gz")).unwrap();
            assert_eq!(sha(&body), ra.sha256, "round {round}");
        }
    }

    #[tokio::test]
    async fn stale_sidecar_is_not_trusted() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let one = file(d.path(), "one", b"aaaa");
        b.upload(&one, UploadOptions::default()).await.unwrap();
        // Someone replaces the package behind our back with same-size content.
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&final_path, b"bbbb").unwrap();
        assert_eq!(b.stat().await.unwrap().sha256, None);
        assert!(
            b.upload(&one, UploadOptions::default())
                .await
                .unwrap()
                .uploaded
        );
        assert_eq!(fs::read(&final_path).unwrap(), b"aaaa");
    }
}
