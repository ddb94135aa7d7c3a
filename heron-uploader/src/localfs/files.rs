//! File helpers of the local backend: existence and removal, the side file's record of the
//! package there, comparing two packages, the kernel copy, and links for the previous copy.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::UNIX_EPOCH;

use heron_common::{Error, Result};
use sha2::{Digest, Sha256};

use crate::Sidecar;
use crate::cleanup::Cleanup;
use crate::naming;
use crate::source::{Progress, read_full};

pub(super) fn io<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

pub(super) fn exists(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot check", path, e)),
    }
}

pub(super) fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("cannot remove", path, e)),
    }
}

pub(super) fn mtime_ns(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What the side file says of the package there.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    pub(super) size: u64,
    pub(super) mtime: u64,
    /// `None` when the upload that wrote it did not need the digest.
    pub(super) sha256: Option<String>,
}

/// The side file of `package`, if it still describes it (same size and mtime): the package is
/// then one we wrote, whole.
pub(super) fn recorded(package: &Path, sidecar: &Path) -> Option<Recorded> {
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
pub(super) enum Comparison {
    Same(Option<String>),
    Different,
}

/// Compares `input` with `package` block by block, stopping at the first difference. Cheaper
/// than hashing both: a memcmp of what is read.
pub(super) fn compare_files(
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
pub(super) fn copy_file(
    src: &Path,
    dst: &Path,
    cleanup: &Cleanup,
    progress: &Progress,
) -> Result<u64> {
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

pub(super) fn sync_dir(dir: &Path) {
    // Makes the renames durable; not fatal where directories cannot be opened for sync.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

pub(super) fn check_same_size(path: &Path, hashed: u64, copied: u64) -> Result<()> {
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
pub(super) fn link_or_copy(dir: &Path, src: &Path, dst: &Path) -> Result<()> {
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
