//! `aurora`: a TEST STAND-IN for the Apache Aurora client. It is not Aurora.
//!
//! Aurora (scheduler, Mesos, Thermos) cannot run on the machines where this project is tested, so
//! the tests put this program on `HERON_AURORA_BIN` instead. It accepts the `aurora job ...`
//! command lines Heron issues (heron-aurora.md §2.3), checks the job file like Aurora's client
//! would for the parts Heron relies on, keeps "running" jobs as JSON files in
//! `$AURORA_STANDIN_STATE_DIR`, logs every call, and fails, hangs or slows down on request.
//! Nothing is ever scheduled or executed. See docs/aurora-standin.md.
//!
//! Layout: `aurora/cli.rs` the command line, `aurora/verbs.rs` the verbs that change jobs,
//! `aurora/query.rs` `status` and `list`, `aurora/spec.rs` job keys and instance lists,
//! `aurora/jobfile.rs` the job-file reader, `aurora/state.rs` the state directory,
//! `aurora/status.rs` Aurora's `job status` output, `aurora/inject.rs` failure injection,
//! `aurora/log.rs` the client's log lines (` INFO] ...`), `shared/files.rs` the atomic writes and
//! clock shared with `tmanager-standin`; this file runs one call: it logs it, applies the injected
//! failures, and dispatches to the verb.

// A binary's root module looks for modules next to itself; these live in `aurora/`.
#[path = "aurora/cli.rs"]
mod cli;
#[path = "shared/files.rs"]
mod files;
#[path = "aurora/inject.rs"]
mod inject;
#[path = "aurora/jobfile.rs"]
mod jobfile;
#[path = "aurora/log.rs"]
mod log;
#[path = "aurora/query.rs"]
mod query;
#[path = "aurora/spec.rs"]
mod spec;
#[path = "aurora/state.rs"]
mod state;
#[path = "aurora/status.rs"]
mod status;
#[path = "aurora/verbs.rs"]
mod verbs;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Parser;

use cli::{Cli, Noun, Verb};
use inject::Injection;
use log::{Log, print_err};
use state::{CallRecord, STATE_DIR_VAR, State};

// Aurora client exit codes (apache.aurora.client.cli), kept so the stand-in fails the way Aurora does.
const EXIT_OK: u8 = 0;
const EXIT_USAGE: u8 = 2;
const EXIT_INVALID_CONFIGURATION: u8 = 3;
const EXIT_COMMAND_FAILURE: u8 = 4;
const EXIT_INVALID_PARAMETER: u8 = 6;
const EXIT_API_ERROR: u8 = 10;

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
        Verb::Create(a) => verbs::create(&dir, a, log)?,
        Verb::Killall(a) => verbs::killall(&dir, a, log)?,
        Verb::Kill(a) => verbs::kill(&dir, a, log)?,
        Verb::Restart(a) => verbs::restart(&dir, a, log)?,
        Verb::Add(a) => verbs::add(&dir, a, log)?,
        Verb::Status(a) => query::status(&dir, a)?,
        Verb::List(a) => query::list(&dir, a)?,
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
