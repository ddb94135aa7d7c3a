//! `heron doctor cluster/[role]/[env]`: what an operator checks by hand before a first submit,
//! and the cheap subset of it that `heron submit` runs before it does anything.
//!
//! Each check ends `ok`, `FAIL` (with what to do) or `skip` (not checked, and why: a check that
//! could not be made is never reported as ok). The exit code is that of the most serious
//! failure, ranked in [`severity`]. See docs/doctor.md.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use heron_common::ExitCode;
use heron_common::config::classes::{
    LauncherKind, PackingKind, SchedulerKind, StateManagerKind, UploaderKind,
};
use heron_common::config::{Config, keys};
use heron_common::error::CodedError;
use serde_json::json;

use crate::cli::args::{DoctorCmd, Format};
use crate::cli::context::{self, Ctx};
use crate::cli::embedded;
use crate::stages::locate::AURORA_FIX;
use crate::stages::state::State;
use crate::stages::uploader::Uploader;
use crate::stages::{self, Ended};

/// The topology name the checks use for `${TOPOLOGY}` (never created).
pub const PROBE_TOPOLOGY: &str = "__heron_doctor__";

/// The ZooKeeper connection timeout doctor gives `heron-statemgr list` unless the user set one.
const ZK_PROBE_TIMEOUT_MS: u64 = 5000;

/// What the sandbox uses when `heron.directory.sandbox.java.home` is not set.
const DEFAULT_SANDBOX_JAVA_HOME: &str = "/usr/lib/jvm/default-java";

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

fn config_check(ctx: &Ctx) -> Check {
    let source = match ctx.config_source {
        embedded::Source::Given => "from --config-path",
        embedded::Source::UserHome => "from ~/.heron/conf",
        embedded::Source::BuiltIn => "the built-in `local` cluster",
    };
    Check::ok(
        "config",
        format!(
            "{} ({source}) loads as {}/{}/{}",
            ctx.conf_dir.display(),
            ctx.spec.cluster,
            ctx.spec.role,
            ctx.spec.environ
        ),
    )
}

/// Every class key names a backend this tool implements.
pub fn classes_check(config: &Config) -> Check {
    let found = (|| -> heron_common::error::Result<String> {
        Ok(format!(
            "scheduler {}, launcher {}, state manager {}, uploader {}, packing {}",
            SchedulerKind::from_config(config)?,
            LauncherKind::from_config(config)?,
            StateManagerKind::from_config(config)?,
            UploaderKind::from_config(config)?,
            PackingKind::from_config(config)?,
        ))
    })();
    match found {
        Ok(text) => Check::ok("classes", text),
        Err(e) => Check::fail(
            "classes",
            e.exit_code(),
            e.to_string(),
            "set the class keys to ones this heron implements (docs/config-keys.md)",
        ),
    }
}

fn core_package_check(ctx: &Ctx) -> Check {
    const ID: &str = "core-package";
    let uri = match ctx
        .cluster_config(PROBE_TOPOLOGY)
        .and_then(|c| Ok(c.get_str(keys::CORE_PACKAGE_URI)?))
    {
        Ok(Some(uri)) => uri,
        Ok(None) => {
            return Check::fail(
                ID,
                ExitCode::BadInput,
                format!("{} is not set", keys::CORE_PACKAGE_URI),
                "set it in client.yaml to the heron-core tarball the Aurora agents fetch",
            );
        }
        Err(e) => {
            return Check::fail(
                ID,
                crate::stages::exit_code(&e),
                format!("{e:#}"),
                "fix the config",
            );
        }
    };
    let check = fetch_check(ctx, &uri);
    match check.status {
        // Nothing fetches the package when the stand-in takes Aurora's place; a bad URI is
        // still a config error worth fixing.
        Status::Fail(code) if code != ExitCode::BadInput && uses_standin(ctx) => Check::skip(
            ID,
            format!(
                "not checked: the Aurora stand-in runs nothing; a real cluster needs the core package at {uri} ({})",
                check.detail
            ),
        ),
        _ => check,
    }
}

