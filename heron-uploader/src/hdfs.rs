//! HDFS backend through `hdfs-native`: `<dirURI>/<topology>-<role>-tag-0.tar.gz`.
//!
//! Upload: write a hidden temp file in the same directory, close it (the NameNode then has every
//! block), rename the current package to `<file>.previous`, rename the temp file over the final
//! name, write `<file>.sha256`. HDFS has no hard links, so for the instant between the two
//! renames only the previous copy exists; every command first puts it back if it finds that
//! state (it can only come from a crash there), so the package is never lost.
//!
//! The client reads `core-site.xml` / `hdfs-site.xml` from `heron.uploader.hdfs.config.directory`
//! (HA name services, ViewFS); Kerberos works when the machine holds a ticket.

use bytes::Bytes;
use hdfs_native::{Client, ClientBuilder, HdfsError, WriteOptions};
use heron_common::{Error, Result};

use crate::cleanup::{Action, Cleanup};
use crate::hdfs_read;
use crate::naming;
use crate::settings::HdfsSettings;
use crate::source::{ChunkReader, Input, Progress, hash_file};
use crate::{
    DeleteResult, PreviousPackage, Sidecar, StatResult, UndoResult, UploadOptions, Uploaded,
    undo_result,
};

/// Chunk size for HDFS writes and reads.
pub(crate) const CHUNK: usize = 4 << 20;

/// The HDFS backend for one topology.
pub struct Hdfs {
    client: Client,
    dir_uri: String,
    dir_path: String,
    file: String,
    connect_timeout: std::time::Duration,
    cleanup: Cleanup,
}

/// Maps an hdfs-native error to ours, with what was being done.
pub fn map_error(what: String, e: HdfsError) -> Error {
    match &e {
        HdfsError::IOError(_) => Error::Unavailable(format!(
            "{what}: cannot reach HDFS ({e}); check the NameNode address and that it is up"
        )),
        HdfsError::FileNotFound(_) => Error::NotFound(format!("{what}: {e}")),
        HdfsError::AlreadyExists(_) => Error::AlreadyExists(format!("{what}: {e}")),
        HdfsError::RPCError(class, _) | HdfsError::FatalRPCError(class, _)
            if class.contains("AccessControlException") || class.contains("Security") =>
        {
            Error::Denied(format!("{what}: permission denied: {e}"))
        }
        HdfsError::SASLError(_) | HdfsError::GSSAPIError(..) | HdfsError::NoSASLMechanism => {
            Error::Denied(format!(
                "{what}: HDFS authentication failed ({e}); with Kerberos, run kinit first"
            ))
        }
        HdfsError::UrlParseError(_)
        | HdfsError::InvalidArgument(_)
        | HdfsError::XmlParseError(_) => Error::BadInput(format!("{what}: {e}")),
        _ => Error::Failed(format!("{what}: {e}")),
    }
}

