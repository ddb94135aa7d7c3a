//! Finding and running the stage programs (docs/stage-contract.md).
//!
//! Each stage is a child process: arguments on argv, data on stdin/stdout, diagnostics on stderr,
//! the outcome in the exit code. [`Runner::run`] adds the common arguments, enforces the stage
//! timeout, kills the child when `heron` is interrupted, and turns a failure into a
//! [`StageError`] that names the stage and quotes the child's own `error:` line.

pub mod aurora;
pub mod signals;
pub mod state;
pub mod tmanager;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use heron_common::ExitCode;
use heron_common::config::Config;

use crate::cli::args::ClusterSpec;

/// A program `heron` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// `heron-uploader`.
    Uploader,
    /// `heron-statemgr`.
    Statemgr,
    /// `heron-aurora-render`.
    Render,
    /// The `aurora` client.
    Aurora,
}

impl Stage {
    /// The program's file name.
    pub fn program(self) -> &'static str {
        match self {
            Stage::Uploader => "heron-uploader",
            Stage::Statemgr => "heron-statemgr",
            Stage::Render => "heron-aurora-render",
            Stage::Aurora => "aurora",
        }
    }

    /// The environment variable that replaces the program.
    pub fn env_var(self) -> &'static str {
        match self {
            Stage::Uploader => heron_common::env::UPLOADER_BIN,
            Stage::Statemgr => heron_common::env::STATEMGR_BIN,
            Stage::Render => heron_common::env::AURORA_RENDER_BIN,
            Stage::Aurora => heron_common::env::AURORA_BIN,
        }
    }

    /// The cluster config key that replaces the program.
    pub fn config_key(self) -> &'static str {
        match self {
            Stage::Uploader => "heron.cli.stage.uploader",
            Stage::Statemgr => "heron.cli.stage.statemgr",
            Stage::Render => "heron.cli.stage.render",
            Stage::Aurora => "heron.cli.stage.aurora",
        }
    }
}

/// The least a pipe holds on Linux (one page, also when the user's pipe buffer quota is used up).
const SMALLEST_PIPE: usize = 4096;

/// Config key: seconds a stage program may run before it is killed (default 300).
pub const STAGE_TIMEOUT_KEY: &str = "heron.cli.stage.timeout.secs";
/// Config key: seconds an `aurora` command may run before it is killed (default 1800).
pub const AURORA_TIMEOUT_KEY: &str = "heron.cli.aurora.timeout.secs";

const DEFAULT_STAGE_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_AURORA_TIMEOUT: Duration = Duration::from_secs(1800);

/// A stage that failed, was killed on timeout, or was interrupted.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct StageError {
    /// What `heron` was doing ("upload", "state", "aurora job create", ...).
    pub step: String,
    /// The program's file name.
    pub program: String,
    /// The exit code `heron` reports for it.
    pub code: ExitCode,
    /// The child's exit status, if it exited.
    pub status: Option<i32>,
    /// The child's final `error:` line (or its last stderr line, or our own reason).
    pub message: String,
}

impl StageError {
    fn describe(&self) -> String {
        let how = match self.status {
            Some(s) => format!("{} exited {s}", self.program),
            None => self.program.clone(),
        };
        format!("stage \"{}\" failed ({how}): {}", self.step, self.message)
    }
}

/// What a child printed.
#[derive(Debug, Clone)]
pub struct Output {
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: String,
    /// Its exit status.
    pub status: i32,
}

impl Output {
    /// stdout as trimmed text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).trim().to_string()
    }
}

/// Runs stage programs for one cluster/role/env.
#[derive(Debug)]
pub struct Runner {
    /// `--config-path`.
    pub config_path: PathBuf,
    /// The job's cluster/role/env.
    pub spec: ClusterSpec,
    /// The override file with the user's `--config-property` values.
    pub override_file: Option<PathBuf>,
    /// `--verbose`.
    pub verbose: bool,
    programs: HashMap<Stage, PathBuf>,
    /// Extra environment for every stage child (e.g. the Aurora stand-in's state folder).
    child_env: Vec<(String, std::ffi::OsString)>,
    stage_timeout: Duration,
    aurora_timeout: Duration,
}