/// Whether the `aurora` client in use is the workspace's stand-in.
fn uses_standin(ctx: &Ctx) -> bool {
    ctx.aurora
        .as_ref()
        .is_some_and(|a| a.standin || stages::is_aurora_standin(&a.path))
}

/// Whether the Aurora agents could fetch the core package at `uri`.
fn fetch_check(ctx: &Ctx, uri: &str) -> Check {
    const ID: &str = "core-package";
    let uri = uri.to_string();
    let scheme = uri.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("file") => file_uri_check(&uri),
        Some("http") => http_check(&uri),
        Some("https") => match find_on_path("curl") {
            Some(curl) => curl_check(&curl, &uri),
            None => Check::skip(
                ID,
                format!(
                    "{uri}: not checked: this heron has no TLS client and `curl` is not on PATH; check it with `curl -I {uri}`"
                ),
            ),
        },
        Some("hdfs") => hdfs_check(ctx, &uri),
        Some("s3") => s3_check(ctx, &uri),
        _ => Check::fail(
            ID,
            ExitCode::BadInput,
            format!(
                "{uri}: the Aurora sandbox fetches the core package by file://, http(s)://, hdfs:// or s3://"
            ),
            format!("give {} one of those schemes", keys::CORE_PACKAGE_URI),
        ),
    }
}

fn core_missing_fix(uri: &str) -> String {
    format!(
        "put the heron-core tarball of your Heron release at {uri}, or point {} at where it is \
         (nothing can run on Aurora without it; the Aurora stand-in does not need it)",
        keys::CORE_PACKAGE_URI
    )
}

fn file_uri_check(uri: &str) -> Check {
    const ID: &str = "core-package";
    let path = uri.trim_start_matches("file://");
    match std::fs::File::open(path) {
        Ok(_) => Check::ok(
            ID,
            format!(
                "{uri} is readable here (the Aurora agents read the same path on their own disks)"
            ),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Check::fail(
            ID,
            ExitCode::NotFound,
            format!("{uri} does not exist"),
            core_missing_fix(uri),
        ),
        Err(e) => Check::fail(
            ID,
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                ExitCode::Denied
            } else {
                ExitCode::Failed
            },
            format!("{uri} cannot be read: {e}"),
            "make the file readable",
        ),
    }
}

/// A `HEAD` over plain HTTP: the status line is enough, and nothing of the package is downloaded.
fn http_check(uri: &str) -> Check {
    const ID: &str = "core-package";
    let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or(uri);
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => {
                return Check::fail(
                    ID,
                    ExitCode::BadInput,
                    format!("{uri}: bad port"),
                    "fix the URI",
                );
            }
        },
        None => (authority, 80),
    };
    let status = (|| -> std::io::Result<String> {
        let addr = (host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("the host name has no address"))?;
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        let request = format!(
            "HEAD {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: heron-doctor\r\n\r\n"
        );
        // One write; a server that answers before reading it all still gets its answer read.
        let written = stream.write_all(request.as_bytes());
        // The status line may come in pieces: read until its end (or 512 bytes, or EOF).
        let mut buf = [0u8; 512];
        let mut n = 0;
        while n < buf.len() && !buf[..n].contains(&b'\n') {
            match stream.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => {
                    if n > 0 {
                        break;
                    }
                    // Our request not fully sent explains a missing answer best.
                    return Err(written.err().unwrap_or(e));
                }
            }
        }
        if n == 0 {
            return Err(written
                .err()
                .unwrap_or_else(|| std::io::Error::other("the server closed without answering")));
        }
        Ok(String::from_utf8_lossy(&buf[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string())
    })();
    match status {
        Ok(line) => {
            let code: u16 = line
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            match code {
                200..=399 => Check::ok(ID, format!("{uri} answers HEAD with {code}")),
                404 | 410 => Check::fail(
                    ID,
                    ExitCode::NotFound,
                    format!("{uri} answers {code}"),
                    core_missing_fix(uri),
                ),
                401 | 403 => Check::fail(
                    ID,
                    ExitCode::Denied,
                    format!("{uri} answers {code}"),
                    "the agents fetch it without credentials: make it readable",
                ),
                _ => Check::fail(
                    ID,
                    ExitCode::Failed,
                    format!("{uri} answers {line:?}"),
                    "check the web server",
                ),
            }
        }
        Err(e) => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!("{uri}: cannot reach {host}:{port}: {e}"),
            "start the web server that serves the package, or fix the URI",
        ),
    }
}

