//! [`Stand`]: one e2e test's cluster. A test folder holding a Heron-format cluster conf (the
//! repo's aurora fixture, see [`crate::cluster`]), the folders of the local state manager and
//! uploader when those are used, and the state folder of the `aurora` stand-in that `heron` is
//! pointed at (`HERON_AURORA_BIN`; Aurora cannot run here, see docs/aurora-standin.md).
//!
//! ```no_run
//! use heron_tests::prelude::*;
//!
//! let s = Stand::builder()
//!     .state(State::zookeeper(&heron_tests::zk(), "/my-test"))
//!     .fault(Fault::HangAfter("create"))
//!     .build();
//! let name = unique_name("wc");
//! s.submit_yaml(&name);
//! s.kill(&name);
//! s.assert_nothing_left(&name, "after kill");
//! ```
//!
//! Layout: this file (building a stand, the commands it runs), [`look`] (reading what a command
//! left behind: state nodes, packages, the Aurora job, the stand-in's calls).

mod look;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::aurora_standin::{self, Fault};
use crate::cluster::{CLUSTER, ClusterConf, ENV, ROLE, State, Uploader, spec};
use crate::output::{code, describe, run};
use crate::{TestDir, bin, bin_command};

/// Stage overrides `heron` reads; removed from the inherited environment of every `heron` run.
pub const STAGE_VARS: [&str; 4] = [
    "HERON_UPLOADER_BIN",
    "HERON_STATEMGR_BIN",
    "HERON_AURORA_RENDER_BIN",
    "HERON_AURORA_BIN",
];

/// One test's cluster: conf folder, local state/package folders, aurora stand-in state.
pub struct Stand {
    pub dir: TestDir,
    /// The `--config-path` folder; the cluster is `conf/devcluster`.
    pub conf: PathBuf,
    /// The aurora stand-in's state folder.
    pub aurora_state: PathBuf,
    /// The local state manager's root (used when the state is on local disk).
    pub state_root: PathBuf,
    /// The local uploader's folder (used when packages go to local disk).
    pub pkgs: PathBuf,
    /// Variables set on every `heron` this stand runs (after the stand-in's are cleared).
    pub extra_env: Vec<(String, String)>,
}

/// How a [`Stand`] is made: [`Stand::builder`], then what differs from the local default.
#[must_use]
pub struct StandBuilder {
    state: Option<State>,
    uploader: Option<Uploader>,
    env: Vec<(String, String)>,
}

impl StandBuilder {
    /// Where the state is (default: local disk in the test folder).
    pub fn state(mut self, state: State) -> Self {
        self.state = Some(state);
        self
    }

    /// Where packages go (default: local disk in the test folder).
    pub fn uploader(mut self, uploader: Uploader) -> Self {
        self.uploader = Some(uploader);
        self
    }

    /// A stand-in fault on every `heron` run of the stand.
    pub fn fault(self, fault: Fault) -> Self {
        let (var, value) = fault.var();
        self.env(var, &value)
    }

    /// A variable set on every `heron` run of the stand.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn build(self) -> Stand {
        let mut stand = Stand::empty();
        let state = self.state.unwrap_or_else(|| State::LocalFs {
            root: stand.state_root.clone(),
        });
        let uploader = self.uploader.unwrap_or_else(|| Uploader::LocalFs {
            dir: stand.pkgs.clone(),
        });
        ClusterConf::new(state, uploader).write(&stand.conf);
        stand.extra_env = self.env;
        stand
    }
}

impl Stand {
    /// A stand to describe: local-disk state and packages unless told otherwise.
    pub fn builder() -> StandBuilder {
        StandBuilder {
            state: None,
            uploader: None,
            env: Vec::new(),
        }
    }

    /// The aurora fixture with the localfs uploader and state manager in the test folder.
    pub fn local() -> Stand {
        Stand::builder().build()
    }

    /// A stand whose `devcluster` folder is a symlink to `folder`, used as it is (e.g. Heron's
    /// unedited stock folder): nothing in it is rewritten.
    pub fn linked(folder: &Path) -> Stand {
        let stand = Stand::empty();
        std::fs::create_dir_all(&stand.conf).expect("create conf/");
        std::os::unix::fs::symlink(folder, stand.conf.join(CLUSTER)).expect("link the cluster");
        stand
    }

    /// A fresh test folder with its `conf/`, state, package and stand-in folders named (and the
    /// stand-in's created), but no cluster folder yet.
    fn empty() -> Stand {
        let dir = TestDir::new();
        let stand = Stand {
            aurora_state: dir.join("aurora-state"),
            state_root: dir.join("state"),
            pkgs: dir.join("pkgs"),
            conf: dir.join("conf"),
            dir,
            extra_env: Vec::new(),
        };
        std::fs::create_dir_all(&stand.aurora_state).expect("create the stand-in's state folder");
        stand
    }

