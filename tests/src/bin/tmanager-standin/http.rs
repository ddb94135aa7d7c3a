//! The HTTP/1.1 side: one request per connection (line, headers, a bounded body), the reply with
//! the tmanager's status line, and one JSON log line per request.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::Server;
use crate::controller::handle;
use crate::files::now_ms;

#[derive(Serialize)]
struct LogLine<'a> {
    ts_ms: u64,
    method: &'a str,
    path: &'a str,
    /// Query parameters in order, percent-decoded.
    query: &'a [(String, String)],
    status: u16,
    body: &'a str,
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    /// Also the status line's reason phrase for errors, as libevent's error replies do.
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn ok(body: &str) -> Reply {
        Reply {
            status: 200,
            body: body.to_string(),
        }
    }
    pub(crate) fn err(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_string(),
        }
    }
}

pub(crate) fn serve(server: &Server, stream: TcpStream) -> Result<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .context("cannot set a read timeout")?;
    let mut reader = BufReader::new(stream.try_clone().context("cannot clone the socket")?);
    let mut request_line = String::new();
    reader
        .read_line(&mut request_line)
        .context("cannot read the request line")?;
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .context("cannot read a header")?;
        if n == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    if content_length > 0 {
        // Bodies are not used; read and drop them (bounded) so the client sees a clean reply.
        let mut body = vec![0u8; content_length.min(1 << 20)];
        let _ = reader.read_exact(&mut body);
    }

    let mut parts = request_line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m.to_string(), t.to_string()),
        _ => {
            respond(&stream, &Reply::err(400, "Bad Request"))?;
            return Ok(());
        }
    };
    let (path, query_text) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let path = percent_decode(path);
    let query = parse_query(query_text);
    let reply = handle(server, &path, &query);

    if let Some(log) = &server.log {
        let line = LogLine {
            ts_ms: now_ms(),
            method: &method,
            path: &path,
            query: &query,
            status: reply.status,
            body: &reply.body,
        };
        let mut text = serde_json::to_string(&line).context("cannot serialize a log line")?;
        text.push('\n');
        let mut file = log
            .lock()
            .map_err(|_| anyhow::anyhow!("log lock poisoned"))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.flush())
            .context("cannot write the log file")?;
    }
    respond(&stream, &reply)
}

fn respond(mut stream: &TcpStream, reply: &Reply) -> Result<()> {
    let reason = if reply.status == 200 {
        "OK".to_string()
    } else if reply.body.is_empty() {
        standard_reason(reply.status).to_string()
    } else {
        reply.body.replace(['\r', '\n'], " ")
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(reply.body.as_bytes()))
        .and_then(|()| stream.flush())
        .context("cannot send the reply")
}

fn standard_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` decoding (a `+` stays a `+`, as in Heron's own decoder).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn first<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}
