//! `aurora`: a TEST STAND-IN for the Apache Aurora client. It is not Aurora.
//!
//! Aurora (scheduler, Mesos, Thermos) cannot run on the machines where this project is tested, so
//! the tests put this program on `HERON_AURORA_BIN` instead. It accepts the `aurora job ...`
//! command lines Heron issues (heron-aurora.md §2.3), checks the job file like Aurora's client
//! would for the parts Heron relies on, keeps "running" jobs as JSON files in
//! `$AURORA_STANDIN_STATE_DIR`, logs every call, and fails, hangs or slows down on request.
//! Nothing is ever scheduled or executed. See docs/aurora-standin.md.
//!
//! Layout: `aurora/spec.rs` job keys and instance lists, `aurora/jobfile.rs` the job-file reader,
//! `aurora/state.rs` the state directory, `aurora/status.rs` Aurora's `job status` output,
//! `aurora/inject.rs` failure injection, `aurora/log.rs` the client's log lines (` INFO] ...`);
//! this file is the command line and the verbs.

// A binary's root module looks for modules next to itself; these live in `aurora/`.
#[path = "aurora/inject.rs"]
mod inject;
#[path = "aurora/jobfile.rs"]
mod jobfile;
#[path = "aurora/log.rs"]
mod log;
#[path = "aurora/spec.rs"]
mod spec;
#[path = "aurora/state.rs"]
mod state;
#[path = "aurora/status.rs"]
mod status;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use inject::Injection;
use jobfile::JobKey;
use log::{Log, print_err};
use spec::{InstanceSpec, TaskInstance};
use state::{CallRecord, Event, Instance, JobFileCopy, JobRecord, Resources, STATE_DIR_VAR, State};

// Aurora client exit codes (apache.aurora.client.cli), kept so the stand-in fails the way Aurora does.
const EXIT_OK: u8 = 0;
const EXIT_USAGE: u8 = 2;
const EXIT_INVALID_CONFIGURATION: u8 = 3;
const EXIT_COMMAND_FAILURE: u8 = 4;
const EXIT_INVALID_PARAMETER: u8 = 6;
const EXIT_API_ERROR: u8 = 10;

const ABOUT: &str = "TEST STAND-IN for the Apache Aurora client (this is NOT Aurora)";

const LONG_ABOUT: &str = "\
TEST STAND-IN for the Apache Aurora client. This program is NOT Aurora.

Aurora cannot run on the machines where heron is tested, so the tests run this program in its
place (through HERON_AURORA_BIN). It accepts the `aurora job ...` command lines Heron issues,
checks the job file the way Aurora's client would for what Heron relies on (job key, instances,
resources, unbound {{VARIABLES}}), and keeps \"running\" jobs as JSON files in
$AURORA_STANDIN_STATE_DIR. Nothing is scheduled or executed. Exit codes are Aurora's:
0 ok, 2 usage, 3 invalid job file, 4 command failure (job exists), 6 invalid parameter
(no such instance, no such job for status), 10 scheduler error (restart).";

const AFTER_HELP: &str = "\
Environment:
  AURORA_STANDIN_STATE_DIR          required: directory of the stand-in's jobs and calls.log
  AURORA_STANDIN_FAIL=V[,V]         verbs that fail at once (exit AURORA_STANDIN_FAIL_EXIT)
  AURORA_STANDIN_FAIL_COUNT=V:N,..  the first N calls of verb V fail, later ones run
  AURORA_STANDIN_FAIL_AFTER=V[,V]   verbs that do their work, then fail
  AURORA_STANDIN_FAIL_AFTER_CREATE=1  same as AURORA_STANDIN_FAIL_AFTER=create
  AURORA_STANDIN_FAIL_EXIT=N        exit status of injected failures (default 1)
  AURORA_STANDIN_HANG=V[,V]         verbs that sleep until killed, before doing anything
  AURORA_STANDIN_HANG_AFTER=V[,V]   verbs that do their work, then sleep until killed
  AURORA_STANDIN_DELAY_MS=V:MS,..   sleep MS milliseconds before doing the work
  AURORA_STANDIN_HOLD_LOCK_MS=MS    sleep MS ms before each job write, lock held (tests the lock)
  Verbs: create, killall, kill, restart, add, status, list; `all` matches every verb.

