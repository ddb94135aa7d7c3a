//! `heron submit` of a topology file given as an http:// URL (issue 13, item 14), against a real
//! HTTP server on 127.0.0.1 that each test starts in a thread: the download is submitted (and
//! dry-run), a 404 exits 3 naming the URL, a file over the size limit is refused whether the
//! server says its length or not, a stalled server times out, Ctrl-C stops the download, and in
//! every case the downloaded file and heron's temp folder are gone afterwards.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use heron_tests::prelude::*;

/// What the server answers for a path.
#[derive(Clone)]
enum Answer {
    /// 200 with the body and its Content-Length.
    File(Vec<u8>),
    /// 200 with the body and no Content-Length (the end is the connection's close).
    Stream(Vec<u8>),
    /// 200, a Content-Length, a few bytes, then nothing for a long time.
    Stall,
    /// No answer at all for a long time.
    Silent,
    /// 200, then one byte every 100 ms.
    Slow(usize),
}

/// An HTTP/1.1 server on 127.0.0.1:<free port>; it runs until the test process ends.
struct Server {
    base: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(routes: Vec<(&'static str, Answer)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let routes = routes.clone();
                let seen = seen.clone();
                std::thread::spawn(move || serve(stream, &routes, &seen));
            }
        });
        Server { base, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requested(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, routes: &[(&str, Answer)], seen: &std::sync::Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    seen.lock().unwrap().push(path.clone());
    let route = path.split('?').next().unwrap_or_default();
    let answer = routes.iter().find(|(p, _)| *p == route).map(|(_, a)| a);
    let _ = match answer {
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
        Some(Answer::File(body)) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(body)),
        Some(Answer::Stream(body)) => stream
            .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            .and_then(|()| stream.write_all(body)),
        Some(Answer::Stall) => {
            let sent = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n0123456789",
            );
            std::thread::sleep(Duration::from_secs(60));
            sent
        }
        Some(Answer::Silent) => {
            std::thread::sleep(Duration::from_secs(60));
            Ok(())
        }
        Some(Answer::Slow(n)) => {
            let mut sent = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            for _ in 0..*n {
                sent = sent.and_then(|()| stream.write_all(b"x"));
                if sent.is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            sent
        }
    };
}

/// A Stand whose `heron` keeps its temp folders in a folder of the test (`TMPDIR`).
fn stand() -> (Stand, PathBuf) {
    let mut s = Stand::local();
    let tmp = s.dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    s.extra_env
        .push(("TMPDIR".into(), tmp.display().to_string()));
    (s, tmp)
}

/// Everything under `dir` (files and folders), for "nothing left behind".
fn left_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(left_in(&e.path()));
        }
    }
    out
}

fn yaml(s: &Stand, name: &str) -> Vec<u8> {
    std::fs::read(s.yaml_topology(name)).unwrap()
}

#[test]
fn a_url_is_downloaded_submitted_and_removed() {
    let (s, tmp) = stand();
    let name = unique_name("url");
    let route: &'static str = Box::leak(format!("/topologies/{name}.yaml").into_boxed_str());
    let server = Server::start(vec![(route, Answer::File(yaml(&s, &name)))]);
    // The query is not part of the file name: the extension still says YAML.
    let url = server.url(&format!("{route}?token=abc"));

    let out = run_expect(
        s.heron(
            "submit",
            &["--dry-run", "--format", "json", &spec(), &url, "-"],
        ),
        0,
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["topology"], name.as_str());
    assert!(s.aurora_calls().is_empty(), "a dry run calls no aurora");
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new(), "after the dry run");

    run_expect(s.heron("submit", &[&spec(), &url, "-"]), 0);
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(
        content.contains(&format!("--topology-binary-file={name}.yaml")),
        "{content}"
    );
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new(), "after the submit");
    assert_eq!(server.requested().len(), 2, "{:?}", server.requested());
    s.kill(&name);
}

