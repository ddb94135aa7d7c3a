//! The verbs that change jobs: `create` (checks the job file, records its instances as RUNNING),
//! `killall`, `kill`, `restart` and `add`, each printing and exiting as Aurora's client does.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::cli::{AddArgs, CreateArgs, KillArgs, KillallArgs, RestartArgs};
use crate::jobfile::{self, JobKey};
use crate::log::{self, Log, print_err};
use crate::spec;
use crate::state::{self, Event, Instance, JobFileCopy, JobRecord, Resources, State};
use crate::{
    EXIT_API_ERROR, EXIT_COMMAND_FAILURE, EXIT_INVALID_CONFIGURATION, EXIT_INVALID_PARAMETER,
    Output, exit_with,
};

pub(crate) fn create(dir: &std::path::Path, a: &CreateArgs, log: Log) -> Result<Output> {
    let path = a.config_file.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(&a.config_file).map_err(|e| {
        exit_with(
            EXIT_INVALID_CONFIGURATION,
            format!("Error loading configuration: cannot read job file {path}: {e}"),
        )
    })?;
    log.debug(&format!(
        "Config: {}",
        log::py_repr_list(log::read_lines(&text))
    ));
    let bindings: BTreeMap<String, String> = a.bindings.iter().cloned().collect();
    let checked = jobfile::check(&path, &text, &bindings, &a.jobspec).map_err(|e| {
        exit_with(
            EXIT_INVALID_CONFIGURATION,
            format!("Error loading configuration: {e}"),
        )
    })?;

    let st = State::lock(dir)?;
    let key = &a.jobspec;
    log.info(&format!("Creating job {}", key.name));
    if st.read_job(key)?.is_some() {
        return Err(exit_with(
            EXIT_COMMAND_FAILURE,
            format!(
                "Job creation failed due to error:\n\tJob {}/{}/{} already exists",
                key.role, key.env, key.name
            ),
        ));
    }
    let now = state::now_ms();
    let record = JobRecord {
        key: key.to_string(),
        cluster: key.cluster.clone(),
        role: key.role.clone(),
        environment: key.env.clone(),
        name: key.name.clone(),
        service: checked.service,
        created_at_ms: now,
        resources: Resources {
            cpu: checked.cpu,
            ram_bytes: checked.ram_bytes,
            disk_bytes: checked.disk_bytes,
        },
        instances: (0..checked.instances)
            .map(|id| Instance {
                id,
                status: "RUNNING".into(),
                restarts: 0,
                started_at_ms: now,
                cloned_from: None,
            })
            .collect(),
        bindings,
        job_file: JobFileCopy {
            path,
            content: text,
        },
        events: Vec::new(),
    };
    st.write_job(key, &record)?;
    log.info(&format!("Checking status of {key}"));
    let url = format!("file://{}", st.job_path(key).display());
    Ok(Output {
        stdout: vec![format!("Job create succeeded: job url={url}")],
        ..Output::default()
    })
}

fn no_tasks(key: &JobKey) -> String {
    format!("No tasks to kill found for job {key}")
}

/// `kill_in_batches`: the verbs that call it (kill, killall) ignore what it returns, so a job
/// with no active tasks is reported on stderr and the verb still succeeds (every release from 0.10
/// to 0.22; Heron issue #1669).
pub(crate) fn killall(dir: &std::path::Path, a: &KillallArgs, log: Log) -> Result<Output> {
    let st = State::lock(dir)?;
    let key = &a.jobspec;
    let mut out = Output::default();
    match st.read_job(key)?.filter(|j| !j.instances.is_empty()) {
        None => print_err(&no_tasks(key)),
        Some(job) => {
            let ids: Vec<u32> = job.instances.iter().map(|i| i.id).collect();
            log.info(&format!("Killing tasks for job: {key}"));
            log.info(&format!(
                "Instances to be killed: {}",
                spec::py_list(ids.clone())
            ));
            st.delete_job(key)?;
            out.stdout.push(format!(
                "Successfully killed instances {}",
                spec::py_list(ids)
            ));
        }
    }
    out.stdout.push("Job killall succeeded".into());
    Ok(out)
}

fn not_active(requested: &BTreeSet<u32>, job: Option<&JobRecord>) -> Vec<u32> {
    requested
        .iter()
        .copied()
        .filter(|id| !job.is_some_and(|j| j.instances.iter().any(|i| i.id == *id)))
        .collect()
}

