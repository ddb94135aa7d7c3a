//! The tmanager stand-in (tests/src/bin/tmanager-standin.rs) on a [`Stand`]'s local-disk state,
//! and the physical plan a real tmanager would have written for it to serve.
//!
//! Heron's tmanager runs inside the Aurora job; here nothing runs there, so a test writes the
//! physical plan itself and starts the stand-in, which serves activate, deactivate and runtime
//! config updates and writes `tmanagers/<name>` as the tmanager does.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Stdio};

use serde_json::{Value, json};

use crate::stand::Stand;
use crate::{bin, command};

/// A running tmanager stand-in; it is stopped (stdin closed, then killed) when dropped.
pub struct TManager {
    child: Option<Child>,
}

impl TManager {
    /// Starts the stand-in for topology `name` on the stand's local state, logging the requests it
    /// serves to `log` if given; returns once it listens.
    pub fn start(s: &Stand, name: &str, log: Option<&Path>) -> TManager {
        let mut cmd = command(bin("tmanager-standin"));
        cmd.arg("--statemgr-root").arg(&s.state_root).args([
            "--topology",
            name,
            "--exit-on-stdin-eof",
        ]);
        if let Some(log) = log {
            cmd.arg("--log").arg(log);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the tmanager stand-in");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the tmanager stand-in's first line");
        assert!(line.starts_with("LISTENING"), "{line}");
        TManager { child: Some(child) }
    }

    /// Closes its stdin and waits for it to exit on its own.
    pub fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

impl Drop for TManager {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(child.stdin.take());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Stand {
    /// A physical plan holding only the stored topology (no stream managers yet): enough for the
    /// tmanager stand-in to change its state.
    pub fn write_bare_pplan(&self, name: &str) {
        let topology = self.node("topology", name);
        let pplan = json!({"topology": topology, "stmgrs": [], "instances": []});
        self.set_node("pplan", name, &pplan, false);
    }

    /// The physical plan Heron's tmanager writes once every stream manager has joined: the stored
    /// topology, one `stmgr-N` per container of the packing plan, Heron's instance ids.
    pub fn write_pplan(&self, name: &str) -> Value {
        let topology = self.node("topology", name);
        let plan = self.node("packingplan", name);
        let mut stmgrs = Vec::new();
        let mut instances = Vec::new();
        for c in plan["container_plans"].as_array().expect("containers") {
            let id = c["id"].as_i64().expect("a container id");
            stmgrs.push(
                json!({"id": format!("stmgr-{id}"), "host_name": "127.0.0.1",
                "data_port": 41000 + id, "local_endpoint": "/unused", "pid": 5000 + id,
                "shell_port": 42000 + id}),
            );
            for i in c["instance_plans"].as_array().expect("instances") {
                let (comp, task) = (i["component_name"].as_str().expect("a name"), &i["task_id"]);
                instances.push(json!({"instance_id": format!("container_{id}_{comp}_{task}"),
                    "stmgr_id": format!("stmgr-{id}"),
                    "info": {"task_id": task, "component_index": i["component_index"], "component_name": comp}}));
            }
        }
        let pplan = json!({"topology": topology, "stmgrs": stmgrs, "instances": instances});
        self.set_node("pplan", name, &pplan, true);
        pplan
    }
}
