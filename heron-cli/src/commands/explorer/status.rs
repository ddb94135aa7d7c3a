//! `heron explorer status CLUSTER[/ROLE[/ENV]] TOPOLOGY`: is every part of the topology there?
//!
//! One `heron-statemgr dump` of all its nodes and one `aurora job status --write-json`, then one
//! check per state folder and one for the Aurora job, each `ok`, `missing` (should exist and does
//! not), `waiting` (not there yet, and not expected yet), `absent` (optional and not there) or
//! `error` (there but unreadable, or the Aurora client could not be asked).
//!
//! What should exist: the four nodes `submit` writes (topologies, packingplans, executionstate,
//! schedulers) and an Aurora job with one active instance per container plus the tmanager's
//! instance 0. The tmanager location is expected once instance 0 runs, the physical plan once the
//! tmanager is there and every instance runs.
//!
//! Exit: 0 when nothing is missing, 1 when something is (the verdict names the case, e.g.
//! `half_killed`: state present, no Aurora job), 3 when nothing of the topology exists, and the
//! Aurora client's failure (5 unreachable, 6 denied, 3 no client) when it could not be asked.

use heron_common::ExitCode;
use heron_common::error::CodedError;
use serde::Serialize;

use super::aurora_job::{self, InstanceState, JobStatus};
use super::context::Explorer;
use super::snapshot::{ALL_KINDS, Snapshot};
use super::table::{self, Cell, Tone};
use super::topologies::state_name;
use crate::cli::args::Format;
use crate::cli::args::explorer::{ExplorerOptions, TopologyArgs};
use crate::stages::ClusterSpec;
use crate::stages::aurora::Aurora;
use crate::stages::state::State;

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// There, as it should be.
    Ok,
    /// Should be there and is not.
    Missing,
    /// Not there yet, and not expected yet (the job is starting).
    Waiting,
    /// Optional, or not expected in the current state, and not there.
    Absent,
    /// There but unreadable, or could not be asked.
    Error,
    /// Informational.
    Info,
}

impl Outcome {
    fn tone(self) -> Tone {
        match self {
            Outcome::Ok => Tone::Good,
            Outcome::Missing | Outcome::Error => Tone::Bad,
            Outcome::Waiting | Outcome::Info => Tone::Warn,
            Outcome::Absent => Tone::Dim,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Missing => "missing",
            Outcome::Waiting => "waiting",
            Outcome::Absent => "absent",
            Outcome::Error => "error",
            Outcome::Info => "info",
        }
    }
}

/// One row of the report (`checks[]`).
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// A state folder name, `locks`, or `aurora job`.
    pub check: &'static str,
    /// Its outcome.
    pub status: Outcome,
    /// What was found, or what is wrong.
    pub detail: String,
}

/// What Aurora said (`aurora` in the JSON document).
#[derive(Debug, Clone, Serialize)]
pub struct AuroraReport {
    /// The job key asked about.
    pub job_key: String,
    /// The client run, if one was found.
    pub client: Option<String>,
    /// Whether that client is the workspace's test stand-in, not Aurora (docs/aurora-standin.md).
    pub standin: bool,
    /// Whether the job has active tasks; null when Aurora could not be asked.
    pub job_exists: Option<bool>,
    /// Instances the packing plan calls for (containers + the tmanager's instance 0).
    pub expected_instances: Option<u32>,
    /// Each instance's task, active or the latest inactive one.
    pub instances: Vec<InstanceState>,
    /// Why Aurora could not be asked.
    pub error: Option<String>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The topology name.
    pub topology: String,
    /// What was selected.
    pub selection: String,
    /// `running`, `starting`, `degraded`, `half_killed` (state, no Aurora job), `orphan_job`
    /// (Aurora job, no state), `unknown` (Aurora could not be asked).
    pub verdict: &'static str,
    /// The exit code `heron` ends with.
    pub exit_code: u8,
    /// `RUNNING` or `PAUSED`, when known.
    pub state: Option<String>,
    /// One per state folder, then `locks` and `aurora job`.
    pub checks: Vec<Check>,
    /// `tmanagers/<name>` in its JSON form.
    pub tmanager: Option<serde_json::Value>,
    /// `schedulers/<name>` in its JSON form.
    pub scheduler: Option<serde_json::Value>,
    /// What Aurora said.
    pub aurora: AuroraReport,
}

