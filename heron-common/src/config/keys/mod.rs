//! Heron's config keys that the binaries read, as constants (heron-aurora.md §3), the table of
//! every known key with the type its value must have, Heron's built-in defaults (§3.8), and the
//! `${NAME}` token names of §3.9.
//!
//! Keys this project adds are documented in docs/config-keys.md. Keys that are in no table
//! (heron_internals.yaml, metrics sinks, a site's own keys) are accepted untyped.
//!
//! This file holds the key constants; the tables are beside it: `types.rs` ([`KNOWN_KEYS`], every
//! known key's type), `defaults.rs` ([`DEFAULTS`], Heron's built-in defaults) and `token_names.rs`
//! ([`TOKEN_KEYS`], the `${NAME}` tokens).

mod defaults;
mod token_names;
mod types;

pub use defaults::{DEFAULTS, DefaultValue};
pub use token_names::{TOKEN_KEYS, token_key};
pub use types::{KNOWN_KEYS, KeyType, key_type};

// ---- classes -------------------------------------------------------------------------------

/// `heron.class.state.manager`.
pub const STATE_MANAGER_CLASS: &str = "heron.class.state.manager";
/// `heron.class.uploader`.
pub const UPLOADER_CLASS: &str = "heron.class.uploader";
/// `heron.class.scheduler`.
pub const SCHEDULER_CLASS: &str = "heron.class.scheduler";
/// `heron.class.launcher`.
pub const LAUNCHER_CLASS: &str = "heron.class.launcher";
/// `heron.class.packing.algorithm`.
pub const PACKING_CLASS: &str = "heron.class.packing.algorithm";
/// `heron.class.repacking.algorithm`.
pub const REPACKING_CLASS: &str = "heron.class.repacking.algorithm";
/// `heron.class.scheduler.aurora.controller.cli` (default true: drive the `aurora` CLI).
pub const AURORA_CONTROLLER_CLI: &str = "heron.class.scheduler.aurora.controller.cli";

// ---- runtime values (set by the client, read by tokens) --------------------------------------

/// `heron.config.cluster` (`${CLUSTER}`).
pub const CLUSTER: &str = "heron.config.cluster";
/// `heron.config.role` (`${ROLE}`).
pub const ROLE: &str = "heron.config.role";
/// `heron.config.environ` (`${ENVIRON}`).
pub const ENVIRON: &str = "heron.config.environ";
/// `heron.config.submit_user`.
pub const SUBMIT_USER: &str = "heron.config.submit_user";
/// `heron.config.dry_run`.
pub const DRY_RUN: &str = "heron.config.dry_run";
/// `heron.config.verbose`.
pub const VERBOSE: &str = "heron.config.verbose";
/// `heron.config.verbose_gc`.
pub const VERBOSE_GC: &str = "heron.config.verbose_gc";
/// `heron.topology.name` (`${TOPOLOGY}`, `${TOPOLOGY_NAME}`).
pub const TOPOLOGY_NAME: &str = "heron.topology.name";
/// `heron.topology.id`.
pub const TOPOLOGY_ID: &str = "heron.topology.id";
/// `heron.package.topology.uri`: where the uploader put the topology package.
pub const TOPOLOGY_PACKAGE_URI: &str = "heron.package.topology.uri";

// ---- client.yaml ---------------------------------------------------------------------------

/// `heron.config.is.role.required` (read by the CLI only).
pub const IS_ROLE_REQUIRED: &str = "heron.config.is.role.required";
/// `heron.config.is.env.required` (read by the CLI only).
pub const IS_ENV_REQUIRED: &str = "heron.config.is.env.required";
/// `heron.package.core.uri`: the heron-core package the Aurora job fetches.
pub const CORE_PACKAGE_URI: &str = "heron.package.core.uri";
/// `heron.package.core.directory`.
pub const CORE_PACKAGE_DIRECTORY: &str = "heron.package.core.directory";
/// `heron.package.use_core_uri`.
pub const USE_CORE_PACKAGE_URI: &str = "heron.package.use_core_uri";

// ---- directories ---------------------------------------------------------------------------

