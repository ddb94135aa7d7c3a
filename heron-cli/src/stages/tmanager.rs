//! The topology's tmanager, over HTTP: the controller GETs Heron sends it (`/activate`,
//! `/deactivate`, `/runtime_config/update`), through `ureq`.
//!
//! The tmanager's location is what it wrote into the state (`tmanagers/<name>`). Each request
//! has the timeout `heron.cli.tmanager.timeout.secs` (default 30) to connect and for every read
//! and write; no proxy, no redirect. A tmanager that does not answer is exit 5 (unavailable);
//! an answer other than 200 is exit 1, quoting it.

use std::time::{Duration, Instant};

use heron_common::ExitCode;
use heron_common::config::Config;
use heron_common::error::CodedError;
use heron_common::proto::tmanager::TManagerLocation;

/// Config key: seconds to wait for the tmanager's HTTP answer (default 30).
pub const TMANAGER_TIMEOUT_KEY: &str = "heron.cli.tmanager.timeout.secs";

/// A response: status code and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: String,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
#[error("GET http://{host}:{port}{path}: {message}")]
pub struct HttpError {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Path and query.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One topology's tmanager.
#[derive(Debug, Clone)]
pub struct Tmanager {
    host: String,
    port: u16,
    timeout: Duration,
    verbose: bool,
}

impl Tmanager {
    /// The tmanager at `location`, asked with the config's timeout.
    pub fn new(
        location: &TManagerLocation,
        config: &Config,
        verbose: bool,
    ) -> anyhow::Result<Tmanager> {
        let port = u16::try_from(location.controller_port).map_err(|_| {
            CodedError::new(
                ExitCode::Failed,
                format!(
                    "tmanager location has a bad port {}",
                    location.controller_port
                ),
            )
        })?;
        let timeout = Duration::from_secs(config.get_u64(TMANAGER_TIMEOUT_KEY)?.unwrap_or(30));
        Ok(Tmanager {
            host: location.host.clone(),
            port,
            timeout,
            verbose,
        })
    }

    /// `GET path` (with its query): the answer when it is 200, else an error.
    pub fn get(&self, path: &str) -> anyhow::Result<Response> {
        let (host, port) = (&self.host, self.port);
        if self.verbose {
            eprintln!("[heron] GET http://{host}:{port}{path}");
        }
        let started = Instant::now();
        let response = get(host, port, path, self.timeout).map_err(|e| {
            CodedError::new(ExitCode::Unavailable, format!("tmanager unreachable: {e}"))
        })?;
        if self.verbose {
            eprintln!(
                "[heron] tmanager answered {} in {} ms",
                response.status,
                started.elapsed().as_millis()
            );
        }
        if response.status != 200 {
            return Err(CodedError::new(
                ExitCode::Failed,
                format!(
                    "tmanager at {host}:{port} answered {} to {path}: {}",
                    response.status,
                    response.body.trim()
                ),
            )
            .into());
        }
        Ok(response)
    }
}

/// `GET path` (path includes the query) from `host:port`, whatever the status.
pub fn get(host: &str, port: u16, path: &str, timeout: Duration) -> Result<Response, HttpError> {
    let err = |message: String| HttpError {
        host: host.to_string(),
        port,
        path: path.to_string(),
        message,
    };
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_connect(Some(timeout))
        .timeout_per_read(Some(timeout))
        .timeout_per_write(Some(timeout))
        .user_agent("heron-rs")
        .build()
        .into();
    let mut response = agent
        .get(format!("http://{authority}{path}"))
        .header("Accept", "*/*")
        .call()
        .map_err(|e| err(describe(&e, host, timeout)))?;
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_vec().map_err(|e| {
        err(match e {
            ureq::Error::Timeout(_) => {
                format!("no complete answer within {} s", timeout.as_secs())
            }
            ureq::Error::Io(e) => format!("no complete answer: {e}"),
            other => format!("no complete answer: {other}"),
        })
    })?;
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// What went wrong, in the words the tmanager's errors have always used.
fn describe(error: &ureq::Error, host: &str, timeout: Duration) -> String {
    use std::io::ErrorKind;
    use ureq::Timeout;
    let secs = timeout.as_secs();
    match error {
        ureq::Error::HostNotFound | ureq::Error::Timeout(Timeout::Resolve) => {
            format!("cannot resolve {host}")
        }
        ureq::Error::ConnectionFailed => "cannot connect".to_string(),
        ureq::Error::Timeout(Timeout::Connect) => {
            format!("cannot connect: no connection within {secs} s")
        }
        ureq::Error::Timeout(_) => format!("no complete answer within {secs} s"),
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::AddrNotAvailable
            ) =>
        {
            format!("cannot connect: {e}")
        }
        ureq::Error::Io(e) => format!("no complete answer: {e}"),
        ureq::Error::Protocol(e) => format!("not an HTTP answer: {e}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};

    /// A server that answers one request with `answer` and returns what it was sent.
    fn serve_once(answer: &'static [u8]) -> (u16, std::thread::JoinHandle<String>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let n = s.read(&mut buf).unwrap();
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            s.write_all(answer).unwrap();
            req
        });
        (port, server)
    }

    fn get_from(answer: &'static [u8]) -> Result<Response, HttpError> {
        let (port, server) = serve_once(answer);
        let r = get("127.0.0.1", port, "/x", Duration::from_secs(5));
        let _ = server.join();
        r
    }

    #[test]
    fn parses_plain_and_chunked() {
        let r = get_from(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert_eq!(
            r,
            Response {
                status: 200,
                body: "ok".into()
            }
        );
        let r = get_from(b"HTTP/1.1 400 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap();
        assert_eq!(
            r,
            Response {
                status: 400,
                body: "abcde".into()
            }
        );
        assert!(get_from(b"garbage").is_err());
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("a b:c/d"), "a%20b%3Ac%2Fd");
        assert_eq!(encode("Word-1_x.y~"), "Word-1_x.y~");
    }

    #[test]
    fn talks_to_a_server() {
        let (port, server) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        let r = get(
            "127.0.0.1",
            port,
            "/activate?topologyid=x",
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(r.body, "done");
        assert!(
            server
                .join()
                .unwrap()
                .starts_with("GET /activate?topologyid=x HTTP/1.1\r\n")
        );
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let e = get("127.0.0.1", port, "/x", Duration::from_secs(2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot connect"), "{e}");
    }
}
