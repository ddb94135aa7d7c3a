//! The fault matrix shared by faults_stages.rs (submit, kill, signals, rollback) and
//! faults_update.rs: the ways a stage call fails ([`Mode`]), the stage calls ([`Call`]), the wrapper
//! script that injects a fault into one call, and [`matrix`], which runs every (call, mode) case and
//! prints `faults injected: N, survived: M`.
//!
//! The faults come from wrapper scripts put in place of a stage (`HERON_*_BIN`): a wrapper runs the
//! real program unless its arguments match the stage call under test, then injects its fault and
//! records that it fired (a case whose fault never fired fails: the matrix cannot pass vacuously).
//! Included with `#[path]` (in a folder, so cargo does not build it alone).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

use heron_tests::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    ExitBefore,
    CrashBefore,
    HangBefore,
    ExitAfter,
    CrashAfter,
    HangAfter,
    /// SIGTERM to `heron` itself while this stage runs (the stage then does its work).
    TermHeron,
    /// SIGKILL to `heron` itself while this stage runs (the stage then does its work, orphaned).
    KillHeron,
}

pub const QUICK_MODES: [Mode; 4] = [
    Mode::ExitBefore,
    Mode::CrashBefore,
    Mode::ExitAfter,
    Mode::CrashAfter,
];
pub const HANG_MODES: [Mode; 2] = [Mode::HangBefore, Mode::HangAfter];

impl Mode {
    fn shell(self) -> &'static str {
        match self {
            Mode::ExitBefore => "echo 'error: injected fault: stage failed' >&2; exit 1",
            Mode::CrashBefore => "kill -9 $$",
            Mode::HangBefore => "exec sleep 600",
            Mode::ExitAfter => {
                "\"$REAL\" \"$@\"; echo 'error: injected fault after the real stage ran' >&2; exit 1"
            }
            Mode::CrashAfter => "\"$REAL\" \"$@\"; kill -9 $$",
            Mode::HangAfter => "\"$REAL\" \"$@\"; exec sleep 600",
            Mode::TermHeron => "kill -TERM $PPID; \"$REAL\" \"$@\"; s=$?; touch \"$DONE\"; exit $s",
            Mode::KillHeron => "kill -KILL $PPID; \"$REAL\" \"$@\"; s=$?; touch \"$DONE\"; exit $s",
        }
    }

    /// The documented exit code of `heron` when a stage fails this way: a failed or crashed stage
    /// is 1, a stage killed at its timeout is 5.
    pub fn exit_code(self) -> i32 {
        match self {
            Mode::HangBefore | Mode::HangAfter => 5,
            Mode::TermHeron => 130,
            // Killed by a signal: no exit code at all.
            Mode::KillHeron => -1,
            _ => 1,
        }
    }
}

/// Which program a fault goes into, and the argument that marks the call under test.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub env: &'static str,
    pub program: &'static str,
    pub word: &'static str,
    /// The stage name `heron submit` reports (`submit failed at stage "..."`).
    pub stage: &'static str,
}

const fn uploader(word: &'static str) -> Call {
    Call {
        env: "HERON_UPLOADER_BIN",
        program: "heron-uploader",
        word,
        stage: "upload",
    }
}

const fn statemgr(word: &'static str) -> Call {
    Call {
        env: "HERON_STATEMGR_BIN",
        program: "heron-statemgr",
        word,
        stage: "state",
    }
}

const fn aurora(word: &'static str) -> Call {
    Call {
        env: "HERON_AURORA_BIN",
        program: "aurora",
        word,
        stage: "aurora",
    }
}

pub const UPLOAD: Call = uploader("upload");
pub const UPLOAD_DELETE: Call = uploader("delete");
pub const UPLOAD_UNDO: Call = uploader("undo");
pub const STATE_EXISTS: Call = statemgr("exists");
pub const STATE_CREATE: Call = statemgr("create");
pub const STATE_CLEAN: Call = statemgr("clean");
pub const STATE_GET: Call = statemgr("get");
pub const STATE_LOCK: Call = statemgr("lock");
pub const STATE_SET: Call = statemgr("set");
pub const RENDER: Call = Call {
    env: "HERON_AURORA_RENDER_BIN",
    program: "heron-aurora-render",
    word: "--values",
    stage: "render",
};
pub const AURORA_CREATE: Call = aurora("create");
pub const AURORA_KILLALL: Call = aurora("killall");
pub const AURORA_ADD: Call = aurora("add");
pub const AURORA_KILL: Call = aurora("kill");

pub const SUBMIT_CALLS: [Call; 5] = [STATE_EXISTS, UPLOAD, STATE_CREATE, RENDER, AURORA_CREATE];
pub const KILL_CALLS: [Call; 4] = [STATE_GET, AURORA_KILLALL, STATE_CLEAN, UPLOAD_DELETE];
pub const UPDATE_CALLS: [Call; 5] = [STATE_LOCK, STATE_GET, AURORA_ADD, STATE_SET, AURORA_KILL];
pub const ROLLBACK_CALLS: [Call; 3] = [AURORA_KILLALL, STATE_CLEAN, UPLOAD_UNDO];

/// Writes the wrapper for one case; returns (wrapper, file that records the fault firing).
pub fn wrapper(s: &Stand, id: &str, call: Call, mode: Mode) -> (PathBuf, PathBuf) {
    let fired = s.dir.join(format!("{id}.fired"));
    let real = bin(call.program);
    let body = format!(
        "REAL='{real}'\nDONE='{fired}.done'\n\
         case \" $* \" in\n  *' {word} '*) ;;\n  *) exec \"$REAL\" \"$@\" ;;\nesac\n\
         echo {mode:?} >> '{fired}'\n\
         {fault}",
        real = real.display(),
        word = call.word,
        fired = fired.display(),
        fault = mode.shell(),
    );
    (s.script(&format!("{id}.sh"), &body), fired)
}

