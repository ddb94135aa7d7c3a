//! What the state manager needs from a cluster config, resolved once and checked.
//!
//! Heron's keys (heron-aurora.md §3.4, §7.1) plus four of ours (documented in
//! docs/statemgr.md):
//! - `heron.statemgr.zookeeper.auth.digest`: `user:password` for ZooKeeper digest authentication
//!   (else the `HERON_ZK_AUTH` environment variable; never a command-line argument);
//! - `heron.statemgr.zookeeper.acl`: the ACL of the nodes we create: `open` (default, what Heron
//!   creates), `creator` or `creator-world-read`;
//! - `heron.statemgr.zookeeper.operation.timeout.ms`: the bound on one operation, retries included
//!   (default: the connection timeout);
//! - `heron.statemgr.localfs.fsync`: sync local state writes to disk (default false, as Heron).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use heron_common::Error;
use heron_common::config::Config;
use heron_common::config::classes::StateManagerKind;

/// `heron.class.state.manager`.
pub const KEY_CLASS: &str = "heron.class.state.manager";
/// `heron.statemgr.connection.string`.
pub const KEY_CONNECTION: &str = "heron.statemgr.connection.string";
/// `heron.statemgr.root.path`.
pub const KEY_ROOT: &str = "heron.statemgr.root.path";
/// `heron.statemgr.zookeeper.is.initialize.tree` (default true).
pub const KEY_ZK_INIT_TREE: &str = "heron.statemgr.zookeeper.is.initialize.tree";
/// `heron.statemgr.zookeeper.session.timeout.ms` (default 30000).
pub const KEY_ZK_SESSION_TIMEOUT: &str = "heron.statemgr.zookeeper.session.timeout.ms";
/// `heron.statemgr.zookeeper.connection.timeout.ms` (default 30000).
pub const KEY_ZK_CONNECTION_TIMEOUT: &str = "heron.statemgr.zookeeper.connection.timeout.ms";
/// `heron.statemgr.zookeeper.retry.count` (default 10).
pub const KEY_ZK_RETRY_COUNT: &str = "heron.statemgr.zookeeper.retry.count";
/// `heron.statemgr.zookeeper.retry.interval.ms` (default 10000): the cap of one backoff step.
pub const KEY_ZK_RETRY_INTERVAL: &str = "heron.statemgr.zookeeper.retry.interval.ms";
/// Ours: `heron.statemgr.zookeeper.operation.timeout.ms`.
pub const KEY_ZK_OPERATION_TIMEOUT: &str = "heron.statemgr.zookeeper.operation.timeout.ms";
/// Ours: `heron.statemgr.zookeeper.auth.digest` (`user:password`; a secret).
pub const KEY_ZK_AUTH_DIGEST: &str = heron_common::config::keys::STATEMGR_ZOOKEEPER_AUTH_DIGEST;
/// Ours: `heron.statemgr.zookeeper.acl` (`open`, `creator`, `creator-world-read`).
pub const KEY_ZK_ACL: &str = "heron.statemgr.zookeeper.acl";
/// `heron.statemgr.localfs.is.initialize.file.tree` (default true).
pub const KEY_LOCALFS_INIT_TREE: &str = "heron.statemgr.localfs.is.initialize.file.tree";
/// Ours: `heron.statemgr.localfs.fsync` (default false): sync local state files and folders.
pub const KEY_LOCALFS_FSYNC: &str = heron_common::config::keys::STATEMGR_LOCALFS_FSYNC;
/// `heron.scheduler.is.service` (Heron's default true; Aurora's conf sets false).
pub const KEY_SCHEDULER_IS_SERVICE: &str = "heron.scheduler.is.service";

/// Resolved state manager settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the state lives.
    pub backend: BackendSettings,
    /// `heron.statemgr.root.path`, without a trailing `/`.
    pub root: String,
    /// `heron.scheduler.is.service`: scheduler locations are ephemeral in ZooKeeper when true.
    pub scheduler_is_service: bool,
}

/// Backend-specific settings.
#[derive(Debug, Clone)]
pub enum BackendSettings {
    /// ZooKeeper (`CuratorStateManager`).
    ZooKeeper(ZkSettings),
    /// A local directory (`LocalFileSystemStateManager`).
    LocalFs {
        /// Create the nine folders under the root before writing.
        initialize_tree: bool,
        /// fsync each written file before it is moved into place, and its folder after
        /// (`heron.statemgr.localfs.fsync`).
        fsync: bool,
    },
}

