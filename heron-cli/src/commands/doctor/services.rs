//! The checks of the services a submit talks to: the uploader's destination, the state manager
//! under its root, and the `aurora` client (or the stand-in in its place).

use std::path::{Path, PathBuf};

use heron_common::ExitCode;
use heron_common::config::classes::{StateManagerKind, UploaderKind};
use heron_common::config::keys;

use super::core_package::uses_standin;
use super::{Check, PROBE_TOPOLOGY, Status, io_failure};
use crate::cli::context::{self, Ctx};
use crate::stages;
use crate::stages::locate::AURORA_FIX;
use crate::stages::state::State;
use crate::stages::uploader::Uploader;

/// The uploader's destination: a local folder is probed with a file; a remote store is asked
/// through `heron-uploader stat` when `remote` (0 or 3 proves it answers and accepts the keys).
pub(super) fn uploader_check(ctx: &Ctx, remote: bool) -> Check {
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
            io_failure(&e),
            format!("cannot create a file in {}: {e}", probe_dir.display()),
            format!(
                "make it writable for {}, or change {key}",
                context::user_name()
            ),
        ),
    }
}

/// The state manager answers under its root: `heron-statemgr list`.
pub(super) fn state_check(ctx: &Ctx) -> Check {
    const ID: &str = "state";
    let kind = StateManagerKind::from_config(&ctx.config);
    let setting = |key: &str| {
        ctx.config
            .get_str(key)
            .ok()
            .flatten()
            .unwrap_or_else(|| "(not set)".to_string())
    };
    let conn = setting(keys::STATEMGR_CONNECTION_STRING);
    let root = setting(keys::STATEMGR_ROOT_PATH);
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

pub(super) fn aurora_check(ctx: &Ctx, probe_named: bool) -> Check {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpanded_components_are_dropped() {
        assert_eq!(
            strip_unexpanded("/home/a/.herondata/t/local/${ROLE}/x"),
            PathBuf::from("/home/a/.herondata/t/local")
        );
    }
}