#[test]
fn a_missing_file_is_exit_3_naming_the_url() {
    let (s, tmp) = stand();
    let server = Server::start(Vec::new());
    let url = server.url("/topologies/nothere.yaml");
    let out = run_expect(s.heron("submit", &[&spec(), &url, "-"]), 3);
    assert!(
        text(&out.stderr).contains(&format!(
            "submit failed at stage \"download\": cannot download the topology file {url}: the server answered HTTP 404"
        )),
        "{}",
        describe(&out)
    );
    assert!(out.stdout.is_empty());
    assert!(s.aurora_calls().is_empty());
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new());
}

#[test]
fn a_file_over_the_limit_is_refused_and_nothing_is_left() {
    let (s, tmp) = stand();
    let body = vec![b'#'; 5000];
    let server = Server::start(vec![
        ("/said/big.yaml", Answer::File(body.clone())),
        ("/unsaid/big.yaml", Answer::Stream(body)),
    ]);
    for path in ["/said/big.yaml", "/unsaid/big.yaml"] {
        let url = server.url(path);
        let out = run(s.heron(
            "submit",
            &[
                "--config-property",
                "heron.cli.topology.download.max.bytes=1000",
                &spec(),
                &url,
                "-",
            ],
        ));
        assert_eq!(code(&out), 2, "{path}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(&format!(
                "the topology file {url} is larger than heron.cli.topology.download.max.bytes (1000 bytes)"
            )),
            "{path}: {}",
            describe(&out)
        );
        assert_eq!(left_in(&tmp), Vec::<PathBuf>::new(), "{path}");
    }
    assert!(s.aurora_calls().is_empty());
}

#[test]
fn a_stalled_server_times_out() {
    let (s, tmp) = stand();
    let server = Server::start(vec![
        ("/stall.yaml", Answer::Stall),
        ("/silent.yaml", Answer::Silent),
    ]);
    let url = server.url("/stall.yaml");
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--config-property",
                "heron.cli.topology.download.timeout.secs=1",
                &spec(),
                &url,
                "-",
            ],
        ),
        5,
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot download the topology file {url}: not done within 1 s (heron.cli.topology.download.timeout.secs); 10 bytes had arrived"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("heron doctor"),
        "no service of the cluster is at fault: {stderr}"
    );
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new());

    // No answer at all: the same limit holds.
    let url = server.url("/silent.yaml");
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--config-property",
                "heron.cli.topology.download.timeout.secs=1",
                &spec(),
                &url,
                "-",
            ],
        ),
        5,
    );
    assert!(
        text(&out.stderr).contains(&format!(
            "cannot download the topology file {url}: no answer within 1 s (heron.cli.topology.download.timeout.secs)"
        )),
        "{}",
        describe(&out)
    );
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new());
}

#[test]
fn ctrl_c_stops_the_download_and_removes_it() {
    let (s, tmp) = stand();
    // 1000 bytes at 10 a second: the download would take 100 s.
    let server = Server::start(vec![("/slow.yaml", Answer::Slow(1000))]);
    let url = server.url("/slow.yaml");
    let mut child = s
        .heron("submit", &[&spec(), &url, "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until part of it is on disk in heron's temp folder.
    wait_for("the download to begin", 30, || {
        left_in(&tmp)
            .iter()
            .any(|p| p.ends_with("download/slow.yaml") && p.metadata().is_ok_and(|m| m.len() > 0))
    });
    let pid = child.id().to_string();
    assert!(
        command("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut done = None;
    wait_for("heron to stop after SIGINT", 30, || {
        done = child.try_wait().unwrap();
        done.is_some()
    });
    let out = child.wait_with_output().unwrap();
    assert_eq!(done.and_then(|s| s.code()), Some(130), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("stopped by SIGINT"),
        "{}",
        describe(&out)
    );
    assert_eq!(left_in(&tmp), Vec::<PathBuf>::new());
    assert!(s.aurora_calls().is_empty());
}