const REQUIRED: [&str; 4] = ["topologies", "packingplans", "executionstate", "schedulers"];

fn node_detail(s: &Snapshot, dir: &str) -> String {
    match dir {
        "topologies" => s
            .topology
            .as_ref()
            .map(|t| format!("id {}, submitted {}", t.id, state_name(t.state)))
            .unwrap_or_default(),
        "packingplans" => s
            .packing_plan
            .as_ref()
            .map(|p| format!("{} containers", p.container_plans.len()))
            .unwrap_or_default(),
        "executionstate" => s
            .execution_state
            .as_ref()
            .map(|e| {
                let mut text = format!("{}/{}/{}", e.cluster, e.role, e.environ);
                if let Some(user) = &e.submission_user {
                    text.push_str(&format!(", submitted by {user}"));
                }
                if let Some(t) = e.submission_time {
                    text.push_str(&format!(" at {} UTC", table::utc_time(t)));
                }
                if let Some(v) = e
                    .release_state
                    .as_ref()
                    .and_then(|r| r.release_version.as_ref())
                {
                    text.push_str(&format!(", release {v}"));
                }
                text
            })
            .unwrap_or_default(),
        "schedulers" => s
            .scheduler
            .as_ref()
            .map(|l| format!("endpoint {}", l.http_endpoint))
            .unwrap_or_default(),
        "tmanagers" => s
            .tmanager
            .as_ref()
            .map(|t| {
                format!(
                    "{}:{} (server port {}, stats port {})",
                    t.host,
                    t.controller_port,
                    t.server_port,
                    table::or_dash(t.stats_port)
                )
            })
            .unwrap_or_default(),
        "pplans" => s
            .physical_plan
            .as_ref()
            .map(|p| {
                format!(
                    "{} stream managers, {} instances, {}",
                    p.stmgrs.len(),
                    p.instances.len(),
                    state_name(p.topology.state)
                )
            })
            .unwrap_or_default(),
        "metricscaches" => s
            .metrics_cache
            .as_ref()
            .map(|m| format!("{}:{}", m.host, m.server_port))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The checks and the verdict, from what was read.
pub fn assess(
    s: &Snapshot,
    aurora: &Result<JobStatus, String>,
    job_key: &str,
) -> (Vec<Check>, &'static str, Option<u32>) {
    let state_any = !s.is_empty();
    let job = aurora.as_ref().ok();
    let job_exists = job.map(JobStatus::exists);
    let expected = s.packing_plan.as_ref().map(|p| {
        u32::try_from(p.container_plans.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    });
    let instance = |id: u32| job.and_then(|j| j.instances.get(&id));
    let zero_running = instance(0).is_some_and(InstanceState::running);
    let all_running =
        expected.is_some_and(|n| (0..n).all(|id| instance(id).is_some_and(InstanceState::running)));
    let mut checks = Vec::new();
    for dir in ALL_KINDS {
        let present = s.present.iter().any(|d| d == dir);
        let (status, detail) = if let Some(why) = s.errors.get(dir) {
            (Outcome::Error, format!("does not decode: {why}"))
        } else if present {
            (Outcome::Ok, node_detail(s, dir))
        } else if REQUIRED.contains(&dir) {
            (Outcome::Missing, "written at submit; not there".to_string())
        } else if dir == "tmanagers" && zero_running {
            (
                Outcome::Missing,
                "Aurora instance 0 runs, but no tmanager has written its location".to_string(),
            )
        } else if dir == "tmanagers" && job_exists == Some(true) {
            (
                Outcome::Waiting,
                "written by the tmanager once Aurora instance 0 runs".to_string(),
            )
        } else if dir == "pplans" && s.tmanager.is_some() && all_running {
            (
                Outcome::Missing,
                "every instance runs, but the tmanager has written no physical plan".to_string(),
            )
        } else if dir == "pplans" && job_exists == Some(true) {
            (
                Outcome::Waiting,
                "written by the tmanager once every stream manager has joined".to_string(),
            )
        } else {
            (
                Outcome::Absent,
                match dir {
                    "tmanagers" | "pplans" => "written by a running tmanager".to_string(),
                    _ => "optional".to_string(),
                },
            )
        };
        checks.push(Check {
            check: dir,
            status,
            detail,
        });
    }
    checks.push(Check {
        check: "locks",
        status: if s.locked {
            Outcome::Info
        } else {
            Outcome::Absent
        },
        detail: if s.locked {
            "an update holds the lock (heron update in progress, or one that died)".to_string()
        } else {
            "no update in progress".to_string()
        },
    });
    let (status, detail) = match aurora {
        Err(why) => (
            Outcome::Error,
            format!("cannot ask Aurora about {job_key}: {why}"),
        ),
        Ok(j) if !j.exists() => (Outcome::Missing, format!("no active Aurora job {job_key}")),
        Ok(j) => aurora_check(j, expected, job_key),
    };
    checks.push(Check {
        check: "aurora job",
        status,
        detail,
    });
    let problems = checks
        .iter()
        .any(|c| matches!(c.status, Outcome::Missing | Outcome::Error));
    let waiting = checks.iter().any(|c| c.status == Outcome::Waiting);
    let state_nodes = REQUIRED.iter().any(|d| s.present.iter().any(|p| p == d));
    let verdict = match (aurora, job_exists) {
        (Err(_), _) => "unknown",
        (_, Some(false)) if state_nodes || state_any => "half_killed",
        (_, Some(true)) if !state_any => "orphan_job",
        _ if problems => "degraded",
        _ if waiting => "starting",
        _ => "running",
    };
    (checks, verdict, expected)
}

fn aurora_check(j: &JobStatus, expected: Option<u32>, job_key: &str) -> (Outcome, String) {
    let active: Vec<&InstanceState> = j.instances.values().filter(|i| i.active).collect();
    let running = active.iter().filter(|i| i.running()).count();
    let Some(n) = expected else {
        return (
            Outcome::Info,
            format!(
                "{job_key}: {running} of {} active instances RUNNING (no packing plan to compare with)",
                active.len()
            ),
        );
    };
    let missing: Vec<String> = (0..n)
        .filter(|id| !j.instances.get(id).is_some_and(|i| i.active))
        .map(|id| id.to_string())
        .collect();
    let extra: Vec<String> = active
        .iter()
        .filter(|i| i.id >= n)
        .map(|i| i.id.to_string())
        .collect();
    let mut detail = format!("{job_key}: {running} of {n} instances RUNNING");
    if !missing.is_empty() {
        detail.push_str(&format!(
            "; no active task for instance {}",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        detail.push_str(&format!(
            "; instance {} not in the packing plan",
            extra.join(", ")
        ));
    }
    let outcome = if !missing.is_empty() || !extra.is_empty() {
        Outcome::Missing
    } else if running < active.len() {
        Outcome::Waiting
    } else {
        Outcome::Ok
    };
    (outcome, detail)
}

fn verdict_text(verdict: &str, name: &str) -> String {
    match verdict {
        "running" => "running: every part is there".to_string(),
        "starting" => "starting: nothing is missing yet; some parts are not up".to_string(),
        "degraded" => "degraded: something that should exist is missing".to_string(),
        "half_killed" => format!(
            "half-killed: the state is there but Aurora runs no job; `heron kill` of '{name}' removes the rest"
        ),
        "orphan_job" => format!(
            "orphan job: Aurora runs it but the state manager holds nothing of it; `heron kill` of '{name}' stops it"
        ),
        _ => "unknown: Aurora could not be asked".to_string(),
    }
}

/// The text report.
pub fn render(report: &Report, colour: bool) -> String {
    let mut out = format!(
        "Topology '{}' in {} (Aurora job {}{})\n",
        report.topology,
        report.selection,
        report.aurora.job_key,
        if report.aurora.standin {
            ", asked of the Aurora stand-in"
        } else {
            ""
        }
    );
    let rows: Vec<Vec<Cell>> = report
        .checks
        .iter()
        .map(|c| {
            vec![
                c.check.into(),
                Cell::toned(c.status.word(), c.status.tone()),
                c.detail.clone().into(),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &["check", "status", "detail"],
        &rows,
        colour,
    ));
    if !report.aurora.instances.is_empty() {
        let rows: Vec<Vec<Cell>> = report
            .aurora
            .instances
            .iter()
            .map(|i| {
                let tone = if i.running() {
                    Tone::Good
                } else if i.transitional() {
                    Tone::Warn
                } else {
                    Tone::Bad
                };
                vec![
                    i.id.to_string().into(),
                    Cell::toned(i.status.clone(), tone),
                    (if i.active { "active" } else { "inactive" }).into(),
                    table::or_dash(i.host.as_ref()).into(),
                ]
            })
            .collect();
        out.push('\n');
        out.push_str(&table::render(
            &["instance", "status", "task", "host"],
            &rows,
            colour,
        ));
    }
    let tone = match report.verdict {
        "running" => Tone::Good,
        "starting" => Tone::Warn,
        _ => Tone::Bad,
    };
    out.push_str(&format!(
        "\nVerdict: {}\n",
        table::paint(
            &verdict_text(report.verdict, &report.topology),
            tone,
            colour
        )
    ));
    out
}

/// Runs the view; the exit code follows the verdict (module docs).
pub fn run(options: &ExplorerOptions, cmd: &TopologyArgs) -> anyhow::Result<()> {
    let name = &cmd.topology;
    let mut ex = Explorer::setup(options, &cmd.cre, Some(name))?;
    let mut dumped = State::new(&ex.runner).dump(&[name], &ALL_KINDS)?;
    let s = dumped.pop().map(Snapshot::from_nodes).unwrap_or_default();
    // The job key: where the execution state says it was submitted, else the selection.
    let job_spec = match &s.execution_state {
        Some(e) if !ex.selection.matches(e) => {
            return Err(CodedError::new(
                ExitCode::BadInput,
                format!(
                    "topology '{name}' was submitted as {}/{}/{}, which is not in {}",
                    e.cluster,
                    e.role,
                    e.environ,
                    ex.selection.display()
                ),
            )
            .into());
        }
        Some(e) => ClusterSpec {
            cluster: e.cluster.clone(),
            role: e.role.clone(),
            environ: e.environ.clone(),
        },
        None => ex.spec.clone(),
    };
    let job_key = job_spec.job_key(name);
    let (client, _) =
        crate::cli::context::use_aurora_client(&mut ex.runner, &ex.config, &job_spec, ex.format)?;
    let (aurora, aurora_code) = match &client {
        None => (
            Err(format!(
                "no `aurora` client found: {}",
                crate::stages::locate::AURORA_FIX
            )),
            Some(ExitCode::NotFound),
        ),
        Some(_) => match Aurora::new(&ex.runner, job_key.clone()).status_json() {
            Ok(doc) => (Ok(aurora_job::parse(&doc)), None),
            Err(e) => (Err(e.message.clone()), Some(e.code)),
        },
    };
    if s.is_empty() && aurora.as_ref().is_ok_and(|j| !j.exists()) {
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!(
                "no topology '{name}' in {}: no node in the state manager and no Aurora job {job_key}",
                ex.selection.display()
            ),
        )
        .into());
    }
    let (checks, verdict, expected) = assess(&s, &aurora, &job_key);
    let code = match (verdict, aurora_code) {
        (_, Some(code)) => code,
        ("running" | "starting", None) => ExitCode::Ok,
        _ => ExitCode::Failed,
    };
    let state = match (&s.physical_plan, &s.topology) {
        (Some(p), _) => Some(state_name(p.topology.state)),
        (None, Some(t)) => Some(state_name(t.state)),
        _ => None,
    };
    let report = Report {
        topology: name.clone(),
        selection: ex.selection.display(),
        verdict,
        exit_code: code.code(),
        state,
        checks,
        tmanager: s
            .tmanager
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok()),
        scheduler: s
            .scheduler
            .as_ref()
            .and_then(|t| serde_json::to_value(t).ok()),
        aurora: AuroraReport {
            job_key,
            client: client.as_ref().map(|c| c.path.display().to_string()),
            standin: client
                .as_ref()
                .is_some_and(|c| c.standin || crate::stages::is_aurora_standin(&c.path)),
            job_exists: aurora.as_ref().ok().map(JobStatus::exists),
            expected_instances: expected,
            instances: aurora
                .as_ref()
                .map(|j| j.instances.values().cloned().collect())
                .unwrap_or_default(),
            error: aurora.as_ref().err().cloned(),
        },
    };
    let text = render(&report, ex.colour);
    table::emit(ex.format == Format::Json, &report, &text)?;
    if code == ExitCode::Ok {
        Ok(())
    } else {
        Err(CodedError::new(code, verdict_text(verdict, name)).into())
    }
}
