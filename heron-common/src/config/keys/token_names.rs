//! The `${NAME}` token names: the constants of Heron's `Key` enum and the config keys they stand
//! for.

use super::*;

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
    fn tokens_map_to_keys() {
        assert_eq!(token_key("TOPOLOGY"), Some(TOPOLOGY_NAME));
        assert_eq!(token_key("CLUSTER"), Some(CLUSTER));
        assert_eq!(token_key("HERON_BIN"), Some(HERON_BIN));
        assert_eq!(token_key("NOPE"), None);
    }
}
