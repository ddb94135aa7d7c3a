//! Helpers shared by the heron-uploader integration tests: a cluster conf folder per test, the
//! built binary, the services the scripts started (env `HERON_TEST_*`), process utilities.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use heron_common::contract::{UndoResult, UploadResult};
use heron_uploader::StatResult;
use sha2::{Digest, Sha256};

/// What to run when a service is missing.
pub const HOW_TO_START: &str = "run `scripts/test.sh`, or `scripts/install.sh && scripts/services.sh start && source .services/env`";

/// A `HERON_TEST_*` variable; panics naming the script when it is missing (never a silent skip).
pub fn service_var(name: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => {
            panic!("{name} is not set, so this test has no service to run against: {HOW_TO_START}")
        }
    }
}

/// The S3 server (s3s-fs) the scripts started.
pub struct S3Env {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    /// s3s-fs data dir: objects are plain files `DIR/<bucket>/<key>`.
    pub dir: PathBuf,
}

pub fn s3_env() -> S3Env {
    S3Env {
        endpoint: service_var("HERON_TEST_S3"),
        access_key: service_var("HERON_TEST_S3_ACCESS_KEY"),
        secret_key: service_var("HERON_TEST_S3_SECRET_KEY"),
        dir: PathBuf::from(service_var("HERON_TEST_S3_DIR")),
    }
}

/// A bucket of its own for one test, created as s3s-fs stores buckets (a directory).
pub fn new_bucket(env: &S3Env, test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "t-{}-{}-{nanos}",
        test.replace('_', "-"),
        std::process::id()
    );
    let name: String = name.chars().take(63).collect();
    std::fs::create_dir_all(env.dir.join(&name)).unwrap();
    name
}

/// A cluster conf folder `<tmp>/conf/<cluster>/uploader.yaml`, and a scratch dir.
pub struct Cluster {
    pub tmp: tempfile::TempDir,
    pub conf: PathBuf,
    pub name: String,
}

impl Cluster {
    pub fn new(uploader_yaml: &str) -> Cluster {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("conf");
        let name = "testcluster".to_string();
        std::fs::create_dir_all(conf.join(&name)).unwrap();
        std::fs::write(conf.join(&name).join("uploader.yaml"), uploader_yaml).unwrap();
        Cluster { tmp, conf, name }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Writes a package file in the scratch dir.
    pub fn package(&self, name: &str, body: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    /// `heron-uploader <sub> --config-path .. --cluster .. --role ads --topology <topology>`.
    pub fn cmd(&self, sub: &str, topology: &str) -> Command {
        let mut c = uploader();
        c.arg(sub).arg("--config-path").arg(&self.conf).args([
            "--cluster",
            &self.name,
            "--role",
            "ads",
            "--topology",
            topology,
        ]);
        c
    }

    /// `heron-uploader upload wc <package>`, the package a file `name` holding `body`; its stdout
    /// (the URI). Panics when the upload fails.
    pub fn upload(&self, name: &str, body: &[u8]) -> String {
        run_ok(self.cmd("upload", "wc").arg(self.package(name, body)))
    }

    /// `heron-uploader upload wc <package> --format json`, parsed; panics when the upload fails.
    pub fn upload_json(&self, package: impl AsRef<std::ffi::OsStr>) -> UploadResult {
        serde_json::from_str(&run_ok(
            self.cmd("upload", "wc")
                .arg(package)
                .args(["--format", "json"]),
        ))
        .expect("upload --format json prints an UploadResult")
    }

    /// `heron-uploader upload wc - --format json` with `body` on stdin, parsed; panics when the
    /// upload fails.
    pub fn upload_stdin_json(&self, body: &[u8]) -> UploadResult {
        serde_json::from_str(&run_stdin_ok(
            self.cmd("upload", "wc").args(["--format", "json", "-"]),
            body,
        ))
        .expect("upload --format json prints an UploadResult")
    }

    /// `heron-uploader stat wc --format json`, parsed; panics when it fails.
    pub fn stat_json(&self) -> StatResult {
        serde_json::from_str(&run_ok(self.cmd("stat", "wc").args(["--format", "json"])))
            .expect("stat --format json prints a StatResult")
    }

    /// `heron-uploader undo wc --format json`, parsed; panics when it fails.
    pub fn undo_json(&self) -> UndoResult {
        serde_json::from_str(&run_ok(self.cmd("undo", "wc").args(["--format", "json"])))
            .expect("undo --format json prints an UndoResult")
    }
}

/// The built binary, with backtraces off (their text is not what users see).
pub fn uploader() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_heron-uploader"));
    c.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null());
    c
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// Runs and returns the output (whatever the exit code).
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs, asserts success, returns stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs with `input` on stdin and returns the output (whatever the exit code).
pub fn run_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Runs with `input` on stdin, asserts success, returns stdout.
pub fn run_stdin_ok(cmd: &mut Command, input: &[u8]) -> String {
    let out = run_stdin(cmd, input);
    assert!(
        out.status.success(),
        "failed with {}\nstderr: {}",
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Deterministic pseudo-random bytes (incompressible enough, different per seed).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Starts an upload reading stdin, feeds it `first` and keeps stdin open, so the upload cannot
/// finish: whatever happens next happens during the upload.
pub fn start_stdin_upload(cmd: &mut Command, first: &[u8]) -> (Child, std::process::ChildStdin) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(first).unwrap();
    stdin.flush().unwrap();
    (child, stdin)
}

/// Waits until `cond` holds, up to `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGTERM through kill(1) (no unsafe code needed).
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A 1 GiB sparse file (instant to make, reads as zeros).
pub fn sparse_gib(path: &Path) -> u64 {
    let size = 1u64 << 30;
    let f = std::fs::File::create(path).unwrap();
    f.set_len(size).unwrap();
    size
}

/// Runs `cmd` under `/usr/bin/time` and returns (output, peak RSS in bytes).
pub fn run_measuring_rss(cmd: &Command) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.is_file(),
        "/usr/bin/time (Debian package `time`) is needed to measure peak RSS; install it"
    );
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new(time);
    timed
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    timed.stdin(Stdio::null());
    let out = run(&mut timed);
    let kb: u64 = std::fs::read_to_string(report.path())
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .unwrap_or_else(|| {
            panic!(
                "no RSS figure from /usr/bin/time; stderr: {}",
                text(&out.stderr)
            )
        });
    (out, kb * 1024)
}

/// Files in `dir` whose names contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.contains(needle))
                .collect()
        })
        .unwrap_or_default()
}
