//! `heron_tests`: the harness the integration tests in `tests/tests/` use to reach the built heron binaries
//! and the real services they run against.
//!
//! What it is: a few functions that find things and fail loudly when they are missing. The services
//! (ZooKeeper, an S3 server that checks signatures, a real HDFS, a Python venv with heronpy, a Heron Java
//! topology) are installed by `scripts/install.sh`, started by `scripts/services.sh start` and described to
//! the tests by `HERON_TEST_*` environment variables (written to `.services/env`). `scripts/test.sh` does
//! all of that around `cargo test --workspace`. A test that needs a service calls the matching function
//! here ([`zk`], [`s3`], [`hdfs`], [`venv_python`], ...); when the variable is missing it panics with a
//! message naming `scripts/test.sh`, so a missing service is a failure, never a silent skip.
//!
//! What it is not: it starts no service (the scripts do).
//!
//! An e2e test of `heron` builds a [`stand::Stand`] (a cluster conf folder, local or ZooKeeper state,
//! a local, S3 or HDFS uploader, the Aurora stand-in with its fault knobs) and reads as what it
//! checks: `s.submit_yaml(&name)`, `s.kill(&name)`, `s.assert_nothing_left(&name, "after kill")`,
//! `s.node("packingplan", &name)`. `use heron_tests::prelude::*;` brings all of that in.
//!
//! Layout: this file (finding binaries and services, scratch folders), [`heron_conf`] (std-only,
//! also included by other crates' tests: the repo's Heron-format conf fixtures, and Heron's stock
//! folders for the interop tier), [`cluster`] (writing a cluster conf folder), [`stand`] (one test's
//! cluster and what it left behind), [`aurora_standin`] (the Aurora client stand-in: its variables,
//! faults, records), [`tmanager_standin`] (the tmanager stand-in and a physical plan for it),
//! [`output`] (running a program, describing its output), [`files`] (walking folders),
//! [`fresh_home`] (`heron` in a newcomer's HOME),
//! [`prelude`]. Binaries: [`bin`], [`bin_command`]. Processes: [`command`] (clears
//! `RUST_BACKTRACE`), [`run_ok`]. Services: [`zk`], [`s3`], [`hdfs`], [`venv_python`],
//! [`python_peer`], [`tools_python`], [`java_topology_jar`], [`heron_api_classpath`]. Places:
//! [`repo_root`], [`scripts_dir`]. Scratch: [`TestDir`], [`unique_name`].

pub mod aurora_standin;
pub mod cluster;
pub mod files;
pub mod fresh_home;
pub mod heron_conf;
pub mod output;
pub mod prelude;
pub mod stand;
pub mod tmanager_standin;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What to run when a service variable is missing.
const HOW_TO_START: &str = "run the tests through `scripts/test.sh` (installs and starts every service), \
     or start them yourself with `scripts/install.sh && scripts/services.sh start && source .services/env`";

/// Reads a `HERON_TEST_*` variable; panics with a message saying which service is missing and how to start it.
fn service_var(name: &str, what: &str) -> String {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!("{name} is not set, so {what} is not available to this test: {HOW_TO_START}"),
    }
}

/// The repository root (the workspace folder holding `tests/`, `scripts/`, ...).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The target dir holding the built binaries: `HERON_TEST_BIN_DIR` if set, else the parent of the test
/// executable's `deps/` folder (e.g. `target/debug`).
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HERON_TEST_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe()
        .unwrap_or_else(|e| panic!("cannot locate the test executable: {e}"));
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// Path of a workspace binary (`heron`, `heron-uploader`, `heron-statemgr`, `heron-aurora-render`, `aurora`,
/// ...) in the target dir. Panics, naming `cargo build --workspace --bins`, when it has not been built:
/// `cargo test` builds only the binaries of the package under test.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "binary `{name}` not found at {}: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A [`Command`] for `program` with `RUST_BACKTRACE`/`RUST_LIB_BACKTRACE` removed, so error output is what
/// a user sees (no backtraces in snapshots or assertions).
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    cmd
}

/// [`command`] for a workspace binary found with [`bin`].
pub fn bin_command(name: &str) -> Command {
    command(bin(name))
}

/// Runs `cmd` and returns its output; panics with the command, exit status, stdout and stderr if it failed.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `host:port` of the standalone ZooKeeper 3.8 started for the tests (`HERON_TEST_ZK`).
/// Tests share it: use a unique root path per test (e.g. from [`unique_name`]).
pub fn zk() -> String {
    service_var("HERON_TEST_ZK", "ZooKeeper")
}

/// The S3 server (s3s-fs 0.14.1; it checks SigV4 signatures) started for the tests.
#[derive(Debug, Clone)]
pub struct S3Peer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    /// Its data folder: object `k` of bucket `b` is the plain file `dir/b/k`.
    pub dir: PathBuf,
}

/// The S3 peer (`HERON_TEST_S3`, `HERON_TEST_S3_ACCESS_KEY`, `HERON_TEST_S3_SECRET_KEY`, `HERON_TEST_S3_DIR`).
/// Tests share it: use a unique bucket or key prefix per test.
pub fn s3() -> S3Peer {
    S3Peer {
        endpoint: service_var("HERON_TEST_S3", "the S3 server (s3s-fs)"),
        access_key: service_var("HERON_TEST_S3_ACCESS_KEY", "the S3 server (s3s-fs)"),
        secret_key: service_var("HERON_TEST_S3_SECRET_KEY", "the S3 server (s3s-fs)"),
        dir: PathBuf::from(service_var("HERON_TEST_S3_DIR", "the S3 server (s3s-fs)")),
    }
}

