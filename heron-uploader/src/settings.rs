//! Heron's uploader config keys, read from a loaded cluster [`Config`] into typed settings.

use std::path::PathBuf;

use heron_common::config::Config;
use heron_common::config::classes::UploaderKind;
use heron_common::{Error, Result};

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

/// Where S3 credentials come from. The secret is kept out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `access_key` + `secret_key` from the config files.
    Static {
        /// Access key id.
        access_key: String,
        /// Secret key.
        secret_key: String,
    },
    /// A named profile from `~/.aws/config` and `~/.aws/credentials`.
    Profile(String),
    /// The SDK's default chain (environment, profile, web identity, ECS, IMDS).
    DefaultChain,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Static { .. } => f.write_str("Static(<redacted>)"),
            Credentials::Profile(p) => write!(f, "Profile({p:?})"),
            Credentials::DefaultChain => f.write_str("DefaultChain"),
        }
    }
}

/// Which URI to print for an S3 package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3UriScheme {
    /// Heron's `getUrl`: `https://endpoint/bucket/key` (fetched with curl).
    Https,
    /// `s3://bucket/key` (fetched with `aws s3 cp`).
    S3,
}

/// Whether package bodies are signed (their sha256 in the SigV4 signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadSigning {
    /// Signed over plain http, unsigned over https (TLS already protects the body).
    Auto,
    /// Always signed.
    Signed,
    /// Never signed (`UNSIGNED-PAYLOAD`), even over plain http.
    Unsigned,
}

/// S3 settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Bucket.
    pub bucket: String,
    /// Key prefix (`/` by default).
    pub path_prefix: String,
    /// Credentials.
    pub credentials: Credentials,
    /// Region, if set.
    pub region: Option<String>,
    /// Custom endpoint.
    pub endpoint: Option<String>,
    /// Proxy URI (may carry user:password: never print it).
    pub proxy_uri: Option<String>,
    /// Part size.
    pub part_size: u64,
    /// Parts in flight.
    pub parts_in_flight: usize,
    /// Attempts per request.
    pub max_attempts: u32,
    /// Connect timeout.
    pub connect_timeout: std::time::Duration,
    /// Wait for an answer once a request is sent.
    pub read_timeout: std::time::Duration,
    /// One attempt of one request, from start to end.
    pub attempt_timeout: std::time::Duration,
    /// Which URI to print.
    pub uri_scheme: S3UriScheme,
    /// Payload signing of PUT and UploadPart.
    pub payload_signing: PayloadSigning,
}

impl S3Settings {
    /// Whether PUT and UploadPart bodies go unsigned: over https (AWS itself, or an https
    /// endpoint) with `auto`, always with `unsigned`.
    pub fn unsigned_payload(&self) -> bool {
        match self.payload_signing {
            PayloadSigning::Signed => false,
            PayloadSigning::Unsigned => true,
            PayloadSigning::Auto => self
                .endpoint
                .as_deref()
                .is_none_or(|e| e.to_ascii_lowercase().starts_with("https://")),
        }
    }
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

fn text(config: &Config, key: &str) -> Result<Option<String>> {
    Ok(config
        .get_str(key)?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty()))
}

