//! The `aurora` test stand-in (tests/src/bin/aurora.rs, docs/aurora-standin.md), seen from a test:
//! the variables it reads, its fault knobs as a type, and a state folder of a test's own with
//! helpers to run it and read its records (jobs, `calls.log`).
//!
//! The stand-in is not Aurora: it records jobs and runs nothing. Aurora itself cannot run here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::{TestDir, bin_command};

/// The variable naming the stand-in's state folder.
pub const STATE_VAR: &str = "AURORA_STANDIN_STATE_DIR";

/// Every variable the stand-in reads (`AURORA_STANDIN_KILLALL_MISSING` only to refuse it). Tests
/// remove them from the inherited environment, so a caller's settings cannot leak into a test.
pub const VARS: [&str; 11] = [
    STATE_VAR,
    "AURORA_STANDIN_FAIL",
    "AURORA_STANDIN_FAIL_AFTER",
    "AURORA_STANDIN_FAIL_AFTER_CREATE",
    "AURORA_STANDIN_FAIL_COUNT",
    "AURORA_STANDIN_FAIL_EXIT",
    "AURORA_STANDIN_HANG",
    "AURORA_STANDIN_HANG_AFTER",
    "AURORA_STANDIN_DELAY_MS",
    "AURORA_STANDIN_KILLALL_MISSING",
    "AURORA_STANDIN_HOLD_LOCK_MS",
];

/// One fault the stand-in injects (docs/aurora-standin.md). `verb` is `create`, `killall`, `add`,
/// `kill`, `restart`, `status`, `list`, ...
#[derive(Debug, Clone, Copy)]
pub enum Fault<'a> {
    /// The verb fails at once, changing nothing.
    Fail(&'a str),
    /// The verb does its work, then fails.
    FailAfter(&'a str),
    /// The first `n` calls of the verb fail, later ones run.
    FailCount(&'a str, u32),
    /// The exit status of injected failures (default 1).
    FailExit(i32),
    /// The verb sleeps until killed, before doing anything.
    Hang(&'a str),
    /// The verb does its work, then sleeps until killed.
    HangAfter(&'a str),
    /// The verb sleeps this many milliseconds before its work.
    DelayMs(&'a str, u64),
}

impl Fault<'_> {
    /// The variable and value that ask the stand-in for this fault.
    pub fn var(&self) -> (&'static str, String) {
        match *self {
            Fault::Fail(verb) => ("AURORA_STANDIN_FAIL", verb.to_string()),
            Fault::FailAfter(verb) => ("AURORA_STANDIN_FAIL_AFTER", verb.to_string()),
            Fault::FailCount(verb, n) => ("AURORA_STANDIN_FAIL_COUNT", format!("{verb}:{n}")),
            Fault::FailExit(code) => ("AURORA_STANDIN_FAIL_EXIT", code.to_string()),
            Fault::Hang(verb) => ("AURORA_STANDIN_HANG", verb.to_string()),
            Fault::HangAfter(verb) => ("AURORA_STANDIN_HANG_AFTER", verb.to_string()),
            Fault::DelayMs(verb, ms) => ("AURORA_STANDIN_DELAY_MS", format!("{verb}:{ms}")),
        }
    }
}

/// Asking a command (`heron`, or the stand-in itself) for stand-in faults.
pub trait WithFaults {
    /// Sets the variables of `faults` on the command.
    fn faults(&mut self, faults: &[Fault]) -> &mut Self;
}

impl WithFaults for Command {
    fn faults(&mut self, faults: &[Fault]) -> &mut Self {
        for fault in faults {
            let (var, value) = fault.var();
            self.env(var, value);
        }
        self
    }
}

/// What one stand-in call did.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Ran {
    fn from(out: Output) -> Ran {
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The `aurora` command lines recorded in a stand-in state folder's `calls.log`, oldest first:
/// (pid, argv).
pub fn calls_in(state: &Path) -> Vec<(u64, Vec<String>)> {
    let Ok(text) = std::fs::read_to_string(state.join("calls.log")) else {
        return Vec::new();
    };
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("calls.log lines are JSON");
            let args = v["args"]
                .as_array()
                .expect("a calls.log line has args")
                .iter()
                .map(|a| a.as_str().expect("args are strings").to_string())
                .collect();
            (v["pid"].as_u64().unwrap_or(0), args)
        })
        .collect()
}

/// The stand-in's record of job `key` (`cluster/role/env/name`) in a state folder, if it runs.
pub fn job_in(state: &Path, key: &str) -> Option<Value> {
    let bytes = std::fs::read(state.join("jobs").join(format!("{key}.json"))).ok()?;
    Some(serde_json::from_slice(&bytes).expect("a job record is JSON"))
}

/// The stand-in with a state folder of one test's, and a folder for its job files.
#[derive(Debug)]
pub struct Standin {
    dir: TestDir,
}

impl Default for Standin {
    fn default() -> Self {
        Self::new()
    }
}

impl Standin {
    pub fn new() -> Standin {
        let dir = TestDir::new();
        for sub in ["state", "files"] {
            std::fs::create_dir_all(dir.join(sub))
                .unwrap_or_else(|e| panic!("cannot create {sub}: {e}"));
        }
        Standin { dir }
    }

    /// The state folder (`AURORA_STANDIN_STATE_DIR`).
    pub fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// `aurora <args>` on this state, stdin closed, every other stand-in variable removed, `env`
    /// set.
    pub fn command<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> Command {
        let mut cmd = bin_command("aurora");
        for var in VARS {
            cmd.env_remove(var);
        }
        cmd.env(STATE_VAR, self.state())
            .envs(env.iter().copied())
            .args(args.iter().map(AsRef::as_ref))
            .stdin(Stdio::null());
        cmd
    }

    pub fn run_env<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> Ran {
        self.command(args, env)
            .output()
            .expect("run the aurora stand-in")
            .into()
    }

    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Ran {
        self.run_env(args, &[])
    }

    /// The path of job file `name` (written or not).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join("files").join(name)
    }

    /// Writes a job file; returns its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.write(Path::new("files").join(name), text);
        path.to_string_lossy().into_owned()
    }

    /// The stored record of `key`.
    pub fn job(&self, key: &str) -> Option<Value> {
        job_in(&self.state(), key)
    }

    /// The instance ids of job `key`, which must exist.
    pub fn instance_ids(&self, key: &str) -> Vec<u64> {
        let job = self.job(key).expect("job exists");
        job["instances"]
            .as_array()
            .expect("a job has instances")
            .iter()
            .map(|i| i["id"].as_u64().expect("an instance id"))
            .collect()
    }

    /// `aurora job status KEY --write-json`, as Aurora's client prints it.
    pub fn status_json(&self, key: &str) -> Value {
        let r = self.run(&["job", "status", key, "--write-json"]);
        assert_eq!(r.code, 0, "status --write-json: {}", r.stderr);
        serde_json::from_str(&r.stdout).expect("status prints JSON")
    }

    /// Every command line received, as argument lists.
    pub fn calls(&self) -> Vec<Vec<String>> {
        calls_in(&self.state())
            .into_iter()
            .map(|(_, args)| args)
            .collect()
    }
}
