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

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use heron_common::{Error, Result};
use sha2::{Digest, Sha256};

use crate::cleanup::{Action, Cleanup};
use crate::naming;
use crate::settings::LocalFsSettings;
use crate::source::{Input, Progress, hash_file, read_full};
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

/// What the side file says of the package there.
#[derive(Debug, Clone)]
struct Recorded {
    size: u64,
    mtime: u64,
    /// `None` when the upload that wrote it did not need the digest.
    sha256: Option<String>,
}

/// The side file of `package`, if it still describes it (same size and mtime): the package is
/// then one we wrote, whole.
fn recorded(package: &Path, sidecar: &Path) -> Option<Recorded> {
    let meta = fs::metadata(package).ok()?;
    let side = Sidecar::parse(&fs::read(sidecar).ok()?)?;
    let (size, mtime) = (meta.len(), mtime_ns(&meta));
    side.describes(size, mtime).then_some(Recorded {
        size,
        mtime,
        sha256: side.sha256,
    })
}

/// Whether two files hold the same bytes, and (with `hash`) the sha256 of `input` when they do.
enum Comparison {
    Same(Option<String>),
    Different,
}

/// Compares `input` with `package` block by block, stopping at the first difference. Cheaper
/// than hashing both: a memcmp of what is read.
fn compare_files(
    input: &Path,
    package: &Path,
    hash: bool,
    progress: &Progress,
) -> Result<Comparison> {
    let mut a = fs::File::open(input).map_err(io("cannot open", input))?;
    let mut b = fs::File::open(package).map_err(io("cannot open", package))?;
    let mut hasher = hash.then(Sha256::new);
    let mut buf_a = vec![0u8; 1 << 20];
    let mut buf_b = vec![0u8; 1 << 20];
    loop {
        let n = read_full(&mut a, &mut buf_a).map_err(io("cannot read", input))?;
        let m = read_full(&mut b, &mut buf_b).map_err(io("cannot read", package))?;
        if n != m || buf_a[..n] != buf_b[..m] {
            return Ok(Comparison::Different);
        }
        if n == 0 {
            return Ok(Comparison::Same(hasher.map(|h| hex::encode(h.finalize()))));
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&buf_a[..n]);
        }
        progress.inc(n as u64);
    }
}

