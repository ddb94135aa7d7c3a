//! S3 backend through `aws-sdk-s3`: key `<prefix parts>/<topology>/topology.tar.gz`, Heron's
//! backup `<prefix parts>/<topology>/previous_topology.tar.gz`.
//!
//! Upload: HEAD the current object; if it carries the same `x-amz-meta-sha256` and size, stop
//! (unless forced). Otherwise copy it server-side to the backup key, then send the package: one
//! PUT when it fits in one part, else a multipart upload with several parts in flight. An object
//! appears under the final key only when the PUT or the CompleteMultipartUpload succeeds, so a
//! killed upload leaves the old package in place; on error or signal the multipart upload is
//! aborted. Requests are retried with exponential backoff by the SDK (parts are in-memory
//! `Bytes`, so they can be resent).
//!
//! Addressing is path-style and checksums are sent only when an operation requires them, which
//! S3-compatible servers (MinIO, Ceph, s3s, R2, ...) accept.
//!
//! This file holds the backend, its object calls, undo, delete and stat; the client is built in
//! `s3/client.rs` (retries, timeouts, region, credentials, proxy), SDK errors become ours in
//! `s3/errors.rs`, and the upload (single PUT or parts in flight) is in `s3/upload.rs`.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use heron_common::{Error, Result};

use crate::cleanup::Cleanup;
use crate::naming;
use crate::settings::S3UriScheme;
use crate::{DeleteResult, PreviousPackage, StatResult, UndoResult, undo_result};

mod client;
mod errors;
mod upload;

/// The user-metadata key holding the package's hex sha256 (`x-amz-meta-sha256` on the wire).
pub const SHA256_METADATA: &str = "sha256";

/// The content type of packages.
const CONTENT_TYPE: &str = "application/gzip";

/// S3's limit on parts per upload.
const MAX_PARTS: u64 = 10_000;

/// The S3 backend for one topology.
pub struct S3 {
    client: Client,
    bucket: String,
    key: String,
    previous_key: String,
    endpoint: Option<String>,
    region: String,
    part_size: u64,
    parts_in_flight: usize,
    uri_scheme: S3UriScheme,
    /// PUT and UploadPart bodies sent as `UNSIGNED-PAYLOAD` (see `S3Settings::unsigned_payload`).
    unsigned_payload: bool,
    cleanup: Cleanup,
    /// For error text: connect, answer (read) and attempt timeouts.
    connect_timeout: Duration,
    read_timeout: Duration,
    attempt_timeout: Duration,
}

/// What HEAD says of an object.
#[derive(Debug, Clone)]
pub(super) struct ObjectInfo {
    pub(super) size: u64,
    pub(super) sha256: Option<String>,
    pub(super) modified_ms: Option<u64>,
}

impl S3 {
    fn uri_of(&self, key: &str) -> String {
        match self.uri_scheme {
            S3UriScheme::Https => {
                naming::s3_https_url(self.endpoint.as_deref(), &self.region, &self.bucket, key)
            }
            S3UriScheme::S3 => naming::s3_uri(&self.bucket, key),
        }
    }

    /// The URI printed for the package.
    pub fn uri(&self) -> String {
        self.uri_of(&self.key)
    }

    fn where_(&self) -> String {
        match &self.endpoint {
            Some(e) => format!("{e} (heron.uploader.s3.uri)"),
            None => format!("AWS S3 in {}", self.region),
        }
    }

    pub(super) fn name(&self, key: &str) -> String {
        naming::s3_uri(&self.bucket, key)
    }

    pub(super) async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => Ok(Some(ObjectInfo {
                size: o
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                sha256: o.metadata().and_then(|m| m.get(SHA256_METADATA)).cloned(),
                modified_ms: o
                    .last_modified()
                    .and_then(|d| d.to_millis().ok())
                    .and_then(|m| u64::try_from(m).ok()),
            })),
            Err(SdkError::ServiceError(se)) if se.err().is_not_found() => Ok(None),
            Err(e) => Err(self.error(format!("cannot check {}", self.name(key)), e)),
        }
    }

    pub(super) async fn copy(&self, from: &str, to: &str) -> Result<()> {
        let source = format!("{}/{}", self.bucket, naming::percent_encode_path(from));
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(source)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                self.error(
                    format!("cannot copy {} to {}", self.name(from), self.name(to)),
                    e,
                )
            })
    }

    pub(super) async fn remove(&self, key: &str) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.error(format!("cannot delete {}", self.name(key)), e))
    }

    /// Restores `previous_topology.tar.gz` if it exists, else deletes the package. With
    /// `if_sha256`, only while the object's `x-amz-meta-sha256` is that sha256; otherwise both
    /// objects are left alone (`kept`). S3 has no lock: an upload landing between this check and
    /// the restore is still overwritten (see docs/uploader.md).
    pub async fn undo(&self, if_sha256: Option<String>) -> Result<UndoResult> {
        if let Some(want) = &if_sha256 {
            let current = self.head(&self.key).await?.and_then(|i| i.sha256);
            if !current.is_some_and(|s| s.eq_ignore_ascii_case(want)) {
                return Ok(undo_result("kept", self.uri()));
            }
        }
        if self.head(&self.previous_key).await?.is_some() {
            self.copy(&self.previous_key, &self.key).await?;
            self.remove(&self.previous_key).await?;
            Ok(undo_result("restored", self.uri()))
        } else if self.head(&self.key).await?.is_some() {
            self.remove(&self.key).await?;
            Ok(undo_result("deleted", self.uri()))
        } else {
            Ok(undo_result("nothing", self.uri()))
        }
    }

    /// Removes the package and its backup.
    pub async fn delete(&self) -> Result<DeleteResult> {
        let mut deleted = Vec::new();
        for key in [&self.key, &self.previous_key] {
            if self.head(key).await?.is_some() {
                self.remove(key).await?;
                deleted.push(self.uri_of(key));
            }
        }
        if deleted.is_empty() {
            return Err(Error::NotFound(format!("no package at {}", self.uri())));
        }
        Ok(DeleteResult { deleted })
    }

    /// Describes the package.
    pub async fn stat(&self) -> Result<StatResult> {
        let info = self
            .head(&self.key)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no package at {}", self.uri())))?;
        let previous = self
            .head(&self.previous_key)
            .await?
            .map(|p| PreviousPackage {
                uri: self.uri_of(&self.previous_key),
                size: p.size,
            });
        Ok(StatResult {
            uri: self.uri(),
            backend: "s3".into(),
            size: info.size,
            sha256: info.sha256,
            modified_ms: info.modified_ms,
            previous,
        })
    }
}
