//! The `core-package` check: whether the Aurora agents could fetch the heron-core package at
//! `heron.package.core.uri`, by the scheme the sandbox fetches it with (docs/doctor.md).

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use heron_common::ExitCode;
use heron_common::config::keys;

use super::{Check, PROBE_TOPOLOGY, Status, io_failure};
use crate::cli::context::Ctx;
use crate::stages::{self, Ended};

pub(super) fn core_package_check(ctx: &Ctx) -> Check {
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
pub(super) fn uses_standin(ctx: &Ctx) -> bool {
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
            io_failure(&e),
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
}
