//! The update lock: `heron-statemgr lock TOPOLOGY` held as a child for as long as `heron update`
//! works, released when its stdin is closed.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use heron_common::ExitCode;

use super::child::kill_group;
use super::{Runner, Stage, StageError, error_line, signals};

impl Runner {
    /// Starts `heron-statemgr lock TOPOLOGY` and waits until it prints `locked`.
    pub fn lock(&self, topology: &str) -> Result<LockGuard, StageError> {
        let stage = Stage::Statemgr;
        let mut args = self.common_args();
        args.extend(["lock".to_string(), topology.to_string()]);
        let fail = |code: ExitCode, status: Option<i32>, message: String| StageError {
            step: "lock".to_string(),
            program: stage.program().to_string(),
            code,
            status,
            message,
        };
        let mut command = self.command(stage, &args)?;
        let started = Instant::now();
        let mut child = command.stdin(Stdio::piped()).spawn().map_err(|e| {
            fail(
                ExitCode::Failed,
                None,
                format!(
                    "cannot start {}: {e}",
                    std::path::Path::new(command.get_program()).display()
                ),
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
        let deadline = Instant::now() + self.stage_timeout();
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
                            format!("no lock after {} s", self.stage_timeout().as_secs()),
                        ));
                    }
                }
            }
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
