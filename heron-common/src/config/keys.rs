//! Heron's config keys that the binaries read, as constants (heron-aurora.md §3), the table of
//! every known key with the type its value must have, Heron's built-in defaults (§3.8), and the
//! `${NAME}` token names of §3.9.
//!
//! Keys this project adds are documented in docs/config-keys.md. Keys that are in no table
//! (heron_internals.yaml, metrics sinks, a site's own keys) are accepted untyped.

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

/// The type a known key's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `true`/`false` (YAML booleans, or the strings `true`/`false`).
    Bool,
    /// An integer (or text that parses as one).
    Int,
    /// A number.
    Float,
    /// Text (numbers are accepted as their text; booleans and collections are not).
    String,
    /// A mapping.
    Map,
    /// A list.
    List,
}

impl KeyType {
    /// How the type is named in error messages.
    pub fn describe(self) -> &'static str {
        match self {
            KeyType::Bool => "true or false",
            KeyType::Int => "an integer",
            KeyType::Float => "a number",
            KeyType::String => "a string",
            KeyType::Map => "a map",
            KeyType::List => "a list",
        }
    }
}

use KeyType::{Bool, Float, Int, Map, String as Str};

/// Every key of heron-aurora.md §3 (and the other backends' keys Heron defines), with its type.
pub const KNOWN_KEYS: &[(&str, KeyType)] = &[
    // directories and config files (§3.8)
    (HERON_HOME, Str),
    (HERON_BIN, Str),
    (HERON_CONF, Str),
    (HERON_LIB, Str),
    (HERON_DIST, Str),
    (HERON_ETC, Str),
    ("heron.directory.java.home", Str),
    (HERON_CLUSTER_HOME, Str),
    (HERON_CLUSTER_CONF, Str),
    (SANDBOX_JAVA_HOME, Str),
    ("heron.config.file.cluster.yaml", Str),
    ("heron.config.file.client.yaml", Str),
    ("heron.config.file.healthmgr.yaml", Str),
    ("heron.config.file.metrics.yaml", Str),
    ("heron.config.file.packing.yaml", Str),
    ("heron.config.file.scheduler.yaml", Str),
    ("heron.config.file.statemgr.yaml", Str),
    ("heron.config.file.system.yaml", Str),
    ("heron.config.file.uploader.yaml", Str),
    ("heron.config.file.downloader.yaml", Str),
    ("heron.config.file.stateful.yaml", Str),
    (OVERRIDE_YAML, Str),
    // command line / runtime
    (CLUSTER, Str),
    (ROLE, Str),
    (ENVIRON, Str),
    (SUBMIT_USER, Str),
    (DRY_RUN, Bool),
    ("heron.config.dry_run_format_type", Str),
    (VERBOSE, Bool),
    (VERBOSE_GC, Bool),
    (TOPOLOGY_ID, Str),
    (TOPOLOGY_NAME, Str),
    ("heron.topology.definition.file", Str),
    ("heron.topology.binary.file", Str),
    ("heron.topology.package.file", Str),
    ("heron.topology.package.type", Str),
    (TOPOLOGY_PACKAGE_URI, Str),
    // classes
    (UPLOADER_CLASS, Str),
    (LAUNCHER_CLASS, Str),
    (SCHEDULER_CLASS, Str),
    (PACKING_CLASS, Str),
    (REPACKING_CLASS, Str),
    (STATE_MANAGER_CLASS, Str),
    (AURORA_CONTROLLER_CLI, Bool),
    // client.yaml
    (IS_ROLE_REQUIRED, Bool),
    (IS_ENV_REQUIRED, Bool),
    (CORE_PACKAGE_URI, Str),
    (CORE_PACKAGE_DIRECTORY, Str),
    (USE_CORE_PACKAGE_URI, Bool),
    // scheduler.yaml
    (SCHEDULER_IS_SERVICE, Bool),
    (SCHEDULER_PROPERTIES, Map),
    (SCHEDULER_JOB_TEMPLATE, Str),
    (SCHEDULER_JOB_LINK_TEMPLATE, Str),
    (SCHEDULER_JOB_MAX_KILL_ATTEMPTS, Int),
    (SCHEDULER_JOB_KILL_RETRY_INTERVAL_MS, Int),
    ("heron.scheduler.is.tunnel.needed", Bool),
    ("heron.scheduler.tunnel.connection.timeout.ms", Int),
    ("heron.scheduler.tunnel.connection.retry.count", Int),
    ("heron.scheduler.tunnel.retry.interval.ms", Int),
    ("heron.scheduler.tunnel.verify.count", Int),
    ("heron.scheduler.tunnel.host", Str),
    ("heron.scheduler.local.working.directory", Str),
    ("heron.jars.scheduler", Str),
    // statemgr.yaml
    (STATEMGR_CONNECTION_STRING, Str),
    (STATEMGR_ROOT_PATH, Str),
    (ZK_IS_INITIALIZE_TREE, Bool),
    (ZK_SESSION_TIMEOUT_MS, Int),
    (ZK_CONNECTION_TIMEOUT_MS, Int),
    (ZK_RETRY_COUNT, Int),
    (ZK_RETRY_INTERVAL_MS, Int),
    (LOCALFS_IS_INITIALIZE_FILE_TREE, Bool),
    (STATEMGR_IS_TUNNEL_NEEDED, Bool),
    ("heron.statemgr.tunnel.connection.timeout.ms", Int),
    ("heron.statemgr.tunnel.connection.retry.count", Int),
    ("heron.statemgr.tunnel.retry.interval.ms", Int),
    ("heron.statemgr.tunnel.verify.count", Int),
    ("heron.statemgr.tunnel.host", Str),
    // uploader.yaml (§6)
    (UPLOADER_LOCALFS_DIRECTORY, Str),
    (UPLOADER_HDFS_CONFIG_DIRECTORY, Str),
    (UPLOADER_HDFS_DIRECTORY_URI, Str),
    (UPLOADER_S3_BUCKET, Str),
    (UPLOADER_S3_PATH_PREFIX, Str),
    (UPLOADER_S3_ACCESS_KEY, Str),
    (UPLOADER_S3_SECRET_KEY, Str),
    (UPLOADER_S3_AWS_PROFILE, Str),
    (UPLOADER_S3_PROXY_URI, Str),
    (UPLOADER_S3_URI, Str),
    (UPLOADER_S3_REGION, Str),
    ("heron.uploader.gcs.bucket", Str),
    ("heron.uploader.gcs.credentials_path", Str),
    ("heron.uploader.scp.command.options", Str),
    ("heron.uploader.scp.command.connection", Str),
    ("heron.uploader.ssh.command.options", Str),
    ("heron.uploader.ssh.command.connection", Str),
    ("heron.uploader.scp.dir.path", Str),
    ("heron.uploader.http.uri", Str),
    ("heron.uploader.dlog.topologies.namespace.uri", Str),
    ("heron.uploader.dlog.topologies.num.replicas", Int),
    // packing and resources
    (INSTANCE_RAM, Int),
    (INSTANCE_CPU, Float),
    (INSTANCE_DISK, Int),
    (STMGR_RAM, Int),
    (CKPTMGR_RAM, Int),
    (METRICSMGR_RAM, Int),
    // downloader.yaml, stateful.yaml
    ("heron.downloader.registry", Map),
    ("heron.statefulstorage.classname", Str),
    ("heron.statefulstorage.config", Map),
    ("heron.statefulstorage.custom.classpath", Str),
    ("heron.ckptmgr.network.write.batch.size.bytes", Int),
    ("heron.ckptmgr.network.write.batch.time.ms", Int),
    ("heron.ckptmgr.network.read.batch.size.bytes", Int),
    ("heron.ckptmgr.network.read.batch.time.ms", Int),
    (
        "heron.ckptmgr.network.options.socket.send.buffer.size.bytes",
        Int,
    ),
    (
        "heron.ckptmgr.network.options.socket.receive.buffer.size.bytes",
        Int,
    ),
    (
        "heron.ckptmgr.network.options.maximum.packetsize.bytes",
        Int,
    ),
    // classpaths and binaries (Key defaults)
    ("heron.classpath.instance", Str),
    ("heron.classpath.healthmgr", Str),
    ("heron.classpath.metrics.manager", Str),
    ("heron.classpath.metricscache.manager", Str),
    ("heron.classpath.packing", Str),
    ("heron.classpath.scheduler", Str),
    ("heron.classpath.statemgr", Str),
    ("heron.classpath.uploader", Str),
    ("heron.classpath.ckptmgr", Str),
    ("heron.classpath.statefulstorage", Str),
    (EXECUTOR_BINARY, Str),
    ("heron.binaries.stmgr", Str),
    ("heron.binaries.tmanager", Str),
    ("heron.binaries.shell", Str),
    ("heron.binaries.python.instance", Str),
    ("heron.binaries.cpp.instance", Str),
    ("heron.binaries.downloader", Str),
    ("heron.binaries.downloader-conf", Str),
    ("heron.topology.metricscachemgr.mode", Str),
    ("heron.topology.healthmgr.mode", Str),
    ("heron.command.update.prompt", Str),
];

