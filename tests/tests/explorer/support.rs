//! Helpers of the `heron explorer` end-to-end tests (e2e_explorer.rs, e2e_explorer_status.rs):
//! running the explorer, reading and writing state nodes through `heron-statemgr`, a physical
//! plan and tmanager location written as Heron's tmanager writes them, the Aurora stand-in.
//! Included with `#[path]` beside e2e_support.rs (in a folder, so cargo does not build it alone).
#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use heron_tests::{bin, command};
use serde_json::{Value, json};

use super::support::*;

pub fn explorer(s: &Stand, args: &[&str]) -> Command {
    s.heron("explorer", args)
}

pub fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", describe(out)))
}

/// `heron explorer ... --format json`, asserting its exit code.
pub fn explore_json(s: &Stand, args: &[&str], want: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run(explorer(s, &all));
    assert_eq!(code(&out), want, "{}", describe(&out));
    json_of(&out)
}

pub fn submit(s: &Stand, name: &str) {
    let file = s.yaml_topology(name);
    let out = run(s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
}

pub fn node(s: &Stand, kind: &str, name: &str) -> Value {
    let out = run(s.statemgr(&["get", kind, name, "--format", "json"]));
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn set_node(s: &Stand, kind: &str, name: &str, doc: &Value) {
    let mut set = s.statemgr(&["set", kind, name, "--input-format", "json", "--replace"]);
    set.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = set.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
}

/// The physical plan Heron's tmanager writes once every stream manager has joined: the stored
/// topology, one `stmgr-N` per container of the packing plan, Heron's instance ids.
pub fn write_pplan(s: &Stand, name: &str) -> Value {
    let topology = node(s, "topology", name);
    let plan = node(s, "packingplan", name);
    let mut stmgrs = Vec::new();
    let mut instances = Vec::new();
    for c in plan["container_plans"].as_array().unwrap() {
        let id = c["id"].as_i64().unwrap();
        stmgrs.push(
            json!({"id": format!("stmgr-{id}"), "host_name": "127.0.0.1",
            "data_port": 41000 + id, "local_endpoint": "/unused", "pid": 5000 + id,
            "shell_port": 42000 + id}),
        );
        for i in c["instance_plans"].as_array().unwrap() {
            let (comp, task) = (i["component_name"].as_str().unwrap(), &i["task_id"]);
            instances.push(json!({"instance_id": format!("container_{id}_{comp}_{task}"),
                "stmgr_id": format!("stmgr-{id}"),
                "info": {"task_id": task, "component_index": i["component_index"], "component_name": comp}}));
        }
    }
    let pplan = json!({"topology": topology, "stmgrs": stmgrs, "instances": instances});
    set_node(s, "pplan", name, &pplan);
    pplan
}

/// The tmanager stand-in on the topology's local state: it writes `tmanagers/<name>` as the
/// tmanager does and serves until its stdin closes.
pub fn start_tmanager(s: &Stand, name: &str) -> std::process::Child {
    let mut tm = command(bin("tmanager-standin"))
        .arg("--statemgr-root")
        .arg(&s.state_root)
        .args(["--topology", name, "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead as _;
    let mut line = String::new();
    std::io::BufReader::new(tm.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("LISTENING"), "{line}");
    tm
}

pub fn stop(mut child: std::process::Child) {
    drop(child.stdin.take());
    let _ = child.wait();
}

pub fn aurora_standin(s: &Stand, args: &[&str]) -> std::process::Output {
    run(command(bin("aurora"))
        .env("AURORA_STANDIN_STATE_DIR", &s.aurora_state)
        .args(args))
}

pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report}"))
}

/// Runs `checks` with the tmanager stand-in alive, then stops it (also when a check fails).
pub fn stop_after(tm: std::process::Child, checks: impl FnOnce()) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(checks));
    stop(tm);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