fn curl_check(curl: &Path, uri: &str) -> Check {
    const ID: &str = "core-package";
    let mut c = Command::new(curl);
    c.args([
        "-sS",
        "-I",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--max-time",
        "10",
        uri,
    ]);
    match stages::run_command(&mut c, Duration::from_secs(15)) {
        Ok(Ended::Exited(out)) => {
            let code: u16 = out.text().parse().unwrap_or(0);
            match code {
                200..=399 => Check::ok(
                    ID,
                    format!("{uri} answers HEAD with {code} (checked with curl)"),
                ),
                404 | 410 => Check::fail(
                    ID,
                    ExitCode::NotFound,
                    format!("{uri} answers {code}"),
                    core_missing_fix(uri),
                ),
                0 => Check::fail(
                    ID,
                    ExitCode::Unavailable,
                    format!("{uri}: {}", out.stderr.trim()),
                    "start the web server or fix the URI",
                ),
                _ => Check::fail(
                    ID,
                    ExitCode::Failed,
                    format!("{uri} answers {code}"),
                    "check the web server",
                ),
            }
        }
        _ => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!("{uri}: curl did not finish"),
            "check the web server",
        ),
    }
}

fn hdfs_check(ctx: &Ctx, uri: &str) -> Check {
    const ID: &str = "core-package";
    let Some(hdfs) = find_on_path("hdfs") else {
        return Check::skip(
            ID,
            format!(
                "{uri}: not checked: no `hdfs` command on PATH; check it with `hdfs dfs -test -e {uri}`"
            ),
        );
    };
    let mut c = Command::new(hdfs);
    if let Ok(Some(dir)) = ctx.config.get_str(keys::UPLOADER_HDFS_CONFIG_DIRECTORY) {
        c.arg("--config").arg(dir);
    }
    c.args(["dfs", "-test", "-e", uri]);
    match stages::run_command(&mut c, Duration::from_secs(60)) {
        Ok(Ended::Exited(out)) if out.status == 0 => {
            Check::ok(ID, format!("{uri} exists (hdfs dfs -test -e)"))
        }
        Ok(Ended::Exited(out)) if out.status == 1 && out.stderr.trim().is_empty() => Check::fail(
            ID,
            ExitCode::NotFound,
            format!("{uri} does not exist"),
            core_missing_fix(uri),
        ),
        Ok(Ended::Exited(out)) => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!(
                "{uri}: hdfs dfs -test exited {}: {}",
                out.status,
                stages::error_line(&out.stderr, &out.stdout)
            ),
            "check that HDFS is up and the client config is right",
        ),
        _ => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!("{uri}: hdfs did not finish in 60 s"),
            "check that HDFS is up",
        ),
    }
}

