//! `aurora job status` output in the shape Aurora's client prints it
//! (apache/aurora `src/main/python/apache/aurora/client/cli/jobs.py`, `StatusCommand`), made from
//! the stand-in's job records. The stand-in schedules nothing, so the tasks are invented from
//! the record: every active instance is a `RUNNING` task on host `localhost`, and each instance
//! an `aurora job kill` removed is an inactive `KILLED` task.
//!
//! `--write-json`: a JSON array with one `{"job", "active", "inactive"}` object per job, each
//! task a `ScheduledTask` in Thrift's simple JSON form with the status names as strings (what
//! Aurora's `render_tasks_json` does). Without it: Aurora's "Active tasks (N):" text.

use serde_json::{Value, json};

use crate::state::JobRecord;

const HOST: &str = "localhost";

/// The task id Aurora would make up: `<ts>-<role>-<env>-<name>-<instance>-<uuid>`; ours is
/// derived from the record so it stays the same between calls.
fn task_id(job: &JobRecord, instance: u32, started_ms: u64) -> String {
    format!(
        "{started_ms}-{}-{}-{}-{instance}-standin",
        job.role, job.environment, job.name
    )
}

fn task_config(job: &JobRecord) -> Value {
    const MB: u64 = 1024 * 1024;
    json!({
        "job": {"role": job.role, "environment": job.environment, "name": job.name},
        "isService": job.service,
        "priority": 0,
        "maxTaskFailures": 1,
        "production": false,
        "tier": job.bindings.get("TIER").cloned().unwrap_or_else(|| "preemptible".to_string()),
        "resources": [
            {"numCpus": job.resources.cpu},
            {"ramMb": job.resources.ram_bytes / MB},
            {"diskMb": job.resources.disk_bytes / MB},
        ],
        "metadata": [],
        "container": {"mesos": {}},
    })
}

fn event(ts: u64, status: &str, message: &str) -> Value {
    json!({"timestamp": ts, "status": status, "message": message, "scheduler": HOST})
}

fn task(job: &JobRecord, instance: u32, started_ms: u64, status: &str) -> Value {
    let mut events = vec![
        event(started_ms, "PENDING", ""),
        event(started_ms, "ASSIGNED", ""),
        event(started_ms, "STARTING", "Initializing sandbox."),
        event(started_ms, "RUNNING", ""),
    ];
    if status == "KILLED" {
        events.push(event(
            started_ms,
            "KILLING",
            "Killed by the stand-in's `job kill`",
        ));
        events.push(event(started_ms, "KILLED", "Instance shutdown."));
    }
    json!({
        "assignedTask": {
            "taskId": task_id(job, instance, started_ms),
            "slaveId": "standin-agent",
            "slaveHost": HOST,
            "task": task_config(job),
            "assignedPorts": {},
            "instanceId": instance,
        },
        "status": status,
        "failureCount": 0,
        "timesPartitioned": 0,
        "taskEvents": events,
    })
}

/// `{"job", "active", "inactive"}` for one job: active tasks by instance id, then the instances
/// killed by `job kill` (and not added again) as `KILLED`.
pub fn job_json(job: &JobRecord) -> Value {
    let active: Vec<Value> = job
        .instances
        .iter()
        .map(|i| task(job, i.id, i.started_at_ms, "RUNNING"))
        .collect();
    let live: std::collections::BTreeSet<u32> = job.instances.iter().map(|i| i.id).collect();
    let mut killed: std::collections::BTreeMap<u32, u64> = std::collections::BTreeMap::new();
    for e in job.events.iter().filter(|e| e.action == "kill") {
        for id in e.instances.iter().filter(|id| !live.contains(id)) {
            killed.insert(*id, e.at_ms);
        }
    }
    let inactive: Vec<Value> = killed
        .into_iter()
        .map(|(id, at)| task(job, id, at, "KILLED"))
        .collect();
    json!({"job": job.key, "active": active, "inactive": inactive})
}

/// What `--write-json` prints: Aurora's `json.dumps(result, indent=2)`.
pub fn write_json(jobs: &[JobRecord]) -> String {
    let all: Vec<Value> = jobs.iter().map(job_json).collect();
    serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".to_string())
}

fn pretty_task(task: &Value) -> String {
    let a = &task["assignedTask"];
    let t = &a["task"];
    let resources = t["resources"].as_array().cloned().unwrap_or_default();
    let resource = |field: &str| {
        resources
            .iter()
            .find_map(|r| r.get(field).cloned())
            .unwrap_or(Value::Null)
    };
    let mut lines = vec![
        format!(
            "\tTask role: {}, env: {}, name: {}, instance: {}, status: {} on {}",
            t["job"]["role"].as_str().unwrap_or_default(),
            t["job"]["environment"].as_str().unwrap_or_default(),
            t["job"]["name"].as_str().unwrap_or_default(),
            a["instanceId"],
            task["status"].as_str().unwrap_or_default(),
            a["slaveHost"].as_str().unwrap_or_default()
        ),
        format!(
            "\t  CPU: {} core(s), RAM: {} MB, Disk: {} MB",
            resource("numCpus"),
            resource("ramMb"),
            resource("diskMb")
        ),
        "\t  events:".to_string(),
    ];
    for e in task["taskEvents"].as_array().into_iter().flatten() {
        lines.push(format!(
            "\t   {} {}: {}",
            e["timestamp"],
            e["status"].as_str().unwrap_or_default(),
            e["message"].as_str().unwrap_or_default()
        ));
    }
    lines.push(String::new());
    lines.join("\n")
}

/// The text Aurora prints without `--write-json` (event times as epoch milliseconds, where
/// Aurora prints local date-times).
pub fn pretty(jobs: &[JobRecord]) -> String {
    let mut out = String::new();
    for job in jobs {
        let doc = job_json(job);
        for (title, key) in [("Active", "active"), ("Inactive", "inactive")] {
            let tasks = doc[key].as_array().cloned().unwrap_or_default();
            out.push_str(&format!("{title} tasks ({}):\n", tasks.len()));
            for t in &tasks {
                out.push_str(&pretty_task(t));
            }
        }
    }
    out
}