pub(crate) fn kill(dir: &std::path::Path, a: &KillArgs, log: Log) -> Result<Output> {
    let key = &a.instance_spec.key;
    let Some(requested) = &a.instance_spec.instances else {
        return Err(exit_with(
            EXIT_INVALID_PARAMETER,
            "The instances list cannot be omitted in a kill command!; use killall to kill all instances",
        ));
    };
    let st = State::lock(dir)?;
    let job = st.read_job(key)?;
    if a.strict {
        let missing = not_active(requested, job.as_ref());
        if !missing.is_empty() {
            return Err(exit_with(
                EXIT_INVALID_PARAMETER,
                format!("Invalid instance parameter: {}", spec::py_list(missing)),
            ));
        }
    }
    let Some(mut job) = job.filter(|j| !j.instances.is_empty()) else {
        print_err(&no_tasks(key));
        return Ok(Output {
            stdout: vec!["Job kill succeeded".into()],
            ..Output::default()
        });
    };
    let killed: Vec<u32> = job
        .instances
        .iter()
        .map(|i| i.id)
        .filter(|id| requested.contains(id))
        .collect();
    job.instances.retain(|i| !requested.contains(&i.id));
    let mut out = Output::default();
    if !killed.is_empty() {
        log.info(&format!("Killing tasks for job: {key}"));
        log.info(&format!(
            "Instances to be killed: {}",
            spec::py_list(killed.clone())
        ));
        job.events.push(Event {
            at_ms: state::now_ms(),
            action: "kill".into(),
            instances: killed.clone(),
        });
        // A service job without instances is gone, as in Aurora.
        if job.instances.is_empty() {
            st.delete_job(key)?;
        } else {
            st.write_job(key, &job)?;
        }
        out.stdout.push(format!(
            "Successfully killed instances {}",
            spec::py_list(killed)
        ));
    }
    out.stdout.push("Job kill succeeded".into());
    Ok(out)
}

pub(crate) fn restart(dir: &std::path::Path, a: &RestartArgs, log: Log) -> Result<Output> {
    let key = &a.instance_spec.key;
    let st = State::lock(dir)?;
    let job = st.read_job(key)?;
    if let (true, Some(requested)) = (a.strict, &a.instance_spec.instances) {
        let missing = not_active(requested, job.as_ref());
        if !missing.is_empty() {
            return Err(exit_with(
                EXIT_INVALID_PARAMETER,
                format!("Invalid instance parameter: {}", spec::py_list(missing)),
            ));
        }
    }
    let done = || Output {
        stdout: vec![format!("Job {key} restarted successfully")],
        ..Output::default()
    };
    // Restarter.restart: the whole job with no active instance is "Nothing to do." and a success.
    let active: Vec<u32> = job
        .iter()
        .flat_map(|j| j.instances.iter().map(|i| i.id))
        .collect();
    let targets: Vec<u32> = match &a.instance_spec.instances {
        None if active.is_empty() => {
            log.info(&format!(
                "No instances specified, and no active instances found in job {key}"
            ));
            log.info("Nothing to do.");
            return Ok(done());
        }
        None => active,
        Some(requested) => requested.iter().copied().collect(),
    };
    log.info(&format!(
        "Performing rolling restart of job {key} (instances: {})",
        spec::py_list(targets.clone())
    ));
    log.info(&format!(
        "Restarting instances: {}",
        spec::py_list(targets.clone())
    ));
    let Some(mut job) = job.filter(|j| {
        targets
            .iter()
            .all(|id| j.instances.iter().any(|i| i.id == *id))
    }) else {
        // The scheduler refuses restartShards for an instance that is not active.
        log.error("Error restarting instances: Not all requested shards are active.");
        return Err(exit_with(
            EXIT_API_ERROR,
            format!("Error restarting job {key}:\n\tNot all requested shards are active."),
        ));
    };
    let now = state::now_ms();
    for inst in job.instances.iter_mut().filter(|i| targets.contains(&i.id)) {
        inst.restarts = inst.restarts.saturating_add(1);
        inst.started_at_ms = now;
    }
    job.events.push(Event {
        at_ms: now,
        action: "restart".into(),
        instances: targets,
    });
    st.write_job(key, &job)?;
    log.info("All instances were restarted successfully");
    Ok(done())
}

pub(crate) fn add(dir: &std::path::Path, a: &AddArgs, log: Log) -> Result<Output> {
    let key = &a.task_instance.key;
    let source = a.task_instance.instance;
    let st = State::lock(dir)?;
    let job = st.read_job(key)?;
    let Some(mut job) = job.filter(|j| j.instances.iter().any(|i| i.id == source)) else {
        return Err(exit_with(
            EXIT_INVALID_PARAMETER,
            format!("Invalid instance parameter: {}", spec::py_list([source])),
        ));
    };
    log.info(&format!(
        "Adding {} instances to {key} using the task config of instance {source}",
        a.instance_count
    ));
    let count = match u32::try_from(a.instance_count) {
        Ok(n) if n > 0 => n,
        _ => {
            return Err(exit_with(
                EXIT_API_ERROR,
                format!(
                    "Command failure:\n\tInstance count must be positive, got {}",
                    a.instance_count
                ),
            ));
        }
    };
    let start = job
        .instances
        .iter()
        .map(|i| i.id)
        .max()
        .map_or(0, |m| m.saturating_add(1));
    let end = start
        .checked_add(count)
        .ok_or_else(|| exit_with(EXIT_API_ERROR, "Command failure:\n\ttoo many instances"))?;
    let now = state::now_ms();
    let new_ids: Vec<u32> = (start..end).collect();
    for id in &new_ids {
        job.instances.push(Instance {
            id: *id,
            status: "RUNNING".into(),
            restarts: 0,
            started_at_ms: now,
            cloned_from: Some(source),
        });
    }
    job.events.push(Event {
        at_ms: now,
        action: "add".into(),
        instances: new_ids.clone(),
    });
    st.write_job(key, &job)?;
    // wait_until polls the new instances (task_util.py); Heron reads their ids from this line,
    // which is why it always passes --verbose to `add`.
    log.debug(&format!(
        "Querying instance statuses: {}",
        spec::py_list(new_ids)
    ));
    Ok(Output::default())
}
