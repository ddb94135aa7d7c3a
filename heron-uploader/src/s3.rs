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

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use heron_common::{Error, Result};

use crate::cleanup::{Action, Cleanup};
use crate::naming;
use crate::settings::{self, Credentials, S3Settings, S3UriScheme};
use crate::source::{ChunkReader, Input, Progress, hash_file};
use crate::{DeleteResult, PreviousPackage, StatResult, UndoResult, UploadOptions, Uploaded};

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
struct ObjectInfo {
    size: u64,
    sha256: Option<String>,
    modified_ms: Option<u64>,
}

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

/// An error and its sources, by their `Display` only (the SDK's `Debug` dumps go to `--verbose`).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// Splits `scheme://user:pass@host:port/...` into the URI without credentials and the credentials.
fn split_proxy(uri: &str) -> (String, Option<(String, String)>) {
    if let Some((scheme, rest)) = uri.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            let userinfo = &rest[..at];
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            return (
                format!("{scheme}://{}", &rest[at + 1..]),
                Some((user.to_string(), pass.to_string())),
            );
        }
    }
    (uri.to_string(), None)
}

fn proxy_client(proxy_uri: &str) -> Result<aws_sdk_s3::config::SharedHttpClient> {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    let (uri, auth) = split_proxy(proxy_uri);
    let mut proxy = ProxyConfig::all(uri.as_str()).map_err(|e| Error::ConfigValue {
        key: settings::S3_PROXY_URI.to_string(),
        origin: None,
        message: format!("{uri:?} is not a usable proxy URI: {e}"),
    })?;
    if let Some((user, pass)) = auth {
        proxy = proxy.with_basic_auth(user, pass);
    }
    Ok(
        Builder::new().build_with_connector_fn(move |connector_settings, components| {
            let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            builder.set_connector_settings(connector_settings.cloned());
            if let Some(c) = components {
                builder.set_sleep_impl(c.sleep_impl());
            }
            builder.set_proxy_config(Some(proxy.clone()));
            builder.build()
        }),
    )
}

