//! Running the stage programs (docs/stage-contract.md), and `heron`'s client of each.
//!
//! Each stage is a child process: arguments on argv, data on stdin/stdout, diagnostics on stderr,
//! the outcome in the exit code. [`Runner::run`] adds the common arguments, enforces the stage
//! timeout, kills the child when `heron` is interrupted, and turns a failure into a
//! [`StageError`] that names the stage and quotes the child's own `error:` line.
//!
//! # Layout
//! - [`runner`]: the [`Runner`] of one cluster/role/env's stages; [`child`]: a running child
//!   (its pipes, the timeout, the stop by process group); [`lock`]: the update lock's holder.
//! - [`locate`](mod@locate): where each program is found (and which `aurora` is the stand-in).
//! - [`display`]: command lines for `--verbose`, secrets masked.
//! - [`signals`]: SIGINT/SIGTERM, so a command in progress can roll back.
//! - the clients: [`state`] (`heron-statemgr`), [`uploader`] (`heron-uploader`), [`render`]
//!   (`heron-aurora-render`), [`aurora`] (the Aurora client) and [`tmanager`] (the topology's
//!   tmanager, over HTTP).

pub mod aurora;
pub mod child;
pub mod display;
pub mod locate;
pub mod lock;
pub mod render;
pub mod runner;
pub mod signals;
pub mod state;
pub mod tmanager;
pub mod uploader;

use heron_common::ExitCode;

pub use child::{Ended, Running, run_command};
pub use display::{display_command, mask};
pub use locate::{AuroraClient, Found, aurora_client, is_aurora_standin, locate};
pub use lock::LockGuard;
pub use runner::Runner;

/// A program `heron` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// `heron-uploader`.
    Uploader,
    /// `heron-statemgr`.
    Statemgr,
    /// `heron-aurora-render`.
    Render,
    /// The `aurora` client.
    Aurora,
}

impl Stage {
    /// The program's file name.
    pub fn program(self) -> &'static str {
        match self {
            Stage::Uploader => "heron-uploader",
            Stage::Statemgr => "heron-statemgr",
            Stage::Render => "heron-aurora-render",
            Stage::Aurora => "aurora",
        }
    }

    /// The environment variable that replaces the program.
    pub fn env_var(self) -> &'static str {
        match self {
            Stage::Uploader => heron_common::env::UPLOADER_BIN,
            Stage::Statemgr => heron_common::env::STATEMGR_BIN,
            Stage::Render => heron_common::env::AURORA_RENDER_BIN,
            Stage::Aurora => heron_common::env::AURORA_BIN,
        }
    }

    /// The cluster config key that replaces the program.
    pub fn config_key(self) -> &'static str {
        match self {
            Stage::Uploader => "heron.cli.stage.uploader",
            Stage::Statemgr => "heron.cli.stage.statemgr",
            Stage::Render => "heron.cli.stage.render",
            Stage::Aurora => "heron.cli.stage.aurora",
        }
    }
}

/// Config key: seconds a stage program may run before it is killed (default 300).
pub const STAGE_TIMEOUT_KEY: &str = "heron.cli.stage.timeout.secs";
/// Config key: seconds an `aurora` command may run before it is killed (default 1800).
pub const AURORA_TIMEOUT_KEY: &str = "heron.cli.aurora.timeout.secs";

/// A stage that failed, was killed on timeout, or was interrupted.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct StageError {
    /// What `heron` was doing ("upload", "state", "aurora job create", ...).
    pub step: String,
    /// The program's file name.
    pub program: String,
    /// The exit code `heron` reports for it.
    pub code: ExitCode,
    /// The child's exit status, if it exited.
    pub status: Option<i32>,
    /// The child's final `error:` line (or its last stderr line, or our own reason).
    pub message: String,
}

impl StageError {
    fn describe(&self) -> String {
        let how = match self.status {
            Some(s) => format!("{} exited {s}", self.program),
            None => self.program.clone(),
        };
        format!("stage \"{}\" failed ({how}): {}", self.step, self.message)
    }
}

/// What a child printed.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: String,
    /// Its exit status.
    pub status: i32,
}

impl Output {
    /// stdout as trimmed text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).trim().to_string()
    }
}

/// `cluster/role/env` once parsed (by `heron_common::cluster`, Heron's rules of §4.1): what
/// every stage is run for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClusterSpec {
    /// The cluster (the conf folder name and the Aurora cluster).
    pub cluster: String,
    /// The role (Aurora role).
    pub role: String,
    /// The environment.
    pub environ: String,
}

impl ClusterSpec {
    /// `cluster/role/env/name`, Aurora's job key.
    pub fn job_key(&self, topology: &str) -> String {
        format!(
            "{}/{}/{}/{}",
            self.cluster, self.role, self.environ, topology
        )
    }
}

/// The child's final `error:` line, else its last stderr line that says what went wrong, else
/// its last stdout line.
///
/// Aurora's client logs to stderr through twitter.common's `PlainFormatter`: `DEBUG] `, ` INFO] `,
/// ` WARN] `, `ERROR] `, `FATAL] ` before the message. Its debug, info and warning lines are
/// progress, and a failed verb ends with ` INFO] Command terminated with error code N`, so the
/// cause is the last line that is not one of those (an `ERROR]` line counts, without its prefix).
pub fn error_line(stderr: &str, stdout: &[u8]) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(line) = lines.iter().rev().find(|l| l.starts_with("error:")) {
        return line.trim_start_matches("error:").trim().to_string();
    }
    let cause = lines
        .iter()
        .rev()
        .find_map(|l| match crate::stages::aurora::log_line(l) {
            Some((level, _)) if level != "ERROR" && level != "FATAL" => None,
            Some((_, message)) => Some(message),
            None => Some(l),
        })
        .or_else(|| {
            let last = lines.last()?;
            Some(crate::stages::aurora::log_line(last).map_or(*last, |(_, message)| message))
        });
    if let Some(line) = cause {
        return line.to_string();
    }
    let out = String::from_utf8_lossy(stdout);
    out.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| "no error message".to_string())
}

/// The exit code for an error chain: a stage's, then heron-common's coded errors; else
/// interrupted when `heron` received a signal, else failed.
pub fn exit_code(error: &anyhow::Error) -> ExitCode {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<StageError>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<heron_common::error::CodedError>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<heron_common::Error>() {
            return e.exit_code();
        }
    }
    if signals::interrupted() {
        ExitCode::Interrupted
    } else {
        ExitCode::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_key() {
        let s = ClusterSpec {
            cluster: "dc".into(),
            role: "ads".into(),
            environ: "devel".into(),
        };
        assert_eq!(s.job_key("wc"), "dc/ads/devel/wc");
    }

    #[test]
    fn error_line_prefers_the_final_error() {
        assert_eq!(
            error_line("warn: x\nerror: the bucket is gone\nnote\n", b""),
            "the bucket is gone"
        );
        assert_eq!(error_line("something broke\n", b""), "something broke");
        assert_eq!(error_line("", b"out\n"), "out");
        assert_eq!(error_line("", b""), "no error message");
    }
}
