//! Tests of `tmanager-standin` (tests/src/bin/tmanager-standin.rs): the tmanager controller
//! endpoints heron calls, their status codes (as in Heron's tcontroller.cpp), the request log,
//! `--fail`, and the physical-plan rewrite in a local-filesystem state root.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use heron_common::proto::{api, system, tmanager};
use prost::Message as _;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_tmanager-standin");

struct Standin {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Standin {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn tmanager-standin");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the LISTENING line");
    let port = line
        .strip_prefix("LISTENING ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("expected `LISTENING <port>`, got {line:?}"));
    Standin { child, stdin, port }
}

struct Response {
    status: u16,
    reason: String,
    body: String,
}

fn get(port: u16, target: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read the reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status_line = head.lines().next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"));
    let status = parts.next().unwrap().parse().unwrap();
    let reason = parts.next().unwrap_or("").to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("Content-Length")
        .parse()
        .unwrap();
    assert_eq!(length, body.len(), "Content-Length matches the body");
    Response {
        status,
        reason,
        body: body.to_string(),
    }
}

fn log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("log lines are JSON"))
        .collect()
}

fn component(name: &str) -> api::Component {
    api::Component {
        name: name.to_string(),
        config: api::Config { kvs: vec![] },
        ..Default::default()
    }
}

fn pplan(id: &str, state: api::TopologyState) -> system::PhysicalPlan {
    system::PhysicalPlan {
        topology: api::Topology {
            id: id.to_string(),
            name: "wc".to_string(),
            spouts: vec![api::Spout {
                comp: component("word"),
                outputs: vec![],
            }],
            bolts: vec![api::Bolt {
                comp: component("count"),
                inputs: vec![],
                outputs: vec![],
            }],
            state: state as i32,
            topology_config: Some(api::Config {
                kvs: vec![api::config::KeyValue {
                    key: "topology.stmgrs".into(),
                    value: Some("2".into()),
                    ..Default::default()
                }],
            }),
        },
        ..Default::default()
    }
}

fn read_pplan(root: &Path) -> system::PhysicalPlan {
    let bytes = std::fs::read(root.join("pplans/wc")).expect("pplans/wc");
    system::PhysicalPlan::decode(bytes.as_slice()).expect("a PhysicalPlan")
}

fn state_of(root: &Path) -> api::TopologyState {
    api::TopologyState::try_from(read_pplan(root).topology.state).unwrap()
}

#[test]
fn activate_and_deactivate_follow_the_topology_state() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tm.log");
    let s = start(&["--topology-id", "wc-1", "--log", log.to_str().unwrap()]);

    let r = get(s.port, "/deactivate?topologyid=wc-1");
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "Topology successfully deactivated")
    );
    // Already paused: the real tmanager answers 400 with no message.
    let r = get(s.port, "/deactivate?topologyid=wc-1");
    assert_eq!((r.status, r.body.as_str()), (400, ""));
    let r = get(s.port, "/activate?topologyid=wc-1");
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "Topology successfully activated")
    );
    let r = get(s.port, "/activate?topologyid=wc-1");
    assert_eq!(r.status, 400);

    let lines = log_lines(&log);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["method"], "GET");
    assert_eq!(lines[0]["path"], "/deactivate");
    assert_eq!(
        lines[0]["query"],
        serde_json::json!([["topologyid", "wc-1"]])
    );
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[1]["status"], 400);
    assert_eq!(lines[2]["path"], "/activate");
}

#[test]
fn initial_state_paused_allows_activate_first() {
    let s = start(&["--topology-id", "wc-1", "--initial-state", "PAUSED"]);
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-1").status, 400);
    assert_eq!(get(s.port, "/activate?topologyid=wc-1").status, 200);
}

#[test]
fn wrong_or_missing_topology_id_and_unknown_paths_are_rejected() {
    let s = start(&["--topology-id", "wc-1"]);
    let r = get(s.port, "/deactivate?topologyid=wc-2");
    assert_eq!(r.status, 400);
    assert_eq!(r.reason, "Topology id does not match");
    assert_eq!(r.body, "Topology id does not match");
    let r = get(s.port, "/deactivate");
    assert_eq!(r.status, 400);
    assert_eq!(r.body, "Missing 'topologyid' argument in the request");
    let r = get(s.port, "/deactivate?topologyid=");
    assert_eq!(r.status, 400);
    let r = get(s.port, "/kill?topologyid=wc-1");
    assert_eq!(r.status, 404);
    // None of these changed the state: deactivate still works.
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-1").status, 200);
}

#[test]
fn percent_encoded_ids_are_decoded() {
    let s = start(&["--topology-id", "wc 1/x"]);
    assert_eq!(get(s.port, "/deactivate?topologyid=wc%201%2Fx").status, 200);
}

#[test]
fn fail_mode_answers_500_to_valid_requests() {
    let s = start(&["--topology-id", "wc-1", "--fail"]);
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-1").status, 500);
    assert_eq!(
        get(
            s.port,
            "/runtime_config/update?topologyid=wc-1&runtime-config=a:1"
        )
        .status,
        500
    );
    // Validation still comes first.
    assert_eq!(get(s.port, "/deactivate?topologyid=other").status, 400);
}