/// The type a known key must have (Heron's cluster keys here, ours and the topology's in
/// [`super::known`]); `None` for keys this tool does not know (accepted as they are).
pub fn key_type(key: &str) -> Option<KeyType> {
    KNOWN_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| *t)
        .or_else(|| super::known::key_type(key))
}

/// A built-in default value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// Text (may hold `${...}` tokens).
    Str(&'static str),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
}

const GIB: i64 = 1_073_741_824;

/// Heron's Key defaults (heron-aurora.md §3.8), loaded before any file.
pub const DEFAULTS: &[(&str, DefaultValue)] = &[
    (HERON_HOME, DefaultValue::Str("/usr/local/heron")),
    (HERON_BIN, DefaultValue::Str("${HERON_HOME}/bin")),
    (HERON_CONF, DefaultValue::Str("${HERON_HOME}/conf")),
    (HERON_LIB, DefaultValue::Str("${HERON_HOME}/lib")),
    (HERON_DIST, DefaultValue::Str("${HERON_HOME}/dist")),
    (HERON_ETC, DefaultValue::Str("${HERON_HOME}/etc")),
    (
        "heron.directory.java.home",
        DefaultValue::Str("${JAVA_HOME}"),
    ),
    (
        "heron.config.file.cluster.yaml",
        DefaultValue::Str("${HERON_CONF}/cluster.yaml"),
    ),
    (
        "heron.config.file.client.yaml",
        DefaultValue::Str("${HERON_CONF}/client.yaml"),
    ),
    (
        "heron.config.file.healthmgr.yaml",
        DefaultValue::Str("${HERON_CONF}/healthmgr.yaml"),
    ),
    (
        "heron.config.file.metrics.yaml",
        DefaultValue::Str("${HERON_CONF}/metrics_sinks.yaml"),
    ),
    (
        "heron.config.file.packing.yaml",
        DefaultValue::Str("${HERON_CONF}/packing.yaml"),
    ),
    (
        "heron.config.file.scheduler.yaml",
        DefaultValue::Str("${HERON_CONF}/scheduler.yaml"),
    ),
    (
        "heron.config.file.statemgr.yaml",
        DefaultValue::Str("${HERON_CONF}/statemgr.yaml"),
    ),
    (
        "heron.config.file.system.yaml",
        DefaultValue::Str("${HERON_CONF}/heron_internals.yaml"),
    ),
    (
        "heron.config.file.uploader.yaml",
        DefaultValue::Str("${HERON_CONF}/uploader.yaml"),
    ),
    (
        "heron.config.file.downloader.yaml",
        DefaultValue::Str("${HERON_CONF}/downloader.yaml"),
    ),
    (
        "heron.config.file.stateful.yaml",
        DefaultValue::Str("${HERON_CONF}/stateful.yaml"),
    ),
    (
        OVERRIDE_YAML,
        DefaultValue::Str("${HERON_CONF}/override.yaml"),
    ),
    (HERON_CLUSTER_HOME, DefaultValue::Str("./heron-core")),
    (HERON_CLUSTER_CONF, DefaultValue::Str("./heron-conf")),
    (
        SANDBOX_JAVA_HOME,
        DefaultValue::Str("/usr/lib/jvm/default-java"),
    ),
    (
        CORE_PACKAGE_URI,
        DefaultValue::Str("${HERON_DIST}/heron-core.tar.gz"),
    ),
    (
        CORE_PACKAGE_DIRECTORY,
        DefaultValue::Str("${HERON_DIST}/heron-core"),
    ),
    (USE_CORE_PACKAGE_URI, DefaultValue::Bool(true)),
    (STMGR_RAM, DefaultValue::Int(GIB)),
    (CKPTMGR_RAM, DefaultValue::Int(GIB)),
    (METRICSMGR_RAM, DefaultValue::Int(GIB)),
    (INSTANCE_RAM, DefaultValue::Int(GIB)),
    (INSTANCE_CPU, DefaultValue::Float(1.0)),
    (INSTANCE_DISK, DefaultValue::Int(GIB)),
    (
        "heron.classpath.instance",
        DefaultValue::Str("${HERON_LIB}/instance/*"),
    ),
    (
        "heron.classpath.healthmgr",
        DefaultValue::Str("${HERON_LIB}/healthmgr/*"),
    ),
    (
        "heron.classpath.metrics.manager",
        DefaultValue::Str("${HERON_LIB}/metricsmgr/*"),
    ),
    (
        "heron.classpath.metricscache.manager",
        DefaultValue::Str("${HERON_LIB}/metricscachemgr/*"),
    ),
    (
        "heron.classpath.packing",
        DefaultValue::Str("${HERON_LIB}/packing/*"),
    ),
    (
        "heron.classpath.scheduler",
        DefaultValue::Str("${HERON_LIB}/scheduler/*"),
    ),
    (
        "heron.classpath.statemgr",
        DefaultValue::Str("${HERON_LIB}/statemgr/*"),
    ),
    (
        "heron.classpath.uploader",
        DefaultValue::Str("${HERON_LIB}/uploader/*"),
    ),
    (
        "heron.classpath.ckptmgr",
        DefaultValue::Str("${HERON_LIB}/ckptmgr/*"),
    ),
    (
        "heron.classpath.statefulstorage",
        DefaultValue::Str("${HERON_LIB}/statefulstorage/*"),
    ),
    (
        EXECUTOR_BINARY,
        DefaultValue::Str("${HERON_BIN}/heron-executor"),
    ),
    (
        "heron.binaries.stmgr",
        DefaultValue::Str("${HERON_BIN}/heron-stmgr"),
    ),
    (
        "heron.binaries.tmanager",
        DefaultValue::Str("${HERON_BIN}/heron-tmanager"),
    ),
    (
        "heron.binaries.shell",
        DefaultValue::Str("${HERON_BIN}/heron-shell"),
    ),
    (
        "heron.binaries.python.instance",
        DefaultValue::Str("${HERON_BIN}/heron-python-instance"),
    ),
    (
        "heron.binaries.cpp.instance",
        DefaultValue::Str("${HERON_BIN}/heron-cpp-instance"),
    ),
    (
        "heron.binaries.downloader",
        DefaultValue::Str("${HERON_BIN}/heron-downloader"),
    ),
    (
        "heron.binaries.downloader-conf",
        DefaultValue::Str("${HERON_BIN}/heron-downloader-config"),
    ),
    (
        "heron.jars.scheduler",
        DefaultValue::Str("${HERON_LIB}/scheduler/heron-scheduler.jar"),
    ),
    (SCHEDULER_IS_SERVICE, DefaultValue::Bool(true)),
    (AURORA_CONTROLLER_CLI, DefaultValue::Bool(true)),
    (
        "heron.topology.metricscachemgr.mode",
        DefaultValue::Str("disabled"),
    ),
    ("heron.command.update.prompt", DefaultValue::Str("disabled")),
    (DRY_RUN, DefaultValue::Bool(false)),
    (VERBOSE, DefaultValue::Bool(false)),
    (VERBOSE_GC, DefaultValue::Bool(false)),
];