Examples:
  export AURORA_STANDIN_STATE_DIR=/tmp/aurora-state
  aurora job create --wait-until RUNNING devcluster/heron/devel/wc job.aurora --verbose
  aurora job create --wait-until RUNNING --bind TOPOLOGY_NAME=wc ... devcluster/heron/devel/wc heron.aurora
  aurora job add --wait-until RUNNING devcluster/heron/devel/wc/0 2 --verbose
  aurora job kill devcluster/heron/devel/wc/3,4 --batch-size 2147483647
  aurora job restart devcluster/heron/devel/wc/1 --batch-size 2147483647
  aurora job killall devcluster/heron/devel/wc --batch-size 2147483647
  aurora job status devcluster/heron/devel/wc --write-json
  AURORA_STANDIN_FAIL_COUNT=killall:2 aurora job killall devcluster/heron/devel/wc

Every call is appended to $AURORA_STANDIN_STATE_DIR/calls.log as one JSON line
{\"ts_ms\":..,\"pid\":..,\"cwd\":\"..\",\"args\":[\"job\",\"create\",..]}. See docs/aurora-standin.md.";

#[derive(Parser, Debug)]
#[command(
    name = "aurora",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP
)]
struct Cli {
    /// Aurora's verbose logging (on stderr). `job add` prints the new instance ids only with it.
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
    #[command(subcommand)]
    noun: Noun,
}

#[derive(Subcommand, Debug)]
enum Noun {
    /// Work with jobs (the only noun the stand-in knows).
    Job {
        #[command(subcommand)]
        verb: Verb,
    },
}

const VERB_NOTE: &str = "This is the aurora TEST STAND-IN, not Aurora: see `aurora --help` for its \
environment variables (AURORA_STANDIN_STATE_DIR is required) and docs/aurora-standin.md.";

#[derive(Subcommand, Debug)]
enum Verb {
    /// Create a job from a job file (checks it; records instances 0..N-1 as RUNNING).
    #[command(after_help = VERB_NOTE)]
    Create(CreateArgs),
    /// Kill every instance of a job (exit 0 even when the job does not exist, as Aurora does).
    #[command(after_help = VERB_NOTE)]
    Killall(KillallArgs),
    /// Kill some instances of a job: CLUSTER/ROLE/ENV/NAME/IDS, IDS like 3,4 or 1-3.
    #[command(after_help = VERB_NOTE)]
    Kill(KillArgs),
    /// Restart a job or some of its instances (recorded per instance).
    #[command(after_help = VERB_NOTE)]
    Restart(RestartArgs),
    /// Add COUNT instances cloned from CLUSTER/ROLE/ENV/NAME/INSTANCE.
    #[command(after_help = VERB_NOTE)]
    Add(AddArgs),
    /// Print the stored state of the jobs matching a job key (`*` matches any part).
    #[command(after_help = VERB_NOTE)]
    Status(StatusArgs),
    /// List the keys of the jobs matching a job key pattern (default: all jobs).
    #[command(after_help = VERB_NOTE)]
    List(ListArgs),
}

#[derive(Copy, Clone, Debug, ValueEnum)]
#[value(rename_all = "UPPER")]
enum WaitUntil {
    Pending,
    Running,
    Finished,
}

fn parse_binding(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err("Binding parameter must be formatted name=value".into()),
    }
}

fn parse_positive(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{s:?} is not a positive integer")),
    }
}

