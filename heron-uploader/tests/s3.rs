//! heron-uploader against a signature-checking S3 server (s3s-fs, started by scripts/services.sh):
//! where packages are stored (single PUT and multipart), payload signing, skips by sha256, undo,
//! delete, uploads from stdin, memory. Failures: s3_failures.rs; credentials: s3_credentials.rs.
//! s3s-fs stores objects as plain files `HERON_TEST_S3_DIR/<bucket>/<key>`, which the tests read.

mod common;
mod s3_support;

use common::*;
use heron_common::contract::{UndoResult, UploadResult};
use heron_uploader::StatResult;
use s3_support::*;

#[test]
fn single_put_and_multipart_store_the_package_under_herons_key() {
    let t = S3Case::new("layout", "");
    let small = bytes(300_000, 1);
    let out = t.cluster.upload("small", &small);
    assert_eq!(
        out,
        format!(
            "{}/{}/heron/pkgs/wc/topology.tar.gz\n",
            t.env.endpoint, t.bucket
        )
    );
    assert_eq!(t.read("topology.tar.gz").unwrap(), small);

    // 20 MiB: three 8 MiB parts, several in flight.
    let big = bytes(20 << 20, 2);
    let r: UploadResult = t.cluster.upload_json(t.cluster.package("big", &big));
    assert_eq!(
        (r.size, r.backend.as_str(), r.uploaded),
        (20 << 20, "s3", true)
    );
    assert_eq!(r.sha256, sha256_hex(&big));
    assert!(
        t.read("topology.tar.gz").unwrap() == big,
        "multipart object content differs"
    );
    // Heron's backup of what was replaced.
    assert_eq!(t.read("previous_topology.tar.gz").unwrap(), small);
    // The sha256 is stored with the object: stat reads it back.
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.sha256.as_deref(), Some(sha256_hex(&big).as_str()));
    assert_eq!(st.size, 20 << 20);
    assert_eq!(st.previous.map(|p| p.size), Some(300_000));
}

/// A TCP relay to s3s-fs that keeps every `x-amz-content-sha256` value the client sends.
struct Relay {
    endpoint: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Relay {
    fn start(target: &str) -> Relay {
        use std::io::{Read, Write};
        let target = target.trim_start_matches("http://").to_string();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let mut server = std::net::TcpStream::connect(&target).unwrap();
                let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
                let log = log.clone();
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 1 << 16];
                    // The unfinished last line of what was read so far (a header may straddle
                    // two reads); at most 4 KiB of it, as a header line is shorter.
                    let mut rest: Vec<u8> = Vec::new();
                    loop {
                        let n = match client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        rest.extend_from_slice(&buf[..n]);
                        let end = rest.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                        for line in rest[..end].split(|b| *b == b'\n') {
                            if line
                                .to_ascii_lowercase()
                                .starts_with(b"x-amz-content-sha256:")
                            {
                                let mut l = log.lock().unwrap();
                                l.extend_from_slice(line);
                                l.push(b'\n');
                            }
                        }
                        let keep_from = end.max(rest.len().saturating_sub(4096));
                        rest.drain(..keep_from);
                        if server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Relay { endpoint, seen }
    }

    /// The values seen so far, lower-cased, then forgotten.
    fn take(&self) -> Vec<String> {
        let mut l = self.seen.lock().unwrap();
        let text = String::from_utf8_lossy(&l).to_ascii_lowercase();
        l.clear();
        text.lines()
            .map(|line| line["x-amz-content-sha256:".len()..].trim().to_string())
            .collect()
    }
}

/// The sha256 of the whole body, then of each 8 MiB part (the default part size).
fn body_hashes(body: &[u8]) -> Vec<String> {
    std::iter::once(sha256_hex(body))
        .chain(body.chunks(8 << 20).map(sha256_hex))
        .collect()
}

#[test]
fn payload_signing_is_kept_over_http_unless_turned_off() {
    let env = s3_env();
    let relay = Relay::start(&env.endpoint);
    let t = S3Case::through("signing", Some(&relay.endpoint), "");
    let small = bytes(300_000, 50);
    let big = bytes(20 << 20, 51);
    // Default (auto) over plain http: every body is signed, as `aws s3 cp` does.
    t.cluster.upload("small", &small);
    t.cluster.upload("big", &big);
    let seen = relay.take();
    // The PUT's body and each 8 MiB part of the 20 MiB package are signed.
    for hash in body_hashes(&small).iter().chain(&body_hashes(&big)[1..]) {
        assert!(seen.contains(hash), "{hash} not signed: {seen:?}");
    }
    assert!(!seen.iter().any(|v| v == "unsigned-payload"), "{seen:?}");
    assert!(t.read("topology.tar.gz").unwrap() == big);

    // Turned off: PUT and UploadPart go as UNSIGNED-PAYLOAD, and the objects are whole.
    for (name, body) in [
        ("small2", bytes(300_000, 52)),
        ("big2", bytes(20 << 20, 53)),
    ] {
        let r: UploadResult = serde_json::from_str(&run_ok(
            t.cluster
                .cmd("upload", "wc")
                .arg(t.cluster.package(name, &body))
                .args([
                    "--format",
                    "json",
                    "--config-property",
                    "heron.uploader.s3.payload.signing=unsigned",
                ]),
        ))
        .unwrap();
        assert_eq!(r.sha256, sha256_hex(&body));
        assert!(t.read("topology.tar.gz").unwrap() == body, "{name}");
        let seen = relay.take();
        let unsigned = seen.iter().filter(|v| *v == "unsigned-payload").count();
        let parts = if body.len() > 8 << 20 { 3 } else { 1 };
        assert_eq!(unsigned, parts, "{name}: {seen:?}");
        for hash in body_hashes(&body) {
            assert!(!seen.contains(&hash), "{name}: a body was signed: {seen:?}");
        }
    }

    // A value that is none of the three is refused, naming the key.
    let out = run(t
        .cluster
        .cmd("upload", "wc")
        .arg(t.cluster.package("x", b"x"))
        .args(["--config-property", "heron.uploader.s3.payload.signing=off"]));
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("heron.uploader.s3.payload.signing"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn s3_uri_scheme_can_be_chosen() {
    let t = S3Case::new("scheme", "heron.uploader.s3.package.uri.scheme: s3\n");
    let out = run_ok(
        t.cluster
            .cmd("upload", "wc")
            .arg(t.cluster.package("p", &bytes(1000, 3))),
    );
    assert_eq!(
        out,
        format!("s3://{}/heron/pkgs/wc/topology.tar.gz\n", t.bucket)
    );
}

#[test]
fn identical_package_is_skipped_by_its_stored_sha256_and_undo_restores_the_previous() {
    let t = S3Case::new("undo", "");
    let v1 = bytes(6 << 20, 10); // over one part? no: 6 MiB < 8 MiB part: single PUT
    let v2 = bytes(9 << 20, 11); // two parts
    let p1 = t.cluster.package("v1", &v1);
    run_ok(t.cluster.cmd("upload", "wc").arg(&p1));
    let again: UploadResult = t.cluster.upload_json(&p1);
    assert!(!again.uploaded, "identical package uploaded again");
    assert!(
        t.read("previous_topology.tar.gz").is_none(),
        "a skipped upload must not touch the backup"
    );

    t.cluster.upload("v2", &v2);
    assert!(t.read("topology.tar.gz").unwrap() == v2);
    // A conditional undo naming another package (v1, now the backup) changes nothing.
    let kept: UndoResult = serde_json::from_str(&run_ok(t.cluster.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&v1),
    ])))
    .unwrap();
    assert_eq!(kept.action, "kept");
    assert!(t.read("topology.tar.gz").unwrap() == v2);
    assert!(t.read("previous_topology.tar.gz").unwrap() == v1);
    let undo: UndoResult = serde_json::from_str(&run_ok(t.cluster.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&v2),
    ])))
    .unwrap();
    assert_eq!(undo.action, "restored");
    assert!(t.read("topology.tar.gz").unwrap() == v1);
    assert!(t.read("previous_topology.tar.gz").is_none());
    // The restored object kept its sha256 metadata: uploading v1 again is a no-op.
    let again: UploadResult = t.cluster.upload_json(&p1);
    assert!(!again.uploaded);

    let undo: UndoResult = t.cluster.undo_json();
    assert_eq!(undo.action, "deleted");
    assert!(t.read("topology.tar.gz").is_none());
    let undo: UndoResult = t.cluster.undo_json();
    assert_eq!(undo.action, "nothing");
    assert_eq!(code(&run(&mut t.cluster.cmd("stat", "wc"))), 3);
}

