//! The one error type of the workspace and its stable exit codes.
//!
//! Every binary maps its final error to one of these codes, so scripts can tell "not found" from
//! "already exists" from "ZooKeeper is down" (Heron issue #1634 asked for exactly that).
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the operation failed (a stage, the aurora client, a backend refused) |
//! | 2 | bad input or usage (arguments, config files, topology definitions, templates) |
//! | 3 | not found (topology, state node, package, cluster config) |
//! | 4 | already exists (topology already running, node already present) |
//! | 5 | a backend is unreachable or timed out (ZooKeeper, S3, HDFS, tmanager, a hung stage) |
//! | 6 | authentication or permission denied (S3 signature, ZooKeeper ACL) |
//! | 130 | interrupted (SIGINT/SIGTERM); what was done has been rolled back |

use std::fmt;
use std::path::PathBuf;

/// A stable process exit code. See the module docs for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitCode {
    /// 0: success.
    Ok,
    /// 1: the operation failed.
    Failed,
    /// 2: bad input or usage.
    BadInput,
    /// 3: not found.
    NotFound,
    /// 4: already exists.
    AlreadyExists,
    /// 5: a backend is unreachable or timed out.
    Unavailable,
    /// 6: authentication or permission denied.
    Denied,
    /// 130: interrupted by a signal.
    Interrupted,
}

impl ExitCode {
    /// The numeric process exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Ok => 0,
            ExitCode::Failed => 1,
            ExitCode::BadInput => 2,
            ExitCode::NotFound => 3,
            ExitCode::AlreadyExists => 4,
            ExitCode::Unavailable => 5,
            ExitCode::Denied => 6,
            ExitCode::Interrupted => 130,
        }
    }

    /// The code for a numeric exit status, as seen from a parent of a stage binary.
    pub fn from_code(code: i32) -> ExitCode {
        match code {
            0 => ExitCode::Ok,
            2 => ExitCode::BadInput,
            3 => ExitCode::NotFound,
            4 => ExitCode::AlreadyExists,
            5 => ExitCode::Unavailable,
            6 => ExitCode::Denied,
            130 => ExitCode::Interrupted,
            _ => ExitCode::Failed,
        }
    }
}

impl fmt::Display for ExitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ExitCode::Ok => "ok",
            ExitCode::Failed => "failed",
            ExitCode::BadInput => "bad input",
            ExitCode::NotFound => "not found",
            ExitCode::AlreadyExists => "already exists",
            ExitCode::Unavailable => "unavailable",
            ExitCode::Denied => "denied",
            ExitCode::Interrupted => "interrupted",
        };
        write!(f, "{text} (exit {})", self.code())
    }
}

/// The error type of heron-common and the stage libraries.
///
/// Each variant carries the one fact a user needs (the file, the key, the path) and keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A config file could not be read.
    #[error("cannot read config file {path}")]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A config file is not valid YAML or not of the expected shape.
    #[error("invalid config file {path}: {message}")]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// What the parser said, with line and column.
        message: String,
    },
    /// A config key holds a value of the wrong type or an unknown value.
    #[error("invalid value for config key `{key}`{}: {message}", origin.as_ref().map(|p| format!(" (from {})", p.display())).unwrap_or_default())]
    ConfigValue {
        /// The key.
        key: String,
        /// The file that set it, if any (None: the command line or a default).
        origin: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },
    /// A required config key is missing.
    #[error("missing config key `{key}`: {hint}")]
    ConfigMissing {
        /// The key.
        key: String,
        /// What to do.
        hint: String,
    },
    /// Input from the user (an argument, a file) is invalid.
    #[error("{0}")]
    BadInput(String),
    /// A thing the command needs does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A thing the command would create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// A backend did not answer in time or refused the connection.
    #[error("{0}")]
    Unavailable(String),
    /// Authentication failed or permission was denied.
    #[error("{0}")]
    Denied(String),
    /// Protobuf bytes that do not decode as the expected message.
    #[error("cannot decode {what} as {message_type}: {message}")]
    Decode {
        /// What was read (a file, a node path).
        what: String,
        /// The protobuf message type expected.
        message_type: &'static str,
        /// The decoder's complaint.
        message: String,
    },
    /// An I/O error on a named path.
    #[error("{action} {path}")]
    Io {
        /// What was being done ("cannot write", "cannot create").
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Anything else that failed.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// The exit code this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::ConfigRead { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ExitCode::NotFound
            }
            Error::ConfigRead { .. }
            | Error::ConfigSyntax { .. }
            | Error::ConfigValue { .. }
            | Error::ConfigMissing { .. }
            | Error::BadInput(_)
            | Error::Decode { .. } => ExitCode::BadInput,
            Error::NotFound(_) => ExitCode::NotFound,
            Error::AlreadyExists(_) => ExitCode::AlreadyExists,
            Error::Unavailable(_) => ExitCode::Unavailable,
            Error::Denied(_) => ExitCode::Denied,
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => ExitCode::NotFound,
                std::io::ErrorKind::AlreadyExists => ExitCode::AlreadyExists,
                std::io::ErrorKind::PermissionDenied => ExitCode::Denied,
                _ => ExitCode::Failed,
            },
            Error::Failed(_) => ExitCode::Failed,
        }
    }

    /// Wraps an I/O error with what was being done to which path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Finds the exit code of an error chain from a binary (`anyhow::Error` or any `std::error::Error`):
/// the first [`Error`] in the chain decides; anything else is [`ExitCode::Failed`].
pub fn exit_code_of(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(err) = current {
        if let Some(ours) = err.downcast_ref::<Error>() {
            return ours.exit_code();
        }
        if let Some(coded) = err.downcast_ref::<CodedError>() {
            return coded.code;
        }
        current = err.source();
    }
    ExitCode::Failed
}

/// An error with an explicit exit code, for binaries that decide the code themselves
/// (for example from a child stage's exit status).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CodedError {
    /// The exit code.
    pub code: ExitCode,
    /// The message.
    pub message: String,
}

impl CodedError {
    /// A new error with this code and message.
    pub fn new(code: ExitCode, message: impl Into<String>) -> CodedError {
        CodedError {
            code,
            message: message.into(),
        }
    }
}