#[derive(Args, Debug)]
struct CreateArgs {
    /// Wait until the instances reach this state (the stand-in's instances are RUNNING at once).
    #[arg(long, value_enum)]
    wait_until: Option<WaitUntil>,
    /// Bind a {{NAME}} reference of the job file to VALUE (repeatable).
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    bindings: Vec<(String, String)>,
    /// Accepted and ignored.
    #[arg(long)]
    open_browser: bool,
    /// CLUSTER/ROLE/ENV/NAME
    #[arg(value_parser = spec::parse_job_key)]
    jobspec: JobKey,
    /// The job file (Heron's rendered heron.aurora).
    config_file: PathBuf,
}

/// Options Aurora's kill and restart commands take; the stand-in checks and ignores them.
#[derive(Args, Debug)]
struct BatchOptions {
    /// Instances per batch (Heron passes 2147483647).
    #[arg(long, value_parser = parse_positive)]
    batch_size: Option<u64>,
    /// Accepted and ignored.
    #[arg(long)]
    max_total_failures: Option<u64>,
    /// Accepted and ignored (a job file for hooks).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Accepted and ignored.
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    bindings: Vec<(String, String)>,
}

#[derive(Args, Debug)]
struct KillallArgs {
    /// CLUSTER/ROLE/ENV/NAME
    #[arg(value_parser = spec::parse_job_key)]
    jobspec: JobKey,
    #[command(flatten)]
    batch: BatchOptions,
    /// Accepted and ignored.
    #[arg(long)]
    no_batching: bool,
    /// Accepted and ignored.
    #[arg(long, short = 'm')]
    message: Option<String>,
}

#[derive(Args, Debug)]
struct KillArgs {
    /// CLUSTER/ROLE/ENV/NAME/IDS
    #[arg(value_parser = spec::parse_instance_spec)]
    instance_spec: InstanceSpec,
    #[command(flatten)]
    batch: BatchOptions,
    /// Accepted and ignored.
    #[arg(long)]
    no_batching: bool,
    /// Accepted and ignored.
    #[arg(long, short = 'm')]
    message: Option<String>,
    /// Fail when a named instance is not active (otherwise it is skipped).
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Debug)]
struct RestartArgs {
    /// CLUSTER/ROLE/ENV/NAME[/IDS]
    #[arg(value_parser = spec::parse_instance_spec)]
    instance_spec: InstanceSpec,
    #[command(flatten)]
    batch: BatchOptions,
    /// Fail with exit 6 when a named instance is not active.
    #[arg(long)]
    strict: bool,
    /// Accepted and ignored.
    #[arg(long)]
    watch_secs: Option<u64>,
}

#[derive(Args, Debug)]
struct AddArgs {
    /// Wait until the new instances reach this state (they are RUNNING at once).
    #[arg(long, value_enum)]
    wait_until: Option<WaitUntil>,
    /// Accepted and ignored.
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    bindings: Vec<(String, String)>,
    /// Accepted and ignored.
    #[arg(long)]
    config: Option<PathBuf>,
    /// CLUSTER/ROLE/ENV/NAME/INSTANCE: the instance to clone.
    #[arg(value_parser = spec::parse_task_instance)]
    task_instance: TaskInstance,
    /// Number of instances to add.
    instance_count: i64,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// CLUSTER[/ROLE[/ENV[/NAME]]], `*` for any part.
    jobspec: String,
    /// Print the tasks as JSON, in the shape Aurora's client prints.
    #[arg(long)]
    write_json: bool,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// CLUSTER[/ROLE[/ENV[/NAME]]], `*` for any part (default: every job).
    jobspec: Option<String>,
    /// Print a JSON array of keys (a stand-in extension).
    #[arg(long)]
    write_json: bool,
}

/// A failure with Aurora's exit status and message.
#[derive(Debug)]
struct AuroraExit {
    code: u8,
    message: String,
}

impl std::fmt::Display for AuroraExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AuroraExit {}

