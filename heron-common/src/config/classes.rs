//! Heron's Java class names, accepted as names of our backends.
//!
//! Both `org.apache.heron.*` and the older `com.twitter.heron.*` spellings are accepted, as are our
//! short names (`zookeeper`, `localfs`, `s3`, ...; any case). Heron classes this tool does not
//! implement (the GCS uploader, the Kubernetes scheduler, ...) are recognised and refused with a
//! message saying so; anything else is refused with the list of accepted names.

use std::fmt;

use super::{Config, keys};
use crate::error::{Error, Result};

const PREFIXES: [&str; 2] = ["org.apache.heron.", "com.twitter.heron."];

/// One known class: its name after the package prefix, what it is, and our backend (if any).
struct Known<K> {
    class: &'static str,
    what: &'static str,
    kind: Option<K>,
}

fn resolve<K: Copy + fmt::Display>(
    config: &Config,
    key: &str,
    table: &[Known<K>],
    short: &[(&str, K)],
    missing_hint: &str,
) -> Result<K> {
    let Some(name) = config.get_str(key)? else {
        return Err(Error::ConfigMissing {
            key: key.to_string(),
            hint: missing_hint.to_string(),
        });
    };
    let name = name.trim();
    let wrong = |message: String| Error::ConfigValue {
        key: key.to_string(),
        origin: config.origin(key).map(|p| p.to_path_buf()),
        message,
    };
    let accepted = || {
        let mut names: Vec<String> = Vec::new();
        for known in table.iter().filter(|k| k.kind.is_some()) {
            names.push(format!("{}{}", PREFIXES[0], known.class));
        }
        for (s, _) in short {
            names.push((*s).to_string());
        }
        names.join(", ")
    };
    if let Some((_, kind)) = short.iter().find(|(s, _)| s.eq_ignore_ascii_case(name)) {
        return Ok(*kind);
    }
    let tail = PREFIXES.iter().find_map(|p| name.strip_prefix(p));
    if let Some(known) = tail.and_then(|t| table.iter().find(|k| k.class == t)) {
        return match known.kind {
            Some(kind) => Ok(kind),
            None => Err(wrong(format!(
                "`{name}` is Heron's {}, which this tool does not support{}; supported: {}",
                known.what,
                if known.what.contains("scheduler") {
                    " (this tool drives Aurora only)"
                } else {
                    ""
                },
                accepted()
            ))),
        };
    }
    Err(wrong(format!(
        "unknown class `{name}`; accepted: {} (com.twitter.heron.* spellings too)",
        accepted()
    )))
}

/// The state manager backend (`heron.class.state.manager`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateManagerKind {
    /// Heron's `CuratorStateManager`: state in ZooKeeper.
    ZooKeeper,
    /// Heron's `LocalFileSystemStateManager`: state in files.
    LocalFs,
}

impl fmt::Display for StateManagerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateManagerKind::ZooKeeper => "zookeeper",
            StateManagerKind::LocalFs => "localfs",
        })
    }
}

impl StateManagerKind {
    /// Reads `heron.class.state.manager`.
    pub fn from_config(config: &Config) -> Result<StateManagerKind> {
        use StateManagerKind::*;
        resolve(
            config,
            keys::STATE_MANAGER_CLASS,
            &[
                Known {
                    class: "statemgr.zookeeper.curator.CuratorStateManager",
                    what: "ZooKeeper state manager",
                    kind: Some(ZooKeeper),
                },
                Known {
                    class: "statemgr.localfs.LocalFileSystemStateManager",
                    what: "local file system state manager",
                    kind: Some(LocalFs),
                },
                Known {
                    class: "statemgr.NullStateManager",
                    what: "null state manager",
                    kind: None,
                },
            ],
            &[
                ("zookeeper", ZooKeeper),
                ("zk", ZooKeeper),
                ("curator", ZooKeeper),
                ("zkstatemanager", ZooKeeper),
                ("CuratorStateManager", ZooKeeper),
                ("localfs", LocalFs),
                ("LocalFileSystemStateManager", LocalFs),
            ],
            "set it in statemgr.yaml, e.g. org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager",
        )
    }
}

/// The uploader backend (`heron.class.uploader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploaderKind {
    /// Heron's `LocalFileSystemUploader`.
    LocalFs,
    /// Heron's `HdfsUploader`.
    Hdfs,
    /// Heron's `S3Uploader`.
    S3,
    /// Heron's `NullUploader`: uploads nothing.
    Null,
}

impl fmt::Display for UploaderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UploaderKind::LocalFs => "localfs",
            UploaderKind::Hdfs => "hdfs",
            UploaderKind::S3 => "s3",
            UploaderKind::Null => "null",
        })
    }
}

