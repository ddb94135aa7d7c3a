//! A stage program (or the topology program) as a running child: its stdin written without
//! blocking, stdout and stderr read to their ends, the timeout, and the stop of its whole
//! process group on a timeout or when `heron` is interrupted.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use heron_common::ExitCode;

use super::{
    AURORA_TIMEOUT_KEY, Output, STAGE_TIMEOUT_KEY, Stage, StageError, error_line, signals,
};

/// The least a pipe holds on Linux (one page, also when the user's pipe buffer quota is used up).
pub(super) const SMALLEST_PIPE: usize = 4096;

/// A stage started by [`super::Runner::start`]. Dropped without [`Running::finish`] (an early return),
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
    /// Spawns a stage's `command` (stdout and stderr piped; stdin piped when there is `stdin`)
    /// and writes its input; the clock of its timeout started at `started`.
    pub(super) fn spawn(
        command: &mut Command,
        stage: Stage,
        step: &str,
        stdin: Option<&[u8]>,
        verbose: bool,
        timeout: Duration,
        started: Instant,
    ) -> Result<Running, StageError> {
        let mut child = command.spawn().map_err(|e| StageError {
            step: step.to_string(),
            program: stage.program().to_string(),
            code: ExitCode::Failed,
            status: None,
            message: format!(
                "cannot start {}: {e}",
                std::path::Path::new(command.get_program()).display()
            ),
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
        let readers = collect(&mut child, verbose, stage.program(), &wake);
        Ok(Running {
            stage,
            step: step.to_string(),
            verbose,
            timeout,
            started,
            child: Some(child),
            writer,
            readers: Some(readers),
            wake: Some(wake),
            woken,
        })
    }

    /// Waits for the stage; its output whatever its exit status (timeouts, interrupts are
    /// errors).
    pub fn finish(mut self) -> Result<Output, StageError> {
        self.wait_for_it()
    }

    /// [`Running::finish`], and a non-zero exit is a [`StageError`] too, as [`super::Runner::run`].
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
pub(super) fn kill_group(child: &mut Child) {
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
}