    /// Replaces one file of the cluster's conf folder.
    pub fn write_conf(&self, file: &str, text: &str) {
        let path = self.conf.join(CLUSTER).join(file);
        std::fs::write(&path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    /// Sets a variable on every later `heron` run of the stand.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_string(), value.to_string()));
    }

    /// `heron <sub> --config-path <conf> <args...>` with the aurora stand-in.
    pub fn heron(&self, sub: &str, args: &[&str]) -> Command {
        let mut c = bin_command("heron");
        c.arg(sub).arg("--config-path").arg(&self.conf).args(args);
        for var in STAGE_VARS.iter().chain(&aurora_standin::VARS) {
            c.env_remove(var);
        }
        c.env("HERON_AURORA_BIN", bin("aurora"))
            .env(aurora_standin::STATE_VAR, &self.aurora_state);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// `heron submit <spec> <file> - <extra...>`: a YAML topology file (class `-`).
    pub fn submit_file(&self, file: &Path, extra: &[&str]) -> Command {
        let file = file.to_str().expect("a UTF-8 path");
        let sp = spec();
        let mut args = vec![sp.as_str(), file, "-"];
        args.extend(extra);
        self.heron("submit", &args)
    }

    /// Writes the YAML topology `name` ([`Stand::yaml_topology`]) and submits it; asserts exit 0.
    /// Returns the topology file.
    pub fn submit_yaml(&self, name: &str) -> PathBuf {
        let file = self.yaml_topology(name);
        let out = run(self.submit_file(&file, &[]));
        assert_eq!(code(&out), 0, "submit {name}: {}", describe(&out));
        file
    }

    /// `heron <sub> <spec> <topology> <args...>`: activate, deactivate, kill, restart, update.
    pub fn manage(&self, sub: &str, name: &str, args: &[&str]) -> Command {
        let sp = spec();
        let mut all = vec![sp.as_str(), name];
        all.extend(args);
        self.heron(sub, &all)
    }

    /// `heron kill <spec> <name>`; asserts exit 0.
    pub fn kill(&self, name: &str) -> Output {
        let out = run(self.manage("kill", name, &[]));
        assert_eq!(code(&out), 0, "kill {name}: {}", describe(&out));
        out
    }

    /// `heron submit --dry-run --format json` of a topology file: the document it prints
    /// (asserts exit 0).
    pub fn dry_run_json(&self, file: &Path) -> serde_json::Value {
        let out = run(self.heron(
            "submit",
            &[
                "--dry-run",
                "--format",
                "json",
                &spec(),
                file.to_str().expect("a UTF-8 path"),
                "-",
            ],
        ));
        assert_eq!(code(&out), 0, "{}", describe(&out));
        serde_json::from_slice(&out.stdout).expect("the dry run prints JSON")
    }

    /// `heron-statemgr` with this cluster's common arguments.
    pub fn statemgr(&self, args: &[&str]) -> Command {
        let mut c = bin_command("heron-statemgr");
        c.arg("--config-path")
            .arg(&self.conf)
            .args(["--cluster", CLUSTER, "--role", ROLE, "--environ", ENV])
            .args(args);
        c
    }

    /// The aurora stand-in run directly on this stand's state (what an operator's `aurora` does).
    pub fn aurora(&self, args: &[&str]) -> Output {
        let mut c = bin_command("aurora");
        for var in aurora_standin::VARS {
            c.env_remove(var);
        }
        run(c
            .env(aurora_standin::STATE_VAR, &self.aurora_state)
            .args(args))
    }

    /// A YAML topology file named `name` with 2 spouts, 2 bolts on 2 stream managers.
    pub fn yaml_topology(&self, name: &str) -> PathBuf {
        self.dir.write(
            format!("{name}.yaml"),
            format!(
                "name: {name}\nconfig:\n  topology.stmgrs: 2\nspouts:\n  - name: word\n    class: com.example.WordSpout\n    parallelism: 2\n\
                 bolts:\n  - name: count\n    class: com.example.CountBolt\n    parallelism: 2\n\
                 streams:\n  - from: word\n    to: count\n    grouping: FIELDS\n    fields: [word]\n"
            ),
        )
    }

    /// A program standing in for a stage: a shell script in the test folder.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.write(name, format!("#!/bin/sh\n{body}\n"));
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("cannot make {} executable: {e}", p.display()));
        p
    }
}
