//! The type every known Heron cluster key's value must have.

use super::*;

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
/// [`crate::config::known`]); `None` for keys this tool does not know (accepted as they are).
pub fn key_type(key: &str) -> Option<KeyType> {
    KNOWN_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| *t)
        .or_else(|| crate::config::known::key_type(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::DEFAULTS;

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
}
