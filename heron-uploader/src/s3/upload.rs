//! The upload: HEAD for an identical package, the server-side copy to the backup key, then one
//! PUT when the package fits in one part, else a multipart upload with several parts in flight,
//! aborted on error or signal; the sha256 travels as object metadata.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use heron_common::{Error, Result};

use super::errors::chain;
use super::{CONTENT_TYPE, MAX_PARTS, S3, SHA256_METADATA};
use crate::cleanup::Action;
use crate::naming;
use crate::settings;
use crate::source::{ChunkReader, Input, Progress, hash_file};
use crate::{UploadOptions, Uploaded};

/// The file must not change between the hashing pass and the upload (its sha256 would be wrong).
fn check_unchanged(input: &Input, hashed: Option<u64>, sent: u64) -> Result<()> {
    match hashed {
        Some(n) if n != sent => Err(Error::Failed(format!(
            "package {} changed while it was being uploaded ({n} bytes hashed, {sent} read); upload it \
             again once it is complete",
            input.describe()
        ))),
        _ => Ok(()),
    }
}

impl S3 {
    /// Part size for a package of `size` bytes: the configured one, larger when the package
    /// would otherwise need more than S3's 10,000 parts.
    fn part_size_for(&self, size: Option<u64>) -> u64 {
        let needed = size.map(|s| s.div_ceil(MAX_PARTS)).unwrap_or(0);
        let mib = 1 << 20;
        self.part_size.max(needed.div_ceil(mib) * mib)
    }

    /// Stores the package, showing its progress on `progress`.
    pub async fn upload(
        &self,
        input: &Input,
        options: UploadOptions,
        progress: &Progress,
    ) -> Result<Uploaded> {
        let existing = self.head(&self.key).await?;
        let identical = |sha: &str, size: u64| {
            !options.force
                && existing
                    .as_ref()
                    .is_some_and(|e| e.size == size && e.sha256.as_deref() == Some(sha))
        };
        // For a file, the sha256 goes into the object's metadata, so it is needed before the
        // first byte is sent: hash in a first pass (from the page cache on the second read).
        let mut hashed_size = None;
        let known_sha = match input {
            Input::File { path, .. } => {
                let p = path.clone();
                let bar = progress.clone();
                let (sha, n) = tokio::task::spawn_blocking(move || hash_file(&p, &bar))
                    .await
                    .map_err(|e| Error::Failed(format!("hashing task failed: {e}")))??;
                if identical(&sha, n) {
                    return Ok(Uploaded {
                        uri: self.uri(),
                        size: n,
                        sha256: Some(sha),
                        uploaded: false,
                    });
                }
                hashed_size = Some(n);
                Some(sha)
            }
            Input::Stdin => None,
        };
        progress.restart("uploading");

        let part_size = self.part_size_for(input.size());
        let chunk = usize::try_from(part_size)
            .map_err(|_| Error::BadInput("part size too large".into()))?;
        let mut reader = ChunkReader::start(input, chunk, 1, known_sha.is_none())?;
        let Some(first) = reader.next().await? else {
            return Err(crate::source::empty_package(input));
        };
        let second = if first.len() == chunk {
            reader.next().await?
        } else {
            None
        };

        let Some(second) = second else {
            // Fits in one part: one PUT.
            let digest = reader.finish().await?;
            check_unchanged(input, hashed_size, digest.size)?;
            let sha = known_sha.unwrap_or(digest.sha256);
            if identical(&sha, digest.size) {
                return Ok(Uploaded {
                    uri: self.uri(),
                    size: digest.size,
                    sha256: Some(sha),
                    uploaded: false,
                });
            }
            if existing.is_some() {
                self.copy(&self.key, &self.previous_key).await?;
            }
            let len = first.len() as u64;
            let mut put = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_length(len as i64)
                .content_type(CONTENT_TYPE)
                .metadata(SHA256_METADATA, &sha)
                .body(ByteStream::from(first))
                .customize();
            if self.unsigned_payload {
                put = put.disable_payload_signing();
            }
            put.send()
                .await
                .map_err(|e| self.error(format!("cannot upload {}", self.name(&self.key)), e))?;
            progress.inc(len);
            return Ok(Uploaded {
                uri: self.uri(),
                size: digest.size,
                sha256: Some(sha),
                uploaded: true,
            });
        };

        let mut create = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type(CONTENT_TYPE);
        if let Some(sha) = &known_sha {
            create = create.metadata(SHA256_METADATA, sha);
        }
        let created = create.send().await.map_err(|e| {
            self.error(
                format!("cannot start uploading {}", self.name(&self.key)),
                e,
            )
        })?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| {
                Error::Failed("S3 started a multipart upload but returned no upload id".into())
            })?
            .to_string();
        let ticket = self.cleanup.register(Action::S3Multipart {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            upload_id: upload_id.clone(),
        });

