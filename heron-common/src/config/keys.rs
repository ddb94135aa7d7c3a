//! Heron's config keys that the binaries read, as constants (heron-aurora.md §3), plus the keys
//! this project adds (documented in docs/config-keys.md).

/// `heron.class.state.manager`.
pub const STATE_MANAGER_CLASS: &str = "heron.class.state.manager";
/// `heron.statemgr.connection.string`.
pub const STATEMGR_CONNECTION_STRING: &str = "heron.statemgr.connection.string";
/// `heron.statemgr.root.path`.
pub const STATEMGR_ROOT_PATH: &str = "heron.statemgr.root.path";
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
/// `heron.package.core.uri`.
pub const CORE_PACKAGE_URI: &str = "heron.package.core.uri";
