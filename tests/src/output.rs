//! Running a program and saying what it did: the exit code, its streams as text, and one
//! failure message holding both streams, so an assertion that fails shows what the user saw.

use std::borrow::BorrowMut;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Bytes as text (lossy), for output that should be UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit status and both streams, for a failure message.
pub fn describe(out: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Runs `cmd` to the end and returns its output, whatever its exit code.
pub fn run(mut cmd: impl BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Runs `cmd` and asserts its exit code is `want` (the output is in the message when not).
pub fn run_expect(cmd: impl BorrowMut<Command>, want: i32) -> Output {
    let out = run(cmd);
    assert_eq!(code(&out), want, "{}", describe(&out));
    out
}

/// Runs `cmd` with a pseudo-terminal as its stdout (through util-linux's `script`, which every
/// Debian has), its environment as set on `cmd` except `NO_COLOR`, which is `no_color` (unset
/// when `None`). Returns what the terminal showed; stderr goes to the same terminal.
pub fn run_on_a_terminal(cmd: &Command, no_color: Option<&str>) -> Output {
    let quote = |a: &std::ffi::OsStr| format!("'{}'", a.to_string_lossy().replace('\'', r"'\''"));
    let mut shell = quote(cmd.get_program());
    for a in cmd.get_args() {
        shell.push(' ');
        shell.push_str(&quote(a));
    }
    let mut script = Command::new("script");
    script
        .args(["-qec", &shell, "/dev/null"])
        .stdin(Stdio::null());
    if let Some(dir) = cmd.get_current_dir() {
        script.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => script.env(k, v),
            None => script.env_remove(k),
        };
    }
    script.env_remove("NO_COLOR");
    if let Some(v) = no_color {
        script.env("NO_COLOR", v);
    }
    run(script)
}

/// Runs `cmd` with `input` on its stdin.
pub fn run_with_stdin(mut cmd: impl BorrowMut<Command>, input: &[u8]) -> Output {
    let cmd = cmd.borrow_mut();
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input)
        .unwrap_or_else(|e| panic!("cannot write the stdin of {cmd:?}: {e}"));
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cannot wait for {cmd:?}: {e}"))
}

/// The exit code, or -1 when the program was ended by a signal.
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Stdout as one JSON document; panics with the output when it is not one.
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", describe(out)))
}

/// Polls `cond` every 50 ms until it holds; panics naming `what` after `secs` seconds.
pub fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