impl Runner {
    /// Resolves every stage program now, so a missing one is reported before any work.
    pub fn new(
        config_path: PathBuf,
        spec: ClusterSpec,
        override_file: Option<PathBuf>,
        verbose: bool,
        config: &Config,
    ) -> anyhow::Result<Runner> {
        let secs = |key: &str, default: Duration| -> anyhow::Result<Duration> {
            Ok(config
                .get_u64(key)?
                .map(Duration::from_secs)
                .unwrap_or(default))
        };
        let mut programs = HashMap::new();
        for stage in [
            Stage::Uploader,
            Stage::Statemgr,
            Stage::Render,
            Stage::Aurora,
        ] {
            if let Some(path) = locate(stage, config)? {
                programs.insert(stage, path);
            }
        }
        Ok(Runner {
            config_path,
            spec,
            override_file,
            verbose,
            programs,
            child_env: Vec::new(),
            stage_timeout: secs(STAGE_TIMEOUT_KEY, DEFAULT_STAGE_TIMEOUT)?,
            aurora_timeout: secs(AURORA_TIMEOUT_KEY, DEFAULT_AURORA_TIMEOUT)?,
        })
    }

    /// The program for a stage, or an error saying how to provide it.
    pub fn program(&self, stage: Stage) -> Result<&Path, StageError> {
        self.programs.get(&stage).map(PathBuf::as_path).ok_or_else(|| StageError {
            step: stage.program().to_string(),
            program: stage.program().to_string(),
            code: ExitCode::NotFound,
            status: None,
            message: if stage == Stage::Aurora {
                format!(
                    "no `aurora` client found (not next to `heron`, not on PATH): {}; or set the config key `{}`",
                    crate::commands::doctor::AURORA_FIX,
                    stage.config_key()
                )
            } else {
                format!(
                    "cannot find the program `{}`: not next to `heron`, not on PATH; set {} or the config key `{}`",
                    stage.program(),
                    stage.env_var(),
                    stage.config_key()
                )
            },
        })
    }

    /// Replaces the program of a stage (after [`aurora_client`] picked the Aurora client).
    pub fn set_program(&mut self, stage: Stage, path: PathBuf) {
        self.programs.insert(stage, path);
    }

    /// Adds an environment variable for every stage child.
    pub fn set_child_env(&mut self, name: &str, value: impl Into<std::ffi::OsString>) {
        self.child_env.push((name.to_string(), value.into()));
    }

    /// The arguments every stage of ours takes (not `aurora`).
    pub fn common_args(&self) -> Vec<String> {
        let mut args = vec![
            "--config-path".to_string(),
            self.config_path.display().to_string(),
            "--cluster".to_string(),
            self.spec.cluster.clone(),
            "--role".to_string(),
            self.spec.role.clone(),
            "--environ".to_string(),
            self.spec.environ.clone(),
        ];
        if let Some(file) = &self.override_file {
            args.push("--override-config-file".to_string());
            args.push(file.display().to_string());
        }
        if self.verbose {
            args.push("--verbose".to_string());
        }
        args
    }

    /// The timeout of stage programs (also used for the topology program).
    pub fn stage_timeout(&self) -> Duration {
        self.stage_timeout
    }

    fn timeout(&self, stage: Stage) -> Duration {
        if stage == Stage::Aurora {
            self.aurora_timeout
        } else {
            self.stage_timeout
        }
    }