        let parts = self
            .send_parts(&upload_id, [first, second], &mut reader, progress)
            .await?;
        let digest = reader.finish().await?;
        check_unchanged(input, hashed_size, digest.size)?;
        if self.cleanup.is_cancelled() {
            return Err(Error::Failed("upload interrupted".into()));
        }
        let sha = match known_sha.clone() {
            Some(sha) => sha,
            None => {
                // From stdin the checksum is known only now: an identical package is dropped here,
                // before anything under the final key changes.
                if identical(&digest.sha256, digest.size) {
                    self.abort(&upload_id).await;
                    self.cleanup.done(ticket);
                    return Ok(Uploaded {
                        uri: self.uri(),
                        size: digest.size,
                        sha256: Some(digest.sha256),
                        uploaded: false,
                    });
                }
                digest.sha256
            }
        };
        // The backup is taken as late as possible: the package it copies is still current.
        if existing.is_some() {
            self.copy(&self.key, &self.previous_key).await?;
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                self.error(
                    format!("cannot complete the upload of {}", self.name(&self.key)),
                    e,
                )
            })?;
        self.cleanup.done(ticket);
        if known_sha.is_none() {
            self.record_sha(&sha, digest.size).await;
        }
        Ok(Uploaded {
            uri: self.uri(),
            size: digest.size,
            sha256: Some(sha),
            uploaded: true,
        })
    }

    async fn abort(&self, upload_id: &str) {
        if let Err(e) = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .send()
            .await
        {
            tracing::warn!(
                "cannot abort the multipart upload of {}: {}",
                self.name(&self.key),
                chain(&e)
            );
        }
    }

    /// Stores the sha256 on an object uploaded without it (from stdin, in several parts): a
    /// server-side copy onto itself with new metadata. Best effort: the upload already succeeded,
    /// only the next identical-package check needs it.
    async fn record_sha(&self, sha: &str, size: u64) {
        if size > settings::S3_MAX_PART {
            return; // CopyObject's limit; such a package is simply re-sent next time.
        }
        let source = format!("{}/{}", self.bucket, naming::percent_encode_path(&self.key));
        if let Err(e) = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .copy_source(source)
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .content_type(CONTENT_TYPE)
            .metadata(SHA256_METADATA, sha)
            .send()
            .await
        {
            tracing::warn!(
                "cannot record the sha256 on {}: {}",
                self.name(&self.key),
                chain(&e)
            );
        }
    }

    /// Sends every part, keeping up to `parts_in_flight` requests going; returns them in order.
    async fn send_parts(
        &self,
        upload_id: &str,
        first: [Bytes; 2],
        reader: &mut ChunkReader,
        progress: &Progress,
    ) -> Result<Vec<CompletedPart>> {
        let mut pending: std::collections::VecDeque<Bytes> = first.into_iter().collect();
        let mut in_flight = tokio::task::JoinSet::new();
        let mut done = Vec::new();
        let mut next_number: i32 = 1;
        let mut eof = false;
        loop {
            while in_flight.len() < self.parts_in_flight {
                let chunk = match pending.pop_front() {
                    Some(c) => c,
                    None if eof => break,
                    None => match reader.next().await? {
                        Some(c) => c,
                        None => {
                            eof = true;
                            break;
                        }
                    },
                };
                if i64::from(next_number) > MAX_PARTS as i64 {
                    return Err(Error::BadInput(format!(
                        "the package from stdin is larger than {MAX_PARTS} parts of {} bytes; raise {}",
                        self.part_size,
                        settings::S3_PART_SIZE
                    )));
                }
                let number = next_number;
                next_number += 1;
                let mut request = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .content_length(chunk.len() as i64)
                    .body(ByteStream::from(chunk.clone()))
                    .customize();
                if self.unsigned_payload {
                    // No sha256 of the part on either side; TLS (or the operator's choice)
                    // covers the body.
                    request = request.disable_payload_signing();
                }
                in_flight.spawn(async move { (number, chunk.len() as u64, request.send().await) });
            }
            let Some(joined) = in_flight.join_next().await else {
                break;
            };
            let (number, len, sent) =
                joined.map_err(|e| Error::Failed(format!("part upload task failed: {e}")))?;
            let output = sent.map_err(|e| {
                self.error(
                    format!("cannot upload part {number} of {}", self.name(&self.key)),
                    e,
                )
            })?;
            progress.inc(len);
            done.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(output.e_tag().map(str::to_string))
                    .build(),
            );
        }
        done.sort_by_key(|p| p.part_number());
        Ok(done)
    }
}