#[test]
fn stdin_multipart_upload() {
    let t = S3Case::new("stdin", "");
    let body = bytes(17 << 20, 20);
    let r: UploadResult = t.cluster.upload_stdin_json(&body);
    assert_eq!(r.sha256, sha256_hex(&body));
    assert_eq!(r.size, body.len() as u64);
    assert!(t.read("topology.tar.gz").unwrap() == body);
    // Its sha256 was recorded after the upload: the same bytes again are recognised, from a file
    // or from stdin, and the backup is left alone.
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.sha256.as_deref(), Some(sha256_hex(&body).as_str()));
    let again: UploadResult = t.cluster.upload_stdin_json(&body);
    assert!(!again.uploaded);
    let again: UploadResult = t.cluster.upload_json(t.cluster.package("same", &body));
    assert!(!again.uploaded);
    assert!(t.read("previous_topology.tar.gz").is_none());
}

#[test]
fn delete_removes_the_package_and_its_backup() {
    let t = S3Case::new("delete", "");
    run_ok(
        t.cluster
            .cmd("upload", "wc")
            .arg(t.cluster.package("a", &bytes(1000, 30))),
    );
    run_ok(
        t.cluster
            .cmd("upload", "wc")
            .arg(t.cluster.package("b", &bytes(2000, 31))),
    );
    let out = run_ok(&mut t.cluster.cmd("delete", "wc"));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(t.read("topology.tar.gz").is_none() && t.read("previous_topology.tar.gz").is_none());
    assert_eq!(code(&run(&mut t.cluster.cmd("delete", "wc"))), 3);
}

#[test]
fn one_gib_upload_stays_under_150_mb_of_memory() {
    let t = S3Case::new("gib", "");
    let pkg = t.cluster.path("big.tar.gz");
    let size = sparse_gib(&pkg);
    let mut cmd = t.cluster.cmd("upload", "wc");
    cmd.arg(&pkg).args(["--format", "json"]);
    let (out, rss) = run_measuring_rss(&cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: UploadResult = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(r.size, size);
    assert_eq!(
        std::fs::metadata(t.object("topology.tar.gz"))
            .unwrap()
            .len(),
        size
    );
    assert!(rss < 150 << 20, "peak RSS {} MB", rss >> 20);
    eprintln!(
        "1 GiB to S3: peak RSS {} MB, {} ms",
        rss >> 20,
        r.elapsed_ms
    );
    let _ = std::fs::remove_dir_all(t.env.dir.join(&t.bucket));
}