    /// Runs a stage to completion; a non-zero exit is a [`StageError`].
    pub fn run(
        &self,
        stage: Stage,
        step: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Output, StageError> {
        self.start(stage, step, args, stdin)?.finish_ok()
    }

    /// Runs a stage and returns its output whatever its exit status (timeouts, interrupts and
    /// spawn failures are still errors).
    pub fn run_status(
        &self,
        stage: Stage,
        step: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Output, StageError> {
        self.start(stage, step, args, stdin)?.finish()
    }

    /// Starts a stage and returns at once; [`Running::finish`] waits for it like
    /// [`Runner::run_status`]. The way to run stages side by side: the children start from this
    /// thread straight away, not whenever a new thread gets a core.
    pub fn start(
        &self,
        stage: Stage,
        step: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Running, StageError> {
        let program = self.program(stage)?.to_path_buf();
        let started = Instant::now();
        if self.verbose {
            eprintln!("[heron] run: {}", display_command(&program, args));
        }
        let mut command = Command::new(&program);
        command
            .args(args)
            .envs(self.child_env.iter().map(|(k, v)| (k, v)))
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: a Ctrl-C at the terminal reaches `heron` only, which then
            // stops the child itself and rolls back in order.
            .process_group(0);
        let mut child = command.spawn().map_err(|e| StageError {
            step: step.to_string(),
            program: stage.program().to_string(),
            code: ExitCode::Failed,
            status: None,
            message: format!("cannot start {}: {e}", program.display()),
        })?;
        // A child that exits without reading all its input is judged by its exit code, so write
        // errors are ignored. Input that fits in an empty pipe's smallest capacity (one 4 KiB
        // page) cannot block and is written here (the state and the render values are 1-2 KiB);
        // more is written by a thread, so a child that never reads cannot hang `heron`.
        let mut writer = None;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            if data.len() <= SMALLEST_PIPE {
                let _ = pipe.write_all(data);
            } else {
                let data = data.to_vec();
                writer = Some(std::thread::spawn(move || {
                    let _ = pipe.write_all(&data);
                }));
            }
        }
        let (wake, woken) = std::sync::mpsc::channel();
        let readers = collect(&mut child, self.verbose, stage.program(), &wake);
        Ok(Running {
            stage,
            step: step.to_string(),
            verbose: self.verbose,
            timeout: self.timeout(stage),
            started,
            child: Some(child),
            writer,
            readers: Some(readers),
            wake: Some(wake),
            woken,
        })
    }

    /// Starts `heron-statemgr lock TOPOLOGY` and waits until it prints `locked`.
    pub fn lock(&self, topology: &str) -> Result<LockGuard, StageError> {
        let stage = Stage::Statemgr;
        let program = self.program(stage)?.to_path_buf();
        let mut args = self.common_args();
        args.extend(["lock".to_string(), topology.to_string()]);
        let fail = |code: ExitCode, status: Option<i32>, message: String| StageError {
            step: "lock".to_string(),
            program: stage.program().to_string(),
            code,
            status,
            message,
        };
        if self.verbose {
            eprintln!("[heron] run: {}", display_command(&program, &args));
        }
        let started = Instant::now();
        let mut child = Command::new(&program)
            .args(&args)
            .envs(self.child_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                fail(
                    ExitCode::Failed,
                    None,
                    format!("cannot start {}: {e}", program.display()),
                )
            })?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr_text = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            let sink = Arc::clone(&stderr_text);
            let verbose = self.verbose;
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    if verbose {
                        eprintln!("[heron-statemgr] {line}");
                    }
                    if let Ok(mut s) = sink.lock() {
                        s.push_str(&line);
                        s.push('\n');
                    }
                }
            });
        }
        let (tx, rx) = std::sync::mpsc::channel::<bool>();
        if let Some(out) = stdout {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(out);
                let mut line = String::new();
                let ok = reader.read_line(&mut line).is_ok() && line.trim() == "locked";
                let _ = tx.send(ok);
                // Drain the rest so the child never blocks on a full pipe.
                let mut sink = Vec::new();
                let _ = reader.read_to_end(&mut sink);
            });
        }
        let deadline = Instant::now() + self.stage_timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(true) => {
                    if self.verbose {
                        eprintln!(
                            "[heron] lock on {topology} held after {} ms",
                            started.elapsed().as_millis()
                        );
                    }
                    return Ok(LockGuard {
                        child: Some(child),
                        stdin,
                    });
                }
                Ok(false) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().ok().and_then(|s| s.code());
                    std::thread::sleep(Duration::from_millis(20));
                    let text = stderr_text.lock().map(|s| s.clone()).unwrap_or_default();
                    return Err(fail(
                        status.map(ExitCode::from_code).unwrap_or(ExitCode::Failed),
                        status,
                        error_line(&text, b""),
                    ));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if signals::should_stop() {
                        kill_group(&mut child);
                        let _ = child.wait();
                        return Err(fail(
                            ExitCode::Interrupted,
                            None,
                            format!("stopped because heron received {}", signals::signal_name()),
                        ));
                    }
                    if Instant::now() > deadline {
                        kill_group(&mut child);
                        let _ = child.wait();
                        return Err(fail(
                            ExitCode::Unavailable,
                            None,
                            format!("no lock after {} s", self.stage_timeout.as_secs()),
                        ));
                    }
                }
            }
        }
    }
}

