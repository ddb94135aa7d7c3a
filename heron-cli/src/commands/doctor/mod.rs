//! `heron doctor cluster/[role]/[env]`: what an operator checks by hand before a first submit,
//! and the cheap subset of it that `heron submit` runs before it does anything.
//!
//! Each check ends `ok`, `FAIL` (with what to do) or `skip` (not checked, and why: a check that
//! could not be made is never reported as ok). The exit code is that of the most serious
//! failure, ranked in [`severity`]. See docs/doctor.md.
//!
//! The checks: [`config`] (the config loads, its classes, the sandbox's Java home),
//! [`core_package`] (heron-core can be fetched by its URI's scheme) and [`services`] (the
//! uploader's store, the state manager, the `aurora` client).

pub mod config;
pub mod core_package;
pub mod services;

use heron_common::ExitCode;
use heron_common::config::keys;
use heron_common::error::CodedError;
use serde_json::json;

use self::config::config_check;
pub use self::config::{classes_check, java_home_check};
use self::core_package::core_package_check;
use self::services::{aurora_check, state_check, uploader_check};
use crate::cli::args::{DoctorCmd, Format};
use crate::cli::context::{self, Ctx};

/// The topology name the checks use for `${TOPOLOGY}` (never created).
pub const PROBE_TOPOLOGY: &str = "__heron_doctor__";

/// The ZooKeeper connection timeout doctor gives `heron-statemgr list` unless the user set one.
const ZK_PROBE_TIMEOUT_MS: u64 = 5000;

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Checked and fine.
    Ok,
    /// Checked and wrong; the exit code it stands for.
    Fail(ExitCode),
    /// Not checked (the detail says why).
    Skip,
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    /// Short id (`config`, `classes`, `core-package`, `uploader`, `state`, `aurora`, `java-home`).
    pub id: &'static str,
    /// How it ended.
    pub status: Status,
    /// What was found (ok), what is wrong (fail), or why it was not checked (skip).
    pub detail: String,
    /// What to do (fail only).
    pub fix: Option<String>,
}

impl Check {
    fn ok(id: &'static str, detail: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(
        id: &'static str,
        code: ExitCode,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            id,
            status: Status::Fail(code),
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn skip(id: &'static str, detail: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Skip,
            detail: detail.into(),
            fix: None,
        }
    }

    /// The line printed for people.
    pub fn line(&self) -> String {
        match &self.status {
            Status::Ok => format!("ok    {}: {}", self.id, self.detail),
            Status::Fail(_) => match &self.fix {
                Some(fix) => format!("FAIL  {}: {}; {fix}", self.id, self.detail),
                None => format!("FAIL  {}: {}", self.id, self.detail),
            },
            Status::Skip => format!("skip  {}: {}", self.id, self.detail),
        }
    }

    fn to_json(&self) -> serde_json::Value {
        let (status, code) = match &self.status {
            Status::Ok => ("ok", 0),
            Status::Fail(c) => ("fail", c.code()),
            Status::Skip => ("skipped", 0),
        };
        json!({"check": self.id, "status": status, "detail": self.detail, "fix": self.fix, "exit_code": code})
    }
}

/// How serious a failure is: a backend that does not answer first (nothing works until it does),
/// then denied, missing, conflicting, malformed, other.
pub fn severity(code: ExitCode) -> u8 {
    match code {
        ExitCode::Interrupted => 7,
        ExitCode::Unavailable => 6,
        ExitCode::Denied => 5,
        ExitCode::NotFound => 4,
        ExitCode::AlreadyExists => 3,
        ExitCode::BadInput => 2,
        ExitCode::Failed => 1,
        ExitCode::Ok => 0,
    }
}

/// A file that could not be read or written: denied (6) when permissions are why, else failed.
fn io_failure(e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        ExitCode::Denied
    } else {
        ExitCode::Failed
    }
}

/// The exit code for a set of checks: the most serious failure, or ok.
pub fn exit_code_of(checks: &[Check]) -> ExitCode {
    checks
        .iter()
        .filter_map(|c| match c.status {
            Status::Fail(code) => Some(code),
            _ => None,
        })
        .max_by_key(|c| severity(*c))
        .unwrap_or(ExitCode::Ok)
}