fn exit_with(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(AuroraExit {
        code,
        message: message.into(),
    })
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if let Some(exit) = err.downcast_ref::<AuroraExit>() {
                eprintln!("{}", exit.message);
                ExitCode::from(exit.code)
            } else {
                eprintln!("error: aurora stand-in: {err:#}");
                ExitCode::from(1)
            }
        }
    }
}

fn state_dir() -> Option<PathBuf> {
    std::env::var_os(STATE_DIR_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn run(args: &[OsString]) -> Result<u8> {
    // Log first, before parsing, so a test sees every command line heron produced, even a bad one.
    if let Some(dir) = state_dir() {
        let record = CallRecord {
            ts_ms: state::now_ms(),
            pid: std::process::id(),
            cwd: std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
            args: args
                .iter()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
        };
        State::lock(&dir)?.append_call(&record)?;
    }

    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and exit 0; usage errors exit 2, as Aurora's argparse does.
            let _ = e.print();
            return Ok(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let log = Log::new(cli.verbose);
    // CommandLine._execute logs the arguments once they parse.
    log.debug(&format!(
        "Command=({})",
        log::py_repr_list(
            args.iter()
                .skip(1)
                .map(|a| a.to_str().unwrap_or("\u{fffd}"))
        )
    ));
    let Noun::Job { verb } = cli.noun;
    let verb_name = match &verb {
        Verb::Create(_) => "create",
        Verb::Killall(_) => "killall",
        Verb::Kill(_) => "kill",
        Verb::Restart(_) => "restart",
        Verb::Add(_) => "add",
        Verb::Status(_) => "status",
        Verb::List(_) => "list",
    };

    let Some(dir) = state_dir() else {
        return Err(exit_with(
            EXIT_USAGE,
            format!(
                "error: {STATE_DIR_VAR} is not set. This `aurora` is the test stand-in, not Aurora: \
                 set {STATE_DIR_VAR} to a directory where it keeps its jobs (see docs/aurora-standin.md)."
            ),
        ));
    };
    let inj = Injection::from_env(verb_name)
        .map_err(|m| exit_with(EXIT_USAGE, format!("error: aurora stand-in: {m}")))?;

    if inj.delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(inj.delay_ms));
    }
    if inj.hang {
        hang(verb_name, inject::HANG);
    }
    if inj.fail {
        return Err(injected(verb_name, &verb, inj.fail_exit, inject::FAIL));
    }
    if let Some(budget) = inj.fail_count {
        let before = State::lock(&dir)?.bump_fail_count(verb_name)?;
        if before < budget {
            return Err(injected(
                verb_name,
                &verb,
                inj.fail_exit,
                &format!("{} (call {} of {budget})", inject::FAIL_COUNT, before + 1),
            ));
        }
    }

    let out = match &verb {
        Verb::Create(a) => create(&dir, a, log)?,
        Verb::Killall(a) => killall(&dir, a, log)?,
        Verb::Kill(a) => kill(&dir, a, log)?,
        Verb::Restart(a) => restart(&dir, a, log)?,
        Verb::Add(a) => add(&dir, a, log)?,
        Verb::Status(a) => status(&dir, a)?,
        Verb::List(a) => list(&dir, a)?,
    };

    if inj.fail_after {
        let note = format!(
            "aurora stand-in: injected failure after the {verb_name} was applied ({})",
            inject::FAIL_AFTER
        );
        if let Verb::Create(a) = &verb {
            // create's status check failing: print_err and a returned code, so the closing log line follows.
            print_err(&note);
            print_err(&format!("Error occurred while creating job {}", a.jobspec));
            log.terminated(inj.fail_exit);
            return Ok(inj.fail_exit);
        }
        return Err(exit_with(
            inj.fail_exit,
            format!("{note}\nCommand failure:\n\tstand-in: injected failure"),
        ));
    }
    if inj.hang_after {
        hang(verb_name, inject::HANG_AFTER);
    }
    let mut stdout = std::io::stdout().lock();
    for line in &out.stdout {
        writeln!(stdout, "{line}").context("cannot write to stdout")?;
    }
    drop(stdout);
    log.terminated(out.code);
    Ok(out.code)
}

/// What a verb prints on stdout and returns. Its stderr lines (`print_err`, log lines) are
/// written as it goes, as Aurora's are.
#[derive(Default)]
struct Output {
    stdout: Vec<String>,
    code: u8,
}

fn hang(verb: &str, var: &str) -> ! {
    eprintln!("aurora stand-in: {verb} hangs until killed ({var})");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn injected(verb_name: &str, verb: &Verb, code: u8, var: &str) -> anyhow::Error {
    let head = match verb {
        Verb::Create(_) => "Job creation failed due to error:".to_string(),
        Verb::Restart(a) => format!("Error restarting job {}:", a.instance_spec.key),
        _ => "Command failure:".to_string(),
    };
    exit_with(
        code,
        format!("{head}\n\tstand-in: injected failure of `job {verb_name}` ({var})"),
    )
}

fn create(dir: &std::path::Path, a: &CreateArgs, log: Log) -> Result<Output> {
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
fn killall(dir: &std::path::Path, a: &KillallArgs, log: Log) -> Result<Output> {
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

fn kill(dir: &std::path::Path, a: &KillArgs, log: Log) -> Result<Output> {
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

fn restart(dir: &std::path::Path, a: &RestartArgs, log: Log) -> Result<Output> {
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

fn add(dir: &std::path::Path, a: &AddArgs, log: Log) -> Result<Output> {
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

/// `CLUSTER[/ROLE[/ENV[/NAME]]]` with `*` parts, as Aurora's wildcard job keys.
fn matcher(pattern: &str) -> Result<Vec<String>> {
    let parts: Vec<String> = pattern.split('/').map(str::to_string).collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return Err(exit_with(
            EXIT_USAGE,
            format!("job key pattern {pattern:?} is not CLUSTER[/ROLE[/ENV[/NAME]]]"),
        ));
    }
    Ok(parts)
}

fn matches(parts: &[String], job: &JobRecord) -> bool {
    let fields = [&job.cluster, &job.role, &job.environment, &job.name];
    parts.iter().zip(fields).all(|(p, f)| p == "*" || p == f)
}

fn status(dir: &std::path::Path, a: &StatusArgs) -> Result<Output> {
    let parts = matcher(&a.jobspec)?;
    let jobs: Vec<JobRecord> = State::lock(dir)?
        .all_jobs()?
        .into_iter()
        .filter(|j| matches(&parts, j))
        .collect();
    let mut out = Output::default();
    if jobs.is_empty() {
        if a.write_json {
            // Aurora answers scripts with JSON and exit 0 here.
            out.stdout.push(
                serde_json::json!({"jobspec": a.jobspec, "error": "No matching jobs found"})
                    .to_string(),
            );
            return Ok(out);
        }
        // print_err and a returned code: the closing log line follows.
        print_err(&format!("Found no jobs matching {}", a.jobspec));
        out.code = EXIT_INVALID_PARAMETER;
        return Ok(out);
    }
    out.stdout.push(if a.write_json {
        status::write_json(&jobs)
    } else {
        status::pretty(&jobs).trim_end().to_string()
    });
    Ok(out)
}

fn list(dir: &std::path::Path, a: &ListArgs) -> Result<Output> {
    let parts = match &a.jobspec {
        Some(p) => matcher(p)?,
        None => Vec::new(),
    };
    let keys: Vec<String> = State::lock(dir)?
        .all_jobs()?
        .into_iter()
        .filter(|j| matches(&parts, j))
        .map(|j| j.key)
        .collect();
    let mut out = Output::default();
    if a.write_json {
        out.stdout
            .push(serde_json::to_string(&keys).context("cannot serialize keys")?);
    } else {
        out.stdout = keys;
    }
    Ok(out)
}
