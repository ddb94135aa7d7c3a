//! S3 faults under `heron submit` and `heron kill`: the S3 server answers 500, resets connections,
//! stalls (accepts and never answers), or is gone, when the package is uploaded and when it is
//! deleted. A proxy in the test sits between the uploader and the real S3 peer (s3s-fs) and turns
//! faults on and off. Each time `heron` exits with the documented code, names the stage, and leaves
//! no package (in the bucket), no state node and no Aurora job; after a kill whose package delete
//! failed (a warning, docs/cli.md), a second `heron kill` removes the package.
//! Needs `scripts/services.sh start` (or `scripts/test.sh`).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

use heron_tests::files::files_under;
use heron_tests::prelude::*;
use heron_tests::s3;

const FORWARD: u8 = 0;
const ERROR_500: u8 = 1;
const RESET: u8 = 2;
const STALL: u8 = 3;

/// A TCP proxy to the S3 peer whose behaviour for new connections can be switched.
struct FaultProxy {
    port: u16,
    mode: Arc<AtomicU8>,
    faulted: Arc<AtomicUsize>,
}

impl FaultProxy {
    fn start(upstream: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let faulted = Arc::new(AtomicUsize::new(0));
        let (m, f) = (mode.clone(), faulted.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let mode = m.load(Ordering::SeqCst);
                if mode != FORWARD {
                    f.fetch_add(1, Ordering::SeqCst);
                }
                let upstream = upstream.clone();
                std::thread::spawn(move || handle(client, mode, &upstream));
            }
        });
        FaultProxy {
            port,
            mode,
            faulted,
        }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn read_head(client: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    client.set_read_timeout(Some(Duration::from_secs(5))).ok();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn handle(mut client: TcpStream, mode: u8, upstream: &str) {
    match mode {
        ERROR_500 => {
            read_head(&mut client);
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>\
                        <Message>injected fault</Message></Error>";
            let _ = write!(
                client,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = client.shutdown(Shutdown::Both);
        }
        RESET => {
            read_head(&mut client);
            let _ = client.shutdown(Shutdown::Both);
        }
        STALL => {
            // Hold the connection open, answer nothing.
            std::thread::sleep(Duration::from_secs(600));
        }
        _ => {
            let Ok(server) = TcpStream::connect(upstream) else {
                return;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let up = std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(Shutdown::Write);
            });
            let (mut s3r, mut c3) = (server, client);
            let _ = std::io::copy(&mut s3r, &mut c3);
            let _ = c3.shutdown(Shutdown::Write);
            let _ = up.join();
        }
    }
}

struct S3Stand {
    stand: Stand,
    proxy: FaultProxy,
    bucket_dir: PathBuf,
}

fn s3_stand() -> S3Stand {
    let peer = s3();
    let upstream = peer
        .endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let proxy = FaultProxy::start(upstream);
    let upload = S3Upload {
        endpoint: proxy.endpoint(),
        ..S3Upload::new_bucket(&peer, "fs3")
    }
    .setting("heron.uploader.s3.max.attempts", 2);
    let bucket_dir = upload.dir.clone();
    let stand = Stand::builder().uploader(Uploader::S3(upload)).build();
    S3Stand {
        stand,
        proxy,
        bucket_dir,
    }
}

/// Files under the bucket that belong to `name`.
fn objects(dir: &std::path::Path, name: &str) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .map(|p| p.display().to_string())
        .filter(|p| p.contains(name))
        .collect()
}

const FAST: [&str; 2] = ["--config-property", "heron.cli.stage.timeout.secs=4"];

