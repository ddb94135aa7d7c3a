//! A topology file given as an `http://` or `https://` URL: `heron submit` downloads it and
//! submits the download, as Heron's submit does (Heron runs its `heron-downloader`).
//!
//! - The file keeps the last segment of the URL's path as its name (`.../wc.tar.gz` →
//!   `wc.tar.gz`), so the kind of topology is told by its extension as for a local file.
//! - It goes into `heron`'s private temp folder, which is removed when `heron` ends: after a
//!   submit, a failure or Ctrl-C (the download runs in a thread, so a signal stops the wait at
//!   once).
//! - Bounded: at most `heron.cli.topology.download.max.bytes` (default 2 GiB; a bigger
//!   `Content-Length` is refused before any byte is read, a body that grows past it is cut off
//!   and dropped) and `heron.cli.topology.download.timeout.secs` in all (default 300).
//! - A progress bar on stderr when it is a terminal.
//!
//! Exit codes: a URL that names no file 2; too large 2; 404/410 3; 401/403 6; no answer, a
//! timeout or a 5xx 5; any other status 1; Ctrl-C 130.
//!
//! The HTTP client is `ureq`, kept to this module.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use heron_common::ExitCode;
use heron_common::config::Config;
use heron_common::error::CodedError;

/// Config key: the most bytes a topology download may have.
pub const MAX_BYTES_KEY: &str = "heron.cli.topology.download.max.bytes";
/// Config key: how long a topology download may take in all, in seconds.
pub const TIMEOUT_KEY: &str = "heron.cli.topology.download.timeout.secs";

/// The bounds of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of the body.
    pub max_bytes: u64,
    /// The whole transfer, connecting included.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 2 << 30,
            timeout: Duration::from_secs(300),
        }
    }
}

impl Limits {
    /// The limits the config sets, else the defaults.
    pub fn from_config(config: &Config) -> Result<Limits, heron_common::Error> {
        let default = Limits::default();
        Ok(Limits {
            max_bytes: config.get_u64(MAX_BYTES_KEY)?.unwrap_or(default.max_bytes),
            timeout: config
                .get_u64(TIMEOUT_KEY)?
                .map_or(default.timeout, Duration::from_secs),
        })
    }
}

/// Whether a topology file argument is a URL `heron` downloads (`http://`, `https://`).
pub fn is_http_url(arg: &str) -> bool {
    let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn coded(code: ExitCode, message: String) -> CodedError {
    CodedError::new(code, message)
}

/// The file name a URL gives its download: the last segment of its path, percent-decoded.
pub fn file_name(url: &str) -> Result<String, CodedError> {
    let no_file = || {
        coded(
            ExitCode::BadInput,
            format!(
                "topology file {url}: the URL names no file; give one whose path ends in the file \
                 name, such as https://host/topologies/word-count.jar"
            ),
        )
    };
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split(['?', '#']).next().unwrap_or_default();
    let (_, path) = path.split_once('/').ok_or_else(no_file)?;
    let segment = path.rsplit('/').next().unwrap_or_default();
    let name = percent_decode(segment).ok_or_else(no_file)?;
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(no_file());
    }
    Ok(name)
}

/// `%XX` decoding; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The exit code and wording for an HTTP status other than 200.
fn status_error(url: &str, status: u16) -> CodedError {
    let (code, why) = match status {
        404 | 410 => (ExitCode::NotFound, "no such file there"),
        401 | 403 => (ExitCode::Denied, "access denied"),
        500..=599 => (ExitCode::Unavailable, "the server failed"),
        _ => (ExitCode::Failed, "not a file to download"),
    };
    coded(
        code,
        format!(
            "cannot download the topology file {url}: the server answered HTTP {status} ({why})"
        ),
    )
}

fn too_large(url: &str, size: Option<u64>, limits: &Limits) -> CodedError {
    coded(
        ExitCode::BadInput,
        format!(
            "the topology file {url} is larger than {MAX_BYTES_KEY} ({} bytes){}; nothing was kept",
            limits.max_bytes,
            size.map(|s| format!(": it has {s} bytes"))
                .unwrap_or_default()
        ),
    )
}

/// What the download thread reports.
enum Event {
    /// The body's length, when the server said it.
    Started(Option<u64>),
    /// Bytes written so far.
    Progress(u64),
    /// The end.
    Done(Result<u64, CodedError>),
}

/// Downloads `url` into `dir` (which must exist) and returns the file's path. On any failure the
/// partial file is removed; `dir` itself is the caller's (`heron`'s temp folder).
pub fn fetch(
    url: &str,
    dir: &Path,
    limits: Limits,
    progress: bool,
    verbose: bool,
) -> Result<PathBuf, CodedError> {
    let name = file_name(url)?;
    let path = dir.join(&name);
    if verbose {
        eprintln!("[heron] downloading {url} to {}", path.display());
    }
    let started = Instant::now();
    let (events, received) = mpsc::channel();
    {
        let url = url.to_string();
        let path = path.clone();
        std::thread::spawn(move || {
            let result = transfer(&url, &path, limits, &events);
            let _ = events.send(Event::Done(result));
        });
    }
    let bar = Bar::new(progress);
    let result = loop {
        if crate::stages::signals::should_stop() {
            break Err(coded(
                ExitCode::Interrupted,
                format!(
                    "the download of {url} was stopped by {}",
                    crate::stages::signals::signal_name()
                ),
            ));
        }
        match received.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Started(length)) => bar.start(length, &name),
            Ok(Event::Progress(bytes)) => bar.set(bytes),
            Ok(Event::Done(result)) => break result,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(coded(
                    ExitCode::Failed,
                    format!("the download of {url} ended without a result"),
                ));
            }
        }
    };
    bar.finish();
    match result {
        Ok(bytes) => {
            if verbose {
                eprintln!(
                    "[heron] downloaded {bytes} bytes in {} ms",
                    started.elapsed().as_millis()
                );
            }
            Ok(path)
        }
        Err(e) => {
            // The thread may still hold the file open; the name is gone either way, and the
            // temp folder goes when `heron` ends.
            let _ = std::fs::remove_file(&path);
            Err(e)
        }
    }
}

