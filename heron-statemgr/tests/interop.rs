//! Byte compatibility with Heron's own readers and writers, through real peers:
//! - heronpy's protobuf classes over kazoo (what Heron's tracker and executor use) read our nodes;
//! - nodes written by kazoo + heronpy (as Heron's Python state manager writes them) read by ours;
//! - Apache Curator's `InterProcessSemaphoreMutex` (Heron's update lock) against our `lock`.
//!
//! Needs `HERON_TEST_ZK`, `HERON_TEST_VENV` and the Curator peer (scripts/install.sh).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, describe, python_script, samples, scripts_dir, venv_python};
use heron_statemgr::{NodeKind, StateManager, WriteMode};

fn library(env: &Env) -> Box<dyn StateManager> {
    env.zk_library(&[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heronpy_decodes_what_we_write_with_every_required_field() {
    let env = Env::zk("py-reads");
    let held = library(&env);
    for (kind, bytes) in samples("wc") {
        if kind.zk_ephemeral(false) {
            held.set(kind, "wc", &bytes, WriteMode::Heron)
                .await
                .unwrap();
        } else {
            env.ok(&["set", kind.dir(), "wc"], &bytes);
        }
    }
    let connect = env.connect.clone().unwrap();
    let out = Command::new(venv_python())
        .arg(python_script("zk_decode.py"))
        .args([&connect, &env.root, "wc"])
        .output()
        .unwrap();
    assert!(out.status.success(), "zk_decode.py: {}", describe(&out));
    let decoded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for kind in NodeKind::ALL {
        let node = &decoded[kind.dir()];
        assert!(node.is_object(), "{kind} not read by kazoo: {decoded}");
        assert!(node.get("error").is_none(), "{kind}: {node}");
        assert_eq!(
            node["missing_required"],
            serde_json::json!([]),
            "{kind}: {node}"
        );
        assert_eq!(
            node["ephemeral"],
            kind.zk_ephemeral(false),
            "{kind}: node mode"
        );
    }
    let fields = |dir: &str| decoded[dir]["fields"].clone();
    assert_eq!(fields("topologies")["name"], "wc");
    assert_eq!(fields("topologies")["state"], "RUNNING");
    assert_eq!(
        fields("topologies")["bolts"][0]["inputs"][0]["gtype"],
        "FIELDS"
    );
    assert_eq!(
        fields("executionstate")["release_state"]["release_version"],
        "0.20.5"
    );
    assert_eq!(fields("tmanagers")["controller_port"], 6002);
    assert_eq!(
        fields("packingplans")["container_plans"][0]["requiredResource"]["ram"],
        "1073741824"
    );
    held.close().await.unwrap();
}

#[test]
fn we_read_what_heron_python_tools_write() {
    let env = Env::zk("py-writes");
    let connect = env.connect.clone().unwrap();
    let mut writer = Command::new(venv_python())
        .arg(python_script("zk_write.py"))
        .args([&connect, &env.root, "pyt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    let written: serde_json::Value =
        serde_json::from_str(&lines.next().expect("written line").unwrap()).unwrap();
    assert_eq!(lines.next().expect("READY").unwrap(), "READY");
    let written = written.as_object().unwrap();
    assert_eq!(written.len(), 6);
    for (dir, hex) in written {
        let proto = env.ok(&["get", dir, "pyt", "--format", "proto"], b"");
        let ours: String = proto.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&ours, hex.as_str().unwrap(), "{dir}: same bytes");
        env.ok(&["get", dir, "pyt"], b"");
    }
    let topo: serde_json::Value =
        serde_json::from_slice(&env.ok(&["get", "topology", "pyt"], b"")).unwrap();
    assert_eq!(topo["spouts"][0]["comp"]["spec"], "PYTHON_CLASS_NAME");
    assert_eq!(
        topo["spouts"][0]["outputs"][0]["schema"]["keys"][0]["type"],
        "OBJECT"
    );
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(
        listing.trim(),
        "pyt  topologies packingplans pplans executionstate tmanagers schedulers"
    );
    // The tmanager node is the Python process's ephemeral: ours leaves it, as Heron does.
    let report = String::from_utf8(env.ok(&["clean", "pyt"], b"")).unwrap();
    assert!(report.starts_with("tmanagers            left"), "{report}");
    drop(writer.stdin.take());
    assert!(writer.wait().unwrap().success());
    let out = env.run(&["exists", "tmanager", "pyt"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the writer's session is closed: {}",
        describe(&out)
    );
}

fn curator(args: &[&str]) -> Command {
    let mut cmd = Command::new(scripts_dir().join("curator-lock.sh"));
    cmd.args(args);
    cmd
}

#[test]
fn our_lock_and_curators_semaphore_mutex_exclude_each_other() {
    let env = Env::zk("curator");
    let connect = env.connect.clone().unwrap();
    let path = format!("{}/locks/wc__updateTopology", env.root);

    // We hold: Curator cannot acquire.
    let mut ours = env.hold_lock("wc");
    let out = curator(&["try", &connect, &path, "1500"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "Curator must not get our lock: {}",
        describe(&out)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "BUSY");
    drop(ours.stdin.take());
    assert!(ours.wait().unwrap().success());
    // Released: Curator acquires.
    let out = curator(&["try", &connect, &path, "5000"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "Curator after our release: {}",
        describe(&out)
    );

    // Curator holds: we cannot acquire, until it lets go.
    let mut holder = curator(&["hold", &connect, &path, "60"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(holder.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().expect("ACQUIRED").unwrap(), "ACQUIRED");
    let started = Instant::now();
    let out = env.run(&["lock", "wc", "--timeout-ms", "1500"]);
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&path),
        "{}",
        describe(&out)
    );
    // While we wait, Curator releases: we get it.
    let mut waiting = env.cmd(&["lock", "wc", "--timeout-ms", "20000"]);
    waiting
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut waiting = waiting.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut holder_stdin = holder.stdin.take().unwrap();
    let _ = holder_stdin.write_all(b"");
    drop(holder_stdin);
    assert_eq!(lines.next().expect("RELEASED").unwrap(), "RELEASED");
    let mut line = String::new();
    BufReader::new(waiting.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "locked\n");
    assert!(holder.wait().unwrap().success());
    drop(waiting.stdin.take());
    assert!(waiting.wait().unwrap().success());
}
