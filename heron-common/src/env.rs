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
/// The user's home: `${HOME}` and `~` in config values, and the default `~/.heron`.
pub const HOME: &str = "HOME";
/// `${JAVA_HOME}` in config values (left as written when unset).
pub const JAVA_HOME: &str = "JAVA_HOME";
/// Where the current user's name is looked for, in order (as Python's `getpass.getuser`): the
/// default role of `cluster` without `/role`, and the submit user.
pub const USER_VARS: [&str; 4] = ["LOGNAME", "USER", "LNAME", "USERNAME"];