/// The transfer itself, on the download thread.
fn transfer(
    url: &str,
    path: &Path,
    limits: Limits,
    events: &mpsc::Sender<Event>,
) -> Result<u64, CodedError> {
    let unreachable = |e: &dyn std::fmt::Display| {
        coded(
            ExitCode::Unavailable,
            format!("cannot download the topology file {url}: {e}"),
        )
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("heron-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Timeout(_) => coded(
            ExitCode::Unavailable,
            format!(
                "cannot download the topology file {url}: no answer within {} s ({TIMEOUT_KEY})",
                limits.timeout.as_secs()
            ),
        ),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => coded(
            ExitCode::BadInput,
            format!("topology file {url}: not a valid URL ({e})"),
        ),
        other => unreachable(&other),
    })?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(status_error(url, status));
    }
    let length = response.body().content_length();
    if length.is_some_and(|n| n > limits.max_bytes) {
        return Err(too_large(url, length, &limits));
    }
    let _ = events.send(Event::Started(length));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            coded(
                ExitCode::Failed,
                format!("cannot create {}: {e}", path.display()),
            )
        })?;
    let mut reader = response.body_mut().as_reader();
    let mut buffer = vec![0u8; 256 << 10];
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => {
                return Err(coded(
                    ExitCode::Unavailable,
                    format!(
                        "cannot download the topology file {url}: not done within {} s \
                         ({TIMEOUT_KEY}); {total} bytes had arrived",
                        limits.timeout.as_secs()
                    ),
                ));
            }
            Err(e) => return Err(unreachable(&e)),
        };
        total += n as u64;
        if total > limits.max_bytes {
            return Err(too_large(url, length, &limits));
        }
        file.write_all(&buffer[..n]).map_err(|e| {
            coded(
                ExitCode::Failed,
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
        let _ = events.send(Event::Progress(total));
    }
    file.flush().map_err(|e| {
        coded(
            ExitCode::Failed,
            format!("cannot write {}: {e}", path.display()),
        )
    })?;
    Ok(total)
}

/// Whether a body read failed on the download's time limit (ureq reports it inside an
/// `io::Error`).
fn is_timeout(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::TimedOut
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|e| matches!(e, ureq::Error::Timeout(_)))
}

/// The progress bar: drawn on stderr only when asked for and stderr is a terminal.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(enabled: bool) -> Bar {
        use std::io::IsTerminal as _;
        Bar((enabled && std::io::stderr().is_terminal()).then(indicatif::ProgressBar::hidden))
    }

    fn start(&self, length: Option<u64>, name: &str) {
        let Some(bar) = &self.0 else {
            return;
        };
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        let template = match length {
            Some(n) => {
                bar.set_length(n);
                "downloading {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
            }
            None => "downloading {msg} {bytes} {bytes_per_sec}",
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name.to_string());
    }

    fn set(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_file_names() {
        assert!(is_http_url("http://h/x.jar") && is_http_url("HTTPS://h/x.jar"));
        assert!(!is_http_url("s3://b/x.jar") && !is_http_url("x.jar") && !is_http_url("htt"));
        for (url, name) in [
            ("http://h/x.jar", "x.jar"),
            ("https://h:8080/a/b/wc.tar.gz?sig=1#top", "wc.tar.gz"),
            ("http://h/a/word%20count.yaml", "word count.yaml"),
            ("http://user@h/t.pex", "t.pex"),
        ] {
            assert_eq!(file_name(url).expect(url), name);
        }
        for url in [
            "http://h",
            "http://h/",
            "http://h/a/",
            "http://h/..",
            "http://h/a%2Fb.jar",
            "http://h/%zz.jar",
        ] {
            let err = file_name(url).expect_err(url);
            assert_eq!(err.code, ExitCode::BadInput, "{url}");
            assert!(err.to_string().contains(url), "{err}");
        }
    }

    #[test]
    fn statuses_map_to_exit_codes() {
        assert_eq!(status_error("u", 404).code, ExitCode::NotFound);
        assert_eq!(status_error("u", 403).code, ExitCode::Denied);
        assert_eq!(status_error("u", 503).code, ExitCode::Unavailable);
        assert_eq!(status_error("u", 302).code, ExitCode::Failed);
        assert!(
            status_error("http://h/x.jar", 404)
                .to_string()
                .contains("http://h/x.jar")
        );
    }

    #[test]
    fn limits_from_config() {
        let mut config = Config::new();
        assert_eq!(
            Limits::from_config(&config).expect("defaults"),
            Limits::default()
        );
        config.set_str(MAX_BYTES_KEY, "10");
        config.set_str(TIMEOUT_KEY, "2");
        assert_eq!(
            Limits::from_config(&config).expect("set"),
            Limits {
                max_bytes: 10,
                timeout: Duration::from_secs(2)
            }
        );
    }
}
