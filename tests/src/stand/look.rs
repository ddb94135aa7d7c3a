//! Reading what `heron` left behind on a [`Stand`]: the state nodes (through `heron-statemgr`
//! or, for local-disk state, the folders), the packages of the local uploader, the Aurora job
//! and the `aurora` command lines the stand-in received.

use std::path::PathBuf;

use serde_json::Value;

use super::Stand;
use crate::aurora_standin;
use crate::cluster::{CLUSTER, ENV, ROLE};
use crate::output::{describe, run, run_with_stdin};

impl Stand {
    /// The stand-in's record of a job, if it runs.
    pub fn job(&self, name: &str) -> Option<Value> {
        aurora_standin::job_in(
            &self.aurora_state,
            &format!("{CLUSTER}/{ROLE}/{ENV}/{name}"),
        )
    }

    /// The instance ids of the Aurora job `name`, which must run.
    pub fn job_instances(&self, name: &str) -> Vec<u64> {
        self.job(name).expect("an Aurora job")["instances"]
            .as_array()
            .expect("a job has instances")
            .iter()
            .map(|i| i["id"].as_u64().expect("an instance id"))
            .collect()
    }

    /// Every `aurora` command line the stand-in received: (pid, argv).
    pub fn aurora_calls(&self) -> Vec<(u64, Vec<String>)> {
        aurora_standin::calls_in(&self.aurora_state)
    }

    /// The `aurora job <verb>` command lines the stand-in received, as argument lists.
    pub fn aurora_calls_of(&self, verb: &str) -> Vec<Vec<String>> {
        self.aurora_calls()
            .into_iter()
            .map(|(_, args)| args)
            .filter(|args| args.get(1).map(String::as_str) == Some(verb))
            .collect()
    }

    /// Local state nodes of a topology that exist (folders of the local state root holding it,
    /// and `locks` while its update lock is held).
    pub fn state_nodes(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(dirs) = std::fs::read_dir(&self.state_root) else {
            return out;
        };
        for d in dirs {
            let d = d.expect("list the state root");
            if d.path().join(name).exists() {
                out.push(d.file_name().to_string_lossy().into_owned());
            }
        }
        // Update locks are named `<topology>__updateTopology`.
        if self
            .state_root
            .join("locks")
            .join(format!("{name}__updateTopology"))
            .exists()
        {
            out.push("locks".into());
        }
        out.sort();
        out
    }

    /// Whether the update lock of a topology is held (local-disk state).
    pub fn holds_update_lock(&self, name: &str) -> bool {
        self.state_nodes(name).contains(&"locks".to_string())
    }

    /// Package files of a topology in the localfs uploader's folder.
    pub fn packages(&self, name: &str) -> Vec<PathBuf> {
        let dir = self.pkgs.join(CLUSTER).join(ROLE).join(name);
        match std::fs::read_dir(&dir) {
            Ok(d) => d
                .map(|e| e.expect("list the package folder").path())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The topology's `.tar.gz` package in the localfs uploader's folder, which must be there.
    pub fn package(&self, name: &str) -> PathBuf {
        self.packages(name)
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .unwrap_or_else(|| panic!("no package of {name}"))
    }

    /// What is left of a topology, empty when nothing: state nodes, packages, the Aurora job.
    pub fn leftovers(&self, name: &str) -> Vec<String> {
        let mut left: Vec<String> = self
            .state_nodes(name)
            .into_iter()
            .map(|n| format!("state {n}"))
            .collect();
        left.extend(
            self.packages(name)
                .into_iter()
                .map(|p| format!("package {}", p.display())),
        );
        if self.job(name).is_some() {
            left.push("aurora job".to_string());
        }
        left
    }

    /// Asserts nothing of a topology is left: no state node, no package, no Aurora job.
    pub fn assert_nothing_left(&self, name: &str, context: &str) {
        assert_eq!(
            self.leftovers(name),
            Vec::<String>::new(),
            "{context}: left behind"
        );
    }

    /// `heron-statemgr get <kind> <name> --format json`: the node as JSON (asserts it is there).
    pub fn node(&self, kind: &str, name: &str) -> Value {
        let out = run(self.statemgr(&["get", kind, name, "--format", "json"]));
        assert!(
            out.status.success(),
            "get {kind} {name}: {}",
            describe(&out)
        );
        serde_json::from_slice(&out.stdout).expect("heron-statemgr get prints JSON")
    }

    /// `heron-statemgr get <kind> <name> --format proto`: the node's bytes (asserts it is there).
    pub fn node_bytes(&self, kind: &str, name: &str) -> Vec<u8> {
        let out = run(self.statemgr(&["get", kind, name, "--format", "proto"]));
        assert!(
            out.status.success(),
            "get {kind} {name}: {}",
            describe(&out)
        );
        out.stdout
    }

    /// `heron-statemgr set <kind> <name> --input-format json [--replace]` of `doc` (asserts exit 0).
    pub fn set_node(&self, kind: &str, name: &str, doc: &Value, replace: bool) {
        let mut args = vec!["set", kind, name, "--input-format", "json"];
        if replace {
            args.push("--replace");
        }
        let out = run_with_stdin(self.statemgr(&args), doc.to_string().as_bytes());
        assert!(
            out.status.success(),
            "set {kind} {name}: {}",
            describe(&out)
        );
    }

    /// The container ids of the stored packing plan, sorted.
    pub fn plan_containers(&self, name: &str) -> Vec<i64> {
        let plan = self.node("packingplan", name);
        let mut ids: Vec<i64> = plan["container_plans"]
            .as_array()
            .expect("a packing plan has containers")
            .iter()
            .map(|c| c["id"].as_i64().expect("a container id"))
            .collect();
        ids.sort();
        ids
    }

    /// The topology state in the physical plan (`RUNNING`, `PAUSED`), `?` when it has none.
    pub fn pplan_state(&self, name: &str) -> String {
        let out = run(self.statemgr(&["get", "pplan", name, "--format", "json"]));
        let v: Value = serde_json::from_slice(&out.stdout).expect("heron-statemgr get prints JSON");
        v["topology"]["state"].as_str().unwrap_or("?").to_string()
    }
}
