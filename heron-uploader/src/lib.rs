//! heron-uploader: stores a topology package where Aurora's sandboxes fetch it, and says where.
//!
//! This crate is the library behind the `heron-uploader` binary (docs/uploader.md, and the
//! heron-uploader section of docs/stage-contract.md). It puts one package per topology on a
//! local or shared file system, on HDFS (through `hdfs-native`) or on S3 (through
//! `aws-sdk-s3`), with Heron's config keys and destination layout, and it can undo the last
//! upload, delete a package and describe it. It is not a general file copier and it does not
//! build packages (that is `heron submit`'s job) or fetch them (the Aurora sandbox does that).
//!
//! Guarantees every backend keeps:
//! - nothing partial is ever visible under the final name: localfs and HDFS write a temp name
//!   and rename it into place; S3 completes a multipart upload (or a single PUT) only at the end;
//! - the package being replaced is kept as the "previous" copy, which `undo` restores;
//! - memory is bounded whatever the package size (fixed-size chunks through bounded channels);
//! - the sha256 is stored beside the package (a `.sha256` side file on localfs/HDFS,
//!   `x-amz-meta-sha256` on S3) so an identical package is not sent again; on localfs it is
//!   computed only when something needs it (see [`UploadOptions::digest`]);
//! - secrets never appear in errors, logs or `Debug` output.
//!
//! Using the library: build an [`Uploader`] with a [`Cleanup`]; when an operation fails or is
//! interrupted, call [`Cleanup::run_all`] to remove its temp files and abort its multipart upload
//! (the binary does this on errors and on SIGINT/SIGTERM).
//!
//! # Layout
//! - [`settings`]: Heron's `heron.uploader.*` keys read into typed settings per backend.
//! - [`naming`]: file names, S3 keys and URIs as Heron builds them.
//! - [`source`]: the package input (file or stdin), chunked reading with sha256, progress bar.
//! - [`cleanup`]: temp files and multipart uploads to remove on error or signal.
//! - [`localfs`], [`hdfs`], [`s3`]: the three backends (`localfs/` and `s3/` split into the
//!   backend, its upload, and their helpers: files and lock, client and errors).
//! - [`Uploader`]: one entry point over the three, returning the contract's JSON types.

pub mod cleanup;
pub mod hdfs;
mod hdfs_read;
pub mod localfs;
pub mod naming;
pub mod s3;
pub mod settings;
pub mod source;

use std::time::Instant;

use heron_common::Result;
pub use heron_common::contract::{UndoResult, UploadResult};
use serde::{Deserialize, Serialize};

pub use cleanup::Cleanup;
pub use settings::{Kind, Settings};
pub use source::{Input, Progress};

/// What `stat --format json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatResult {
    /// The package URI (as `upload` prints it).
    pub uri: String,
    /// `localfs`, `hdfs` or `s3`.
    pub backend: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex sha256 recorded at upload, when known (absent for packages not written by us).
    pub sha256: Option<String>,
    /// Last modification, milliseconds since the Unix epoch, when the backend says.
    pub modified_ms: Option<u64>,
    /// The previous package that `undo` would restore, if any.
    pub previous: Option<PreviousPackage>,
}

/// The previous package kept for `undo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousPackage {
    /// Its URI.
    pub uri: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What an undo did to the package at `uri`: `restored` (the previous copy is back), `deleted`
/// (there was none), `kept` (`--if-sha256` did not match) or `nothing` (no package).
pub(crate) fn undo_result(action: &str, uri: String) -> UndoResult {
    UndoResult {
        action: action.to_string(),
        uri,
    }
}

/// What `delete --format json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteResult {
    /// URIs of the packages removed (the current one and the previous copy, when present).
    pub deleted: Vec<String>,
}

/// Options of an upload.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadOptions {
    /// Upload even when an identical package is already at the destination.
    pub force: bool,
    /// Draw a progress bar (only ever on a terminal, for large packages).
    pub progress: bool,
    /// Compute the package's sha256 even where nothing else needs it (`--format json` reports
    /// it). Off, the localfs and HDFS backends hash only for the identical-package check; S3
    /// always computes it (the object's metadata carries it from the start).
    pub digest: bool,
}

/// What a backend reports of one upload (the wrapper adds the timing and the backend name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The URI to fetch.
    pub uri: String,
    /// Bytes.
    pub size: u64,
    /// Hex sha256, when it was computed or recorded ([`UploadOptions::digest`] asks for it).
    pub sha256: Option<String>,
    /// False when an identical package was already there.
    pub uploaded: bool,
}

/// The configured backend, ready for one topology.
pub enum Uploader {
    /// Local file system.
    LocalFs(localfs::LocalFs),
    /// HDFS.
    Hdfs(hdfs::Hdfs),
    /// S3.
    S3(s3::S3),
}