/// ZooKeeper connection settings.
#[derive(Clone)]
pub struct ZkSettings {
    /// The hosts part of `heron.statemgr.connection.string` (`h1:2181,h2:2181`).
    pub hosts: String,
    /// The chroot suffix of the connection string (`/chroot`), or empty.
    pub chroot: String,
    /// The connection string as configured, for messages.
    pub connection_string: String,
    /// Session timeout to negotiate.
    pub session_timeout: Duration,
    /// Bound on establishing a session.
    pub connection_timeout: Duration,
    /// Bound on one operation, retries included.
    pub operation_timeout: Duration,
    /// Retries of an operation after a connection loss.
    pub retry_count: u32,
    /// Cap of one backoff step between retries.
    pub retry_interval: Duration,
    /// Create the root and the nine folders before the first write.
    pub initialize_tree: bool,
    /// Digest credentials `user:password` (never printed).
    pub auth_digest: Option<Secret>,
    /// The ACL of created nodes.
    pub acl: AclPolicy,
}

impl fmt::Debug for ZkSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZkSettings")
            .field("connection_string", &self.connection_string)
            .field("session_timeout", &self.session_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry_count", &self.retry_count)
            .field("initialize_tree", &self.initialize_tree)
            .field("auth_digest", &self.auth_digest)
            .field("acl", &self.acl)
            .finish()
    }
}

/// A secret string whose `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; only for handing it to the ZooKeeper client.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The user part of `user:password`.
    pub fn user(&self) -> &str {
        self.0.split(':').next().unwrap_or_default()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}:****)", self.user())
    }
}

/// The ACL given to nodes we create in ZooKeeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclPolicy {
    /// `world:anyone:cdrwa`, what Heron, Curator and kazoo create by default.
    Open,
    /// Only the authenticated creator (`auth::cdrwa`). Heron's own processes cannot read the state
    /// unless they authenticate as the same user.
    Creator,
    /// The creator has all rights, everyone may read: Heron's tmanager and tracker can read,
    /// only the authenticated user can change.
    CreatorWorldRead,
}

fn millis(config: &Config, key: &str, default: u64) -> Result<Duration, Error> {
    let ms = config.get_u64(key)?.unwrap_or(default);
    if ms == 0 {
        return Err(Error::ConfigValue {
            key: key.to_string(),
            origin: config.origin(key).map(PathBuf::from),
            message: "must be a positive number of milliseconds".to_string(),
        });
    }
    Ok(Duration::from_millis(ms))
}

/// Splits `h1:2181,h2:2181/chroot` into hosts and chroot.
pub fn split_connection_string(connection: &str) -> (String, String) {
    match connection.find('/') {
        Some(i) => {
            let chroot = connection[i..].trim_end_matches('/').to_string();
            (connection[..i].to_string(), chroot)
        }
        None => (connection.to_string(), String::new()),
    }
}

/// Checks `h1:2181,[::1]:2181/chroot` entry by entry, so that a malformed string fails at once
/// (exit 2) rather than after the whole connection timeout. A host without a port means 2181, as
/// in ZooKeeper's own client. Returns why it is wrong.
pub fn check_connection_string(hosts: &str, chroot: &str) -> Result<(), String> {
    for (n, entry) in hosts.split(',').enumerate() {
        let entry = entry.trim();
        let n = n + 1;
        if entry.is_empty() {
            return Err(format!("host {n} is empty (two commas, or one at an end?)"));
        }
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            // [IPv6] or [IPv6]:port
            let Some((addr, after)) = rest.split_once(']') else {
                return Err(format!("{entry:?} opens a [ but does not close it"));
            };
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("{addr:?} in {entry:?} is not an IPv6 address"));
            }
            match after {
                "" => (addr, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (addr, Some(port)),
                    None => return Err(format!("{entry:?}: expected :port after ]")),
                },
            }
        } else {
            match entry.split_once(':') {
                Some((_, port)) if port.contains(':') => {
                    return Err(format!(
                        "{entry:?} has more than one `:` (write an IPv6 address as [addr]:port)"
                    ));
                }
                Some((host, port)) => (host, Some(port)),
                None => (entry, None),
            }
        };
        if host.is_empty() {
            return Err(format!("{entry:?} has an empty host"));
        }
        // A bracketed host was checked as an IPv6 address above.
        if !entry.starts_with('[')
            && !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        {
            return Err(format!("{host:?} in {entry:?} is not a host name"));
        }
        if let Some(port) = port {
            match port.parse::<u16>() {
                Ok(p) if p > 0 && port.chars().all(|c| c.is_ascii_digit()) => {}
                _ => {
                    return Err(format!(
                        "the port {port:?} of {entry:?} is not a number from 1 to 65535"
                    ));
                }
            }
        }
    }
    if !chroot.is_empty()
        && (chroot.contains("//")
            || chroot.chars().any(char::is_control)
            || chroot.split('/').skip(1).any(|p| p == "." || p == ".."))
    {
        return Err(format!(
            "the chroot {chroot:?} is not a valid ZooKeeper path"
        ));
    }
    Ok(())
}