fn s3_check(ctx: &Ctx, uri: &str) -> Check {
    const ID: &str = "core-package";
    let Some(aws) = find_on_path("aws") else {
        return Check::skip(
            ID,
            format!(
                "{uri}: not checked: no `aws` command on PATH; check it with `aws s3 ls {uri}`"
            ),
        );
    };
    let mut c = Command::new(aws);
    c.args(["s3", "ls", uri]);
    if let Ok(Some(endpoint)) = ctx.config.get_str(keys::UPLOADER_S3_URI) {
        c.arg("--endpoint-url").arg(endpoint);
    }
    // Keys from the config go in the environment, never on argv.
    if let (Ok(Some(id)), Ok(Some(secret))) = (
        ctx.config.get_str(keys::UPLOADER_S3_ACCESS_KEY),
        ctx.config.get_str(keys::UPLOADER_S3_SECRET_KEY),
    ) {
        c.env(heron_common::env::AWS_ACCESS_KEY_ID, id)
            .env("AWS_SECRET_ACCESS_KEY", secret);
    }
    match stages::run_command(&mut c, Duration::from_secs(60)) {
        Ok(Ended::Exited(out)) if out.status == 0 && !out.stdout.is_empty() => {
            Check::ok(ID, format!("{uri} exists (aws s3 ls)"))
        }
        Ok(Ended::Exited(out)) if out.status <= 1 => Check::fail(
            ID,
            ExitCode::NotFound,
            format!("{uri} is not in the bucket"),
            core_missing_fix(uri),
        ),
        Ok(Ended::Exited(out)) => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!(
                "{uri}: aws s3 ls exited {}: {}",
                out.status,
                stages::error_line(&out.stderr, &out.stdout)
            ),
            "check the endpoint and the credentials",
        ),
        _ => Check::fail(
            ID,
            ExitCode::Unavailable,
            format!("{uri}: aws did not finish in 60 s"),
            "check the endpoint",
        ),
    }
}

/// The uploader's destination: a local folder is probed with a file; a remote store is asked
/// through `heron-uploader stat` when `remote` (0 or 3 proves it answers and accepts the keys).
fn uploader_check(ctx: &Ctx, remote: bool) -> Check {
    const ID: &str = "uploader";
    let kind = match UploaderKind::from_config(&ctx.config) {
        Ok(k) => k,
        Err(e) => return Check::skip(ID, format!("not checked: {e}")),
    };
    match kind {
        UploaderKind::LocalFs => {
            let dir = match ctx.config.get_str(keys::UPLOADER_LOCALFS_DIRECTORY) {
                Ok(Some(d)) => d,
                _ => {
                    return Check::fail(
                        ID,
                        ExitCode::BadInput,
                        format!("{} is not set", keys::UPLOADER_LOCALFS_DIRECTORY),
                        "set it in uploader.yaml",
                    );
                }
            };
            // The topology's own folder does not exist yet: probe the deepest folder that does.
            let dir = strip_unexpanded(&dir);
            writable_check(ID, &dir, keys::UPLOADER_LOCALFS_DIRECTORY)
        }
        UploaderKind::Null => Check::skip(ID, "not checked: the NullUploader uploads nothing"),
        UploaderKind::S3 | UploaderKind::Hdfs if !remote => Check::skip(
            ID,
            format!("not checked before submit ({kind}); `heron doctor` asks it"),
        ),
        UploaderKind::S3 | UploaderKind::Hdfs => {
            match Uploader::new(&ctx.runner).stat(PROBE_TOPOLOGY) {
                Ok(out) if out.status == 0 || out.status == 3 => Check::ok(
                    ID,
                    format!(
                        "the {kind} store answers and accepts the credentials (heron-uploader stat)"
                    ),
                ),
                Ok(out) => {
                    let code = ExitCode::from_code(out.status);
                    Check::fail(
                        ID,
                        code,
                        format!("{kind}: {}", stages::error_line(&out.stderr, &out.stdout)),
                        match (kind, code) {
                            (UploaderKind::S3, ExitCode::Denied) => "give the S3 keys: heron.uploader.s3.access_key/secret_key (an override file), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or heron.uploader.s3.aws_profile".to_string(),
                            (_, ExitCode::Unavailable) => format!("start the {kind} service or fix its address in uploader.yaml"),
                            _ => "see the message above".to_string(),
                        },
                    )
                }
                Err(e) => Check::fail(ID, e.code, e.to_string(), "see the message"),
            }
        }
    }
}

