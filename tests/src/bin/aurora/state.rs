//! The stand-in's "scheduler": a directory of JSON files.
//!
//! Layout of `$AURORA_STANDIN_STATE_DIR`:
//! - `jobs/<cluster>/<role>/<env>/<name>.json`: one [`JobRecord`] per live job;
//! - `calls.log`: one JSON line per invocation ([`CallRecord`]), appended before anything else;
//! - `fail-counts.json`: how many calls `AURORA_STANDIN_FAIL_COUNT` has failed so far, per verb;
//! - `.lock`: every read-modify-write holds an exclusive `flock` on it, so concurrent
//!   invocations (two submits at once) serialize; files are written to a temp file and renamed.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;
use crate::jobfile::JobKey;

/// The environment variable naming the state directory.
pub const STATE_DIR_VAR: &str = "AURORA_STANDIN_STATE_DIR";

/// Milliseconds to sleep before each job write, lock held (to test the lock itself).
pub const HOLD_LOCK_VAR: &str = "AURORA_STANDIN_HOLD_LOCK_MS";

/// One live job, as `aurora job status --write-json` prints it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    /// `cluster/role/env/name`.
    pub key: String,
    pub cluster: String,
    pub role: String,
    pub environment: String,
    pub name: String,
    pub service: bool,
    pub created_at_ms: u64,
    pub resources: Resources,
    /// Active instances, ascending by id.
    pub instances: Vec<Instance>,
    /// The `--bind` pairs given to `create`.
    pub bindings: BTreeMap<String, String>,
    pub job_file: JobFileCopy,
    /// Every change after create, oldest first.
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resources {
    pub cpu: f64,
    pub ram_bytes: u64,
    pub disk_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub id: u32,
    /// Always `RUNNING`: the stand-in has no executor.
    pub status: String,
    pub restarts: u32,
    pub started_at_ms: u64,
    /// For instances made by `aurora job add`: the instance they were cloned from.
    pub cloned_from: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobFileCopy {
    /// The path as given on the command line.
    pub path: String,
    /// The file's text at create time.
    pub content: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: u64,
    /// `restart`, `add` or `kill`.
    pub action: String,
    pub instances: Vec<u32>,
}

/// One line of `calls.log`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallRecord {
    pub ts_ms: u64,
    pub pid: u32,
    pub cwd: String,
    /// The arguments after the program name, exactly as received.
    pub args: Vec<String>,
}

pub use crate::files::now_ms;

/// The state directory, with its lock held for as long as this value lives.
pub struct State {
    dir: PathBuf,
    hold_ms: u64,
    _lock: File,
}

impl State {
    /// Creates the directory if needed and takes the exclusive lock (blocking).
    pub fn lock(dir: &Path) -> Result<State> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the state directory {}", dir.display()))?;
        let lock_path = dir.join(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        lock.lock()
            .with_context(|| format!("cannot lock {}", lock_path.display()))?;
        // Test knob for the stand-in's own tests: widen the window between reading and writing a
        // job, so a missing lock would show up as a race.
        let hold_ms = match std::env::var_os(HOLD_LOCK_VAR) {
            None => 0,
            Some(ms) => ms
                .to_str()
                .and_then(|m| m.trim().parse().ok())
                .with_context(|| {
                    format!(
                        "{HOLD_LOCK_VAR}={}: expected milliseconds",
                        ms.to_string_lossy()
                    )
                })?,
        };
        Ok(State {
            dir: dir.to_path_buf(),
            hold_ms,
            _lock: lock,
        })
    }

    pub fn job_path(&self, key: &JobKey) -> PathBuf {
        self.dir
            .join("jobs")
            .join(&key.cluster)
            .join(&key.role)
            .join(&key.env)
            .join(format!("{}.json", key.name))
    }

    pub fn read_job(&self, key: &JobKey) -> Result<Option<JobRecord>> {
        let path = self.job_path(key);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let job = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a job record of the stand-in", path.display()))?;
        Ok(Some(job))
    }

    pub fn write_job(&self, key: &JobKey, job: &JobRecord) -> Result<()> {
        if self.hold_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.hold_ms));
        }
        let path = self.job_path(key);
        let text = serde_json::to_string_pretty(job).context("cannot serialize the job record")?;
        write_atomic(&path, text.as_bytes())
    }

    pub fn delete_job(&self, key: &JobKey) -> Result<()> {
        let path = self.job_path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }

    /// Every live job, sorted by key.
    pub fn all_jobs(&self) -> Result<Vec<JobRecord>> {
        let mut out = Vec::new();
        let root = self.dir.join("jobs");
        collect_json(&root, &mut out)?;
        out.sort_by(|a: &JobRecord, b| a.key.cmp(&b.key));
        Ok(out)
    }

    pub fn append_call(&self, record: &CallRecord) -> Result<()> {
        let path = self.dir.join("calls.log");
        let mut line = serde_json::to_string(record).context("cannot serialize the call record")?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.write_all(line.as_bytes())
            .with_context(|| format!("cannot append to {}", path.display()))
    }

    /// Counts one more call of `verb` against its `AURORA_STANDIN_FAIL_COUNT` budget; returns
    /// how many calls had been counted before this one.
    pub fn bump_fail_count(&self, verb: &str) -> Result<u32> {
        let path = self.dir.join("fail-counts.json");
        let mut counts: BTreeMap<String, u32> = match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON object of counts", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let entry = counts.entry(verb.to_string()).or_insert(0);
        let before = *entry;
        *entry = entry.saturating_add(1);
        let text = serde_json::to_string_pretty(&counts).context("cannot serialize counts")?;
        write_atomic(&path, text.as_bytes())?;
        Ok(before)
    }
}

fn collect_json(dir: &Path, out: &mut Vec<JobRecord>) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot stat {}", path.display()))?;
        if kind.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            out.push(serde_json::from_str(&text).with_context(|| {
                format!("{} is not a job record of the stand-in", path.display())
            })?);
        }
    }
    Ok(())
}
