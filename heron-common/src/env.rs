//! Every environment variable the heron binaries read, in one place.

/// Overrides the `heron-uploader` program `heron` runs.
pub const UPLOADER_BIN: &str = "HERON_UPLOADER_BIN";
/// Overrides the `heron-statemgr` program `heron` runs.
pub const STATEMGR_BIN: &str = "HERON_STATEMGR_BIN";
/// Overrides the `heron-aurora-render` program `heron` runs.
pub const AURORA_RENDER_BIN: &str = "HERON_AURORA_RENDER_BIN";
/// Overrides the `aurora` client `heron` runs.
pub const AURORA_BIN: &str = "HERON_AURORA_BIN";
/// The variable topology programs read their options from (see [`crate::heron_options`]).
pub const HERON_OPTIONS: &str = "HERON_OPTIONS";
/// S3 access key, when not in the config (never passed on a command line).
pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// S3 secret key, when not in the config.
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// ZooKeeper digest credentials `user:password`, when not in the config.
pub const ZK_AUTH: &str = "HERON_ZK_AUTH";