impl S3 {
    /// Builds the client. Credentials are resolved on the first request.
    pub async fn new(s: &S3Settings, topology: &str, cleanup: Cleanup) -> Result<S3> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(s.max_attempts)
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(10)),
            )
            .timeout_config(
                // Connect alone is not enough: a server that accepts and never answers would
                // hang the upload (and `heron` until its stage timeout).
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(s.connect_timeout)
                    .read_timeout(s.read_timeout)
                    .operation_attempt_timeout(s.attempt_timeout)
                    .build(),
            );
        match (&s.region, &s.endpoint) {
            (Some(region), _) => loader = loader.region(Region::new(region.clone())),
            // A custom endpoint ignores the region but signing needs one: skip the lookup chain
            // (which would ask EC2's metadata service) unless the environment names one.
            (None, Some(_))
                if std::env::var_os("AWS_REGION").is_none()
                    && std::env::var_os("AWS_DEFAULT_REGION").is_none() =>
            {
                loader = loader.region(Region::new("us-east-1"));
            }
            (None, _) => {}
        }
        match &s.credentials {
            Credentials::Static {
                access_key,
                secret_key,
            } => {
                loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                    access_key.clone(),
                    secret_key.clone(),
                    None,
                    None,
                    "heron-uploader-config",
                ));
            }
            Credentials::Profile(profile) => loader = loader.profile_name(profile),
            Credentials::DefaultChain => {}
        }
        if let Some(proxy) = &s.proxy_uri {
            loader = loader.http_client(proxy_client(proxy)?);
        }
        let sdk = loader.load().await;
        // The SDK needs a region to sign even for a custom endpoint; Heron's default is the SDK's.
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        let mut builder = aws_sdk_s3::config::Builder::from(&sdk)
            .region(Region::new(region.clone()))
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = &s.endpoint {
            builder = builder.endpoint_url(endpoint.trim_end_matches('/'));
        }
        Ok(S3 {
            client: Client::from_conf(builder.build()),
            bucket: s.bucket.clone(),
            key: naming::s3_key(&s.path_prefix, topology, naming::S3_PACKAGE_NAME),
            previous_key: naming::s3_key(&s.path_prefix, topology, naming::S3_PREVIOUS_NAME),
            endpoint: s.endpoint.clone(),
            region,
            part_size: s.part_size,
            parts_in_flight: s.parts_in_flight,
            uri_scheme: s.uri_scheme,
            unsigned_payload: s.unsigned_payload(),
            cleanup,
            connect_timeout: s.connect_timeout,
            read_timeout: s.read_timeout,
            attempt_timeout: s.attempt_timeout,
        })
    }

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

    /// Maps an SDK error, naming the object and what to do. Never includes credentials.
    fn error<E>(&self, what: String, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        tracing::debug!("{what}: {}", DisplayErrorContext(&e));
        let detail = chain(&e);
        if !matches!(e, SdkError::ServiceError(_))
            && detail.to_ascii_lowercase().contains("credential")
        {
            return Error::Denied(format!(
                "{what}: no usable S3 credentials ({}); set {} and {} in uploader.yaml, or {}, or \
                 AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment",
                detail.lines().next().unwrap_or(""),
                settings::S3_ACCESS_KEY,
                settings::S3_SECRET_KEY,
                settings::S3_AWS_PROFILE
            ));
        }
        match &e {
            SdkError::ServiceError(se) => {
                let status = se.raw().status().as_u16();
                let code = se.err().code().unwrap_or("");
                let message = se.err().message().unwrap_or("");
                let said = if code.is_empty() {
                    // HEAD answers carry no body, so no error code: say what the status means.
                    match status {
                        403 => "HTTP 403 Forbidden (a wrong secret key, an unknown access key or a missing permission)".to_string(),
                        _ => format!("HTTP {status}"),
                    }
                } else if message.is_empty() {
                    format!("{code} (HTTP {status})")
                } else {
                    format!("{code}: {message} (HTTP {status})")
                };
                let auth_codes = [
                    "SignatureDoesNotMatch",
                    "InvalidAccessKeyId",
                    "AccessDenied",
                    "InvalidToken",
                    "ExpiredToken",
                    "AuthorizationHeaderMalformed",
                    "InvalidSecurity",
                ];
                if auth_codes.contains(&code) || status == 401 || status == 403 {
                    Error::Denied(format!(
                        "{what}: S3 at {} refused the request: {said}; check {} and {} (or {}, or the AWS \
                         environment) and the bucket policy",
                        self.where_(),
                        settings::S3_ACCESS_KEY,
                        settings::S3_SECRET_KEY,
                        settings::S3_AWS_PROFILE
                    ))
                } else if code == "NoSuchBucket" {
                    Error::NotFound(format!(
                        "{what}: bucket {:?} does not exist at {} ({}); create it first",
                        self.bucket,
                        self.where_(),
                        settings::S3_BUCKET
                    ))
                } else if status == 404 {
                    Error::NotFound(format!("{what}: {said}"))
                } else if status >= 500 {
                    Error::Unavailable(format!("{what}: S3 at {} failed: {said}", self.where_()))
                } else {
                    Error::Failed(format!("{what}: {said}"))
                }
            }
            SdkError::TimeoutError(_) => Error::Unavailable(format!(
                "{what}: S3 at {} did not finish a request within {} ms ({}): {detail}",
                self.where_(),
                self.attempt_timeout.as_millis(),
                settings::S3_ATTEMPT_TIMEOUT
            )),
            SdkError::DispatchFailure(df) if df.is_timeout() => Error::Unavailable(format!(
                "{what}: S3 at {} did not answer in time (connect {} ms: {}, answer {} ms: {}); \
                 check that the server is up and not overloaded: {detail}",
                self.where_(),
                self.connect_timeout.as_millis(),
                settings::S3_CONNECT_TIMEOUT,
                self.read_timeout.as_millis(),
                settings::S3_READ_TIMEOUT
            )),
            SdkError::DispatchFailure(_) => Error::Unavailable(format!(
                "{what}: cannot reach S3 at {}: {detail}",
                self.where_()
            )),
            _ => Error::Failed(format!("{what}: {detail}")),
        }
    }

    fn name(&self, key: &str) -> String {
        naming::s3_uri(&self.bucket, key)
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
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

    async fn copy(&self, from: &str, to: &str) -> Result<()> {
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

    async fn remove(&self, key: &str) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.error(format!("cannot delete {}", self.name(key)), e))
    }

    /// Part size for a package of `size` bytes: the configured one, larger when the package
    /// would otherwise need more than S3's 10,000 parts.
    fn part_size_for(&self, size: Option<u64>) -> u64 {
        let needed = size.map(|s| s.div_ceil(MAX_PARTS)).unwrap_or(0);
        let mib = 1 << 20;
        self.part_size.max(needed.div_ceil(mib) * mib)
    }

    /// Stores the package.
    pub async fn upload(&self, input: &Input, options: UploadOptions) -> Result<Uploaded> {
        let progress = Progress::new(options.progress, input.size(), "hashing");
        let result = self.upload_inner(input, options, &progress).await;
        progress.finish();
        result
    }

    async fn upload_inner(
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

    /// Restores `previous_topology.tar.gz` if it exists, else deletes the package. With
    /// `if_sha256`, only while the object's `x-amz-meta-sha256` is that sha256; otherwise both
    /// objects are left alone (`kept`). S3 has no lock: an upload landing between this check and
    /// the restore is still overwritten (see docs/uploader.md).
    pub async fn undo(&self, if_sha256: Option<String>) -> Result<UndoResult> {
        if let Some(want) = &if_sha256 {
            let current = self.head(&self.key).await?.and_then(|i| i.sha256);
            if !current.is_some_and(|s| s.eq_ignore_ascii_case(want)) {
                return Ok(UndoResult {
                    action: "kept".into(),
                    uri: self.uri(),
                });
            }
        }
        if self.head(&self.previous_key).await?.is_some() {
            self.copy(&self.previous_key, &self.key).await?;
            self.remove(&self.previous_key).await?;
            Ok(UndoResult {
                action: "restored".into(),
                uri: self.uri(),
            })
        } else if self.head(&self.key).await?.is_some() {
            self.remove(&self.key).await?;
            Ok(UndoResult {
                action: "deleted".into(),
                uri: self.uri(),
            })
        } else {
            Ok(UndoResult {
                action: "nothing".into(),
                uri: self.uri(),
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_split_off() {
        assert_eq!(
            split_proxy("http://proxy:3128"),
            ("http://proxy:3128".to_string(), None)
        );
        assert_eq!(
            split_proxy("http://u:p%40ss@proxy:3128/"),
            (
                "http://proxy:3128/".to_string(),
                Some(("u".to_string(), "p%40ss".to_string()))
            )
        );
    }
}