/// `heron doctor`.
pub fn run(cmd: DoctorCmd) -> anyhow::Result<()> {
    let mut common = cmd.common.clone();
    // A short ZooKeeper connection timeout so a ZooKeeper that is down fails fast, unless the
    // user chose one.
    if !common
        .config_property
        .iter()
        .any(|p| p.starts_with(keys::ZK_CONNECTION_TIMEOUT_MS))
    {
        common.config_property.push(format!(
            "{}={ZK_PROBE_TIMEOUT_MS}",
            keys::ZK_CONNECTION_TIMEOUT_MS
        ));
    }
    let mut checks = Vec::new();
    let ctx = match context::setup(&common, &cmd.cluster, Some(PROBE_TOPOLOGY)) {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            let code = crate::stages::exit_code(&e);
            // The error says what to do.
            checks.push(Check {
                id: "config",
                status: Status::Fail(code),
                detail: format!("{e:#}"),
                fix: None,
            });
            None
        }
    };
    if let Some(ctx) = &ctx {
        checks.extend(all_checks(ctx));
    }
    let code = exit_code_of(&checks);
    if cmd.common.format == Format::Json {
        let doc = json!({
            "ok": code == ExitCode::Ok,
            "cluster": cmd.cluster,
            "config_path": ctx.as_ref().map(|c| c.config_path.display().to_string()),
            "checks": checks.iter().map(Check::to_json).collect::<Vec<_>>(),
            "exit_code": code.code(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for c in &checks {
            println!("{}", c.line());
        }
    }
    if code == ExitCode::Ok {
        Ok(())
    } else {
        let failed = checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail(_)))
            .count();
        Err(CodedError::new(
            code,
            format!("{failed} check(s) failed for {}", cmd.cluster),
        )
        .into())
    }
}

/// Every check, in the order an operator would fix them.
pub fn all_checks(ctx: &Ctx) -> Vec<Check> {
    let mut checks = vec![config_check(ctx), classes_check(&ctx.config)];
    checks.push(core_package_check(ctx));
    checks.push(uploader_check(ctx, true));
    checks.push(state_check(ctx));
    checks.push(aurora_check(ctx, true));
    checks.push(java_home_check(&ctx.config));
    checks
}

/// The checks `heron submit` runs before any work: no network, no child process (setup asks an
/// Aurora client whether it is the stand-in only when it found one itself). A failure ends the
/// submit with its fix.
pub fn preflight(ctx: &Ctx, dry_run: bool) -> anyhow::Result<()> {
    let mut checks = vec![classes_check(&ctx.config)];
    if !dry_run {
        checks.push(uploader_check(ctx, false));
        // No `aurora --help` probe of a client named by HERON_AURORA_BIN or the config key: the
        // answer only changes the wording of a passing check, which submit does not print, and
        // the probe is a whole process (issue 9). A stand-in found as the fallback was probed
        // at setup and is still reported as such.
        checks.push(aurora_check(ctx, false));
    }
    let java = java_home_check(&ctx.config);
    if java.status != Status::Ok {
        // Heron submits without it (the executor falls back), so only a warning here.
        ctx.note(&format!(
            "warning: {}; {}",
            java.detail,
            java.fix.as_deref().unwrap_or("")
        ));
    }
    let failures: Vec<&Check> = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail(_)))
        .collect();
    if failures.is_empty() {
        return Ok(());
    }
    let text = failures
        .iter()
        .map(|c| format!("{}: {}; {}", c.id, c.detail, c.fix.as_deref().unwrap_or("")))
        .collect::<Vec<_>>()
        .join("\n  ");
    Err(CodedError::new(
        exit_code_of(&checks),
        format!(
            "preflight failed, nothing was done:\n  {text}\n  (`heron doctor {}` runs every check)",
            ctx.spec.cluster
        ),
    )
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_serious_failure_wins() {
        let checks = vec![
            Check::fail("a", ExitCode::NotFound, "x", "y"),
            Check::ok("b", "fine"),
            Check::fail("c", ExitCode::Unavailable, "x", "y"),
            Check::skip("d", "why"),
        ];
        assert_eq!(exit_code_of(&checks), ExitCode::Unavailable);
        assert_eq!(exit_code_of(&checks[1..2]), ExitCode::Ok);
        assert_eq!(exit_code_of(&[Check::skip("d", "why")]), ExitCode::Ok);
    }

    #[test]
    fn lines_say_ok_fail_or_skip_with_the_fix() {
        assert_eq!(Check::ok("a", "fine").line(), "ok    a: fine");
        assert_eq!(
            Check::fail("b", ExitCode::NotFound, "gone", "make it").line(),
            "FAIL  b: gone; make it"
        );
        assert!(
            Check::skip("c", "not checked: no tool")
                .line()
                .starts_with("skip  c:")
        );
    }
}