/// The real HDFS (Hadoop 3.5.0 MiniDFSCluster: one NameNode, one DataNode) started for the tests.
#[derive(Debug, Clone)]
pub struct HdfsPeer {
    /// `hdfs://127.0.0.1:PORT`.
    pub url: String,
    /// Hadoop client config dir (`core-site.xml` with `fs.defaultFS`, `hdfs-site.xml`).
    pub conf_dir: PathBuf,
}

impl HdfsPeer {
    /// A [`Command`] running Hadoop's real `hadoop fs` (FsShell) against this HDFS, e.g.
    /// `hdfs().fs().args(["-ls", "/"])`. Each call starts a JVM (about a second).
    pub fn fs(&self) -> Command {
        let mut cmd = command(scripts_dir().join("hadoop"));
        cmd.arg("--config").arg(&self.conf_dir).arg("fs");
        cmd
    }
}

/// The HDFS peer (`HERON_TEST_HDFS`, `HERON_TEST_HDFS_CONF`). Tests share it: use a unique folder per test.
pub fn hdfs() -> HdfsPeer {
    HdfsPeer {
        url: service_var("HERON_TEST_HDFS", "HDFS (MiniDFSCluster)"),
        conf_dir: PathBuf::from(service_var("HERON_TEST_HDFS_CONF", "HDFS (MiniDFSCluster)")),
    }
}

/// The Python of the venv with heronpy 0.20.5, kazoo and pex (`HERON_TEST_VENV`).
pub fn venv_python() -> PathBuf {
    PathBuf::from(service_var("HERON_TEST_VENV", "the heronpy venv"))
        .join("bin")
        .join("python")
}

/// The python of the tools venv (`HERON_TEST_TOOLS_VENV`): pystachio 0.8.10, the library Aurora's config
/// loader is built on, for loading job files as Aurora's client would (`heron-aurora-render/tests/python/`).
pub fn tools_python() -> PathBuf {
    PathBuf::from(service_var(
        "HERON_TEST_TOOLS_VENV",
        "the tools venv (pystachio)",
    ))
    .join("bin")
    .join("python")
}

/// A [`command`] running one of the Python peers in `tests/python/` (`word_count.py`, `decode_state.py`,
/// `write_state.py`, `check_bytes.py`) with the heronpy venv.
pub fn python_peer(script: &str) -> Command {
    let path = repo_root().join("tests").join("python").join(script);
    assert!(path.is_file(), "no Python peer {}", path.display());
    let mut cmd = command(venv_python());
    cmd.arg(path);
    cmd
}

/// A topology's state in ZooKeeper ([`zk`]) under `root`, read by kazoo and decoded with heronpy's
/// own protos (`tests/python/decode_state.py`): node name → decoded entry, or null when missing.
pub fn heronpy_state(root: &str, name: &str) -> serde_json::Value {
    let out = run_ok(python_peer("decode_state.py").args([&zk(), root, name]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("decode_state.py did not print JSON: {e}"));
    doc["nodes"].clone()
}

/// The Heron Java topology jar (WordCount, heron-api included) built from `tests/java/topology`
/// (`HERON_TEST_JAVA_TOPOLOGY_JAR`). Main class: `heronrs.topology.WordCountTopology [name]`.
pub fn java_topology_jar() -> PathBuf {
    PathBuf::from(service_var(
        "HERON_TEST_JAVA_TOPOLOGY_JAR",
        "the Java topology jar",
    ))
}

/// A Java classpath (`:`-joined) with `org.apache.heron:heron-api` and its runtime dependencies
/// (`HERON_TEST_HERON_API_CLASSPATH`).
pub fn heron_api_classpath() -> String {
    service_var("HERON_TEST_HERON_API_CLASSPATH", "the heron-api classpath")
}

/// The repo's `scripts/` folder (`HERON_TEST_SCRIPTS`): `zk.sh`, `curator-lock.sh`, `hadoop`, ...
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(service_var("HERON_TEST_SCRIPTS", "the scripts folder"))
}

/// A name unique to this process and call, e.g. for a ZooKeeper root, a bucket or an HDFS folder:
/// `<prefix>-<pid>-<counter>-<nanos>` in lowercase (valid as an S3 bucket name for short prefixes).
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{n}-{nanos}",
        prefix.to_lowercase(),
        std::process::id()
    )
}

/// A scratch folder removed when dropped. Set `HERON_TEST_KEEP=1` to keep it (its path is printed).
#[derive(Debug)]
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("heron-test-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
        TestDir { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel` (creating parent folders) and returns the full path.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Default for TestDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::env::var_os("HERON_TEST_KEEP").is_some() {
            self.dir.disable_cleanup(true);
            eprintln!("HERON_TEST_KEEP: kept {}", self.dir.path().display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_clears_backtrace_variables() {
        let cmd = command("true");
        let removed: Vec<_> = cmd
            .get_envs()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.contains(&"RUST_BACKTRACE".to_string()),
            "{removed:?}"
        );
        assert!(
            removed.contains(&"RUST_LIB_BACKTRACE".to_string()),
            "{removed:?}"
        );
    }

    #[test]
    fn unique_names_differ() {
        assert_ne!(unique_name("T"), unique_name("T"));
        assert!(unique_name("Topo").starts_with("topo-"));
    }

    #[test]
    fn test_dir_writes_nested_files() {
        let dir = TestDir::new();
        let p = dir.write("a/b.txt", "x");
        assert_eq!(std::fs::read_to_string(p).unwrap(), "x");
    }

    #[test]
    fn missing_binary_names_the_build_command() {
        let err = std::panic::catch_unwind(|| bin("no-such-binary-here")).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("cargo build --workspace --bins"), "{msg}");
    }
}