/// Runs `cmd` with the fault of (call, mode) wrapped around the stage; `Err` when the fault never
/// fired or `heron` panicked. Returns the output and the path of the fault's record.
pub fn inject(
    s: &Stand,
    name: &str,
    call: Call,
    mode: Mode,
    mut cmd: Command,
) -> Result<(Output, PathBuf), String> {
    let (wrap, fired) = wrapper(s, name, call, mode);
    cmd.env(call.env, &wrap);
    let out = run(&mut cmd);
    if !fired.exists() {
        return Err(format!("the fault never fired\n{}", describe(&out)));
    }
    if text(&out.stderr).contains("panicked") {
        return Err(format!("panic\n{}", describe(&out)));
    }
    Ok((out, fired))
}

/// `Err` unless `heron` exited with one of `want`.
pub fn expect_exit(out: &Output, want: &[i32]) -> Result<(), String> {
    if want.contains(&code(out)) {
        return Ok(());
    }
    let want = match want {
        [one] => one.to_string(),
        many => format!("{many:?}"),
    };
    Err(format!(
        "exit {} instead of {want}\n{}",
        code(out),
        describe(out)
    ))
}

/// A plain `heron kill` after `what`: `Err` unless it exits with one of `want` and leaves nothing.
pub fn kill_cleans(s: &Stand, name: &str, want: &[i32], what: &str) -> Result<(), String> {
    let kill = run(kill_cmd(s, name));
    let left = s.leftovers(name);
    if !want.contains(&code(&kill)) || !left.is_empty() {
        return Err(format!(
            "`heron kill` after {what}: exit {}, left {left:?}\n{}",
            code(&kill),
            describe(&kill)
        ));
    }
    Ok(())
}

/// Short timeouts so hangs end quickly; few kill retries.
pub const FAST: [&str; 8] = [
    "--config-property",
    "heron.cli.stage.timeout.secs=3",
    "--config-property",
    "heron.cli.aurora.timeout.secs=3",
    "--config-property",
    "heron.scheduler.job.max.kill.attempts=2",
    "--config-property",
    "heron.scheduler.job.kill.retry.interval.ms=100",
];

/// `heron <sub> FAST... <spec> <name> <args...>`.
pub fn fast(s: &Stand, sub: &str, name: &str, args: &[&str]) -> Command {
    let mut all: Vec<&str> = FAST.to_vec();
    let sp = spec();
    all.extend([sp.as_str(), name]);
    all.extend(args);
    s.heron(sub, &all)
}

/// `heron submit FAST... <spec> <file> -` of a new YAML topology `name`.
pub fn submit_cmd(s: &Stand, name: &str) -> Command {
    let file = s.yaml_topology(name);
    fast(s, "submit", &file.display().to_string(), &["-"])
}

/// `heron kill FAST... <spec> <name>`.
pub fn kill_cmd(s: &Stand, name: &str) -> Command {
    fast(s, "kill", name, &[])
}

/// A submitted topology `name` (the setup of a kill or update case).
pub fn submitted(s: &Stand, name: &str) -> Result<(), String> {
    let out = run(submit_cmd(s, name));
    if code(&out) != 0 {
        return Err(format!("setup submit failed\n{}", describe(&out)));
    }
    Ok(())
}

pub type CaseFn = fn(&Stand, Call, Mode) -> Result<(), String>;

/// Runs every (call, mode) case, a few at a time (hangs mostly sleep), and reports the count.
pub fn matrix(what: &str, calls: &[Call], modes: &[Mode], f: CaseFn) {
    let s = Stand::local();
    let cases: Vec<(Call, Mode)> = calls
        .iter()
        .flat_map(|c| modes.iter().map(move |m| (*c, *m)))
        .collect();
    let failures = Mutex::new(Vec::new());
    let open_bugs = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some((call, mode)) = cases.get(i) else {
                        break;
                    };
                    let id = format!(
                        "{} {} {} {mode:?}",
                        what.split(' ').next().unwrap_or(what),
                        call.program,
                        call.word
                    );
                    let bug = KNOWN_BUGS.iter().find(|(case, _)| *case == id);
                    match (f(&s, *call, *mode), bug) {
                        (Ok(()), None) => {}
                        (Err(e), None) => failures.lock().unwrap().push(format!("[{id}] {e}")),
                        (Err(e), Some((_, why))) => {
                            open_bugs.lock().unwrap().push(format!("[{id}] {why}\n{e}"))
                        }
                        (Ok(()), Some(_)) => failures.lock().unwrap().push(format!(
                            "[{id}] is survived now: remove it from KNOWN_BUGS in faults/support.rs"
                        )),
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let open_bugs = open_bugs.into_inner().unwrap();
    eprintln!(
        "{what}: faults injected: {}, survived: {}, not survived (open bugs listed in KNOWN_BUGS): {}",
        cases.len(),
        cases.len() - failures.len() - open_bugs.len(),
        open_bugs.len()
    );
    for b in &open_bugs {
        eprintln!("open bug {b}\n");
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} faults not survived:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Faults `heron` does not survive yet: (case, what is wrong). Each still runs with its full
/// expectation and is printed as an open bug; once it is survived the test fails until the entry
/// is removed, so this list cannot go stale. The expectation itself is never relaxed here.
/// Empty now: the last three (a failed package undo in the rollback gave no `heron kill` hint)
/// were fixed in heron-cli's submit.rs.
const KNOWN_BUGS: &[(&str, &str)] = &[];