/// Drops path components that still hold `${...}` and everything after them.
fn strip_unexpanded(dir: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in Path::new(dir).components() {
        if part.as_os_str().to_string_lossy().contains("${") {
            break;
        }
        out.push(part);
    }
    out
}

/// Creates and deletes a probe file in `dir` or its deepest existing parent.
fn writable_check(id: &'static str, dir: &Path, key: &str) -> Check {
    let mut probe_dir = dir.to_path_buf();
    while !probe_dir.is_dir() {
        if probe_dir.exists() {
            return Check::fail(
                id,
                ExitCode::AlreadyExists,
                format!(
                    "{} is in the way of {}: it is not a folder",
                    probe_dir.display(),
                    dir.display()
                ),
                format!("move it away, or change {key}"),
            );
        }
        if !probe_dir.pop() || probe_dir.as_os_str().is_empty() {
            return Check::fail(
                id,
                ExitCode::NotFound,
                format!("{} has no existing parent", dir.display()),
                format!("fix {key}"),
            );
        }
    }
    match tempfile::Builder::new()
        .prefix(".heron-doctor-")
        .tempfile_in(&probe_dir)
    {
        Ok(f) => {
            drop(f);
            let how = if probe_dir == dir {
                String::new()
            } else {
                format!(" (created on first use under {})", probe_dir.display())
            };
            Check::ok(id, format!("{} is writable{how}", dir.display()))
        }
        Err(e) => Check::fail(
            id,
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                ExitCode::Denied
            } else {
                ExitCode::Failed
            },
            format!("cannot create a file in {}: {e}", probe_dir.display()),
            format!(
                "make it writable for {}, or change {key}",
                context::user_name()
            ),
        ),
    }
}

/// The state manager answers under its root: `heron-statemgr list`.
fn state_check(ctx: &Ctx) -> Check {
    const ID: &str = "state";
    let kind = StateManagerKind::from_config(&ctx.config);
    let conn = ctx
        .config
        .get_str(keys::STATEMGR_CONNECTION_STRING)
        .ok()
        .flatten()
        .unwrap_or_else(|| "(not set)".to_string());
    let root = ctx
        .config
        .get_str(keys::STATEMGR_ROOT_PATH)
        .ok()
        .flatten()
        .unwrap_or_else(|| "(not set)".to_string());
    let what = match kind {
        Ok(StateManagerKind::ZooKeeper) => format!("ZooKeeper {conn} under {root}"),
        // A folder: writable is what matters (listing would create its tree).
        Ok(_) => {
            let mut c = writable_check(ID, &strip_unexpanded(&root), keys::STATEMGR_ROOT_PATH);
            if c.status == Status::Ok {
                c.detail = format!("state folder {}", c.detail);
            }
            return c;
        }
        Err(e) => return Check::skip(ID, format!("not checked: {e}")),
    };
    match State::new(&ctx.runner).list() {
        Ok(out) if out.status == 0 => {
            let n = out.text().lines().filter(|l| !l.trim().is_empty()).count();
            Check::ok(
                ID,
                format!(
                    "{what} answers ({n} topolog{} listed)",
                    if n == 1 { "y" } else { "ies" }
                ),
            )
        }
        Ok(out) => {
            let code = ExitCode::from_code(out.status);
            let fix = match (kind, code) {
                (Ok(StateManagerKind::ZooKeeper), ExitCode::Unavailable) => format!(
                    "start ZooKeeper at {conn} (scripts/services.sh start, or your ensemble), or fix {} in statemgr.yaml",
                    keys::STATEMGR_CONNECTION_STRING
                ),
                (_, ExitCode::Denied) => "give the state manager's credentials (ZooKeeper digest in an override file) or fix the folder's permissions".to_string(),
                _ => "see the message".to_string(),
            };
            Check::fail(
                ID,
                code,
                format!("{what}: {}", stages::error_line(&out.stderr, &out.stdout)),
                fix,
            )
        }
        Err(e) => Check::fail(ID, e.code, format!("{what}: {e}"), "see the message"),
    }
}