/// `heron.directory.home` (`${HERON_HOME}`).
pub const HERON_HOME: &str = "heron.directory.home";
/// `heron.directory.conf` (`${HERON_CONF}`).
pub const HERON_CONF: &str = "heron.directory.conf";
/// `heron.directory.bin` (`${HERON_BIN}`).
pub const HERON_BIN: &str = "heron.directory.bin";
/// `heron.directory.lib` (`${HERON_LIB}`).
pub const HERON_LIB: &str = "heron.directory.lib";
/// `heron.directory.dist` (`${HERON_DIST}`).
pub const HERON_DIST: &str = "heron.directory.dist";
/// `heron.directory.etc` (`${HERON_ETC}`).
pub const HERON_ETC: &str = "heron.directory.etc";
/// `heron.directory.cluster.home`: `${HERON_HOME}` in cluster mode.
pub const HERON_CLUSTER_HOME: &str = "heron.directory.cluster.home";
/// `heron.directory.cluster.conf`: `${HERON_CONF}` in cluster mode.
pub const HERON_CLUSTER_CONF: &str = "heron.directory.cluster.conf";
/// `heron.directory.sandbox.java.home`: JAVA_HOME inside the Aurora sandbox.
pub const SANDBOX_JAVA_HOME: &str = "heron.directory.sandbox.java.home";

// ---- scheduler.yaml ------------------------------------------------------------------------

/// `heron.scheduler.is.service`.
pub const SCHEDULER_IS_SERVICE: &str = "heron.scheduler.is.service";
/// `heron.scheduler.job.template`: path of the Aurora job template.
pub const SCHEDULER_JOB_TEMPLATE: &str = "heron.scheduler.job.template";
/// `heron.scheduler.job.link.template`: job page link template.
pub const SCHEDULER_JOB_LINK_TEMPLATE: &str = "heron.scheduler.job.link.template";
/// `heron.scheduler.job.max.kill.attempts`.
pub const SCHEDULER_JOB_MAX_KILL_ATTEMPTS: &str = "heron.scheduler.job.max.kill.attempts";
/// `heron.scheduler.job.kill.retry.interval.ms`.
pub const SCHEDULER_JOB_KILL_RETRY_INTERVAL_MS: &str = "heron.scheduler.job.kill.retry.interval.ms";
/// `heron.scheduler.properties`.
pub const SCHEDULER_PROPERTIES: &str = "heron.scheduler.properties";

// ---- statemgr.yaml -------------------------------------------------------------------------

/// `heron.statemgr.connection.string`.
pub const STATEMGR_CONNECTION_STRING: &str = "heron.statemgr.connection.string";
/// `heron.statemgr.root.path`.
pub const STATEMGR_ROOT_PATH: &str = "heron.statemgr.root.path";
/// `heron.statemgr.zookeeper.is.initialize.tree` (default true).
pub const ZK_IS_INITIALIZE_TREE: &str = "heron.statemgr.zookeeper.is.initialize.tree";
/// `heron.statemgr.zookeeper.session.timeout.ms` (default 30000).
pub const ZK_SESSION_TIMEOUT_MS: &str = "heron.statemgr.zookeeper.session.timeout.ms";
/// `heron.statemgr.zookeeper.connection.timeout.ms` (default 30000).
pub const ZK_CONNECTION_TIMEOUT_MS: &str = "heron.statemgr.zookeeper.connection.timeout.ms";
/// `heron.statemgr.zookeeper.retry.count` (default 10).
pub const ZK_RETRY_COUNT: &str = "heron.statemgr.zookeeper.retry.count";
/// `heron.statemgr.zookeeper.retry.interval.ms` (default 10000).
pub const ZK_RETRY_INTERVAL_MS: &str = "heron.statemgr.zookeeper.retry.interval.ms";
/// `heron.statemgr.localfs.is.initialize.file.tree` (default true).
pub const LOCALFS_IS_INITIALIZE_FILE_TREE: &str = "heron.statemgr.localfs.is.initialize.file.tree";
/// `heron.statemgr.is.tunnel.needed`.
pub const STATEMGR_IS_TUNNEL_NEEDED: &str = "heron.statemgr.is.tunnel.needed";

// ---- uploader.yaml -------------------------------------------------------------------------