impl UploaderKind {
    /// Reads `heron.class.uploader`.
    pub fn from_config(config: &Config) -> Result<UploaderKind> {
        use UploaderKind::*;
        resolve(
            config,
            keys::UPLOADER_CLASS,
            &[
                Known {
                    class: "uploader.localfs.LocalFileSystemUploader",
                    what: "local file system uploader",
                    kind: Some(LocalFs),
                },
                Known {
                    class: "uploader.hdfs.HdfsUploader",
                    what: "HDFS uploader",
                    kind: Some(Hdfs),
                },
                Known {
                    class: "uploader.s3.S3Uploader",
                    what: "S3 uploader",
                    kind: Some(S3),
                },
                Known {
                    class: "uploader.NullUploader",
                    what: "null uploader",
                    kind: Some(Null),
                },
                Known {
                    class: "uploader.gcs.GcsUploader",
                    what: "Google Cloud Storage uploader",
                    kind: None,
                },
                Known {
                    class: "uploader.scp.ScpUploader",
                    what: "scp uploader",
                    kind: None,
                },
                Known {
                    class: "uploader.http.HttpUploader",
                    what: "HTTP uploader",
                    kind: None,
                },
                Known {
                    class: "uploader.dlog.DLUploader",
                    what: "DistributedLog uploader",
                    kind: None,
                },
            ],
            &[
                ("localfs", LocalFs),
                ("LocalFileSystemUploader", LocalFs),
                ("hdfs", Hdfs),
                ("HdfsUploader", Hdfs),
                ("s3", S3),
                ("S3Uploader", S3),
                ("null", Null),
                ("NullUploader", Null),
            ],
            "set it in uploader.yaml, e.g. org.apache.heron.uploader.s3.S3Uploader",
        )
    }
}

/// The scheduler (`heron.class.scheduler`): this tool drives Aurora only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchedulerKind {
    /// Heron's `AuroraScheduler`.
    Aurora,
}

impl fmt::Display for SchedulerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("aurora")
    }
}

/// Heron's other schedulers: (scheduler class, launcher class, name).
const OTHER_SCHEDULERS: &[(&str, &str, &str)] = &[
    (
        "scheduler.local.LocalScheduler",
        "scheduler.local.LocalLauncher",
        "local scheduler",
    ),
    (
        "scheduler.kubernetes.KubernetesScheduler",
        "scheduler.kubernetes.KubernetesLauncher",
        "Kubernetes scheduler",
    ),
    (
        "scheduler.marathon.MarathonScheduler",
        "scheduler.marathon.MarathonLauncher",
        "Marathon scheduler",
    ),
    (
        "scheduler.mesos.MesosScheduler",
        "scheduler.mesos.MesosLauncher",
        "Mesos scheduler",
    ),
    (
        "scheduler.nomad.NomadScheduler",
        "scheduler.nomad.NomadLauncher",
        "Nomad scheduler",
    ),
    (
        "scheduler.slurm.SlurmScheduler",
        "scheduler.slurm.SlurmLauncher",
        "Slurm scheduler",
    ),
    (
        "scheduler.yarn.YarnScheduler",
        "scheduler.yarn.YarnLauncher",
        "YARN scheduler",
    ),
    (
        "scheduler.NullScheduler",
        "scheduler.NullLauncher",
        "null scheduler",
    ),
];

fn aurora_only<K: Copy + fmt::Display>(
    config: &Config,
    key: &str,
    suffix: &str,
    aurora_class: &'static str,
    kind: K,
    hint: &str,
) -> Result<K> {
    let mut table = vec![Known {
        class: aurora_class,
        what: "Aurora scheduler",
        kind: Some(kind),
    }];
    for (scheduler, launcher, what) in OTHER_SCHEDULERS {
        let class = if suffix == "Scheduler" {
            scheduler
        } else {
            launcher
        };
        table.push(Known {
            class,
            what,
            kind: None,
        });
    }
    let bare = aurora_class.rsplit('.').next().unwrap_or(aurora_class);
    resolve(config, key, &table, &[("aurora", kind), (bare, kind)], hint)
}

impl SchedulerKind {
    /// Reads `heron.class.scheduler`.
    pub fn from_config(config: &Config) -> Result<SchedulerKind> {
        aurora_only(
            config,
            keys::SCHEDULER_CLASS,
            "Scheduler",
            "scheduler.aurora.AuroraScheduler",
            SchedulerKind::Aurora,
            "set it in scheduler.yaml to org.apache.heron.scheduler.aurora.AuroraScheduler",
        )
    }
}

/// The launcher (`heron.class.launcher`): this tool drives Aurora only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LauncherKind {
    /// Heron's `AuroraLauncher`.
    Aurora,
}

impl fmt::Display for LauncherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("aurora")
    }
}

impl LauncherKind {
    /// Reads `heron.class.launcher`.
    pub fn from_config(config: &Config) -> Result<LauncherKind> {
        aurora_only(
            config,
            keys::LAUNCHER_CLASS,
            "Launcher",
            "scheduler.aurora.AuroraLauncher",
            LauncherKind::Aurora,
            "set it in scheduler.yaml to org.apache.heron.scheduler.aurora.AuroraLauncher",
        )
    }
}