/// A stage started by [`Runner::start`]. Dropped without [`Running::finish`] (an early return),
/// it is still waited for, stopped on a signal or at its timeout as usual, so `heron` never
/// leaves a child of its own running behind it.
#[derive(Debug)]
pub struct Running {
    stage: Stage,
    step: String,
    verbose: bool,
    timeout: Duration,
    started: Instant,
    child: Option<Child>,
    writer: Option<std::thread::JoinHandle<()>>,
    readers: Option<Readers>,
    wake: Option<std::sync::mpsc::Sender<Wake>>,
    woken: std::sync::mpsc::Receiver<Wake>,
}

impl Running {
    /// Waits for the stage; its output whatever its exit status (timeouts, interrupts are
    /// errors), as [`Runner::run_status`].
    pub fn finish(mut self) -> Result<Output, StageError> {
        self.wait_for_it()
    }

    /// [`Running::finish`], and a non-zero exit is a [`StageError`] too, as [`Runner::run`].
    pub fn finish_ok(self) -> Result<Output, StageError> {
        let stage = self.stage;
        let step = self.step.clone();
        let out = self.finish()?;
        if out.status == 0 {
            Ok(out)
        } else {
            Err(StageError {
                step,
                program: stage.program().to_string(),
                code: ExitCode::from_code(out.status),
                status: Some(out.status),
                message: error_line(&out.stderr, &out.stdout),
            })
        }
    }

    fn wait_for_it(&mut self) -> Result<Output, StageError> {
        let stage = self.stage;
        let fail = |code: ExitCode, message: String| StageError {
            step: self.step.clone(),
            program: stage.program().to_string(),
            code,
            status: None,
            message,
        };
        let (Some(mut child), Some(wake), Some((stdout_reader, stderr_reader))) =
            (self.child.take(), self.wake.take(), self.readers.take())
        else {
            return Err(fail(ExitCode::Failed, "already waited for".to_string()));
        };
        let outcome = wait(&mut child, self.started + self.timeout, wake, &self.woken);
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
        let stdout = stdout_reader.join().unwrap_or_default();
        let stderr = stderr_reader.join().unwrap_or_default();
        if self.verbose {
            eprintln!(
                "[heron] {} finished in {:.1} ms ({})",
                stage.program(),
                self.started.elapsed().as_secs_f64() * 1000.0,
                match &outcome {
                    Ok(code) => format!("exit {code}"),
                    Err(Waited::TimedOut) => "timed out".to_string(),
                    Err(Waited::Interrupted) => "interrupted".to_string(),
                    Err(Waited::Io(e)) => e.clone(),
                }
            );
        }
        match outcome {
            Ok(status) => Ok(Output {
                stdout,
                stderr,
                status,
            }),
            Err(Waited::TimedOut) => Err(fail(
                ExitCode::Unavailable,
                format!(
                    "killed after {} s without finishing; raise `{}` if the stage needs longer",
                    self.timeout.as_secs(),
                    if stage == Stage::Aurora {
                        AURORA_TIMEOUT_KEY
                    } else {
                        STAGE_TIMEOUT_KEY
                    }
                ),
            )),
            Err(Waited::Interrupted) => Err(fail(
                ExitCode::Interrupted,
                format!("stopped because heron received {}", signals::signal_name()),
            )),
            Err(Waited::Io(e)) => Err(fail(ExitCode::Failed, e)),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.wait_for_it();
        }
    }
}

/// The update lock; released when dropped (the holder's stdin is closed, then it is awaited).
#[derive(Debug)]
pub struct LockGuard {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
}

impl LockGuard {
    /// Releases the lock and waits for the holder to exit.
    pub fn release(mut self) {
        self.release_inner();
    }

    fn release_inner(&mut self) {
        drop(self.stdin.take());
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() > deadline => {
                        kill_group(&mut child);
                        let _ = child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.release_inner();
    }
}

/// How a plain child program ended (see [`run_command`]).
#[derive(Debug)]
pub enum Ended {
    /// It exited; its output and status.
    Exited(Output),
    /// It ran past the timeout and was killed.
    TimedOut,
    /// `heron` got SIGINT/SIGTERM and killed it.
    Interrupted,
}

/// Runs a program that is not a stage (the topology program) with the same rules: its own
/// process group, a timeout, killed when `heron` is interrupted. stdin is closed.
pub fn run_command(command: &mut Command, timeout: Duration) -> std::io::Result<Ended> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn()?;
    let (wake, woken) = std::sync::mpsc::channel();
    let (out, err) = collect(&mut child, false, "", &wake);
    let outcome = wait(&mut child, Instant::now() + timeout, wake, &woken);
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match outcome {
        Ok(status) => Ok(Ended::Exited(Output {
            stdout,
            stderr,
            status,
        })),
        Err(Waited::TimedOut) => Ok(Ended::TimedOut),
        Err(Waited::Interrupted) => Ok(Ended::Interrupted),
        Err(Waited::Io(e)) => Err(std::io::Error::other(e)),
    }
}