fn aurora_check(ctx: &Ctx, probe_named: bool) -> Check {
    const ID: &str = "aurora";
    // A client named by HERON_AURORA_BIN or the config key was not asked at setup; `heron doctor`
    // asks it now (`probe_named`), the submit preflight does not.
    let standin = if probe_named {
        uses_standin(ctx)
    } else {
        ctx.aurora.as_ref().is_some_and(|a| a.standin)
    };
    match &ctx.aurora {
        // The stand-in refuses to run without its state folder: as good as no client.
        Some(a) if a.is_fallback() && ctx.standin_state_dir.is_none() => Check::fail(
            ID,
            ExitCode::NotFound,
            format!(
                "no Aurora client found; the Aurora stand-in at {} needs {} and it is not set",
                a.path.display(),
                context::STANDIN_STATE_DIR_VAR
            ),
            format!(
                "{AURORA_FIX}; or, to try heron with the stand-in, set {} to a folder for its records",
                context::STANDIN_STATE_DIR_VAR
            ),
        ),
        Some(a) if standin => Check::ok(
            ID,
            format!(
                "the Aurora STAND-IN at {} (not Aurora: it records jobs in {}; nothing runs)",
                a.path.display(),
                standin_dir_text(ctx)
            ),
        ),
        Some(a) => Check::ok(ID, format!("aurora client {}", a.path.display())),
        None => Check::fail(
            ID,
            ExitCode::NotFound,
            "no `aurora` client found (HERON_AURORA_BIN, heron.cli.stage.aurora, next to heron, PATH)",
            AURORA_FIX,
        ),
    }
}

fn standin_dir_text(ctx: &Ctx) -> String {
    ctx.standin_state_dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "$AURORA_STANDIN_STATE_DIR (not set: it will refuse to run)".to_string())
}

/// `heron.directory.sandbox.java.home` is set.
pub fn java_home_check(config: &Config) -> Check {
    const ID: &str = "java-home";
    match config.get_str(keys::SANDBOX_JAVA_HOME) {
        Ok(Some(v)) if !v.trim().is_empty() => Check::ok(
            ID,
            format!(
                "{} is {v}{} (not checked on the Mesos agents)",
                keys::SANDBOX_JAVA_HOME,
                config
                    .origin(keys::SANDBOX_JAVA_HOME)
                    .map(|p| format!(" in {}", p.display()))
                    .unwrap_or_default()
            ),
        ),
        _ => Check::fail(
            ID,
            ExitCode::BadInput,
            format!(
                "{} is not set (the executor would use {DEFAULT_SANDBOX_JAVA_HOME})",
                keys::SANDBOX_JAVA_HOME
            ),
            "set it in scheduler.yaml to the JAVA_HOME on the Aurora agents",
        ),
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
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

    #[test]
    fn unexpanded_components_are_dropped() {
        assert_eq!(
            strip_unexpanded("/home/a/.herondata/t/local/${ROLE}/x"),
            PathBuf::from("/home/a/.herondata/t/local")
        );
    }

    #[test]
    fn a_missing_file_uri_fails_with_the_fix() {
        let c = file_uri_check("file:///nonexistent/heron-core.tar.gz");
        assert_eq!(c.status, Status::Fail(ExitCode::NotFound));
        assert!(
            c.fix
                .as_deref()
                .unwrap_or("")
                .contains("heron-core tarball")
        );
    }

    #[test]
    fn an_unset_java_home_fails() {
        let c = java_home_check(&Config::new());
        assert_eq!(c.status, Status::Fail(ExitCode::BadInput));
    }
}
