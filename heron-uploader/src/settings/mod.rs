//! Heron's uploader config keys, read from a loaded cluster [`Config`] into typed settings.
//!
//! This file holds the keys, the backend kind and the localfs and HDFS settings; the S3 settings
//! (credentials, endpoint, parts, timeouts, URI scheme, payload signing) are in `settings/s3.rs`.

use std::path::PathBuf;

use heron_common::config::Config;
use heron_common::config::classes::UploaderKind;
use heron_common::{Error, Result};

mod s3;
#[cfg(test)]
mod tests;

pub use s3::{Credentials, PayloadSigning, S3Settings, S3UriScheme};

/// `heron.class.uploader`.
pub const CLASS: &str = "heron.class.uploader";
/// Local file system directory.
pub const LOCALFS_DIR: &str = "heron.uploader.localfs.file.system.directory";
/// Ours: fsync the package before renaming it into place (default false, as `cp`).
pub const LOCALFS_FSYNC: &str = "heron.uploader.localfs.fsync";
/// HDFS client config directory (core-site.xml, hdfs-site.xml).
pub const HDFS_CONFIG_DIR: &str = "heron.uploader.hdfs.config.directory";
/// HDFS directory URI for packages.
pub const HDFS_DIR_URI: &str = "heron.uploader.hdfs.topologies.directory.uri";
/// Ours: how long to wait for the NameNode to answer the first call (default 30 s).
pub const HDFS_CONNECT_TIMEOUT: &str = "heron.uploader.hdfs.connect.timeout.seconds";
/// S3 bucket.
pub const S3_BUCKET: &str = "heron.uploader.s3.bucket";
/// S3 key prefix.
pub const S3_PATH_PREFIX: &str = "heron.uploader.s3.path_prefix";
/// S3 access key id.
pub const S3_ACCESS_KEY: &str = "heron.uploader.s3.access_key";
/// S3 secret key.
pub const S3_SECRET_KEY: &str = "heron.uploader.s3.secret_key";
/// AWS profile name.
pub const S3_AWS_PROFILE: &str = "heron.uploader.s3.aws_profile";
/// AWS region.
pub const S3_REGION: &str = "heron.uploader.s3.region";
/// Custom endpoint (path-style).
pub const S3_URI: &str = "heron.uploader.s3.uri";
/// HTTP(S) proxy.
pub const S3_PROXY_URI: &str = "heron.uploader.s3.proxy_uri";
/// Ours: multipart part size in bytes (default 8 MiB, at least 5 MiB).
pub const S3_PART_SIZE: &str = "heron.uploader.s3.part.size.bytes";
/// Ours: parts uploaded at once (default 8).
pub const S3_PARTS_IN_FLIGHT: &str = "heron.uploader.s3.parts.in.flight";
/// Ours: attempts per request, with exponential backoff (default 5).
pub const S3_MAX_ATTEMPTS: &str = "heron.uploader.s3.max.attempts";
/// Ours: how long to wait for a TCP/TLS connection to S3, in ms (default 10,000).
pub const S3_CONNECT_TIMEOUT: &str = "heron.uploader.s3.connect.timeout.ms";
/// Ours: how long a request may wait for S3's answer once sent, in ms (default 60,000): a stalled
/// server ends the run (exit 5) instead of hanging it.
pub const S3_READ_TIMEOUT: &str = "heron.uploader.s3.read.timeout.ms";
/// Ours: the most one attempt of one request (one part's upload included) may take, in ms
/// (default 900,000): it must cover a part's upload at the slowest bandwidth expected.
pub const S3_ATTEMPT_TIMEOUT: &str = "heron.uploader.s3.attempt.timeout.ms";
/// Ours: which URI `upload` prints: `https` (Heron's, default) or `s3`.
pub const S3_PACKAGE_URI_SCHEME: &str = "heron.uploader.s3.package.uri.scheme";
/// Ours: whether PUT/UploadPart bodies are covered by the SigV4 signature: `auto` (default:
/// only over plain http), `signed` or `unsigned`.
pub const S3_PAYLOAD_SIGNING: &str = "heron.uploader.s3.payload.signing";

/// Config keys whose values are secrets: never accepted from the command line, never printed
/// (the workspace's one list, which also holds the ZooKeeper password).
pub const SECRET_KEYS: &[&str] = heron_common::config::keys::SECRET_KEYS;

/// S3's smallest part (but the last).
pub const S3_MIN_PART: u64 = 5 << 20;
/// S3's largest part.
pub const S3_MAX_PART: u64 = 5 << 30;

/// The three backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Local (or shared) file system.
    LocalFs,
    /// HDFS.
    Hdfs,
    /// S3 or an S3-compatible server.
    S3,
}

impl Kind {
    /// The name used in JSON output: `localfs`, `hdfs`, `s3`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::LocalFs => "localfs",
            Kind::Hdfs => "hdfs",
            Kind::S3 => "s3",
        }
    }

    /// Reads `heron.class.uploader` through the workspace's class table (Heron's class names, old
    /// and new packages, and short names). Heron's `NullUploader` is refused: it stores nothing.
    pub fn from_config(config: &Config) -> Result<Kind> {
        match UploaderKind::from_config(config)? {
            UploaderKind::LocalFs => Ok(Kind::LocalFs),
            UploaderKind::Hdfs => Ok(Kind::Hdfs),
            UploaderKind::S3 => Ok(Kind::S3),
            UploaderKind::Null => Err(Error::ConfigValue {
                key: CLASS.to_string(),
                origin: config.origin(CLASS).map(|p| p.to_path_buf()),
                message:
                    "Heron's NullUploader stores nothing, so heron-uploader has nothing to do; \
                          use the localfs, hdfs or s3 uploader"
                        .to_string(),
            }),
        }
    }
}

