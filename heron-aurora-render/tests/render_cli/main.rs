//! End-to-end tests of the `heron-aurora-render` binary: rendered jobs are snapshotted (insta),
//! parsed as Python (rustpython-parser), checked with `--check`, and loaded with pystachio and our
//! re-statement of Aurora's schema (tests/python), the way Aurora's client and executor load them.
//! This file holds what the tests share: running the binary, the bindings `heron submit` passes,
//! Aurora's loader, and the snapshots; each module checks one side of the binary.
//!
//! Cluster templates come from the repo's Heron-shaped fixture (`tests/fixtures/heron-conf/aurora`);
//! the `interop_*` tests (ignored unless `scripts/test.sh` finds `HERON_STOCK_CONF`) run the same
//! checks on Heron's unedited stock `heron.aurora` and conf folder.

mod bindings;
mod errors;
mod hostile;
mod jobs;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_heron-aurora-render");

#[path = "../../../tests/src/heron_conf.rs"]
mod heron_conf;

const VALUES: &str = r#"# What `heron submit` binds for a 3-container WordCount on the devcluster.
CLUSTER: devcluster
ROLE: www-data
ENVIRON: devel
TOPOLOGY_NAME: WordCountTopology
NUM_CONTAINERS: 3
CPUS_PER_CONTAINER: 3.0
RAM_PER_CONTAINER: 4294967296
DISK_PER_CONTAINER: 13958643712
TIER: preemptible
EXECUTOR_BINARY: ./heron-core/bin/heron-executor
CORE_PACKAGE_URI: https://dist.example.com/heron/0.20.5/heron-core.tar.gz
TOPOLOGY_PACKAGE_URI: file:///vagrant/.herondata/repository/topologies/devcluster/www-data/WordCountTopology/topology.tar.gz
TOPOLOGY_ARGUMENTS: >-
  --topology-name=WordCountTopology --topology-id=WordCountTopologyf86b5947-b5ca-4307-85d4-f6715a432159
  --topology-defn-file=WordCountTopology.defn --state-manager-connection=127.0.0.1:2181
  --state-manager-root=/heron --state-manager-config-file=./heron-conf/statemgr.yaml
  --tmanager-binary=./heron-core/bin/heron-tmanager --stmgr-binary=./heron-core/bin/heron-stmgr
  --metrics-manager-classpath=./heron-core/lib/metricsmgr/* --instance-jvm-opts="LVhYOk1heE1ldGFzcGFjZVNpemU9MTI4TQ(61)(61)"
  --classpath=heron-api-examples.jar --heron-internals-config-file=./heron-conf/heron_internals.yaml
  --override-config-file=./heron-conf/override.yaml --component-ram-map=count_bolt:1073741824,word_spout:1073741824
  --component-jvm-opts="" --pkg-type=jar --topology-binary-file=heron-api-examples.jar
  --heron-java-home=/usr/lib/jvm/java-1.8.0-openjdk-amd64/ --heron-shell-binary=./heron-core/bin/heron-shell
  --cluster=devcluster --role=www-data --environment=devel
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("RUST_BACKTRACE")
        .env("HOME", std::env::temp_dir());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        use std::io::Write as _;
        // The binary may exit before reading stdin (a bad argument): a broken pipe is not an error.
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "cannot write stdin: {e}"
            );
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary exits");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn render_ok(args: &[&str], stdin: Option<&str>) -> String {
    let r = run(args, stdin);
    assert_eq!(r.code, 0, "render failed: {}", r.stderr);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    r.stdout
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("test file written");
    path.display().to_string()
}

/// The venv python with pystachio: $HERON_TEST_TOOLS_VENV, else the one setup-venv.sh makes.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(venv) = std::env::var_os("HERON_TEST_TOOLS_VENV") {
            let python = PathBuf::from(venv).join("bin/python");
            assert!(
                python.is_file(),
                "HERON_TEST_TOOLS_VENV has no bin/python: {}",
                python.display()
            );
            return python;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/setup-venv.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "cannot create the pystachio venv with {} (needs python3 and PyPI): {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        PathBuf::from(path)
    })
}

/// Loads a job file with pystachio and our Aurora schema; returns the job as JSON, or the error.
fn aurora_load(job: &str, job_key: Option<&str>) -> Result<Value, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "job.aurora", job);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/load_job.py");
    let mut cmd = Command::new(python());
    cmd.arg(&script).arg(&path);
    if let Some(key) = job_key {
        cmd.args(["--job-key", key]);
    }
    let out = cmd.output().expect("python runs");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the loader prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn assert_python(job: &str) {
    if let Err(e) = rustpython_parser::parse(job, rustpython_parser::Mode::Module, "job.aurora") {
        panic!("not valid Python: {e}\n{job}");
    }
}

fn cmdline<'a>(job: &'a Value, process: &str) -> &'a str {
    job["task"]["processes"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == process))
        .and_then(|p| p["cmdline"].as_str())
        .unwrap_or_else(|| panic!("no process {process} in {job:#}"))
}

const KEY: &str = "devcluster/www-data/devel/WordCountTopology";

/// What both templates must produce: Heron's job, as Aurora would run instance 0 of it.
fn assert_heron_job(job: &Value) {
    assert_eq!(job["job_key"], KEY);
    assert_eq!(job["instances"], 3);
    assert_eq!(job["service"], true);
    assert_eq!(job["resources"]["cpu"], 3.0);
    assert_eq!(job["resources"]["ram_bytes"], 4294967296u64);
    assert_eq!(job["resources"]["disk_bytes"], 13958643712u64);
    assert_eq!(job["task"]["name"], "setup_and_run");
    let order = &job["task"]["constraints"][0]["order"];
    assert_eq!(
        order,
        &serde_json::json!([
            "fetch_heron_system",
            "fetch_user_package",
            "launch_heron_executor",
            "discover_profiler_port"
        ])
    );
    assert_eq!(
        job["ports"],
        serde_json::json!([
            "ckptmgr_port",
            "http",
            "metricscachemgr_serverport",
            "metricscachemgr_statsport",
            "port1",
            "port2",
            "port3",
            "port4",
            "scheduler",
            "yourkit"
        ])
    );
    let exec = cmdline(job, "launch_heron_executor");
    assert!(
        exec.starts_with("./heron-core/bin/heron-executor --shard=0 --server-port=310"),
        "{exec}"
    );
    for flag in [
        "--shell-port=31001",
        "--checkpoint-manager-port=31000",
        "--topology-name=WordCountTopology",
        "--instance-jvm-opts=\"LVhYOk1heE1ldGFzcGFjZVNpemU9MTI4TQ(61)(61)\"",
    ] {
        assert!(exec.contains(flag), "{flag} missing in {exec}");
    }
    assert_eq!(
        cmdline(job, "discover_profiler_port"),
        "echo 31009 > yourkit.port"
    );
    assert_eq!(job["announce"]["primary_port"], "http");
    assert_eq!(
        job["announce"]["portmap"],
        serde_json::json!({"admin": "http", "health": "http"})
    );
    let hc = &job["health_check_config"];
    assert_eq!(hc["health_checker"]["http"]["endpoint"], "/health");
    assert_eq!(hc["health_checker"]["http"]["expected_response"], "ok");
    assert_eq!(hc["health_checker"]["http"]["expected_response_code"], 200);
    assert_eq!(
        (
            hc["initial_interval_secs"].as_f64(),
            hc["interval_secs"].as_f64()
        ),
        (Some(30.0), Some(10.0))
    );
    assert_eq!(
        (
            hc["max_consecutive_failures"].as_i64(),
            hc["timeout_secs"].as_f64()
        ),
        (Some(2), Some(5.0))
    );
}

/// `VALUES` written to `values.yaml` in `dir`; returns its path.
fn values_file(dir: &Path) -> String {
    write(dir, "values.yaml", VALUES)
}

/// `VALUES` as one JSON document, with `changes` replacing (or adding) bindings.
fn values_json_with(changes: &[(&str, Value)]) -> String {
    let mut doc: serde_json::Map<String, Value> = serde_saphyr::from_str(VALUES).expect("yaml");
    for (name, value) in changes {
        doc.insert(name.to_string(), value.clone());
    }
    serde_json::to_string(&doc).expect("json")
}

/// `VALUES` without the lines of the bindings named (each line that starts with one of them).
fn values_without(names: &[&str]) -> String {
    VALUES
        .lines()
        .filter(|l| !names.iter().any(|n| l.starts_with(n)))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Compares `text` with `tests/snapshots/render_cli__<name>.snap`. The assertions stand here, in
/// the test target's root module, so that the snapshots keep their names and folder.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `snapshot` for a JSON value (`render_cli__<name>.snap`).
fn json_snapshot(name: &str, value: &Value) {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_json_snapshot!(name, value);
    });
}
