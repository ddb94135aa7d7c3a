//! Shared setup of the `heron` end-to-end tests (`e2e_*.rs`): a cluster conf folder made from
//! the repo's Heron-format aurora fixture (tests/fixtures/heron-conf/aurora), the aurora stand-in on `HERON_AURORA_BIN` with a state folder of its
//! own, and helpers to look at what a submit left behind. Included with `#[path]`; compiled alone
//! it holds no tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heron_tests::{TestDir, bin, bin_command, heron_conf};

pub const CLUSTER: &str = "devcluster";
pub const ROLE: &str = "ads";
pub const ENV: &str = "devel";

/// `devcluster/ads/devel`.
pub fn spec() -> String {
    format!("{CLUSTER}/{ROLE}/{ENV}")
}

/// One test's cluster: conf folder, local state/package folders, aurora stand-in state.
pub struct Stand {
    pub dir: TestDir,
    pub conf: PathBuf,
    pub aurora_state: PathBuf,
    pub state_root: PathBuf,
    pub pkgs: PathBuf,
    pub extra_env: Vec<(String, String)>,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

impl Stand {
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
        std::fs::create_dir_all(&stand.aurora_state).unwrap();
        stand
    }

    /// A stand whose `devcluster` folder is a symlink to `folder`, used as it is (e.g. Heron's
    /// unedited stock folder): nothing in it is rewritten.
    pub fn linked(folder: &Path) -> Stand {
        let stand = Stand::empty();
        std::fs::create_dir_all(&stand.conf).unwrap();
        std::os::unix::fs::symlink(folder, stand.conf.join(CLUSTER)).unwrap();
        stand
    }

    /// The Heron-format aurora fixture with the localfs uploader and state manager in the test folder.
    pub fn local() -> Stand {
        let stand = Stand::empty();
        copy_dir(&heron_conf::fixture("aurora"), &stand.conf.join(CLUSTER));
        stand.write_conf(
            "uploader.yaml",
            &format!(
                "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader\n\
                 heron.uploader.localfs.file.system.directory: {}/${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}\n",
                stand.pkgs.display()
            ),
        );
        stand.write_conf(
            "statemgr.yaml",
            &format!(
                "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
                 heron.statemgr.connection.string: LOCALMODE\n\
                 heron.statemgr.root.path: {}\n\
                 heron.statemgr.localfs.is.initialize.file.tree: True\n",
                stand.state_root.display()
            ),
        );
        stand
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
                file.to_str().unwrap(),
                "-",
            ],
        ));
        assert_eq!(code(&out), 0, "{}", describe(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Replaces one file of the cluster's conf folder.
    pub fn write_conf(&self, file: &str, text: &str) {
        std::fs::write(self.conf.join(CLUSTER).join(file), text).unwrap();
    }

    /// `heron <sub> --config-path <conf> <args...>` with the aurora stand-in.
    pub fn heron(&self, sub: &str, args: &[&str]) -> Command {
        let mut c = bin_command("heron");
        c.arg(sub).arg("--config-path").arg(&self.conf).args(args);
        for v in [
            "HERON_UPLOADER_BIN",
            "HERON_STATEMGR_BIN",
            "HERON_AURORA_RENDER_BIN",
            "AURORA_STANDIN_FAIL",
            "AURORA_STANDIN_FAIL_AFTER",
            "AURORA_STANDIN_FAIL_AFTER_CREATE",
            "AURORA_STANDIN_FAIL_COUNT",
            "AURORA_STANDIN_HANG",
            "AURORA_STANDIN_HANG_AFTER",
            "AURORA_STANDIN_DELAY_MS",
            "AURORA_STANDIN_KILLALL_MISSING",
        ] {
            c.env_remove(v);
        }
        c.env("HERON_AURORA_BIN", bin("aurora"))
            .env("AURORA_STANDIN_STATE_DIR", &self.aurora_state);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// `heron-statemgr` with this cluster's common arguments.
    pub fn statemgr(&self, args: &[&str]) -> Command {
        let mut c = bin_command("heron-statemgr");
        c.args(["--config-path"])
            .arg(&self.conf)
            .args(["--cluster", CLUSTER, "--role", ROLE, "--environ", ENV])
            .args(args);
        c
    }

    /// The stand-in's record of a job, if it runs.
    pub fn job(&self, name: &str) -> Option<serde_json::Value> {
        let p = self
            .aurora_state
            .join(format!("jobs/{CLUSTER}/{ROLE}/{ENV}/{name}.json"));
        std::fs::read(&p)
            .ok()
            .map(|b| serde_json::from_slice(&b).unwrap())
    }

    /// Every `aurora` command line the stand-in received, as argument lists.
    pub fn aurora_calls(&self) -> Vec<(u64, Vec<String>)> {
        let Ok(text) = std::fs::read_to_string(self.aurora_state.join("calls.log")) else {
            return Vec::new();
        };
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let args = v["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect();
                (v["pid"].as_u64().unwrap_or(0), args)
            })
            .collect()
    }

    /// Local state nodes of a topology that exist.
    pub fn state_nodes(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(dirs) = std::fs::read_dir(&self.state_root) else {
            return out;
        };
        for d in dirs {
            let d = d.unwrap();
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

    /// Package files of a topology in the localfs uploader's folder.
    pub fn packages(&self, name: &str) -> Vec<PathBuf> {
        let dir = self.pkgs.join(CLUSTER).join(ROLE).join(name);
        match std::fs::read_dir(&dir) {
            Ok(d) => d.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Asserts nothing of a topology is left: no state node, no package, no Aurora job.
    pub fn assert_nothing_left(&self, name: &str, context: &str) {
        assert_eq!(
            self.state_nodes(name),
            Vec::<String>::new(),
            "{context}: state left behind"
        );
        assert_eq!(
            self.packages(name),
            Vec::<PathBuf>::new(),
            "{context}: package left behind"
        );
        assert!(
            self.job(name).is_none(),
            "{context}: Aurora job left behind"
        );
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
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Output, with both streams in a failure message.
pub fn describe(out: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

pub fn run(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