/// How long a stage has to clean up after SIGTERM (remove its temp files, abort a multipart
/// upload, close its ZooKeeper session) before its process group is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Stops a child and everything in its process group (each child gets a group of its own, so a
/// wrapper script's own children do not live on holding the output pipes): SIGTERM first, so the
/// stage binaries run their own cleanup, then SIGKILL to whatever is left after [`STOP_GRACE`].
/// A SIGKILL straight away left an uploader's half-written temp file behind. `kill(1)` sends the
/// group signals: the crate uses no `unsafe`.
fn kill_group(child: &mut Child) {
    let pgid = child.id();
    signal_group(pgid, "-TERM");
    let deadline = Instant::now() + STOP_GRACE;
    // The direct child first, then the rest of its group (a wrapper shell dies at once on
    // SIGTERM while the stage it started is still cleaning up).
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            _ => break,
        }
    }
    while Instant::now() < deadline && group_alive(pgid) {
        std::thread::sleep(Duration::from_millis(5));
    }
    signal_group(pgid, "-KILL");
    let _ = child.kill();
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(signal)
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// True while a live (not zombie) process is in process group `pgid`, read from /proc. Without
/// /proc this says false: the caller has waited for the direct child already.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| stat_group(&stat))
            .is_some_and(|(state, group)| group == pgid && !matches!(state, 'Z' | 'X'))
    })
}

/// (state, process group) from a /proc/PID/stat line: `pid (comm) state ppid pgrp ...`; the
/// command name may itself hold spaces and parentheses, so fields are counted after the last `)`.
fn stat_group(stat: &str) -> Option<(char, u32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    Some((state, group))
}

enum Waited {
    TimedOut,
    Interrupted,
    Io(String),
}

/// Why the thread waiting for a child woke up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// One of the child's output pipes reached its end (the child exited, or closed it).
    Closed,
    /// `heron` received SIGINT/SIGTERM.
    Signal,
}

/// The longest the waiter sleeps without a check: only a child that exits while something else
/// (a process it started) still holds its output pipes is noticed this late.
const MAX_PAUSE: Duration = Duration::from_millis(10);

/// Waits for the child. Nothing is polled at a fixed rate: the waiter sleeps until both output
/// pipes are closed (as they are when the child exits), a signal arrives, or the timeout; then it
/// reaps the child, a few microseconds after the pipes closed (the process is finishing its exit),
/// checking again at doubling pauses up to [`MAX_PAUSE`]. The fixed 1 ms poll it replaces cost
/// each of a submit's sequential stages half a millisecond on average (issue 9).
fn wait(
    child: &mut Child,
    deadline: Instant,
    wake: std::sync::mpsc::Sender<Wake>,
    woken: &std::sync::mpsc::Receiver<Wake>,
) -> Result<i32, Waited> {
    let _signals = signals::wake_on_signal(move || {
        let _ = wake.send(Wake::Signal);
    });
    let mut closed = 0;
    let mut reap_pause = Duration::from_micros(20);
    loop {
        match child.try_wait() {
            // A signal that arrived while the stage ran belongs to this stage, even when the child
            // finished before it was noticed: the caller rolls back what the stage may have done
            // (every stage with an effect is logged before it runs) and names this stage.
            Ok(Some(_)) if signals::should_stop() => return Err(Waited::Interrupted),
            Ok(Some(status)) => return Ok(status.code().unwrap_or(1)),
            Ok(None) => {}
            Err(e) => return Err(Waited::Io(format!("cannot wait for the child: {e}"))),
        }
        if signals::should_stop() {
            kill_group(child);
            let _ = child.wait();
            return Err(Waited::Interrupted);
        }
        let now = Instant::now();
        if now >= deadline {
            kill_group(child);
            let _ = child.wait();
            return Err(Waited::TimedOut);
        }
        let pause = if closed >= 2 {
            let p = reap_pause;
            reap_pause = (reap_pause * 2).min(MAX_PAUSE);
            p
        } else {
            MAX_PAUSE
        };
        match woken.recv_timeout(pause.min(deadline - now)) {
            Ok(Wake::Closed) => closed += 1,
            // A signal is handled at the top of the loop, as is a pause that ran out. The channel
            // cannot disconnect while the signal waker holds a sender.
            Ok(Wake::Signal) | Err(_) => {}
        }
    }
}