/// Splits `hdfs://authority/path` into the client URL (`hdfs://authority/`) and the path.
fn split_uri(uri: &str) -> Result<(String, String)> {
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| Error::BadInput(format!("{uri:?} is not an hdfs:// URI")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = if path.is_empty() { "/" } else { path };
    Ok((
        format!("{scheme}://{authority}/"),
        path.trim_end_matches('/').to_string(),
    ))
}

impl Hdfs {
    /// Builds the client (no RPC yet).
    pub fn new(
        settings: &HdfsSettings,
        topology: &str,
        role: &str,
        cleanup: Cleanup,
    ) -> Result<Hdfs> {
        let (url, dir_path) = split_uri(&settings.directory_uri)?;
        let mut builder = ClientBuilder::new().with_url(url);
        if let Some(dir) = &settings.config_dir {
            if !dir.is_dir() {
                return Err(Error::ConfigValue {
                    key: crate::settings::HDFS_CONFIG_DIR.to_string(),
                    origin: None,
                    message: format!("{} is not a directory", dir.display()),
                });
            }
            builder = builder.with_config_dir(dir.to_string_lossy().to_string());
        }
        let client = builder.build().map_err(|e| {
            map_error(
                format!(
                    "cannot set up the HDFS client for {}",
                    settings.directory_uri
                ),
                e,
            )
        })?;
        Ok(Hdfs {
            client,
            dir_uri: settings.directory_uri.clone(),
            dir_path,
            file: naming::package_file_name(topology, role),
            connect_timeout: settings.connect_timeout,
            cleanup,
        })
    }

    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.dir_path)
    }

    fn uri_of(&self, name: &str) -> String {
        format!("{}/{name}", self.dir_uri)
    }

    /// `<dirURI>/<file>`, as Heron returns it.
    pub fn uri(&self) -> String {
        self.uri_of(&self.file)
    }

    /// A first call with a deadline: hdfs-native, like Hadoop's client, retries an unreachable
    /// NameNode for minutes.
    async fn probe(&self) -> Result<()> {
        match tokio::time::timeout(self.connect_timeout, self.client.get_file_info("/")).await {
            Ok(Ok(_)) | Ok(Err(HdfsError::FileNotFound(_))) => Ok(()),
            Ok(Err(e)) => Err(map_error(format!("cannot use {}", self.dir_uri), e)),
            Err(_) => Err(Error::Unavailable(format!(
                "cannot reach HDFS for {} within {} s; check that the NameNode is up and the address \
                 (and {}) is right, or raise {}",
                self.dir_uri,
                self.connect_timeout.as_secs(),
                crate::settings::HDFS_CONFIG_DIR,
                crate::settings::HDFS_CONNECT_TIMEOUT
            ))),
        }
    }

    async fn info(&self, path: &str) -> Result<Option<hdfs_native::client::FileStatus>> {
        match self.client.get_file_info(path).await {
            Ok(s) => Ok(Some(s)),
            Err(HdfsError::FileNotFound(_)) => Ok(None),
            Err(e) => Err(map_error(format!("cannot stat {path}"), e)),
        }
    }

    async fn read_small(&self, path: &str) -> Option<Vec<u8>> {
        let reader = self.client.read(path).await.ok()?;
        let len = reader.file_length();
        if len > 64 << 10 {
            return None;
        }
        reader.read_range(0, len).await.ok().map(|b| b.to_vec())
    }

    /// The package's side file, when it describes the package as it is now (size and mtime).
    async fn sidecar(&self, status: &hdfs_native::client::FileStatus) -> Option<Sidecar> {
        let side = Sidecar::parse(
            &self
                .read_small(&self.path(&naming::sidecar_name(&self.file)))
                .await?,
        )?;
        side.describes(status.length as u64, status.modification_time)
            .then_some(side)
    }

    async fn recorded_sha(&self, status: &hdfs_native::client::FileStatus) -> Option<String> {
        self.sidecar(status).await.and_then(|s| s.sha256)
    }

    async fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.client
            .rename(from, to, true)
            .await
            .map_err(|e| map_error(format!("cannot rename {from} to {to}"), e))
    }

    async fn remove(&self, path: &str) -> Result<bool> {
        match self.client.delete(path, false).await {
            Ok(existed) => Ok(existed),
            Err(HdfsError::FileNotFound(_)) => Ok(false),
            Err(e) => Err(map_error(format!("cannot delete {path}"), e)),
        }
    }

    /// Puts the previous copy back if a crash left it without a current package.
    async fn recover(&self) -> Result<()> {
        let package = self.path(&self.file);
        let previous = self.path(&naming::previous_name(&self.file));
        if self.info(&package).await?.is_none() && self.info(&previous).await?.is_some() {
            tracing::warn!(
                "{package} was missing but its previous copy exists (an upload was killed); restoring it"
            );
            self.rename(&previous, &package).await?;
            let prev_side = self.path(&naming::sidecar_name(&naming::previous_name(&self.file)));
            if self.info(&prev_side).await?.is_some() {
                self.rename(&prev_side, &self.path(&naming::sidecar_name(&self.file)))
                    .await?;
            }
        }
        Ok(())
    }

    /// Removes temp files of this package older than an hour (left by killed uploads).
    async fn remove_stale_temps(&self) {
        let Ok(list) = self.client.list_status(&self.dir_path, false).await else {
            return;
        };
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let prefixes = [
            naming::temp_prefix(&self.file),
            naming::temp_prefix(&naming::sidecar_name(&self.file)),
        ];
        for status in list {
            let name = status.path.rsplit('/').next().unwrap_or("");
            if prefixes.iter().any(|p| name.starts_with(p))
                && now_ms.saturating_sub(status.modification_time) > 3_600_000
            {
                tracing::debug!("removing leftover temp file {}", status.path);
                let _ = self.client.delete(&status.path, false).await;
            }
        }
    }

    /// Stores the package, showing its progress on `progress`.
    pub async fn upload(
        &self,
        input: &Input,
        options: UploadOptions,
        progress: &Progress,
    ) -> Result<Uploaded> {
        self.probe().await?;
        let package = self.path(&self.file);
        self.client
            .mkdirs(&self.dir_path, 0o755, true)
            .await
            .map_err(|e| map_error(format!("cannot create {}", self.dir_uri), e))?;
        self.recover().await?;
        self.remove_stale_temps().await;
        let current = match self.info(&package).await? {
            Some(status) => self.sidecar(&status).await.map(|side| (status, side)),
            None => None,
        };
        let existing = current
            .as_ref()
            .and_then(|(st, side)| side.sha256.clone().map(|sha| (sha, st.length as u64)));

        // A local file as large as the current package: hash it first, it may spare the upload.
        let mut known_sha = None;
        if let Input::File { path, size } = input
            && !options.force
            && existing.as_ref().is_some_and(|(_, s)| s == size)
        {
            let p = path.clone();
            let bar = progress.clone();
            let (sha, n) = tokio::task::spawn_blocking(move || hash_file(&p, &bar))
                .await
                .map_err(|e| Error::Failed(format!("hashing task failed: {e}")))??;
            if existing.as_ref().is_some_and(|(s, _)| *s == sha) {
                return Ok(Uploaded {
                    uri: self.uri(),
                    size: n,
                    sha256: Some(sha),
                    uploaded: false,
                });
            }
            progress.restart("uploading");
            known_sha = Some((sha, n));
        }

        // A local file as large as a package of ours uploaded without its digest (text output):
        // compare the bytes, as localfs does; equal means identical and nothing is sent.
        if let Input::File { path, size } = input
            && !options.force
            && let Some((status, side)) = &current
            && side.sha256.is_none()
            && status.length as u64 == *size
            && let Some(sha) =
                hdfs_read::same_content(&self.client, path, &package, options.digest, progress)
                    .await?
        {
            if let Some(sha) = &sha {
                // Recorded now, so the next check is a hash of the input alone.
                let side = Sidecar {
                    sha256: Some(sha.clone()),
                    size: status.length as u64,
                    mtime: status.modification_time,
                };
                let sidecar = self.path(&naming::sidecar_name(&self.file));
                if let Err(e) = self.write_small(&sidecar, side.to_bytes()).await {
                    tracing::warn!("cannot record the sha256 of {package}: {e}");
                }
            }
            return Ok(Uploaded {
                uri: self.uri(),
                size: *size,
                sha256: sha,
                uploaded: false,
            });
        }

        let temp = self.path(&naming::temp_name(&self.file));
        let ticket = self.cleanup.register(Action::HdfsFile {
            client: self.client.clone(),
            path: temp.clone(),
        });
        let mut writer = self
            .client
            .create(&temp, WriteOptions::default())
            .await
            .map_err(|e| map_error(format!("cannot create {temp}"), e))?;
        // The sha256 costs ~0.7 s of CPU per GiB on its own thread, as much as the whole transfer
        // to a DataNode on the same machine: computed only when reported (`--format json`) or
        // when a recorded one may show a package from stdin identical.
        let hash = known_sha.is_none()
            && (options.digest || (matches!(input, Input::Stdin) && existing.is_some()));
        let mut reader = ChunkReader::start(input, CHUNK, 2, hash)?;
        while let Some(chunk) = reader.next().await? {
            let n = chunk.len() as u64;
            writer
                .write_bytes(chunk)
                .await
                .map_err(|e| map_error(format!("cannot write {temp}"), e))?;
            progress.inc(n);
        }
        writer
            .close()
            .await
            .map_err(|e| map_error(format!("cannot close {temp}"), e))?;
        let digest = reader.finish().await?;
        let sha256 = match known_sha {
            Some((_, n)) if n != digest.size => {
                return Err(Error::Failed(format!(
                    "package {} changed while it was being uploaded ({n} bytes hashed, {} read); \
                     upload it again once it is complete",
                    input.describe(),
                    digest.size
                )));
            }
            Some((sha, _)) => Some(sha),
            None if hash => Some(digest.sha256),
            None => None,
        };
        let size = digest.size;
        if size == 0 {
            return Err(crate::source::empty_package(input));
        }
        if matches!(input, Input::Stdin)
            && !options.force
            && existing
                .as_ref()
                .is_some_and(|(s, sz)| sha256.as_ref() == Some(s) && *sz == size)
        {
            self.remove(&temp).await?;
            self.cleanup.done(ticket);
            return Ok(Uploaded {
                uri: self.uri(),
                size,
                sha256,
                uploaded: false,
            });
        }
        if self.cleanup.is_cancelled() {
            return Err(Error::Failed("upload interrupted".into()));
        }

        let previous = self.path(&naming::previous_name(&self.file));
        let sidecar = self.path(&naming::sidecar_name(&self.file));
        let previous_sidecar = self.path(&naming::sidecar_name(&naming::previous_name(&self.file)));
        if self.info(&package).await?.is_some() {
            self.rename(&package, &previous).await?;
            if self.info(&sidecar).await?.is_some() {
                self.rename(&sidecar, &previous_sidecar).await?;
            } else {
                self.remove(&previous_sidecar).await?;
            }
        }
        self.rename(&temp, &package).await?;
        self.cleanup.done(ticket);

        let status = self.info(&package).await?.ok_or_else(|| {
            Error::Failed(format!("{package} vanished right after it was written"))
        })?;
        let side = Sidecar {
            sha256: sha256.clone(),
            size: status.length as u64,
            mtime: status.modification_time,
        };
        self.write_small(&sidecar, side.to_bytes()).await?;
        Ok(Uploaded {
            uri: self.uri(),
            size,
            sha256,
            uploaded: true,
        })
    }

    async fn write_small(&self, path: &str, body: Vec<u8>) -> Result<()> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let temp = self.path(&naming::temp_name(name));
        let mut w = self
            .client
            .create(&temp, WriteOptions::default())
            .await
            .map_err(|e| map_error(format!("cannot create {temp}"), e))?;
        w.write_bytes(Bytes::from(body))
            .await
            .map_err(|e| map_error(format!("cannot write {temp}"), e))?;
        w.close()
            .await
            .map_err(|e| map_error(format!("cannot close {temp}"), e))?;
        self.rename(&temp, path).await
    }

    /// Restores the previous copy, else deletes the package. With `if_sha256`, only while the
    /// package is that content (the side file's sha256, or the package hashed when its upload
    /// did not record one); otherwise both are left alone (`kept`).
    /// HDFS has no lock either: the check and the restore are separate calls.
    pub async fn undo(&self, if_sha256: Option<String>) -> Result<UndoResult> {
        self.probe().await?;
        self.recover().await?;
        if let Some(want) = &if_sha256 {
            let package = self.path(&self.file);
            let current = match self.info(&package).await? {
                Some(status) => match self.sidecar(&status).await {
                    Some(Sidecar {
                        sha256: Some(sha), ..
                    }) => Some(sha),
                    // Ours, uploaded without the digest (text output): hash it now.
                    Some(Sidecar { sha256: None, .. }) => {
                        Some(hdfs_read::sha256(&self.client, &package).await?)
                    }
                    // Not written by us, or changed since: never ours.
                    None => None,
                },
                None => None,
            };
            if !current.is_some_and(|s| s.eq_ignore_ascii_case(want)) {
                return Ok(undo_result("kept", self.uri()));
            }
        }
        let package = self.path(&self.file);
        let previous = self.path(&naming::previous_name(&self.file));
        let sidecar = self.path(&naming::sidecar_name(&self.file));
        let previous_sidecar = self.path(&naming::sidecar_name(&naming::previous_name(&self.file)));
        if self.info(&previous).await?.is_some() {
            self.rename(&previous, &package).await?;
            if self.info(&previous_sidecar).await?.is_some() {
                self.rename(&previous_sidecar, &sidecar).await?;
            } else {
                self.remove(&sidecar).await?;
            }
            Ok(undo_result("restored", self.uri()))
        } else if self.remove(&package).await? {
            self.remove(&sidecar).await?;
            Ok(undo_result("deleted", self.uri()))
        } else {
            Ok(undo_result("nothing", self.uri()))
        }
    }

    /// Removes the package, its previous copy and their side files.
    pub async fn delete(&self) -> Result<DeleteResult> {
        self.probe().await?;
        let previous_name = naming::previous_name(&self.file);
        let mut deleted = Vec::new();
        if self.remove(&self.path(&self.file)).await? {
            deleted.push(self.uri());
        }
        if self.remove(&self.path(&previous_name)).await? {
            deleted.push(self.uri_of(&previous_name));
        }
        self.remove(&self.path(&naming::sidecar_name(&self.file)))
            .await?;
        self.remove(&self.path(&naming::sidecar_name(&previous_name)))
            .await?;
        if deleted.is_empty() {
            return Err(Error::NotFound(format!("no package at {}", self.uri())));
        }
        Ok(DeleteResult { deleted })
    }

    /// Describes the package.
    pub async fn stat(&self) -> Result<StatResult> {
        self.probe().await?;
        self.recover().await?;
        let status = self
            .info(&self.path(&self.file))
            .await?
            .ok_or_else(|| Error::NotFound(format!("no package at {}", self.uri())))?;
        let previous_name = naming::previous_name(&self.file);
        let previous = self
            .info(&self.path(&previous_name))
            .await?
            .map(|s| PreviousPackage {
                uri: self.uri_of(&previous_name),
                size: s.length as u64,
            });
        Ok(StatResult {
            uri: self.uri(),
            backend: "hdfs".into(),
            size: status.length as u64,
            sha256: self.recorded_sha(&status).await,
            modified_ms: Some(status.modification_time),
            previous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_split() {
        assert_eq!(
            split_uri("hdfs://nn:8020/heron/topologies").unwrap(),
            (
                "hdfs://nn:8020/".to_string(),
                "/heron/topologies".to_string()
            )
        );
        assert_eq!(
            split_uri("hdfs:///heron").unwrap(),
            ("hdfs:///".to_string(), "/heron".to_string())
        );
        assert_eq!(
            split_uri("hdfs://ns1").unwrap(),
            ("hdfs://ns1/".to_string(), String::new())
        );
    }
}