fn no_tokens(config: &Config, key: &str, value: &str) -> Result<()> {
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
            Kind::S3 => Ok(Settings::S3(s3(config)?)),
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

fn s3(config: &Config) -> Result<S3Settings> {
    let bucket = config.require_str(
        S3_BUCKET,
        "set it in uploader.yaml to the bucket for topology packages",
    )?;
    let access_key = text(config, S3_ACCESS_KEY)?;
    let secret_key = text(config, S3_SECRET_KEY)?;
    let profile = text(config, S3_AWS_PROFILE)?;
    let credentials = match (access_key, secret_key, profile) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            return Err(Error::BadInput(format!(
                "set either {S3_ACCESS_KEY} + {S3_SECRET_KEY} or {S3_AWS_PROFILE}, not both"
            )));
        }
        (Some(access_key), Some(secret_key), None) => Credentials::Static {
            access_key,
            secret_key,
        },
        (Some(_), None, None) => {
            return Err(Error::ConfigMissing {
                key: S3_SECRET_KEY.to_string(),
                hint: format!("{S3_ACCESS_KEY} is set, so the secret key must be set too"),
            });
        }
        (None, Some(_), None) => {
            return Err(Error::ConfigMissing {
                key: S3_ACCESS_KEY.to_string(),
                hint: format!("{S3_SECRET_KEY} is set, so the access key must be set too"),
            });
        }
        (None, None, Some(p)) => Credentials::Profile(p),
        (None, None, None) => Credentials::DefaultChain,
    };
    let part_size = config.get_u64(S3_PART_SIZE)?.unwrap_or(8 << 20);
    if !(S3_MIN_PART..=S3_MAX_PART).contains(&part_size) {
        return Err(Error::ConfigValue {
            key: S3_PART_SIZE.to_string(),
            origin: config.origin(S3_PART_SIZE).map(|p| p.to_path_buf()),
            message: format!("{part_size} is outside S3's part size limits (5 MiB to 5 GiB)"),
        });
    }
    let parts_in_flight = config.get_u64(S3_PARTS_IN_FLIGHT)?.unwrap_or(8);
    if !(1..=64).contains(&parts_in_flight) {
        return Err(Error::ConfigValue {
            key: S3_PARTS_IN_FLIGHT.to_string(),
            origin: config.origin(S3_PARTS_IN_FLIGHT).map(|p| p.to_path_buf()),
            message: format!("{parts_in_flight} is not between 1 and 64"),
        });
    }
    let max_attempts = config.get_u64(S3_MAX_ATTEMPTS)?.unwrap_or(5).clamp(1, 20) as u32;
    let millis = |key: &str, default: u64| -> Result<std::time::Duration, Error> {
        let ms = config.get_u64(key)?.unwrap_or(default);
        if ms == 0 {
            return Err(Error::ConfigValue {
                key: key.to_string(),
                origin: config.origin(key).map(|p| p.to_path_buf()),
                message: "0 ms would fail every request; give a number of milliseconds above 0"
                    .to_string(),
            });
        }
        Ok(std::time::Duration::from_millis(ms))
    };
    let connect_timeout = millis(S3_CONNECT_TIMEOUT, 10_000)?;
    let read_timeout = millis(S3_READ_TIMEOUT, 60_000)?;
    let attempt_timeout = millis(S3_ATTEMPT_TIMEOUT, 900_000)?;
    let uri_scheme = match text(config, S3_PACKAGE_URI_SCHEME)?.as_deref() {
        None | Some("https") | Some("http") => S3UriScheme::Https,
        Some("s3") => S3UriScheme::S3,
        Some(other) => {
            return Err(Error::ConfigValue {
                key: S3_PACKAGE_URI_SCHEME.to_string(),
                origin: config
                    .origin(S3_PACKAGE_URI_SCHEME)
                    .map(|p| p.to_path_buf()),
                message: format!("{other:?} is not https or s3"),
            });
        }
    };
    let payload_signing = match text(config, S3_PAYLOAD_SIGNING)?.as_deref() {
        None | Some("auto") => PayloadSigning::Auto,
        Some("signed") => PayloadSigning::Signed,
        Some("unsigned") => PayloadSigning::Unsigned,
        Some(other) => {
            return Err(Error::ConfigValue {
                key: S3_PAYLOAD_SIGNING.to_string(),
                origin: config.origin(S3_PAYLOAD_SIGNING).map(|p| p.to_path_buf()),
                message: format!("{other:?} is not auto, signed or unsigned"),
            });
        }
    };
    let endpoint = text(config, S3_URI)?;
    if let Some(e) = &endpoint
        && !(e.starts_with("http://") || e.starts_with("https://"))
    {
        return Err(Error::ConfigValue {
            key: S3_URI.to_string(),
            origin: config.origin(S3_URI).map(|p| p.to_path_buf()),
            message: format!("{e:?} is not an http:// or https:// endpoint"),
        });
    }
    Ok(S3Settings {
        bucket,
        path_prefix: text(config, S3_PATH_PREFIX)?.unwrap_or_else(|| "/".to_string()),
        credentials,
        region: text(config, S3_REGION)?,
        endpoint,
        proxy_uri: text(config, S3_PROXY_URI)?,
        part_size,
        parts_in_flight: parts_in_flight as usize,
        max_attempts,
        connect_timeout,
        read_timeout,
        attempt_timeout,
        uri_scheme,
        payload_signing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            cluster: "c".into(),
            role: "r".into(),
            topology: "t".into(),
        }
    }

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut c = Config::new();
        for (k, v) in pairs {
            c.set_str(*k, *v);
        }
        c
    }

    #[test]
    fn classes() {
        let kind = |class: &str| Kind::from_config(&config(&[(CLASS, class)]));
        assert_eq!(
            kind("org.apache.heron.uploader.localfs.LocalFileSystemUploader").unwrap(),
            Kind::LocalFs
        );
        assert_eq!(
            kind("com.twitter.heron.uploader.hdfs.HdfsUploader").unwrap(),
            Kind::Hdfs
        );
        assert_eq!(
            kind("org.apache.heron.uploader.s3.S3Uploader").unwrap(),
            Kind::S3
        );
        assert_eq!(kind("s3").unwrap(), Kind::S3);
        let e = kind("org.apache.heron.uploader.gcs.GcsUploader").unwrap_err();
        assert!(e.to_string().contains("does not support"), "{e}");
        assert_eq!(e.exit_code(), heron_common::ExitCode::BadInput);
        let e = kind("org.apache.heron.uploader.NullUploader").unwrap_err();
        assert!(e.to_string().contains("NullUploader"), "{e}");
    }

    #[test]
    fn localfs_dir_and_default() {
        let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "/data/pkgs")]);
        match Settings::from_config(&c, &ctx()).unwrap() {
            Settings::LocalFs(s) => {
                assert_eq!(s.directory, PathBuf::from("/data/pkgs"));
                assert!(!s.fsync);
            }
            other => panic!("{other:?}"),
        }
        let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "/data/${ROLE}")]);
        let e = Settings::from_config(&c, &ctx()).unwrap_err();
        assert!(e.to_string().contains(LOCALFS_DIR), "{e}");
        let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "relative/dir")]);
        assert!(Settings::from_config(&c, &ctx()).is_err());
        let c = config(&[(CLASS, "localfs")]);
        if std::env::var_os("HOME").is_some() {
            match Settings::from_config(&c, &ctx()).unwrap() {
                Settings::LocalFs(s) => {
                    assert!(s.directory.ends_with(".herondata/repository/c/r/t"))
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn missing_class_names_the_key() {
        let e = Settings::from_config(&Config::new(), &ctx()).unwrap_err();
        assert!(e.to_string().contains(CLASS), "{e}");
    }

    #[test]
    fn hdfs_keys() {
        let c = config(&[(CLASS, "hdfs"), (HDFS_DIR_URI, "hdfs:///heron/topologies/")]);
        match Settings::from_config(&c, &ctx()).unwrap() {
            Settings::Hdfs(s) => assert_eq!(s.directory_uri, "hdfs:///heron/topologies"),
            other => panic!("{other:?}"),
        }
        let c = config(&[(CLASS, "hdfs"), (HDFS_DIR_URI, "/heron")]);
        assert!(Settings::from_config(&c, &ctx()).is_err());
        let c = config(&[(CLASS, "hdfs")]);
        assert!(
            Settings::from_config(&c, &ctx())
                .unwrap_err()
                .to_string()
                .contains(HDFS_DIR_URI)
        );
    }

    #[test]
    fn s3_credentials_rules_and_no_secret_in_debug() {
        let c = config(&[
            (CLASS, "s3"),
            (S3_BUCKET, "b"),
            (S3_ACCESS_KEY, "AKID"),
            (S3_SECRET_KEY, "TOPSECRETVALUE"),
        ]);
        let s = Settings::from_config(&c, &ctx()).unwrap();
        assert!(!format!("{s:?}").contains("TOPSECRETVALUE"));
        match s {
            Settings::S3(s) => {
                assert_eq!(s.path_prefix, "/");
                assert_eq!(s.part_size, 8 << 20);
                assert_eq!(s.uri_scheme, S3UriScheme::Https);
            }
            other => panic!("{other:?}"),
        }
        let both = config(&[
            (CLASS, "s3"),
            (S3_BUCKET, "b"),
            (S3_ACCESS_KEY, "AKID"),
            (S3_SECRET_KEY, "TOPSECRETVALUE"),
            (S3_AWS_PROFILE, "p"),
        ]);
        let e = Settings::from_config(&both, &ctx()).unwrap_err();
        assert!(!e.to_string().contains("TOPSECRETVALUE"));
        let half = config(&[
            (CLASS, "s3"),
            (S3_BUCKET, "b"),
            (S3_SECRET_KEY, "TOPSECRETVALUE"),
        ]);
        let e = Settings::from_config(&half, &ctx()).unwrap_err();
        assert!(e.to_string().contains(S3_ACCESS_KEY) && !e.to_string().contains("TOPSECRETVALUE"));
        let small = config(&[(CLASS, "s3"), (S3_BUCKET, "b"), (S3_PART_SIZE, "1024")]);
        assert!(Settings::from_config(&small, &ctx()).is_err());
        let nob = config(&[(CLASS, "s3")]);
        assert!(
            Settings::from_config(&nob, &ctx())
                .unwrap_err()
                .to_string()
                .contains(S3_BUCKET)
        );
    }

    #[test]
    fn s3_payload_signing_follows_the_scheme_unless_set() {
        let s3 = |pairs: &[(&str, &str)]| {
            let mut all = vec![(CLASS, "s3"), (S3_BUCKET, "b")];
            all.extend_from_slice(pairs);
            match Settings::from_config(&config(&all), &ctx()) {
                Ok(Settings::S3(s)) => Ok(s),
                Ok(other) => panic!("{other:?}"),
                Err(e) => Err(e),
            }
        };
        // auto: AWS itself and https endpoints go unsigned (TLS covers the body), http is signed.
        assert!(s3(&[]).unwrap().unsigned_payload());
        assert!(
            s3(&[(S3_URI, "https://minio.example:9000")])
                .unwrap()
                .unsigned_payload()
        );
        assert!(
            !s3(&[(S3_URI, "http://127.0.0.1:9000")])
                .unwrap()
                .unsigned_payload()
        );
        let http_unsigned = [
            (S3_URI, "http://127.0.0.1:9000"),
            (S3_PAYLOAD_SIGNING, "unsigned"),
        ];
        assert!(s3(&http_unsigned).unwrap().unsigned_payload());
        assert!(
            !s3(&[(S3_PAYLOAD_SIGNING, "signed")])
                .unwrap()
                .unsigned_payload()
        );
        let e = s3(&[(S3_PAYLOAD_SIGNING, "none")]).unwrap_err();
        assert!(e.to_string().contains(S3_PAYLOAD_SIGNING), "{e}");
        assert_eq!(e.exit_code(), heron_common::ExitCode::BadInput);
    }
}