type Readers = (
    std::thread::JoinHandle<Vec<u8>>,
    std::thread::JoinHandle<String>,
);

/// Reads the child's stdout and stderr to their ends on two threads; each sends
/// [`Wake::Closed`] on `wake` when its pipe is closed.
fn collect(
    child: &mut Child,
    verbose: bool,
    name: &'static str,
    wake: &std::sync::mpsc::Sender<Wake>,
) -> Readers {
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_wake = wake.clone();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stdout {
            let _ = s.read_to_end(&mut buf);
        }
        let _ = out_wake.send(Wake::Closed);
        buf
    });
    let err_wake = wake.clone();
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr {
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if verbose {
                    eprintln!("[{name}] {line}");
                }
                text.push_str(&line);
                text.push('\n');
            }
        }
        let _ = err_wake.send(Wake::Closed);
        text
    });
    (out, err)
}

/// The child's final `error:` line, else its last stderr line that says what went wrong, else
/// its last stdout line.
///
/// Aurora's client logs to stderr through twitter.common's `PlainFormatter`: `DEBUG] `, ` INFO] `,
/// ` WARN] `, `ERROR] `, `FATAL] ` before the message. Its debug, info and warning lines are
/// progress, and a failed verb ends with ` INFO] Command terminated with error code N`, so the
/// cause is the last line that is not one of those (an `ERROR]` line counts, without its prefix).
pub fn error_line(stderr: &str, stdout: &[u8]) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(line) = lines.iter().rev().find(|l| l.starts_with("error:")) {
        return line.trim_start_matches("error:").trim().to_string();
    }
    let cause = lines
        .iter()
        .rev()
        .find_map(|l| match crate::stages::aurora::log_line(l) {
            Some((level, _)) if level != "ERROR" && level != "FATAL" => None,
            Some((_, message)) => Some(message),
            None => Some(l),
        })
        .or_else(|| {
            let last = lines.last()?;
            Some(crate::stages::aurora::log_line(last).map_or(*last, |(_, message)| message))
        });
    if let Some(line) = cause {
        return line.to_string();
    }
    let out = String::from_utf8_lossy(stdout);
    out.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| "no error message".to_string())
}

/// Finds a stage program: env var, config key, next to `heron`, PATH.
pub fn locate(stage: Stage, config: &Config) -> anyhow::Result<Option<PathBuf>> {
    if let Some(value) = std::env::var_os(stage.env_var()).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(value);
        return find_program(&path).map(Some).ok_or_else(|| {
            anyhow::Error::new(heron_common::error::CodedError::new(
                ExitCode::NotFound,
                format!(
                    "{} names {}, which is not an executable file",
                    stage.env_var(),
                    path.display()
                ),
            ))
        });
    }
    if let Some(value) = config.get_str(stage.config_key())? {
        let path = PathBuf::from(&value);
        return find_program(&path).map(Some).ok_or_else(|| {
            anyhow::Error::new(heron_common::error::CodedError::new(
                ExitCode::NotFound,
                format!(
                    "config key `{}`{} names {value}, which is not an executable file",
                    stage.config_key(),
                    config
                        .origin(stage.config_key())
                        .map(|p| format!(" (in {})", p.display()))
                        .unwrap_or_default()
                ),
            ))
        });
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        let candidate = dir.join(stage.program());
        if is_executable(&candidate) {
            return Ok(Some(candidate));
        }
    }
    Ok(find_program(Path::new(stage.program())))
}

/// Where the Aurora client came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `HERON_AURORA_BIN`.
    EnvVar,
    /// The config key `heron.cli.stage.aurora`.
    ConfigKey,
    /// Next to the `heron` executable.
    NextToHeron,
    /// On PATH.
    Path,
}