#[test]
fn runtime_config_requests_are_parsed_like_the_tmanager() {
    let s = start(&["--topology-id", "wc-1"]);
    let r = get(s.port, "/runtime_config/update?topologyid=wc-1");
    assert_eq!(r.status, 400);
    assert!(
        r.body.starts_with("No runtime config is found."),
        "{}",
        r.body
    );
    let r = get(
        s.port,
        "/runtime_config/update?topologyid=wc-1&runtime-config=a:b:c:d",
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.starts_with("Failed to parse runtime configs."),
        "{}",
        r.body
    );
    let r = get(
        s.port,
        "/runtime_config/update?topologyid=wc-1&runtime-config=count:rate:10&runtime-config=topology.x:1",
    );
    assert_eq!((r.status, r.body.as_str()), (200, "Runtime config updated"));
}

#[test]
fn localfs_state_is_rewritten_like_the_tmanager_does() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("pplans")).unwrap();
    std::fs::write(
        root.join("pplans/wc"),
        pplan("wc-77", api::TopologyState::Running).encode_to_vec(),
    )
    .unwrap();
    // No --topology-id: it comes from the physical plan.
    let s = start(&[
        "--statemgr-root",
        root.to_str().unwrap(),
        "--topology",
        "wc",
    ]);

    let location = tmanager::TManagerLocation::decode(
        std::fs::read(root.join("tmanagers/wc")).unwrap().as_slice(),
    )
    .unwrap();
    assert_eq!(location.topology_name, "wc");
    assert_eq!(location.topology_id, "wc-77");
    assert_eq!(location.host, "127.0.0.1");
    assert_eq!(location.controller_port, i32::from(s.port));

    assert_eq!(get(s.port, "/deactivate?topologyid=wc-77").status, 200);
    assert_eq!(state_of(root), api::TopologyState::Paused);
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-77").status, 400);
    assert_eq!(get(s.port, "/activate?topologyid=wc-77").status, 200);
    assert_eq!(state_of(root), api::TopologyState::Running);

    // A state change made by someone else (e.g. a test) is seen by the next request.
    std::fs::write(
        root.join("pplans/wc"),
        pplan("wc-77", api::TopologyState::Paused).encode_to_vec(),
    )
    .unwrap();
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-77").status, 400);

    let r = get(
        s.port,
        "/runtime_config/update?topologyid=wc-77&runtime-config=count:rate:10&runtime-config=batch:5",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let t = read_pplan(root).topology;
    let count = &t.bolts[0].comp.config.kvs;
    assert_eq!(count.len(), 1);
    assert_eq!(count[0].key, "rate:runtime");
    assert_eq!(count[0].value.as_deref(), Some("10"));
    assert!(t.spouts[0].comp.config.kvs.is_empty());
    let topo = &t.topology_config.as_ref().unwrap().kvs;
    assert!(
        topo.iter()
            .any(|kv| kv.key == "batch:runtime" && kv.value.as_deref() == Some("5"))
    );
    // Updating again replaces the value instead of adding an entry.
    get(
        s.port,
        "/runtime_config/update?topologyid=wc-77&runtime-config=count:rate:20",
    );
    let count = read_pplan(root).topology.bolts[0].comp.config.kvs.clone();
    assert_eq!(count.len(), 1);
    assert_eq!(count[0].value.as_deref(), Some("20"));

    let r = get(
        s.port,
        "/runtime_config/update?topologyid=wc-77&runtime-config=nosuch:rate:1",
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "Failed to validate runtime configs")
    );
}

#[test]
fn localfs_without_a_physical_plan_is_not_initialized() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("topologies")).unwrap();
    let topology = pplan("wc-9", api::TopologyState::Running).topology;
    std::fs::write(root.join("topologies/wc"), topology.encode_to_vec()).unwrap();
    let s = start(&[
        "--statemgr-root",
        root.to_str().unwrap(),
        "--topology",
        "wc",
    ]);
    let r = get(s.port, "/deactivate?topologyid=wc-9");
    assert_eq!(r.status, 500);
    assert_eq!(
        r.body,
        "Tmanager still not initialized (physical plan is not available)"
    );
    assert_eq!(get(s.port, "/deactivate?topologyid=wc-1").status, 400);
}

#[test]
fn startup_errors_are_reported() {
    let out = Command::new(BIN).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--topology-id is required"));

    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "--statemgr-root",
            dir.path().to_str().unwrap(),
            "--topology",
            "wc",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no physical plan or topology for wc"), "{err}");

    let out = Command::new(BIN)
        .args(["--topology", "wc"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--topology needs --statemgr-root"
    );

    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("TEST STAND-IN"));
}

#[test]
fn closing_stdin_stops_it() {
    let mut s = start(&["--topology-id", "wc-1"]);
    drop(s.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "it should exit once stdin is closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