/// The packing algorithm (`heron.class.packing.algorithm`, `heron.class.repacking.algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackingKind {
    /// Heron's `RoundRobinPacking`.
    RoundRobin,
}

impl fmt::Display for PackingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("roundrobin")
    }
}

impl PackingKind {
    fn read(config: &Config, key: &str) -> Result<PackingKind> {
        use PackingKind::*;
        resolve(
            config,
            key,
            &[
                Known {
                    class: "packing.roundrobin.RoundRobinPacking",
                    what: "round-robin packing",
                    kind: Some(RoundRobin),
                },
                Known {
                    class: "packing.roundrobin.ResourceCompliantRRPacking",
                    what: "resource-compliant round-robin packing",
                    kind: None,
                },
                Known {
                    class: "packing.binpacking.FirstFitDecreasingPacking",
                    what: "first-fit-decreasing packing",
                    kind: None,
                },
            ],
            &[
                ("roundrobin", RoundRobin),
                ("RoundRobinPacking", RoundRobin),
            ],
            "set it in packing.yaml to org.apache.heron.packing.roundrobin.RoundRobinPacking",
        )
    }

    /// Reads `heron.class.packing.algorithm`.
    pub fn from_config(config: &Config) -> Result<PackingKind> {
        PackingKind::read(config, keys::PACKING_CLASS)
    }

    /// Reads `heron.class.repacking.algorithm`; when unset, the packing algorithm is used.
    pub fn repacking_from_config(config: &Config) -> Result<PackingKind> {
        if config.contains(keys::REPACKING_CLASS) {
            PackingKind::read(config, keys::REPACKING_CLASS)
        } else {
            PackingKind::from_config(config)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn with(key: &str, value: &str) -> Config {
        let mut c = Config::new();
        c.set(
            key,
            super::super::Value::String(value.into()),
            Some(PathBuf::from("/conf/x.yaml")),
        );
        c
    }

    #[test]
    fn both_spellings_and_short_names() {
        for name in [
            "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager",
            "com.twitter.heron.statemgr.zookeeper.curator.CuratorStateManager",
            "zookeeper",
            "ZooKeeper",
            "zkstatemanager",
        ] {
            let c = with(keys::STATE_MANAGER_CLASS, name);
            assert_eq!(
                StateManagerKind::from_config(&c).ok(),
                Some(StateManagerKind::ZooKeeper),
                "{name}"
            );
        }
        let c = with(
            keys::UPLOADER_CLASS,
            "com.twitter.heron.uploader.s3.S3Uploader",
        );
        assert_eq!(UploaderKind::from_config(&c).ok(), Some(UploaderKind::S3));
        let c = with(
            keys::SCHEDULER_CLASS,
            "com.twitter.heron.scheduler.aurora.AuroraScheduler",
        );
        assert_eq!(
            SchedulerKind::from_config(&c).ok(),
            Some(SchedulerKind::Aurora)
        );
        let c = with(keys::LAUNCHER_CLASS, "aurora");
        assert_eq!(
            LauncherKind::from_config(&c).ok(),
            Some(LauncherKind::Aurora)
        );
        let c = with(
            keys::PACKING_CLASS,
            "org.apache.heron.packing.roundrobin.RoundRobinPacking",
        );
        assert_eq!(
            PackingKind::from_config(&c).ok(),
            Some(PackingKind::RoundRobin)
        );
        assert_eq!(
            PackingKind::repacking_from_config(&c).ok(),
            Some(PackingKind::RoundRobin)
        );
    }

    #[test]
    fn unsupported_and_unknown_classes() {
        let c = with(
            keys::UPLOADER_CLASS,
            "org.apache.heron.uploader.gcs.GcsUploader",
        );
        let err = UploaderKind::from_config(&c).unwrap_err().to_string();
        assert!(
            err.contains("does not support") && err.contains("Google Cloud Storage"),
            "{err}"
        );
        assert!(
            err.contains("localfs") && err.contains("S3Uploader"),
            "{err}"
        );
        assert!(
            err.contains("/conf/x.yaml") && err.contains(keys::UPLOADER_CLASS),
            "{err}"
        );

        let c = with(
            keys::SCHEDULER_CLASS,
            "org.apache.heron.scheduler.kubernetes.KubernetesScheduler",
        );
        let err = SchedulerKind::from_config(&c).unwrap_err().to_string();
        assert!(err.contains("drives Aurora only"), "{err}");

        let c = with(keys::STATE_MANAGER_CLASS, "org.example.MyStateManager");
        let err = StateManagerKind::from_config(&c).unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::BadInput);
        let text = err.to_string();
        assert!(
            text.contains("unknown class `org.example.MyStateManager`"),
            "{text}"
        );
        assert!(
            text.contains("org.apache.heron.statemgr.localfs.LocalFileSystemStateManager"),
            "{text}"
        );

        let err = PackingKind::from_config(&Config::new()).unwrap_err();
        assert!(matches!(err, Error::ConfigMissing { .. }), "{err}");
    }
}