/// The Aurora client `heron` will run.
#[derive(Debug, Clone)]
pub struct AuroraClient {
    /// Its path.
    pub path: PathBuf,
    /// How it was found.
    pub found: Found,
    /// Whether it is the workspace's test stand-in (tests/src/bin/aurora.rs), not Aurora.
    pub standin: bool,
}

impl AuroraClient {
    /// Whether the stand-in was picked because no Aurora client was found (not named by the user).
    pub fn is_fallback(&self) -> bool {
        self.standin && matches!(self.found, Found::NextToHeron | Found::Path)
    }
}

/// What the stand-in says about itself in its `--help` (tests/src/bin/aurora.rs, `ABOUT`).
const STANDIN_MARKER: &str = "TEST STAND-IN for the Apache Aurora client";

/// Whether the program at `path` is the workspace's Aurora stand-in: its `--help` says so. The
/// stand-in's state variable is removed for the probe, so the probe is not logged as a call.
pub fn is_aurora_standin(path: &Path) -> bool {
    let mut command = Command::new(path);
    command.arg("--help").env_remove("AURORA_STANDIN_STATE_DIR");
    match run_command(&mut command, Duration::from_secs(5)) {
        Ok(Ended::Exited(out)) => String::from_utf8_lossy(&out.stdout).contains(STANDIN_MARKER),
        _ => false,
    }
}

/// Finds the Aurora client like [`locate`], but a stand-in next to `heron` (a debug build's
/// `target/debug/aurora`) gives way to a real `aurora` on PATH. A client named by
/// `HERON_AURORA_BIN` or the config key is asked whether it is the stand-in only when
/// `probe_named` (doctor wants to say so; submit runs what it was told).
pub fn aurora_client(config: &Config, probe_named: bool) -> anyhow::Result<Option<AuroraClient>> {
    let stage = Stage::Aurora;
    let named = std::env::var_os(stage.env_var()).is_some_and(|v| !v.is_empty());
    let keyed = !named && config.get_str(stage.config_key())?.is_some();
    if named || keyed {
        return Ok(locate(stage, config)?.map(|path| AuroraClient {
            standin: probe_named && is_aurora_standin(&path),
            path,
            found: if named {
                Found::EnvVar
            } else {
                Found::ConfigKey
            },
        }));
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(stage.program())))
        .filter(|p| is_executable(p));
    let on_path = find_program(Path::new(stage.program()));
    let mut candidates = Vec::new();
    if let Some(p) = beside {
        candidates.push((p, Found::NextToHeron));
    }
    if let Some(p) = on_path
        && !candidates.iter().any(|(c, _)| c == &p)
    {
        candidates.push((p, Found::Path));
    }
    let mut fallback = None;
    for (path, found) in candidates {
        let standin = is_aurora_standin(&path);
        if !standin {
            return Ok(Some(AuroraClient {
                path,
                found,
                standin,
            }));
        }
        fallback.get_or_insert(AuroraClient {
            path,
            found,
            standin,
        });
    }
    Ok(fallback)
}

/// A path with a `/` as is; a bare name on PATH.
fn find_program(path: &Path) -> Option<PathBuf> {
    if path.components().count() > 1 || path.is_absolute() {
        return is_executable(path).then(|| path.to_path_buf());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(path))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A command line for `--verbose`, with anything secret-looking masked.
pub fn display_command(program: &Path, args: &[String]) -> String {
    let mut parts = vec![shell_quote(&program.display().to_string())];
    parts.extend(args.iter().map(|a| shell_quote(&mask(a))));
    parts.join(" ")
}

const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "access_key",
    "access-key",
    "token",
    "credential",
];