/// Copies `src` into the new file `dst` with the kernel's copy (`copy_file_range` where the
/// file system has it, as `cp`), in pieces so the progress bar moves and a signal is noticed.
fn copy_file(src: &Path, dst: &Path, cleanup: &Cleanup, progress: &Progress) -> Result<u64> {
    const PIECE: u64 = 64 << 20;
    let mut from = fs::File::open(src).map_err(io("cannot open package", src))?;
    let mut to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)
        .map_err(io("cannot create", dst))?;
    let mut total = 0u64;
    loop {
        if cleanup.is_cancelled() {
            return Err(Error::Failed("upload interrupted".into()));
        }
        let n = std::io::copy(&mut (&mut from).take(PIECE), &mut to)
            .map_err(io("cannot copy package to", dst))?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
        progress.inc(n);
    }
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
        let existing = recorded(&p.package, &p.sidecar);
        // Unless forced, the package there may already be this one: only one we wrote (its side
        // file still describes it) and of the same size is checked.
        let candidate = existing.filter(|_| !options.force);
        let temp = self.dir.join(naming::temp_name(&self.file));
        let ticket = self.cleanup.register(Action::LocalFile(temp.clone()));
        let (sha256, size) = match input {
            Input::File { path, size } => {
                let mut known = None;
                if let Some(rec) = candidate.as_ref().filter(|r| r.size == *size) {
                    match &rec.sha256 {
                        // Hash the input: it may spare the copy, and gives the digest anyway.
                        Some(recorded) => {
                            let (sha, n) = hash_file(path, progress)?;
                            if sha == *recorded {
                                self.cleanup.done(ticket);
                                return Ok(self.skipped(n, Some(sha)));
                            }
                            known = Some((sha, n));
                        }
                        // No digest recorded: compare the bytes (hashing only if asked to).
                        None => {
                            if let Comparison::Same(sha) =
                                compare_files(path, &p.package, options.digest, progress)?
                            {
                                if let Some(sha) = &sha {
                                    self.record_sha(&p, rec, sha)?;
                                }
                                self.cleanup.done(ticket);
                                return Ok(self.skipped(*size, sha));
                            }
                        }
                    }
                    progress.restart("copying");
                }
                match known {
                    Some((sha, n)) => {
                        let copied = copy_file(path, &temp, &self.cleanup, progress)?;
                        check_same_size(path, n, copied)?;
                        (Some(sha), n)
                    }
                    None if options.digest => {
                        // Hash on one thread while the kernel copies on another.
                        let (hashed, copied) = std::thread::scope(|s| {
                            let h = s.spawn(|| hash_file(path, progress));
                            let c = copy_file(path, &temp, &self.cleanup, &Progress::hidden());
                            (h.join(), c)
                        });
                        let (sha, n) = hashed
                            .map_err(|_| Error::Failed("hashing thread panicked".into()))??;
                        check_same_size(path, n, copied?)?;
                        (Some(sha), n)
                    }
                    None => (None, copy_file(path, &temp, &self.cleanup, progress)?),
                }
            }
            Input::Stdin => {
                // The input cannot be read twice: hash on the way when a recorded digest is what
                // the check compares with; else compare the copy with the package afterwards.
                let hash = options.digest || candidate.as_ref().is_some_and(|r| r.sha256.is_some());
                let (sha, n) = self.copy_stdin(&temp, hash, progress)?;
                if n == 0 {
                    return Err(crate::source::empty_package(input));
                }
                if let Some(rec) = candidate.as_ref().filter(|r| r.size == n) {
                    let same = match (&rec.sha256, &sha) {
                        (Some(recorded), Some(sha)) => recorded == sha,
                        _ => matches!(
                            compare_files(&temp, &p.package, false, &Progress::hidden())?,
                            Comparison::Same(_)
                        ),
                    };
                    if same {
                        remove_if_exists(&temp)?;
                        self.cleanup.done(ticket);
                        if let (None, Some(sha)) = (&rec.sha256, &sha) {
                            self.record_sha(&p, rec, sha)?;
                        }
                        return Ok(self.skipped(n, sha.or_else(|| rec.sha256.clone())));
                    }
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
        self.write_sidecar(&p, sha256.as_deref())?;
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

    /// The answer for an identical package already in place.
    fn skipped(&self, size: u64, sha256: Option<String>) -> Uploaded {
        Uploaded {
            uri: self.uri(),
            size,
            sha256,
            uploaded: false,
        }
    }

    /// Adds a digest computed later to the side file of an unchanged package (`rec` is what the
    /// side file said before the package was read; a package changed since keeps its side file,
    /// which no longer describes it anyway).
    fn record_sha(&self, p: &Paths, rec: &Recorded, sha256: &str) -> Result<()> {
        match fs::metadata(&p.package) {
            Ok(m) if m.len() == rec.size && mtime_ns(&m) == rec.mtime => {
                self.write_sidecar(p, Some(sha256))
            }
            _ => Ok(()),
        }
    }

    fn copy_stdin(
        &self,
        temp: &Path,
        hash: bool,
        progress: &Progress,
    ) -> Result<(Option<String>, u64)> {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .map_err(io("cannot create", temp))?;
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 1 << 20];
        let mut hasher = hash.then(Sha256::new);
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
            if let Some(h) = hasher.as_mut() {
                h.update(&buf[..n]);
            }
            out.write_all(&buf[..n]).map_err(io("cannot write", temp))?;
            total += n as u64;
            progress.inc(n as u64);
        }
        out.flush().map_err(io("cannot write", temp))?;
        Ok((hasher.map(|h| hex::encode(h.finalize())), total))
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

    fn write_sidecar(&self, p: &Paths, sha256: Option<&str>) -> Result<()> {
        let meta = fs::metadata(&p.package).map_err(io("cannot read", &p.package))?;
        let side = Sidecar {
            sha256: sha256.map(str::to_string),
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
                sha256: recorded(&p.package, &p.sidecar).and_then(|r| r.sha256),
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

    /// As `--format json` uploads: the sha256 is computed.
    fn digest() -> UploadOptions {
        UploadOptions {
            digest: true,
            ..UploadOptions::default()
        }
    }

    fn side_file(dir: &Path) -> serde_json::Value {
        serde_json::from_slice(&fs::read(dir.join("pkgs/wc-ads-tag-0.tar.gz.sha256")).unwrap())
            .unwrap()
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
        let r = b.upload(&one, digest()).await.unwrap();
        assert!(r.uploaded);
        assert_eq!(r.uri, format!("file://{}", final_path.display()));
        assert_eq!(
            r.sha256.as_deref(),
            Some(hex::encode(Sha256::digest(b"version one")).as_str())
        );
        assert_eq!(fs::read(&final_path).unwrap(), b"version one");

        let again = b.upload(&one, digest()).await.unwrap();
        assert!(!again.uploaded);
        let forced = b
            .upload(
                &one,
                UploadOptions {
                    force: true,
                    ..digest()
                },
            )
            .await
            .unwrap();
        assert!(forced.uploaded);

        let two = file(d.path(), "two", b"version two");
        assert!(b.upload(&two, digest()).await.unwrap().uploaded);
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
        assert!(!b.upload(&one, digest()).await.unwrap().uploaded);
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

        b.upload(&one, digest()).await.unwrap();
        b.upload(&two, digest()).await.unwrap();
        assert_eq!(b.delete().await.unwrap().deleted.len(), 2);
        // Only temp-free, expected files remain: nothing.
        assert_eq!(fs::read_dir(d.path().join("pkgs")).unwrap().count(), 0);
    }

    fn sha(body: &[u8]) -> String {
        hex::encode(Sha256::digest(body))
    }

    #[tokio::test]
    async fn conditional_undo_touches_only_its_own_package() {
        // With the digest recorded (`--format json` uploads) and without it (the undo hashes).
        for options in [UploadOptions::default(), digest()] {
            conditional_undo(options).await;
        }
    }

    async fn conditional_undo(options: UploadOptions) {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        let previous = d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous");
        // The loser uploads first, the winner replaces it (the loser's becomes `.previous`).
        let loser = file(d.path(), "loser", b"loser pkg");
        let winner = file(d.path(), "winner", b"winnerpkg"); // same size
        b.upload(&loser, options).await.unwrap();
        b.upload(&winner, options).await.unwrap();
        assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");
        // The loser's undo must neither resurrect its own package nor drop the winner's.
        let u = b.undo(Some(sha(b"loser pkg"))).await.unwrap();
        assert_eq!(u.action, "kept");
        assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
        assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");

        // Other order: the winner's is `.previous` and the loser's undo restores it.
        b.upload(&loser, options).await.unwrap();
        let u = b
            .undo(Some(sha(b"loser pkg").to_uppercase()))
            .await
            .unwrap();
        assert_eq!(u.action, "restored");
        assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
        let restored_sha = b.stat().await.unwrap().sha256;
        if options.digest {
            assert_eq!(restored_sha.as_deref(), Some(sha(b"winnerpkg").as_str()));
        } else {
            assert_eq!(restored_sha, None, "no digest was computed for it");
        }
        // A package changed behind our back is never ours, even with our bytes.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&final_path, b"loser pkg").unwrap();
        let u = b.undo(Some(sha(b"loser pkg"))).await.unwrap();
        assert_eq!(u.action, "kept");
        assert_eq!(fs::read(&final_path).unwrap(), b"loser pkg");
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
                let t1 = tokio::spawn(async move { b1.upload(&a, digest()).await });
                let t2 = tokio::spawn(async move { b2.upload(&c, digest()).await });
                (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap())
            });
            // `a` wins; `c` loses and undoes conditionally.
            rt.block_on(b.undo(rc.sha256.clone())).unwrap();
            let st = rt.block_on(b.stat()).unwrap();
            assert!(ra.sha256.is_some(), "round {round}");
            assert_eq!(st.sha256, ra.sha256, "round {round}");
            let body = fs::read(d.path().join("pkgs/wc-ads-tag-0.tar.gz")).unwrap();
            assert_eq!(Some(sha(&body)), ra.sha256, "round {round}");
        }
    }

    #[tokio::test]
    async fn stale_sidecar_is_not_trusted() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let one = file(d.path(), "one", b"aaaa");
        b.upload(&one, digest()).await.unwrap();
        // Someone replaces the package behind our back with same-size content.
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&final_path, b"bbbb").unwrap();
        assert_eq!(b.stat().await.unwrap().sha256, None);
        assert_eq!(b.undo(Some(sha(b"bbbb"))).await.unwrap().action, "kept");
        assert!(
            b.upload(&one, UploadOptions::default())
                .await
                .unwrap()
                .uploaded
        );
        assert_eq!(fs::read(&final_path).unwrap(), b"aaaa");
    }

    #[tokio::test]
    async fn text_mode_upload_records_no_digest() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let one = file(d.path(), "one", b"version one");
        let r = b.upload(&one, UploadOptions::default()).await.unwrap();
        assert!(r.uploaded);
        assert_eq!(r.sha256, None);
        let side = side_file(d.path());
        assert_eq!(side.get("sha256"), None, "{side}");
        assert_eq!(side["size"], 11);
        assert_eq!(b.stat().await.unwrap().sha256, None);
        // Asked for later, on an identical re-upload: computed, reported and recorded then.
        let again = b.upload(&one, digest()).await.unwrap();
        assert!(!again.uploaded);
        let want = sha(b"version one");
        assert_eq!(again.sha256.as_deref(), Some(want.as_str()));
        assert_eq!(side_file(d.path())["sha256"], want.as_str());
        assert_eq!(
            b.stat().await.unwrap().sha256.as_deref(),
            Some(want.as_str())
        );
        // Same size: the check hashed the new content, so its digest is known and recorded.
        let two = file(d.path(), "two", b"version two");
        let r = b.upload(&two, UploadOptions::default()).await.unwrap();
        assert!(r.uploaded);
        assert_eq!(r.sha256, Some(sha(b"version two")));
        assert_eq!(side_file(d.path())["sha256"], sha(b"version two").as_str());
        // Another size, no digest asked for: none computed, none left in the side file.
        let three = file(d.path(), "three", b"version three");
        let r = b.upload(&three, UploadOptions::default()).await.unwrap();
        assert!(r.uploaded);
        assert_eq!(r.sha256, None);
        assert_eq!(side_file(d.path()).get("sha256"), None);
        assert_eq!(b.stat().await.unwrap().sha256, None);
    }

    #[tokio::test]
    async fn identical_reupload_is_skipped_and_same_size_different_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        let b = backend(d.path());
        let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
        // Bigger than one compare block, differing only in the last byte.
        let mut body_a = vec![7u8; (1 << 20) + 100];
        let mut body_b = body_a.clone();
        *body_b.last_mut().unwrap() = 8;
        body_a[0] = 1;
        body_b[0] = 1;
        let a = file(d.path(), "a", &body_a);
        let c = file(d.path(), "c", &body_b);
        for (first, second) in [
            (UploadOptions::default(), UploadOptions::default()),
            (UploadOptions::default(), digest()),
            (digest(), UploadOptions::default()),
            (digest(), digest()),
        ] {
            let _ = b.delete().await;
            assert!(b.upload(&a, first).await.unwrap().uploaded);
            let mtime = fs::metadata(&final_path).unwrap().modified().unwrap();
            let again = b.upload(&a, second).await.unwrap();
            assert!(!again.uploaded, "{first:?} then {second:?}");
            assert_eq!(again.size, body_a.len() as u64);
            // Nothing was written: same file, no previous copy made.
            assert_eq!(
                fs::metadata(&final_path).unwrap().modified().unwrap(),
                mtime
            );
            assert!(b.stat().await.unwrap().previous.is_none());
            let other = b.upload(&c, second).await.unwrap();
            assert!(other.uploaded, "{first:?} then {second:?}");
            assert_eq!(fs::read(&final_path).unwrap(), body_b);
            assert_eq!(
                b.stat().await.unwrap().previous.map(|p| p.size),
                Some(body_a.len() as u64)
            );
            if second.digest {
                assert_eq!(other.sha256, Some(sha(&body_b)));
            }
        }
        // A package of the same bytes put there by something else is replaced (its mode, say,
        // may not let the sandbox read it).
        let _ = b.delete().await;
        fs::create_dir_all(final_path.parent().unwrap()).unwrap();
        fs::write(&final_path, &body_a).unwrap();
        assert!(
            b.upload(&a, UploadOptions::default())
                .await
                .unwrap()
                .uploaded
        );
    }
}