impl Uploader {
    /// Builds the backend for `topology` of `role`. Nothing is contacted yet for localfs; the
    /// HDFS and S3 clients are built (credentials resolved lazily, on the first request).
    pub async fn new(
        settings: &Settings,
        topology: &str,
        role: &str,
        cleanup: Cleanup,
    ) -> Result<Uploader> {
        naming::check_name("topology", topology)?;
        naming::check_name("role", role)?;
        Ok(match settings {
            Settings::LocalFs(s) => {
                Uploader::LocalFs(localfs::LocalFs::new(s, topology, role, cleanup))
            }
            Settings::Hdfs(s) => Uploader::Hdfs(hdfs::Hdfs::new(s, topology, role, cleanup)?),
            Settings::S3(s) => Uploader::S3(s3::S3::new(s, topology, cleanup).await?),
        })
    }

    /// The backend kind.
    pub fn kind(&self) -> Kind {
        match self {
            Uploader::LocalFs(_) => Kind::LocalFs,
            Uploader::Hdfs(_) => Kind::Hdfs,
            Uploader::S3(_) => Kind::S3,
        }
    }

    /// The URI of the package (whether or not it exists).
    pub fn uri(&self) -> String {
        match self {
            Uploader::LocalFs(b) => b.uri(),
            Uploader::Hdfs(b) => b.uri(),
            Uploader::S3(b) => b.uri(),
        }
    }

    /// Stores the package, keeping the one it replaces as the previous copy, and reports it with
    /// its sha256 (the stage contract's result; `options.digest` is implied).
    pub async fn upload(&self, input: &Input, options: UploadOptions) -> Result<UploadResult> {
        let started = Instant::now();
        let done = self
            .put(
                input,
                UploadOptions {
                    digest: true,
                    ..options
                },
            )
            .await?;
        let sha256 = done.sha256.ok_or_else(|| {
            heron_common::Error::Failed(format!(
                "the upload to {} did not report the package's sha256",
                done.uri
            ))
        })?;
        Ok(UploadResult {
            uri: done.uri,
            size: done.size,
            sha256,
            backend: self.kind().name().to_string(),
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            uploaded: done.uploaded,
        })
    }

    /// Stores the package like [`Uploader::upload`], computing its sha256 only where something
    /// needs it: `options.digest`, the identical-package check, or a backend that always records
    /// it (HDFS, S3). `sha256` is `None` when it was not computed.
    pub async fn put(&self, input: &Input, options: UploadOptions) -> Result<Uploaded> {
        // S3 hashes the package before it sends anything; the others start with the copy.
        let first = match self {
            Uploader::S3(_) => "hashing",
            Uploader::LocalFs(_) | Uploader::Hdfs(_) => "uploading",
        };
        let progress = Progress::new(options.progress, input.size(), first);
        let result = match self {
            Uploader::LocalFs(b) => b.upload(input, options, &progress).await,
            Uploader::Hdfs(b) => b.upload(input, options, &progress).await,
            Uploader::S3(b) => b.upload(input, options, &progress).await,
        };
        progress.finish();
        result
    }

    /// Reverts the last upload: restores the previous copy if there is one, else deletes the
    /// package; `nothing` when there is neither. With `if_sha256`, only while the package there
    /// has that sha256 (i.e. it is still the caller's upload); else `kept`, nothing changed.
    pub async fn undo(&self, if_sha256: Option<&str>) -> Result<UndoResult> {
        let want = if_sha256.map(str::to_string);
        match self {
            Uploader::LocalFs(b) => b.undo(want).await,
            Uploader::Hdfs(b) => b.undo(want).await,
            Uploader::S3(b) => b.undo(want).await,
        }
    }

    /// Removes the package and its previous copy. Not found when there was neither.
    pub async fn delete(&self) -> Result<DeleteResult> {
        match self {
            Uploader::LocalFs(b) => b.delete().await,
            Uploader::Hdfs(b) => b.delete().await,
            Uploader::S3(b) => b.delete().await,
        }
    }

    /// Describes the package. Not found when absent.
    pub async fn stat(&self) -> Result<StatResult> {
        match self {
            Uploader::LocalFs(b) => b.stat().await,
            Uploader::Hdfs(b) => b.stat().await,
            Uploader::S3(b) => b.stat().await,
        }
    }
}

/// The checksum side file kept next to a package on localfs and HDFS.
///
/// It is trusted only while the package still has the size and modification time recorded
/// here, so a crash between the rename and the side-file write cannot make a stale checksum
/// look current. A side file without a sha256 (a localfs upload that did not need the digest)
/// still says the package was written by us, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Hex sha256 of the package, when it was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Its size.
    pub size: u64,
    /// Its modification time, in the backend's unit (ns on localfs, ms on HDFS).
    pub mtime: u64,
}

impl Sidecar {
    /// Parses a side file; `None` when it is not ours or is damaged (then it is ignored).
    pub fn parse(bytes: &[u8]) -> Option<Sidecar> {
        serde_json::from_slice(bytes).ok()
    }

    /// The side file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Whether this side file describes a package of that size and mtime.
    pub fn describes(&self, size: u64, mtime: u64) -> bool {
        self.size == size && self.mtime == mtime
    }

    /// The checksum, if this side file describes a package of that size and mtime and has one.
    pub fn sha_for(&self, size: u64, mtime: u64) -> Option<&str> {
        if self.describes(size, mtime) {
            self.sha256.as_deref()
        } else {
            None
        }
    }
}