/// `key=value` with a secret-looking key → `key=****`.
pub fn mask(arg: &str) -> String {
    if let Some((key, _)) = arg.split_once('=') {
        let lower = key.to_ascii_lowercase();
        if heron_common::config::keys::SECRET_KEYS.contains(&key.trim())
            || SECRET_WORDS.iter().any(|w| lower.contains(w))
        {
            return format!("{key}=****");
        }
    }
    arg.to_string()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_give_state_and_group_even_with_odd_command_names() {
        assert_eq!(
            stat_group("4242 (heron-uploader) S 4200 4242 4100 0 -1 4194560"),
            Some(('S', 4242))
        );
        assert_eq!(
            stat_group("7 (a) b (c) Z 1 99 99 0"),
            Some(('Z', 99)),
            "fields are counted after the last parenthesis"
        );
        assert_eq!(stat_group("garbage"), None);
    }

    #[test]
    fn a_stage_stopped_on_timeout_gets_sigterm_and_time_to_clean_up() {
        let dir = std::env::temp_dir().join(format!("heron-stop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cleaned = dir.join("cleaned");
        // The shell sets its trap, then hangs; SIGTERM runs the trap, which takes a while (as
        // an uploader removing its temp file or aborting a multipart upload does).
        let script = format!(
            "trap 'sleep 0.3; touch {}; exit 0' TERM; while :; do sleep 0.05; done",
            cleaned.display()
        );
        let started = Instant::now();
        let ended = run_command(
            Command::new("sh").arg("-c").arg(&script),
            Duration::from_millis(300),
        )
        .unwrap();
        assert!(matches!(ended, Ended::TimedOut));
        assert!(
            cleaned.exists(),
            "the stage was killed before its SIGTERM cleanup finished"
        );
        assert!(
            started.elapsed() < STOP_GRACE,
            "waited the whole grace period"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn exits_are_seen_whether_or_not_the_pipes_close_with_them() {
        // Pipes closed by the exit: the usual case.
        let ended = run_command(
            Command::new("sh")
                .arg("-c")
                .arg("echo out; echo err >&2; exit 7"),
            Duration::from_secs(20),
        )
        .unwrap();
        let Ended::Exited(out) = ended else {
            panic!("{ended:?}")
        };
        assert_eq!((out.status, out.text().as_str()), (7, "out"));
        assert_eq!(out.stderr, "err\n");
        // A background process keeps the pipes open after the child exited: the exit is still
        // noticed (at the slower pace) and the output collected once the pipes close.
        let ended = run_command(
            Command::new("sh")
                .arg("-c")
                .arg("(sleep 0.3; echo late) & exit 3"),
            Duration::from_secs(20),
        )
        .unwrap();
        let Ended::Exited(out) = ended else {
            panic!("{ended:?}")
        };
        assert_eq!((out.status, out.text().as_str()), (3, "late"));
    }

    #[test]
    fn stage_input_small_or_large_reaches_the_child_whole() {
        let mut runner = Runner::new(
            PathBuf::from("/nonexistent"),
            ClusterSpec {
                cluster: "c".into(),
                role: "r".into(),
                environ: "e".into(),
            },
            None,
            false,
            &Config::new(),
        )
        .unwrap();
        runner.set_program(Stage::Render, PathBuf::from("/bin/sh"));
        let args = ["-c".to_string(), "wc -c".to_string()];
        // Written on this thread; then by a thread, the child reading it slowly after a pause.
        for size in [0, 3, SMALLEST_PIPE, SMALLEST_PIPE + 1, 1 << 20] {
            let out = runner
                .run(Stage::Render, "render", &args, Some(&vec![b'x'; size]))
                .unwrap();
            assert_eq!(out.text(), size.to_string());
        }
        let slow = ["-c".to_string(), "sleep 0.2; wc -c".to_string()];
        let out = runner
            .run(Stage::Render, "render", &slow, Some(&vec![b'x'; 200_000]))
            .unwrap();
        assert_eq!(out.text(), "200000");
    }

    #[test]
    fn masks_secret_looking_values() {
        assert_eq!(
            mask("heron.uploader.s3.secret_key=abc"),
            "heron.uploader.s3.secret_key=****"
        );
        assert_eq!(
            mask("heron.uploader.s3.access_key=abc"),
            "heron.uploader.s3.access_key=****"
        );
        assert_eq!(
            mask("heron.statemgr.zookeeper.auth.digest=u:p"),
            "heron.statemgr.zookeeper.auth.digest=****"
        );
        assert_eq!(mask("TOPOLOGY_NAME=wc"), "TOPOLOGY_NAME=wc");
        assert_eq!(
            display_command(Path::new("/bin/x"), &["a b".into(), "ZK_PASSWORD=p".into()]),
            "/bin/x 'a b' 'ZK_PASSWORD=****'"
        );
    }

    #[test]
    fn error_line_prefers_the_final_error() {
        assert_eq!(
            error_line("warn: x\nerror: the bucket is gone\nnote\n", b""),
            "the bucket is gone"
        );
        assert_eq!(error_line("something broke\n", b""), "something broke");
        assert_eq!(error_line("", b"out\n"), "out");
        assert_eq!(error_line("", b""), "no error message");
    }
}
