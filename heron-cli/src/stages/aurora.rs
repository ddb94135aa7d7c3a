//! Heron's `aurora` command lines (heron-aurora.md §2.3).

use std::path::Path;
use std::time::Duration;

use heron_common::config::Config;

use crate::stages::{Runner, Stage, StageError};

/// Heron's batch size for killall/restart/kill ("no batching").
pub const BATCH_SIZE: &str = "2147483647";

/// What a killall found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Killed {
    /// The job was running and is now killed.
    Killed,
    /// Aurora said there was no such job (Heron issue #1669).
    NoJob,
}

/// The Aurora client for one job.
#[derive(Debug)]
pub struct Aurora<'a> {
    runner: &'a Runner,
    job_key: String,
}

fn with_verbose(mut args: Vec<String>, verbose: bool) -> Vec<String> {
    if verbose {
        args.push("--verbose".to_string());
    }
    args
}

impl<'a> Aurora<'a> {
    /// The client for `cluster/role/env/name`.
    pub fn new(runner: &'a Runner, job_key: String) -> Aurora<'a> {
        Aurora { runner, job_key }
    }

    /// `aurora job create --wait-until RUNNING <key> <jobfile> [--verbose]`.
    pub fn create(&self, job_file: &Path) -> Result<(), StageError> {
        let args = vec![
            "job".into(),
            "create".into(),
            "--wait-until".into(),
            "RUNNING".into(),
            self.job_key.clone(),
            job_file.display().to_string(),
        ];
        self.runner.run(
            Stage::Aurora,
            "aurora job create",
            &with_verbose(args, self.runner.verbose),
            None,
        )?;
        Ok(())
    }

    /// `aurora job killall <key> [--verbose] --batch-size 2147483647`, retried like Heron
    /// (`heron.scheduler.job.max.kill.attempts`, `heron.scheduler.job.kill.retry.interval.ms`).
    pub fn killall(&self, config: &Config) -> Result<Killed, StageError> {
        let attempts = config
            .get_u64("heron.scheduler.job.max.kill.attempts")
            .ok()
            .flatten()
            .unwrap_or(5)
            .max(1);
        let interval = config
            .get_u64("heron.scheduler.job.kill.retry.interval.ms")
            .ok()
            .flatten()
            .unwrap_or(2000);
        let mut args = with_verbose(
            vec!["job".into(), "killall".into(), self.job_key.clone()],
            self.runner.verbose,
        );
        args.extend(["--batch-size".to_string(), BATCH_SIZE.to_string()]);
        let mut last = None;
        for attempt in 1..=attempts {
            match self
                .runner
                .run(Stage::Aurora, "aurora job killall", &args, None)
            {
                Ok(out) => {
                    let text = format!("{}\n{}", out.stderr, String::from_utf8_lossy(&out.stdout));
                    return Ok(if no_job(&text) {
                        Killed::NoJob
                    } else {
                        Killed::Killed
                    });
                }
                Err(e) if no_job(&e.message) => return Ok(Killed::NoJob),
                Err(e) if e.code == heron_common::ExitCode::Interrupted => return Err(e),
                // A usage error or a refused request fails the same way every time.
                Err(e) if !retryable(&e) => return Err(e),
                Err(e) => {
                    if attempt < attempts {
                        eprintln!(
                            "warning: aurora job killall failed (attempt {attempt} of {attempts}): {}; retrying in {interval} ms",
                            e.message
                        );
                        std::thread::sleep(Duration::from_millis(interval));
                    }
                    last = Some(e);
                }
            }
        }
        Err(last
            .map(|mut e| {
                e.message = format!("{} (after {attempts} attempts)", e.message);
                e
            })
            .unwrap_or_else(|| StageError {
                step: "aurora job killall".into(),
                program: "aurora".into(),
                code: heron_common::ExitCode::Failed,
                status: None,
                message: "no attempt made".into(),
            }))
    }

    /// `aurora job restart <key>[/<id>] [--verbose] --batch-size 2147483647`.
    pub fn restart(&self, container: Option<u32>) -> Result<(), StageError> {
        let key = match container {
            Some(id) => format!("{}/{id}", self.job_key),
            None => self.job_key.clone(),
        };
        let mut args = with_verbose(
            vec!["job".into(), "restart".into(), key],
            self.runner.verbose,
        );
        args.extend(["--batch-size".to_string(), BATCH_SIZE.to_string()]);
        self.runner
            .run(Stage::Aurora, "aurora job restart", &args, None)?;
        Ok(())
    }

    /// `aurora job add --wait-until RUNNING <key>/0 <count> --verbose`; returns the new ids.
    pub fn add(&self, count: usize) -> Result<Vec<u32>, StageError> {
        let args = vec![
            "job".into(),
            "add".into(),
            "--wait-until".into(),
            "RUNNING".into(),
            format!("{}/0", self.job_key),
            count.to_string(),
            "--verbose".into(),
        ];
        let out = self
            .runner
            .run(Stage::Aurora, "aurora job add", &args, None)?;
        let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), out.stderr);
        let ids = parse_instance_ids(&text).ok_or_else(|| StageError {
            step: "aurora job add".into(),
            program: "aurora".into(),
            code: heron_common::ExitCode::Failed,
            status: Some(0),
            message: "its output has no `Querying instance statuses: [...]` line, so the new instance ids are unknown"
                .into(),
        })?;
        if ids.len() != count {
            return Err(StageError {
                step: "aurora job add".into(),
                program: "aurora".into(),
                code: heron_common::ExitCode::Failed,
                status: Some(0),
                message: format!(
                    "asked for {count} instances, Aurora reported {} ({ids:?})",
                    ids.len()
                ),
            });
        }
        Ok(ids)
    }

    /// The ids of the job's active instances: `aurora job status <key> --write-json`.
    pub fn instances(&self) -> Result<std::collections::BTreeSet<u32>, StageError> {
        Ok(instance_ids(&self.status_json()?))
    }

    /// `aurora job status <key> --write-json`, parsed: Aurora's array of `{"job", "active",
    /// "inactive"}`, or `{"jobspec", "error"}` when there is no such job (also exit 0).
    pub fn status_json(&self) -> Result<serde_json::Value, StageError> {
        let args = vec![
            "job".into(),
            "status".into(),
            self.job_key.clone(),
            "--write-json".into(),
        ];
        let out = self
            .runner
            .start(Stage::Aurora, "aurora job status", &args, None)?
            .finish()?;
        if out.status != 0 {
            return Err(StageError {
                step: "aurora job status".into(),
                program: "aurora".into(),
                code: client_exit_code(out.status),
                status: Some(out.status),
                message: crate::stages::error_line(&out.stderr, &out.stdout),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|e| StageError {
            step: "aurora job status".into(),
            program: "aurora".into(),
            code: heron_common::ExitCode::Failed,
            status: Some(0),
            message: format!("its --write-json output does not parse: {e}"),
        })
    }

    /// `aurora job kill <key>/<id,id> [--verbose] --batch-size 2147483647`.
    pub fn kill_instances(&self, ids: &[u32]) -> Result<(), StageError> {
        let list: Vec<String> = ids.iter().map(u32::to_string).collect();
        let mut args = with_verbose(
            vec![
                "job".into(),
                "kill".into(),
                format!("{}/{}", self.job_key, list.join(",")),
            ],
            self.runner.verbose,
        );
        args.extend(["--batch-size".to_string(), BATCH_SIZE.to_string()]);
        self.runner
            .run(Stage::Aurora, "aurora job kill", &args, None)?;
        Ok(())
    }
}

/// Aurora client exit statuses that another try cannot change (`apache.aurora.client.cli`'s
/// `EXIT_*`, releases 0.10 to 0.22): 2 usage (argparse), 3 invalid configuration, 5 invalid
/// command, 6 invalid parameter, 30 auth error. Others (1, 4 command failure, 7 network, 9
/// timeout, 10 API/scheduler error, 20 unknown, 130 interrupted, a signal) may pass on a later
/// try. Aurora defines no 8.
const FINAL_STATUSES: &[i32] = &[2, 3, 5, 6, 30];

/// Whether a failed `aurora` call is worth another try.
fn retryable(e: &StageError) -> bool {
    match e.status {
        Some(status) => !FINAL_STATUSES.contains(&status),
        // Killed by a signal or timed out: may pass. Not started at all (no client): will not.
        None => {
            e.code != heron_common::ExitCode::NotFound && e.code != heron_common::ExitCode::Denied
        }
    }
}

/// Active instance ids in `aurora job status --write-json` output: job objects with `active`
/// tasks carrying `assignedTask.instanceId` (Aurora's `render_tasks_json`).
pub fn instance_ids(doc: &serde_json::Value) -> std::collections::BTreeSet<u32> {
    let mut ids = std::collections::BTreeSet::new();
    let jobs: Vec<&serde_json::Value> = match doc {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for job in jobs {
        for task in job["active"].as_array().into_iter().flatten() {
            if let Some(id) = task["assignedTask"]["instanceId"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
            {
                ids.insert(id);
            }
        }
    }
    ids
}

/// Our exit code for an Aurora client exit status (apache/aurora client/cli/__init__.py):
/// 7 network error and 9 timeout are 5 (unavailable), 30 auth error is 6 (denied), 130 is
/// interrupted, anything else is 1.
pub fn client_exit_code(status: i32) -> heron_common::ExitCode {
    use heron_common::ExitCode;
    match status {
        7 | 9 => ExitCode::Unavailable,
        30 => ExitCode::Denied,
        130 => ExitCode::Interrupted,
        _ => ExitCode::Failed,
    }
}

/// True when Aurora's text says the job does not exist.
pub fn no_job(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("no tasks to kill found")
        || lower.contains("no jobs found")
        || lower.contains("job does not exist")
}

/// `(level, message)` of a line Aurora's client logged, or `None` for any other line. Its root
/// handler formats with twitter.common's `PlainFormatter`: `DEBUG`, ` INFO`, ` WARN`, `ERROR` or
/// `FATAL`, then `] ` and the message; give the line trimmed (` INFO] x` as `INFO] x`).
pub fn log_line(line: &str) -> Option<(&str, &str)> {
    ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
        .into_iter()
        .find_map(|level| {
            let message = line.strip_prefix(level)?.strip_prefix("] ")?;
            Some((level, message.trim()))
        })
}

/// The ids of `Querying instance statuses: [1, 2, 3]` in Aurora's verbose output.
pub fn parse_instance_ids(text: &str) -> Option<Vec<u32>> {
    const MARK: &str = "Querying instance statuses: [";
    let start = text.find(MARK)? + MARK.len();
    let end = text[start..].find(']')? + start;
    let inner = text[start..end].trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|s| s.trim().parse::<u32>().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids_from_aurora_output() {
        assert_eq!(
            parse_instance_ids("INFO x\nQuerying instance statuses: [3, 4, 5]\nok"),
            Some(vec![3, 4, 5])
        );
        assert_eq!(
            parse_instance_ids("Querying instance statuses: [7]"),
            Some(vec![7])
        );
        assert_eq!(parse_instance_ids("nothing here"), None);
        assert_eq!(
            parse_instance_ids("Querying instance statuses: [a, 2]"),
            None
        );
    }

    #[test]
    fn instance_ids_from_auroras_status_json() {
        let aurora = serde_json::json!([{"job": "x", "active": [
            {"assignedTask": {"instanceId": 0}}, {"assignedTask": {"instanceId": 3}}],
            "inactive": [{"assignedTask": {"instanceId": 1}}]}]);
        assert_eq!(
            instance_ids(&aurora).into_iter().collect::<Vec<_>>(),
            vec![0, 3]
        );
        assert!(instance_ids(&serde_json::json!({"error": "No matching jobs found"})).is_empty());
        assert_eq!(client_exit_code(7), heron_common::ExitCode::Unavailable);
        assert_eq!(client_exit_code(30), heron_common::ExitCode::Denied);
        assert_eq!(client_exit_code(10), heron_common::ExitCode::Failed);
    }

    #[test]
    fn only_failures_that_can_pass_are_retried() {
        let err = |status: Option<i32>, code: heron_common::ExitCode| StageError {
            step: "aurora job killall".into(),
            program: "aurora".into(),
            code,
            status,
            message: "x".into(),
        };
        let failed = heron_common::ExitCode::Failed;
        for s in [2, 3, 5, 6, 30] {
            assert!(!retryable(&err(Some(s), failed)), "exit {s} is final");
        }
        for s in [1, 4, 7, 8, 9, 10, 20, 130] {
            assert!(retryable(&err(Some(s), failed)), "exit {s} may pass");
        }
        assert!(retryable(&err(None, heron_common::ExitCode::Unavailable)));
        assert!(!retryable(&err(None, heron_common::ExitCode::NotFound)));
    }

    #[test]
    fn missing_job_is_recognised() {
        assert!(no_job("No tasks to kill found for job dc/r/e/wc"));
        assert!(!no_job("Job killall succeeded"));
    }

    #[test]
    fn error_line_skips_auroras_log_lines_for_the_cause() {
        // What Aurora's client prints when `job create` fails its status check (jobs.py), with
        // --verbose: the cause, then the command's closing log line.
        let create = "DEBUG] Command=(['job', 'create', 'dc/r/e/wc', '/tmp/wc.aurora', '--verbose'])\n \
             INFO] Creating job wc\n \
             INFO] Checking status of dc/r/e/wc\n\
             Error occurred while creating job dc/r/e/wc\n \
             INFO] Command terminated with error code 4\n";
        assert_eq!(
            crate::stages::error_line(create, b""),
            "Error occurred while creating job dc/r/e/wc"
        );
        // A scheduler refusal: the message on its own tab-indented line, no closing line.
        let refused = " INFO] Creating job wc\nJob creation failed due to error:\n\tJob r/e/wc already exists\n";
        assert_eq!(
            crate::stages::error_line(refused, b""),
            "Job r/e/wc already exists"
        );
        assert_eq!(
            crate::stages::error_line("DEBUG] x\nERROR] Command interrupted by user\n", b""),
            "Command interrupted by user"
        );
        // Only log lines: the last one is still better than nothing.
        assert_eq!(
            crate::stages::error_line(" INFO] Command terminated with error code 7\n", b""),
            "Command terminated with error code 7"
        );
    }
}