/// Local file system settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFsSettings {
    /// The directory (tokens already expanded).
    pub directory: PathBuf,
    /// fsync before rename.
    pub fsync: bool,
}

/// HDFS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HdfsSettings {
    /// Client config dir; `None`: `$HADOOP_CONF_DIR` as hdfs-native finds it.
    pub config_dir: Option<PathBuf>,
    /// The directory URI, without a trailing `/`.
    pub directory_uri: String,
    /// How long the first call may take (the client's own failover retries can take minutes).
    pub connect_timeout: std::time::Duration,
}
/// Settings of the configured backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    /// localfs.
    LocalFs(LocalFsSettings),
    /// HDFS.
    Hdfs(HdfsSettings),
    /// S3.
    S3(S3Settings),
}

/// What the settings are for: token values and the default localfs directory need them.
#[derive(Debug, Clone)]
pub struct Context {
    /// Cluster.
    pub cluster: String,
    /// Role.
    pub role: String,
    /// Topology.
    pub topology: String,
}

pub(super) fn text(config: &Config, key: &str) -> Result<Option<String>> {
    Ok(config
        .get_str(key)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

pub(super) fn no_tokens(config: &Config, key: &str, value: &str) -> Result<()> {
    if value.contains("${") {
        return Err(Error::ConfigValue {
            key: key.to_string(),
            origin: config.origin(key).map(|p| p.to_path_buf()),
            message: format!(
                "{value:?} still holds a ${{...}} token after expansion; Heron expands only whole \
                 path components such as /${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}"
            ),
        });
    }
    Ok(())
}

impl Settings {
    /// Reads the backend and its keys.
    pub fn from_config(config: &Config, ctx: &Context) -> Result<Settings> {
        match Kind::from_config(config)? {
            Kind::LocalFs => Ok(Settings::LocalFs(localfs(config, ctx)?)),
            Kind::Hdfs => Ok(Settings::Hdfs(hdfs(config)?)),
            Kind::S3 => Ok(Settings::S3(s3::s3(config)?)),
        }
    }

    /// The backend kind.
    pub fn kind(&self) -> Kind {
        match self {
            Settings::LocalFs(_) => Kind::LocalFs,
            Settings::Hdfs(_) => Kind::Hdfs,
            Settings::S3(_) => Kind::S3,
        }
    }
}

fn localfs(config: &Config, ctx: &Context) -> Result<LocalFsSettings> {
    let directory = match text(config, LOCALFS_DIR)? {
        Some(dir) => {
            no_tokens(config, LOCALFS_DIR, &dir)?;
            PathBuf::from(dir)
        }
        // Heron's code default, which Heron itself leaves unexpanded; we expand it.
        None => {
            let home = std::env::var_os("HOME").ok_or_else(|| Error::ConfigMissing {
                key: LOCALFS_DIR.to_string(),
                hint:
                    "HOME is not set, so the default ~/.herondata/repository/... cannot be used; \
                       set the key in uploader.yaml"
                        .to_string(),
            })?;
            PathBuf::from(home)
                .join(".herondata/repository")
                .join(&ctx.cluster)
                .join(&ctx.role)
                .join(&ctx.topology)
        }
    };
    if !directory.is_absolute() {
        return Err(Error::ConfigValue {
            key: LOCALFS_DIR.to_string(),
            origin: config.origin(LOCALFS_DIR).map(|p| p.to_path_buf()),
            message: format!("{} is not an absolute path", directory.display()),
        });
    }
    // Off by default: a killed process cannot lose page-cache data, only a crash of the machine
    // can, and fsync makes a large upload several times slower than `cp` (docs/uploader.md).
    let fsync = config.get_bool(LOCALFS_FSYNC)?.unwrap_or(false);
    Ok(LocalFsSettings { directory, fsync })
}

fn hdfs(config: &Config) -> Result<HdfsSettings> {
    let config_dir = text(config, HDFS_CONFIG_DIR)?.map(PathBuf::from);
    let uri = config.require_str(
        HDFS_DIR_URI,
        "set it in uploader.yaml to the HDFS directory for packages, e.g. hdfs:///heron/topologies",
    )?;
    let uri = uri.trim().trim_end_matches('/').to_string();
    no_tokens(config, HDFS_DIR_URI, &uri)?;
    if !(uri.starts_with("hdfs://") || uri.starts_with("viewfs://")) {
        return Err(Error::ConfigValue {
            key: HDFS_DIR_URI.to_string(),
            origin: config.origin(HDFS_DIR_URI).map(|p| p.to_path_buf()),
            message: format!("{uri:?} is not an hdfs:// or viewfs:// URI"),
        });
    }
    let seconds = config.get_u64(HDFS_CONNECT_TIMEOUT)?.unwrap_or(30).max(1);
    Ok(HdfsSettings {
        config_dir,
        directory_uri: uri,
        connect_timeout: std::time::Duration::from_secs(seconds),
    })
}