fn check_root(config: &Config, root: &str, local: bool) -> Result<String, Error> {
    let wrong = |message: &str| Error::ConfigValue {
        key: KEY_ROOT.to_string(),
        origin: config.origin(KEY_ROOT).map(PathBuf::from),
        message: format!("{root:?} {message}"),
    };
    let trimmed = root.trim();
    if !trimmed.starts_with('/') {
        return Err(wrong("must be an absolute path"));
    }
    let cleaned = trimmed.trim_end_matches('/');
    if !local && (cleaned.contains("//") || cleaned.split('/').any(|p| p == "." || p == "..")) {
        return Err(wrong("is not a valid ZooKeeper path"));
    }
    Ok(cleaned.to_string())
}

impl Settings {
    /// Resolves the settings from a loaded config. `env_auth` is the value of `HERON_ZK_AUTH`, if set
    /// (passed in so callers and tests decide where it comes from).
    pub fn from_config(config: &Config, env_auth: Option<String>) -> Result<Settings, Error> {
        let kind = StateManagerKind::from_config(config)?;
        let root_raw =
            config.require_str(KEY_ROOT, "set the root of Heron's state tree, e.g. /heron")?;
        let scheduler_is_service = config.get_bool(KEY_SCHEDULER_IS_SERVICE)?.unwrap_or(true);
        match kind {
            StateManagerKind::LocalFs => Ok(Settings {
                root: check_root(config, &root_raw, true)?,
                backend: BackendSettings::LocalFs {
                    initialize_tree: config.get_bool(KEY_LOCALFS_INIT_TREE)?.unwrap_or(true),
                    // Off by default, as Heron's LocalFileSystemStateManager: a killed process
                    // cannot lose written data, only a machine crash can (docs/statemgr.md).
                    fsync: config.get_bool(KEY_LOCALFS_FSYNC)?.unwrap_or(false),
                },
                scheduler_is_service,
            }),
            StateManagerKind::ZooKeeper => {
                let connection_string = config.require_str(
                    KEY_CONNECTION,
                    "set the ZooKeeper hosts, e.g. zk1:2181,zk2:2181,zk3:2181",
                )?;
                let (hosts, chroot) = split_connection_string(connection_string.trim());
                if hosts.trim().is_empty() || hosts.split(',').any(|h| h.trim().is_empty()) {
                    return Err(Error::ConfigValue {
                        key: KEY_CONNECTION.to_string(),
                        origin: config.origin(KEY_CONNECTION).map(PathBuf::from),
                        message: format!("{connection_string:?} is not a list of host:port"),
                    });
                }
                if let Err(why) = check_connection_string(&hosts, &chroot) {
                    return Err(Error::ConfigValue {
                        key: KEY_CONNECTION.to_string(),
                        origin: config.origin(KEY_CONNECTION).map(PathBuf::from),
                        message: format!(
                            "{connection_string:?} is not a ZooKeeper connection string: {why}; \
                             expected host:port[,host:port...][/chroot], e.g. zk1:2181,zk2:2181/heron"
                        ),
                    });
                }
                let connection_timeout = millis(config, KEY_ZK_CONNECTION_TIMEOUT, 30_000)?;
                let auth_digest = match config.get_str(KEY_ZK_AUTH_DIGEST)? {
                    Some(value) if !value.trim().is_empty() => Some(value),
                    _ => env_auth.filter(|v| !v.trim().is_empty()),
                };
                let auth_digest = match auth_digest {
                    Some(value) => {
                        let value = value.trim().to_string();
                        match value.split_once(':') {
                            Some((user, password)) if !user.is_empty() && !password.is_empty() => {
                                Some(Secret::new(value))
                            }
                            _ => {
                                return Err(Error::ConfigValue {
                                    key: KEY_ZK_AUTH_DIGEST.to_string(),
                                    origin: config.origin(KEY_ZK_AUTH_DIGEST).map(PathBuf::from),
                                    message: "expected user:password (from the config or \
                                              HERON_ZK_AUTH; the value is not shown)"
                                        .to_string(),
                                });
                            }
                        }
                    }
                    None => None,
                };
                let acl = match config
                    .get_str(KEY_ZK_ACL)?
                    .map(|s| s.trim().to_ascii_lowercase())
                {
                    None => AclPolicy::Open,
                    Some(s) if s == "open" || s.is_empty() => AclPolicy::Open,
                    Some(s) if s == "creator" => AclPolicy::Creator,
                    Some(s) if s == "creator-world-read" => AclPolicy::CreatorWorldRead,
                    Some(s) => {
                        return Err(Error::ConfigValue {
                            key: KEY_ZK_ACL.to_string(),
                            origin: config.origin(KEY_ZK_ACL).map(PathBuf::from),
                            message: format!(
                                "unknown ACL policy {s:?}: use open, creator or creator-world-read"
                            ),
                        });
                    }
                };
                if acl != AclPolicy::Open && auth_digest.is_none() {
                    return Err(Error::ConfigMissing {
                        key: KEY_ZK_AUTH_DIGEST.to_string(),
                        hint: format!(
                            "`{KEY_ZK_ACL}` needs credentials: set `{KEY_ZK_AUTH_DIGEST}` in the \
                             config or the HERON_ZK_AUTH environment variable to user:password"
                        ),
                    });
                }
                let retry_count = config.get_u64(KEY_ZK_RETRY_COUNT)?.unwrap_or(10);
                Ok(Settings {
                    root: check_root(config, &root_raw, false)?,
                    backend: BackendSettings::ZooKeeper(ZkSettings {
                        hosts: hosts.trim().to_string(),
                        chroot,
                        connection_string: connection_string.trim().to_string(),
                        session_timeout: millis(config, KEY_ZK_SESSION_TIMEOUT, 30_000)?,
                        connection_timeout,
                        operation_timeout: match config.get_u64(KEY_ZK_OPERATION_TIMEOUT)? {
                            Some(_) => millis(config, KEY_ZK_OPERATION_TIMEOUT, 30_000)?,
                            None => connection_timeout,
                        },
                        retry_count: u32::try_from(retry_count).unwrap_or(u32::MAX),
                        retry_interval: millis(config, KEY_ZK_RETRY_INTERVAL, 10_000)?,
                        initialize_tree: config.get_bool(KEY_ZK_INIT_TREE)?.unwrap_or(true),
                        auth_digest,
                        acl,
                    }),
                    scheduler_is_service,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zk_config() -> Config {
        let mut config = Config::new();
        config.set_str(
            KEY_CLASS,
            "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager",
        );
        config.set_str(KEY_CONNECTION, "a:1,b:2/heron/chroot/");
        config.set_str(KEY_ROOT, "/heron/");
        config
    }

    #[test]
    fn zookeeper_defaults_are_herons() {
        let settings = Settings::from_config(&zk_config(), None).unwrap();
        assert_eq!(settings.root, "/heron");
        assert!(settings.scheduler_is_service);
        let BackendSettings::ZooKeeper(zk) = settings.backend else {
            panic!("not zk")
        };
        assert_eq!(zk.hosts, "a:1,b:2");
        assert_eq!(zk.chroot, "/heron/chroot");
        assert_eq!(zk.session_timeout, Duration::from_secs(30));
        assert_eq!(zk.operation_timeout, Duration::from_secs(30));
        assert!(zk.initialize_tree);
        assert_eq!(zk.acl, AclPolicy::Open);
    }

    #[test]
    fn malformed_connection_strings_are_refused_at_once() {
        for ok in [
            "zk1:2181",
            "zk1",
            "a:1,b.example.com:65535/heron/x",
            "[::1]:2181,127.0.0.1:2181",
            "[::1]",
            " zk_1:2181 , zk-2:2182",
        ] {
            let (hosts, chroot) = split_connection_string(ok.trim());
            assert_eq!(check_connection_string(&hosts, &chroot), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("host:notaport,::::", "\"notaport\""),
            ("zk1:", "the port \"\""),
            ("zk1:0", "\"0\""),
            ("zk1:65536", "\"65536\""),
            ("zk1:+21", "\"+21\""),
            (":2181", "empty host"),
            ("zk1:2181,,zk2:2181", "host 2 is empty"),
            ("zk1 x:2181", "not a host name"),
            ("::1:2181", "more than one `:`"),
            ("[::1:2181", "does not close"),
            ("[nothex]:2181", "not an IPv6 address"),
            ("zk1:2181/a//b", "chroot \"/a//b\""),
            ("zk1:2181/a/../b", "chroot"),
        ] {
            let (hosts, chroot) = split_connection_string(bad);
            let err = check_connection_string(&hosts, &chroot).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let mut config = Config::new();
        config.set_str(
            KEY_CLASS,
            "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager",
        );
        config.set_str(KEY_ROOT, "/heron");
        config.set_str(KEY_CONNECTION, "zk1:twenty");
        let err = Settings::from_config(&config, None).unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
        assert!(err.to_string().contains(KEY_CONNECTION), "{err}");
        assert!(err.to_string().contains("\"twenty\""), "{err}");
    }

    #[test]
    fn auth_comes_from_config_then_env_and_is_never_shown() {
        let mut config = zk_config();
        let settings = Settings::from_config(&config, Some("u:envpw".into())).unwrap();
        let BackendSettings::ZooKeeper(zk) = &settings.backend else {
            panic!("not zk")
        };
        assert_eq!(zk.auth_digest.as_ref().unwrap().expose(), "u:envpw");
        config.set_str(KEY_ZK_AUTH_DIGEST, "v:filepw");
        let settings = Settings::from_config(&config, Some("u:envpw".into())).unwrap();
        let BackendSettings::ZooKeeper(zk) = &settings.backend else {
            panic!("not zk")
        };
        assert_eq!(zk.auth_digest.as_ref().unwrap().expose(), "v:filepw");
        let shown = format!("{settings:?}");
        assert!(!shown.contains("filepw"), "{shown}");
        config.set_str(KEY_ZK_AUTH_DIGEST, "nocolon-secret");
        let err = Settings::from_config(&config, None)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("nocolon-secret"), "{err}");
    }

    #[test]
    fn creator_acl_needs_credentials() {
        let mut config = zk_config();
        config.set_str(KEY_ZK_ACL, "creator");
        let err = Settings::from_config(&config, None).unwrap_err();
        assert!(err.to_string().contains(KEY_ZK_AUTH_DIGEST), "{err}");
        config.set_str(KEY_ZK_ACL, "bogus");
        assert!(Settings::from_config(&config, Some("a:b".into())).is_err());
    }

    #[test]
    fn localfs_and_bad_values() {
        let mut config = Config::new();
        config.set_str(
            KEY_CLASS,
            "com.twitter.heron.statemgr.localfs.LocalFileSystemStateManager",
        );
        config.set_str(KEY_ROOT, "/tmp/state/x");
        let settings = Settings::from_config(&config, None).unwrap();
        assert!(matches!(
            settings.backend,
            BackendSettings::LocalFs {
                initialize_tree: true,
                fsync: false
            }
        ));
        config.set_str(KEY_ROOT, "relative");
        assert!(Settings::from_config(&config, None).is_err());
        config.set_str(KEY_CLASS, "org.example.Other");
        let err = Settings::from_config(&config, None).unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
    }

    #[test]
    fn localfs_fsync_is_off_by_default_and_read_from_the_config() {
        let mut config = Config::new();
        config.set_str(KEY_CLASS, "localfs");
        config.set_str(KEY_ROOT, "/tmp/state/x");
        let fsync = |config: &Config| -> Result<bool, Error> {
            match Settings::from_config(config, None)?.backend {
                BackendSettings::LocalFs { fsync, .. } => Ok(fsync),
                other => panic!("not localfs: {other:?}"),
            }
        };
        assert!(!fsync(&config).unwrap());
        config.set(
            KEY_LOCALFS_FSYNC,
            heron_common::config::Value::Bool(true),
            None,
        );
        assert!(fsync(&config).unwrap());
        // `--config-property heron.statemgr.localfs.fsync=False` arrives as text.
        config.set_str(KEY_LOCALFS_FSYNC, "False");
        assert!(!fsync(&config).unwrap());
        config.set_str(KEY_LOCALFS_FSYNC, "TRUE");
        assert!(fsync(&config).unwrap());
        config.set_str(KEY_LOCALFS_FSYNC, "sometimes");
        let err = fsync(&config).unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
        let message = err.to_string();
        assert!(
            message.contains("heron.statemgr.localfs.fsync"),
            "{message}"
        );
        assert!(message.contains("true or false"), "{message}");
        assert!(message.contains("sometimes"), "{message}");
    }
}
