//! One upload, under the destination lock: the identical-package check (by recorded digest, or
//! by comparing bytes), the copy to a temp name (from a file with the kernel's copy, hashing on
//! another thread when the digest is wanted, or from stdin), the previous copy, the rename, and
//! the side file.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use heron_common::{Error, Result};
use sha2::{Digest, Sha256};

use super::files::{
    Comparison, Recorded, check_same_size, compare_files, copy_file, exists, io, link_or_copy,
    mtime_ns, recorded, remove_if_exists, sync_dir,
};
use super::{LocalFs, Paths};
use crate::cleanup::Action;
use crate::naming;
use crate::source::{Input, Progress, hash_file};
use crate::{Sidecar, UploadOptions, Uploaded};

impl LocalFs {
    pub(super) fn upload_blocking(
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

    /// Adds a digest computed later to the side file of an unchanged package (`rec` is what the
    /// side file said before the package was read; a package changed since keeps its side file,
    /// which no longer describes it anyway).
    pub(super) fn record_sha(&self, p: &Paths, rec: &Recorded, sha256: &str) -> Result<()> {
        match fs::metadata(&p.package) {
            Ok(m) if m.len() == rec.size && mtime_ns(&m) == rec.mtime => {
                self.write_sidecar(p, Some(sha256))
            }
            _ => Ok(()),
        }
    }

    pub(super) fn copy_stdin(
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
    pub(super) fn keep_previous(&self, p: &Paths) -> Result<()> {
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

    pub(super) fn write_sidecar(&self, p: &Paths, sha256: Option<&str>) -> Result<()> {
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
}