#[test]
fn s3_errors_stalls_and_outages_during_upload_leave_nothing() {
    let t = s3_stand();
    let s = &t.stand;
    let mut injected = 0;
    for (mode, what) in [
        (ERROR_500, "500 Internal Server Error"),
        (RESET, "connection reset"),
        (STALL, "a stalled server"),
    ] {
        t.proxy.set(mode);
        let before = t.proxy.faulted.load(Ordering::SeqCst);
        let name = unique_name("S3Up").replace('-', "_");
        let file = s.yaml_topology(&name);
        let mut args = FAST.to_vec();
        let sp = spec();
        args.extend([sp.as_str(), file.to_str().unwrap(), "-"]);
        let out = run(s.heron("submit", &args));
        assert!(
            t.proxy.faulted.load(Ordering::SeqCst) > before,
            "{what}: the fault never reached the uploader"
        );
        injected += 1;
        assert_eq!(code(&out), 5, "{what}: {}", describe(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains("submit failed at stage \"upload\""),
            "{what}: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert_eq!(
            objects(&t.bucket_dir, &name),
            Vec::<String>::new(),
            "{what}: package left in the bucket"
        );
        s.assert_nothing_left(&name, what);
    }
    // S3 gone: nothing listens on the port any more.
    let gone = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let conf = s.conf.join(CLUSTER).join("uploader.yaml");
    let yaml = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        yaml.replace(&t.proxy.endpoint(), &format!("http://127.0.0.1:{gone}")),
    )
    .unwrap();
    let name = unique_name("S3Gone").replace('-', "_");
    let file = s.yaml_topology(&name);
    let out = run_expect(s.submit_file(&file, &[]), 5);
    injected += 1;
    assert!(text(&out.stderr).contains("submit failed at stage \"upload\""));
    s.assert_nothing_left(&name, "S3 gone");
    eprintln!("S3 upload faults injected: {injected}, survived: {injected}");
}

#[test]
fn s3_errors_and_stalls_during_kill_warn_and_a_second_kill_deletes_the_package() {
    let t = s3_stand();
    let s = &t.stand;
    let mut injected = 0;
    for (mode, what) in [
        (ERROR_500, "500 Internal Server Error"),
        (RESET, "connection reset"),
        (STALL, "a stalled server"),
    ] {
        t.proxy.set(FORWARD);
        let name = unique_name("S3Kill").replace('-', "_");
        s.submit_yaml(&name);
        assert!(
            !objects(&t.bucket_dir, &name).is_empty(),
            "nothing uploaded"
        );

        t.proxy.set(mode);
        let before = t.proxy.faulted.load(Ordering::SeqCst);
        let mut args = FAST.to_vec();
        let sp = spec();
        args.extend([sp.as_str(), name.as_str()]);
        let out = run(s.heron("kill", &args));
        assert!(
            t.proxy.faulted.load(Ordering::SeqCst) > before,
            "{what}: no fault"
        );
        injected += 1;
        // The topology is gone; the package delete failing is a warning (docs/cli.md).
        assert_eq!(code(&out), 0, "{what}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("package was not deleted"),
            "{what}: {}",
            describe(&out)
        );
        assert!(s.job(&name).is_none());
        assert_eq!(s.state_nodes(&name), Vec::<String>::new());

        t.proxy.set(FORWARD);
        let out = run(s.manage("kill", &name, &[]));
        assert!([0, 3].contains(&code(&out)), "{}", describe(&out));
        assert_eq!(
            objects(&t.bucket_dir, &name),
            Vec::<String>::new(),
            "{what}: package left after the second kill: {}",
            describe(&out)
        );
    }
    eprintln!("S3 kill faults injected: {injected}, survived: {injected}");
}

/// The uploader on its own (no `heron` stage timeout around it) against a server that accepts
/// and never answers: its read timeout must end the run with exit 5 naming the endpoint, well
/// before anything else would.
#[test]
fn a_stalled_s3_server_ends_the_uploader_alone_with_exit_5() {
    let t = s3_stand();
    t.proxy.set(STALL);
    let dir = TestDir::new();
    let package = dir.write("p.tar.gz", b"package bytes");
    let mut cmd = bin_command("heron-uploader");
    cmd.arg("--config-path")
        .arg(&t.stand.conf)
        .args([
            "--cluster",
            CLUSTER,
            "--role",
            ROLE,
            "--environ",
            ENV,
            "--config-property",
            "heron.uploader.s3.read.timeout.ms=1500",
            "--config-property",
            "heron.uploader.s3.max.attempts=1",
            "upload",
            "--topology",
            &unique_name("S3Stall").replace('-', "_"),
        ])
        .arg(&package)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = std::time::Instant::now();
    let mut child = cmd.spawn().unwrap();
    // Not `run`: a hang must fail this test, not block it for the proxy's 600 s.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("heron-uploader still hangs after 30 s on a stalled S3 server");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        t.proxy.faulted.load(Ordering::SeqCst) > 0,
        "the stall never reached the uploader: {err}"
    );
    assert_eq!(status.code(), Some(5), "{err}");
    assert!(
        err.contains(&t.proxy.endpoint()),
        "the endpoint is not named: {err}"
    );
    assert!(
        err.contains("heron.uploader.s3.read.timeout.ms"),
        "the timeout key is not named: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    eprintln!("stalled S3: heron-uploader gave up after {took:?}: {err}");
}
