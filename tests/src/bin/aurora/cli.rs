//! The stand-in's command line: Aurora's `job` verbs with the options Heron passes (the ones
//! Heron does not rely on are accepted and ignored), the help text and its environment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::jobfile::JobKey;
use crate::spec::{self, InstanceSpec, TaskInstance};

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
pub(crate) struct Cli {
    /// Aurora's verbose logging (on stderr). `job add` prints the new instance ids only with it.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
    #[command(subcommand)]
    pub(crate) noun: Noun,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Noun {
    /// Work with jobs (the only noun the stand-in knows).
    Job {
        #[command(subcommand)]
        verb: Verb,
    },
}

const VERB_NOTE: &str = "This is the aurora TEST STAND-IN, not Aurora: see `aurora --help` for its \
environment variables (AURORA_STANDIN_STATE_DIR is required) and docs/aurora-standin.md.";

#[derive(Subcommand, Debug)]
pub(crate) enum Verb {
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
pub(crate) enum WaitUntil {
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
pub(crate) struct CreateArgs {
    /// Wait until the instances reach this state (the stand-in's instances are RUNNING at once).
    #[arg(long, value_enum)]
    pub(crate) wait_until: Option<WaitUntil>,
    /// Bind a {{NAME}} reference of the job file to VALUE (repeatable).
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    pub(crate) bindings: Vec<(String, String)>,
    /// Accepted and ignored.
    #[arg(long)]
    pub(crate) open_browser: bool,
    /// CLUSTER/ROLE/ENV/NAME
    #[arg(value_parser = spec::parse_job_key)]
    pub(crate) jobspec: JobKey,
    /// The job file (Heron's rendered heron.aurora).
    pub(crate) config_file: PathBuf,
}

/// Options Aurora's kill and restart commands take; the stand-in checks and ignores them.
#[derive(Args, Debug)]
pub(crate) struct BatchOptions {
    /// Instances per batch (Heron passes 2147483647).
    #[arg(long, value_parser = parse_positive)]
    pub(crate) batch_size: Option<u64>,
    /// Accepted and ignored.
    #[arg(long)]
    pub(crate) max_total_failures: Option<u64>,
    /// Accepted and ignored (a job file for hooks).
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Accepted and ignored.
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    pub(crate) bindings: Vec<(String, String)>,
}

#[derive(Args, Debug)]
pub(crate) struct KillallArgs {
    /// CLUSTER/ROLE/ENV/NAME
    #[arg(value_parser = spec::parse_job_key)]
    pub(crate) jobspec: JobKey,
    #[command(flatten)]
    pub(crate) options: KillOptions,
}

/// Options Aurora's kill and killall commands take besides the batch ones; checked and ignored.
#[derive(Args, Debug)]
pub(crate) struct KillOptions {
    #[command(flatten)]
    pub(crate) batch: BatchOptions,
    /// Accepted and ignored.
    #[arg(long)]
    pub(crate) no_batching: bool,
    /// Accepted and ignored.
    #[arg(long, short = 'm')]
    pub(crate) message: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct KillArgs {
    /// CLUSTER/ROLE/ENV/NAME/IDS
    #[arg(value_parser = spec::parse_instance_spec)]
    pub(crate) instance_spec: InstanceSpec,
    #[command(flatten)]
    pub(crate) options: KillOptions,
    /// Fail when a named instance is not active (otherwise it is skipped).
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Args, Debug)]
pub(crate) struct RestartArgs {
    /// CLUSTER/ROLE/ENV/NAME[/IDS]
    #[arg(value_parser = spec::parse_instance_spec)]
    pub(crate) instance_spec: InstanceSpec,
    #[command(flatten)]
    pub(crate) batch: BatchOptions,
    /// Fail with exit 6 when a named instance is not active.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Accepted and ignored.
    #[arg(long)]
    pub(crate) watch_secs: Option<u64>,
}

#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// Wait until the new instances reach this state (they are RUNNING at once).
    #[arg(long, value_enum)]
    pub(crate) wait_until: Option<WaitUntil>,
    /// Accepted and ignored.
    #[arg(long = "bind", value_name = "NAME=VALUE", value_parser = parse_binding)]
    pub(crate) bindings: Vec<(String, String)>,
    /// Accepted and ignored.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// CLUSTER/ROLE/ENV/NAME/INSTANCE: the instance to clone.
    #[arg(value_parser = spec::parse_task_instance)]
    pub(crate) task_instance: TaskInstance,
    /// Number of instances to add.
    pub(crate) instance_count: i64,
}

#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    /// CLUSTER[/ROLE[/ENV[/NAME]]], `*` for any part.
    pub(crate) jobspec: String,
    /// Print the tasks as JSON, in the shape Aurora's client prints.
    #[arg(long)]
    pub(crate) write_json: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ListArgs {
    /// CLUSTER[/ROLE[/ENV[/NAME]]], `*` for any part (default: every job).
    pub(crate) jobspec: Option<String>,
    /// Print a JSON array of keys (a stand-in extension).
    #[arg(long)]
    pub(crate) write_json: bool,
}
