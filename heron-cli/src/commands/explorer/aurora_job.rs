//! The Aurora job's instances, from `aurora job status <key> --write-json` (Aurora's
//! `render_tasks_json`: `[{"job", "active": [ScheduledTask], "inactive": [ScheduledTask]}]`, or
//! `{"jobspec", "error": "No matching jobs found"}` with exit 0 when there is no job).
//!
//! Aurora keeps finished tasks for a while, so a killed job can still answer with inactive tasks
//! only: the job counts as present only while it has active tasks.

use std::collections::BTreeMap;

use serde::Serialize;

/// Aurora's `ACTIVE_STATES` that are not `RUNNING`: the instance is on its way up or down.
const TRANSITIONAL: &[&str] = &[
    "INIT",
    "THROTTLED",
    "PENDING",
    "ASSIGNED",
    "STARTING",
    "RESTARTING",
    "DRAINING",
    "PREEMPTING",
    "KILLING",
    "PARTITIONED",
];

/// One instance as Aurora reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceState {
    /// The instance id (0 runs the tmanager, N runs container N).
    pub id: u32,
    /// Aurora's `ScheduleStatus` name (`RUNNING`, `PENDING`, `KILLED`, ...).
    pub status: String,
    /// Whether the task is active (`active` in Aurora's answer).
    pub active: bool,
    /// The agent host, when assigned.
    pub host: Option<String>,
    /// Aurora's failure count of the task.
    pub failure_count: Option<u64>,
}

impl InstanceState {
    /// `RUNNING`.
    pub fn running(&self) -> bool {
        self.active && self.status == "RUNNING"
    }

    /// Active but not running yet (or any more).
    pub fn transitional(&self) -> bool {
        self.active && TRANSITIONAL.contains(&self.status.as_str())
    }
}

/// What Aurora said about the job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobStatus {
    /// Per instance id: its active task, else its most recent inactive one.
    pub instances: BTreeMap<u32, InstanceState>,
}

impl JobStatus {
    /// Whether the job has an active task.
    pub fn exists(&self) -> bool {
        self.instances.values().any(|i| i.active)
    }
}

fn instance(task: &serde_json::Value, active: bool) -> Option<(InstanceState, i64)> {
    let assigned = &task["assignedTask"];
    let id = u32::try_from(assigned["instanceId"].as_u64()?).ok()?;
    let latest = task["taskEvents"]
        .as_array()
        .and_then(|events| events.iter().filter_map(|e| e["timestamp"].as_i64()).max())
        .unwrap_or(0);
    Some((
        InstanceState {
            id,
            status: task["status"].as_str().unwrap_or("UNKNOWN").to_string(),
            active,
            host: assigned["slaveHost"]
                .as_str()
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            failure_count: task["failureCount"].as_u64(),
        },
        latest,
    ))
}

/// Reads Aurora's `--write-json` answer.
pub fn parse(doc: &serde_json::Value) -> JobStatus {
    let mut latest_inactive: BTreeMap<u32, (InstanceState, i64)> = BTreeMap::new();
    let mut status = JobStatus::default();
    let jobs: Vec<&serde_json::Value> = match doc {
        serde_json::Value::Array(jobs) => jobs.iter().collect(),
        _ => Vec::new(),
    };
    for job in jobs {
        for task in job["active"].as_array().into_iter().flatten() {
            if let Some((i, _)) = instance(task, true) {
                status.instances.insert(i.id, i);
            }
        }
        for task in job["inactive"].as_array().into_iter().flatten() {
            if let Some((i, at)) = instance(task, false) {
                let newer = latest_inactive.get(&i.id).is_none_or(|(_, t)| at >= *t);
                if newer {
                    latest_inactive.insert(i.id, (i, at));
                }
            }
        }
    }
    for (id, (i, _)) in latest_inactive {
        status.instances.entry(id).or_insert(i);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: u32, status: &str, at: i64) -> serde_json::Value {
        serde_json::json!({"assignedTask": {"instanceId": id, "slaveHost": "h1"},
            "status": status, "failureCount": 0,
            "taskEvents": [{"timestamp": at, "status": status}]})
    }

    #[test]
    fn active_tasks_win_the_newest_inactive_fills_gaps() {
        let doc = serde_json::json!([{"job": "c/r/e/wc",
            "active": [task(0, "RUNNING", 5), task(2, "PENDING", 5)],
            "inactive": [task(1, "FAILED", 3), task(1, "KILLED", 4), task(0, "LOST", 1)]}]);
        let status = parse(&doc);
        assert!(status.exists());
        assert!(status.instances[&0].running());
        assert_eq!(status.instances[&1].status, "KILLED");
        assert!(!status.instances[&1].active);
        assert!(status.instances[&2].transitional());
        let gone = parse(
            &serde_json::json!([{"job": "k", "active": [], "inactive": [task(0, "KILLED", 1)]}]),
        );
        assert!(!gone.exists());
        assert!(
            !parse(&serde_json::json!({"jobspec": "k", "error": "No matching jobs found"}))
                .exists()
        );
    }
}