/// `${NAME}` tokens: Heron looks NAME up as a constant of its `Key` enum; these are those
/// constants and the config keys they stand for. `${TOPOLOGY}` is an alias of `TOPOLOGY_NAME`.
pub const TOKEN_KEYS: &[(&str, &str)] = &[
    ("HERON_HOME", HERON_HOME),
    ("HERON_BIN", HERON_BIN),
    ("HERON_CONF", HERON_CONF),
    ("HERON_LIB", HERON_LIB),
    ("HERON_DIST", HERON_DIST),
    ("HERON_ETC", HERON_ETC),
    ("JAVA_HOME", "heron.directory.java.home"),
    ("CLUSTER_YAML", "heron.config.file.cluster.yaml"),
    ("CLIENT_YAML", "heron.config.file.client.yaml"),
    ("HEALTHMGR_YAML", "heron.config.file.healthmgr.yaml"),
    ("METRICS_YAML", "heron.config.file.metrics.yaml"),
    ("PACKING_YAML", "heron.config.file.packing.yaml"),
    ("SCHEDULER_YAML", "heron.config.file.scheduler.yaml"),
    ("STATEMGR_YAML", "heron.config.file.statemgr.yaml"),
    ("SYSTEM_YAML", "heron.config.file.system.yaml"),
    ("UPLOADER_YAML", "heron.config.file.uploader.yaml"),
    ("DOWNLOADER_YAML", "heron.config.file.downloader.yaml"),
    ("STATEFUL_YAML", "heron.config.file.stateful.yaml"),
    ("CLUSTER", CLUSTER),
    ("ROLE", ROLE),
    ("ENVIRON", ENVIRON),
    ("SUBMIT_USER", SUBMIT_USER),
    ("DRY_RUN", DRY_RUN),
    ("DRY_RUN_FORMAT_TYPE", "heron.config.dry_run_format_type"),
    ("VERBOSE", VERBOSE),
    ("VERBOSE_GC", VERBOSE_GC),
    ("CONFIG_PROPERTY", "heron.config.property"),
    ("BUILD_VERSION", "heron.build.version"),
    ("BUILD_TIME", "heron.build.time"),
    ("BUILD_TIMESTAMP", "heron.build.timestamp"),
    ("BUILD_HOST", "heron.build.host"),
    ("BUILD_USER", "heron.build.user"),
    ("UPLOADER_CLASS", UPLOADER_CLASS),
    ("LAUNCHER_CLASS", LAUNCHER_CLASS),
    ("SCHEDULER_CLASS", SCHEDULER_CLASS),
    ("PACKING_CLASS", PACKING_CLASS),
    ("REPACKING_CLASS", REPACKING_CLASS),
    ("STATE_MANAGER_CLASS", STATE_MANAGER_CLASS),
    ("AURORA_CONTROLLER_CLASS", AURORA_CONTROLLER_CLI),
    ("SCHEDULER_IS_SERVICE", SCHEDULER_IS_SERVICE),
    ("SCHEDULER_PROPERTIES", SCHEDULER_PROPERTIES),
    ("SCHEDULER_JAR", "heron.jars.scheduler"),
    ("INTERNALS_CONFIG_FILE", "heron.internals.config.file"),
    ("CORE_PACKAGE_DIRECTORY", CORE_PACKAGE_DIRECTORY),
    ("CORE_PACKAGE_URI", CORE_PACKAGE_URI),
    ("USE_CORE_PACKAGE_URI", USE_CORE_PACKAGE_URI),
    ("TOPOLOGY_PACKAGE_URI", TOPOLOGY_PACKAGE_URI),
    ("TOPOLOGY_ID", TOPOLOGY_ID),
    ("TOPOLOGY_NAME", TOPOLOGY_NAME),
    ("TOPOLOGY_DEFINITION_FILE", "heron.topology.definition.file"),
    ("TOPOLOGY_DEFINITION", "heron.topology.definition"),
    ("TOPOLOGY_BINARY_FILE", "heron.topology.binary.file"),
    ("TOPOLOGY_PACKAGE_FILE", "heron.topology.package.file"),
    ("TOPOLOGY_PACKAGE_TYPE", "heron.topology.package.type"),
    ("TOPOLOGY_CONTAINER_ID", "heron.topology.container.id"),
    (
        "SCHEDULER_PROXY_CONNECTION_STRING",
        "heron.proxy.connection.string",
    ),
    (
        "SCHEDULER_PROXY_CONNECTION_TYPE",
        "heron.proxy.connection.type",
    ),
    ("STATEMGR_CONNECTION_STRING", STATEMGR_CONNECTION_STRING),
    ("STATEMGR_ROOT_PATH", STATEMGR_ROOT_PATH),
    ("STMGR_RAM", STMGR_RAM),
    ("CKPTMGR_RAM", CKPTMGR_RAM),
    ("METRICSMGR_RAM", METRICSMGR_RAM),
    ("INSTANCE_RAM", INSTANCE_RAM),
    ("INSTANCE_CPU", INSTANCE_CPU),
    ("INSTANCE_DISK", INSTANCE_DISK),
    (
        "STATEFUL_STORAGE_CLASSNAME",
        "heron.statefulstorage.classname",
    ),
    ("STATEFUL_STORAGE_CONF", "heron.statefulstorage.config"),
    (
        "STATEFUL_STORAGE_CUSTOM_CLASSPATH",
        "heron.statefulstorage.custom.classpath",
    ),
    (
        "METRICSCACHEMGR_MODE",
        "heron.topology.metricscachemgr.mode",
    ),
    ("HEALTHMGR_MODE", "heron.topology.healthmgr.mode"),
    ("INSTANCE_CLASSPATH", "heron.classpath.instance"),
    ("HEALTHMGR_CLASSPATH", "heron.classpath.healthmgr"),
    ("METRICSMGR_CLASSPATH", "heron.classpath.metrics.manager"),
    (
        "METRICSCACHEMGR_CLASSPATH",
        "heron.classpath.metricscache.manager",
    ),
    ("PACKING_CLASSPATH", "heron.classpath.packing"),
    ("SCHEDULER_CLASSPATH", "heron.classpath.scheduler"),
    ("STATEMGR_CLASSPATH", "heron.classpath.statemgr"),
    ("UPLOADER_CLASSPATH", "heron.classpath.uploader"),
    ("CKPTMGR_CLASSPATH", "heron.classpath.ckptmgr"),
    (
        "STATEFULSTORAGE_CLASSPATH",
        "heron.classpath.statefulstorage",
    ),
    ("TOPOLOGY_CLASSPATH", "heron.runtime.topology.class.path"),
    ("NUM_CONTAINERS", "heron.runtime.num.containers"),
    ("DOWNLOADER_PROTOCOLS", "heron.downloader.registry"),
    ("HERON_RELEASE_PACKAGE", "heron.release.package"),
    ("HERON_RELEASE_PACKAGE_ROLE", "heron.release.package.role"),
    ("HERON_RELEASE_PACKAGE_NAME", "heron.release.package.name"),
    (
        "HERON_RELEASE_PACKAGE_VERSION",
        "heron.release.package.version",
    ),
    ("HERON_UPLOADER_VERSION", "heron.uploader.version"),
    ("HERON_CLUSTER_HOME", HERON_CLUSTER_HOME),
    ("HERON_CLUSTER_CONF", HERON_CLUSTER_CONF),
    ("HERON_CLUSTER_JAVA_HOME", SANDBOX_JAVA_HOME),
    ("OVERRIDE_YAML", OVERRIDE_YAML),
    (
        "APISERVER_OVERRIDE_YAML",
        "heron.apiserver.file.override.yaml",
    ),
    ("EXECUTOR_BINARY", EXECUTOR_BINARY),
    ("STMGR_BINARY", "heron.binaries.stmgr"),
    ("TMANAGER_BINARY", "heron.binaries.tmanager"),
    ("SHELL_BINARY", "heron.binaries.shell"),
    ("PYTHON_INSTANCE_BINARY", "heron.binaries.python.instance"),
    ("CPP_INSTANCE_BINARY", "heron.binaries.cpp.instance"),
    ("DOWNLOADER_BINARY", "heron.binaries.downloader"),
    ("DOWNLOADER_CONF", "heron.binaries.downloader-conf"),
    ("UPDATE_PROMPT", "heron.command.update.prompt"),
];

/// The config key a `${NAME}` token stands for (`TOPOLOGY` is an alias of `TOPOLOGY_NAME`).
pub fn token_key(name: &str) -> Option<&'static str> {
    let name = if name == "TOPOLOGY" {
        "TOPOLOGY_NAME"
    } else {
        name
    };
    TOKEN_KEYS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_no_duplicates() {
        let mut keys: Vec<&str> = KNOWN_KEYS.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "KNOWN_KEYS has a duplicate");
        for (key, _) in DEFAULTS {
            assert!(key_type(key).is_some(), "default {key} has no type");
        }
    }

    #[test]
    fn tokens_map_to_keys() {
        assert_eq!(token_key("TOPOLOGY"), Some(TOPOLOGY_NAME));
        assert_eq!(token_key("CLUSTER"), Some(CLUSTER));
        assert_eq!(token_key("HERON_BIN"), Some(HERON_BIN));
        assert_eq!(token_key("NOPE"), None);
    }
}
