//! Heron's built-in Key defaults (heron-aurora.md §3.8), loaded before any file.

use super::*;

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

use DefaultValue::{Bool, Float, Int, Str};

/// Heron's Key defaults (heron-aurora.md §3.8), loaded before any file.
pub const DEFAULTS: &[(&str, DefaultValue)] = &[
    (HERON_HOME, Str("/usr/local/heron")),
    (HERON_BIN, Str("${HERON_HOME}/bin")),
    (HERON_CONF, Str("${HERON_HOME}/conf")),
    (HERON_LIB, Str("${HERON_HOME}/lib")),
    (HERON_DIST, Str("${HERON_HOME}/dist")),
    (HERON_ETC, Str("${HERON_HOME}/etc")),
    ("heron.directory.java.home", Str("${JAVA_HOME}")),
    (
        "heron.config.file.cluster.yaml",
        Str("${HERON_CONF}/cluster.yaml"),
    ),
    (
        "heron.config.file.client.yaml",
        Str("${HERON_CONF}/client.yaml"),
    ),
    (
        "heron.config.file.healthmgr.yaml",
        Str("${HERON_CONF}/healthmgr.yaml"),
    ),
    (
        "heron.config.file.metrics.yaml",
        Str("${HERON_CONF}/metrics_sinks.yaml"),
    ),
    (
        "heron.config.file.packing.yaml",
        Str("${HERON_CONF}/packing.yaml"),
    ),
    (
        "heron.config.file.scheduler.yaml",
        Str("${HERON_CONF}/scheduler.yaml"),
    ),
    (
        "heron.config.file.statemgr.yaml",
        Str("${HERON_CONF}/statemgr.yaml"),
    ),
    (
        "heron.config.file.system.yaml",
        Str("${HERON_CONF}/heron_internals.yaml"),
    ),
    (
        "heron.config.file.uploader.yaml",
        Str("${HERON_CONF}/uploader.yaml"),
    ),
    (
        "heron.config.file.downloader.yaml",
        Str("${HERON_CONF}/downloader.yaml"),
    ),
    (
        "heron.config.file.stateful.yaml",
        Str("${HERON_CONF}/stateful.yaml"),
    ),
    (OVERRIDE_YAML, Str("${HERON_CONF}/override.yaml")),
    (HERON_CLUSTER_HOME, Str("./heron-core")),
    (HERON_CLUSTER_CONF, Str("./heron-conf")),
    (SANDBOX_JAVA_HOME, Str("/usr/lib/jvm/default-java")),
    (CORE_PACKAGE_URI, Str("${HERON_DIST}/heron-core.tar.gz")),
    (CORE_PACKAGE_DIRECTORY, Str("${HERON_DIST}/heron-core")),
    (USE_CORE_PACKAGE_URI, Bool(true)),
    (STMGR_RAM, Int(GIB)),
    (CKPTMGR_RAM, Int(GIB)),
    (METRICSMGR_RAM, Int(GIB)),
    (INSTANCE_RAM, Int(GIB)),
    (INSTANCE_CPU, Float(1.0)),
    (INSTANCE_DISK, Int(GIB)),
    ("heron.classpath.instance", Str("${HERON_LIB}/instance/*")),
    ("heron.classpath.healthmgr", Str("${HERON_LIB}/healthmgr/*")),
    (
        "heron.classpath.metrics.manager",
        Str("${HERON_LIB}/metricsmgr/*"),
    ),
    (
        "heron.classpath.metricscache.manager",
        Str("${HERON_LIB}/metricscachemgr/*"),
    ),
    ("heron.classpath.packing", Str("${HERON_LIB}/packing/*")),
    ("heron.classpath.scheduler", Str("${HERON_LIB}/scheduler/*")),
    ("heron.classpath.statemgr", Str("${HERON_LIB}/statemgr/*")),
    ("heron.classpath.uploader", Str("${HERON_LIB}/uploader/*")),
    ("heron.classpath.ckptmgr", Str("${HERON_LIB}/ckptmgr/*")),
    (
        "heron.classpath.statefulstorage",
        Str("${HERON_LIB}/statefulstorage/*"),
    ),
    (EXECUTOR_BINARY, Str("${HERON_BIN}/heron-executor")),
    ("heron.binaries.stmgr", Str("${HERON_BIN}/heron-stmgr")),
    (
        "heron.binaries.tmanager",
        Str("${HERON_BIN}/heron-tmanager"),
    ),
    ("heron.binaries.shell", Str("${HERON_BIN}/heron-shell")),
    (
        "heron.binaries.python.instance",
        Str("${HERON_BIN}/heron-python-instance"),
    ),
    (
        "heron.binaries.cpp.instance",
        Str("${HERON_BIN}/heron-cpp-instance"),
    ),
    (
        "heron.binaries.downloader",
        Str("${HERON_BIN}/heron-downloader"),
    ),
    (
        "heron.binaries.downloader-conf",
        Str("${HERON_BIN}/heron-downloader-config"),
    ),
    (
        "heron.jars.scheduler",
        Str("${HERON_LIB}/scheduler/heron-scheduler.jar"),
    ),
    (SCHEDULER_IS_SERVICE, Bool(true)),
    (AURORA_CONTROLLER_CLI, Bool(true)),
    ("heron.topology.metricscachemgr.mode", Str("disabled")),
    ("heron.command.update.prompt", Str("disabled")),
    (DRY_RUN, Bool(false)),
    (VERBOSE, Bool(false)),
    (VERBOSE_GC, Bool(false)),
];