/// `heron.uploader.localfs.file.system.directory`.
pub const UPLOADER_LOCALFS_DIRECTORY: &str = "heron.uploader.localfs.file.system.directory";
/// `heron.uploader.hdfs.config.directory`.
pub const UPLOADER_HDFS_CONFIG_DIRECTORY: &str = "heron.uploader.hdfs.config.directory";
/// `heron.uploader.hdfs.topologies.directory.uri`.
pub const UPLOADER_HDFS_DIRECTORY_URI: &str = "heron.uploader.hdfs.topologies.directory.uri";
/// `heron.uploader.s3.bucket`.
pub const UPLOADER_S3_BUCKET: &str = "heron.uploader.s3.bucket";
/// `heron.uploader.s3.path_prefix`.
pub const UPLOADER_S3_PATH_PREFIX: &str = "heron.uploader.s3.path_prefix";
/// `heron.uploader.s3.access_key` (a secret: never log it).
pub const UPLOADER_S3_ACCESS_KEY: &str = "heron.uploader.s3.access_key";
/// `heron.uploader.s3.secret_key` (a secret: never log it).
pub const UPLOADER_S3_SECRET_KEY: &str = "heron.uploader.s3.secret_key";
/// `heron.statemgr.localfs.fsync`: sync local state files before they count as written (ours;
/// default false, as Heron's LocalFileSystemStateManager).
pub const STATEMGR_LOCALFS_FSYNC: &str = "heron.statemgr.localfs.fsync";
/// `heron.statemgr.zookeeper.auth.digest`: `user:password` for ZooKeeper (ours; a secret).
pub const STATEMGR_ZOOKEEPER_AUTH_DIGEST: &str = "heron.statemgr.zookeeper.auth.digest";

/// Every key whose value is a secret: never logged, never shown, never packed into the topology
/// package (Heron's runtime on the Aurora hosts needs none of them). The one list to extend.
pub const SECRET_KEYS: &[&str] = &[
    UPLOADER_S3_ACCESS_KEY,
    UPLOADER_S3_SECRET_KEY,
    STATEMGR_ZOOKEEPER_AUTH_DIGEST,
];

/// `heron.uploader.s3.aws_profile`.
pub const UPLOADER_S3_AWS_PROFILE: &str = "heron.uploader.s3.aws_profile";
/// `heron.uploader.s3.proxy_uri`.
pub const UPLOADER_S3_PROXY_URI: &str = "heron.uploader.s3.proxy_uri";
/// `heron.uploader.s3.uri`: a custom endpoint.
pub const UPLOADER_S3_URI: &str = "heron.uploader.s3.uri";
/// `heron.uploader.s3.region`.
pub const UPLOADER_S3_REGION: &str = "heron.uploader.s3.region";

// ---- packing -------------------------------------------------------------------------------

/// `heron.resources.instance.ram` (bytes, default 1 GiB).
pub const INSTANCE_RAM: &str = "heron.resources.instance.ram";
/// `heron.resources.instance.cpu` (default 1.0).
pub const INSTANCE_CPU: &str = "heron.resources.instance.cpu";
/// `heron.resources.instance.disk` (bytes, default 1 GiB).
pub const INSTANCE_DISK: &str = "heron.resources.instance.disk";
/// `heron.resources.stmgr.ram` (bytes, default 1 GiB).
pub const STMGR_RAM: &str = "heron.resources.stmgr.ram";
/// `heron.resources.ckptmgr.ram` (bytes, default 1 GiB).
pub const CKPTMGR_RAM: &str = "heron.resources.ckptmgr.ram";
/// `heron.resources.metricsmgr.ram` (bytes, default 1 GiB).
pub const METRICSMGR_RAM: &str = "heron.resources.metricsmgr.ram";

// ---- binaries ------------------------------------------------------------------------------

/// `heron.binaries.executor`: the executor the Aurora job runs (`${HERON_BIN}/heron-executor`).
pub const EXECUTOR_BINARY: &str = "heron.binaries.executor";

// ---- the config files themselves -----------------------------------------------------------

/// `heron.config.file.override.yaml`.
pub const OVERRIDE_YAML: &str = "heron.config.file.override.yaml";
