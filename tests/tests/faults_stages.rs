//! Fault injection at every stage boundary of `heron submit` and `heron kill` (local disk cluster,
//! aurora stand-in): each stage call in turn exits non-zero, is killed by SIGKILL, or hangs past its
//! timeout, either before doing its work or after doing it (the case a parent cannot see); `heron`
//! itself stopped or killed while each stage runs; and a rollback step failing too. Each time
//! `heron` must exit with the documented code, name the failed stage, and leave nothing behind: no
//! state node, no package, no Aurora job (after a failed kill: once a plain `heron kill` has run, as
//! docs/cli.md says). `heron update`: faults_update.rs. The matrix and its wrappers:
//! faults/support.rs. Every case is counted; the summary line `faults injected: N, survived: M` is
//! printed.

#[path = "faults/support.rs"]
mod faults;

use std::path::PathBuf;

use faults::*;
use heron_tests::prelude::*;

/// One submit with a fault; `Err` says how it was not survived.
fn submit_case(s: &Stand, call: Call, mode: Mode) -> Result<(), String> {
    let name = unique_name("fs");
    let (out, _) = inject(s, &name, call, mode, submit_cmd(s, &name))?;
    expect_exit(&out, &[mode.exit_code()])?;
    let at = format!("submit failed at stage \"{}\"", call.stage);
    if !text(&out.stderr).contains(&at) {
        return Err(format!("stderr does not say `{at}`\n{}", describe(&out)));
    }
    let left = s.leftovers(&name);
    if !left.is_empty() {
        // Say whether `heron kill` can at least recover it.
        let kill = run(kill_cmd(s, &name));
        let after_kill = s.leftovers(&name);
        return Err(format!(
            "left behind after the failed submit: {left:?} (a `heron kill` then exited {} and left {after_kill:?})\n{}",
            code(&kill),
            describe(&out)
        ));
    }
    Ok(())
}

/// A submitted topology, then `heron kill` with a fault, then a plain `heron kill`.
fn kill_case(s: &Stand, call: Call, mode: Mode) -> Result<(), String> {
    let name = unique_name("fk");
    submitted(s, &name)?;
    let (out, _) = inject(s, &name, call, mode, kill_cmd(s, &name))?;
    // Deleting the package is the last step and its failure only a warning (docs/cli.md).
    let (want, names_stage) = if call.word == "delete" {
        (vec![0], "its package was not deleted")
    } else if call.word == "killall" && matches!(mode, Mode::ExitAfter | Mode::CrashAfter) {
        // The first attempt killed the job; heron retries killall, and a killall that finds
        // no job is success (docs/cli.md: kill works when the job is already gone).
        (vec![mode.exit_code(), 0], "aurora")
    } else {
        (vec![mode.exit_code()], call.program)
    };
    expect_exit(&out, &want)?;
    if !text(&out.stderr).contains(names_stage) {
        return Err(format!(
            "stderr does not name the failed stage (`{names_stage}`)\n{}",
            describe(&out)
        ));
    }
    let again = run(kill_cmd(s, &name));
    if ![0, 3].contains(&code(&again)) {
        return Err(format!(
            "the second, plain `heron kill` failed\n{}",
            describe(&again)
        ));
    }
    let left = s.leftovers(&name);
    if !left.is_empty() {
        return Err(format!(
            "left behind after a second `heron kill`: {left:?}\n--- faulty kill ---\n{}\n--- second kill ---\n{}",
            describe(&out),
            describe(&again)
        ));
    }
    Ok(())
}

/// `heron submit` killed (SIGKILL) or stopped (SIGTERM) while a stage runs. SIGTERM: exit 130,
/// the stage named, everything rolled back. SIGKILL: nothing can be rolled back; once the
/// orphaned stage has finished, `heron kill` must remove everything (docs/cli.md).
fn heron_signal_case(s: &Stand, call: Call, mode: Mode) -> Result<(), String> {
    let name = unique_name("fh");
    let (out, fired) = inject(s, &name, call, mode, submit_cmd(s, &name))?;
    expect_exit(&out, &[mode.exit_code()])?;
    if mode == Mode::TermHeron {
        // Before `exists` answered, nothing was changed, so there is no rollback to report.
        let err = text(&out.stderr);
        let at = format!("\"{}\"", call.stage);
        if !err.contains(&at) || (call.word != "exists" && !err.contains("rollback")) {
            return Err(format!(
                "stderr does not name the stage {at} and the rollback\n{}",
                describe(&out)
            ));
        }
        // A stage that was running when heron was stopped may still have finished its
        // work afterwards; what heron knew about is rolled back, `heron kill` finishes the rest.
        let left = s.leftovers(&name);
        if !left.is_empty() {
            return Err(format!(
                "left behind after SIGTERM: {left:?}\n{}",
                describe(&out)
            ));
        }
        return Ok(());
    }
    // The orphaned stage finishes its work on its own; wait for it before cleaning.
    let done = PathBuf::from(format!("{}.done", fired.display()));
    let t0 = std::time::Instant::now();
    while !done.exists() && t0.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    kill_cleans(s, &name, &[0, 3], "heron was killed")
}

/// A rollback step that fails too: `aurora job create` fails after creating the job, and then the
/// rollback's killall, state cleanup or package undo fails. `heron` must still exit with the
/// first failure's code, say which rollback step failed and that `heron kill` finishes the job;
/// `heron kill` then leaves nothing.
fn double_fault_case(s: &Stand, call: Call, mode: Mode) -> Result<(), String> {
    let name = unique_name("fd");
    let mut cmd = submit_cmd(s, &name);
    // The stand-in fails create after making the job (for aurora, behind the killall wrapper).
    cmd.faults(&[Fault::FailAfter("create")]);
    let (out, _) = inject(s, &name, call, mode, cmd)?;
    if code(&out) != 1 {
        return Err(format!(
            "exit {} instead of 1 (the aurora failure)\n{}",
            code(&out),
            describe(&out)
        ));
    }
    let err = text(&out.stderr);
    if !err.contains("submit failed at stage \"aurora\"") || !err.contains("rollback") {
        return Err(format!("no stage or rollback report\n{}", describe(&out)));
    }
    let hint = format!("heron kill {} {name}", spec());
    if !err.contains(&hint) {
        return Err(format!(
            "a rollback step failed but the error does not say to run `{hint}`\n{}",
            describe(&out)
        ));
    }
    kill_cleans(s, &name, &[0, 3], "the failed rollback")
}

#[test]
fn submit_survives_a_failed_or_crashed_stage_at_every_boundary() {
    matrix("submit", &SUBMIT_CALLS, &QUICK_MODES, submit_case);
}

#[test]
fn submit_survives_a_hung_stage_at_every_boundary() {
    matrix("submit (hang)", &SUBMIT_CALLS, &HANG_MODES, submit_case);
}

#[test]
fn submit_stopped_or_killed_while_each_stage_runs() {
    matrix(
        "submit signal",
        &SUBMIT_CALLS,
        &[Mode::TermHeron, Mode::KillHeron],
        heron_signal_case,
    );
}

#[test]
fn kill_survives_a_failed_or_crashed_stage_at_every_boundary() {
    matrix("kill", &KILL_CALLS, &QUICK_MODES, kill_case);
}

#[test]
fn kill_survives_a_hung_stage_at_every_boundary() {
    matrix("kill (hang)", &KILL_CALLS, &HANG_MODES, kill_case);
}

#[test]
fn a_failing_rollback_step_is_reported_and_heron_kill_finishes_it() {
    matrix(
        "submit rollback",
        &ROLLBACK_CALLS,
        &[Mode::ExitBefore, Mode::CrashBefore, Mode::HangBefore],
        double_fault_case,
    );
}

/// The stand-in's own failure switches (docs/aurora-standin.md) on kill: a killall that fails
/// once is retried; one that always fails leaves the state alone (exit 1) for a later kill.
#[test]
fn kill_retries_a_failing_killall_and_leaves_the_state_when_it_never_succeeds() {
    let s = Stand::local();
    let mut injected = 0;
    // Fails once: the retry kills the job, and everything goes.
    let name = unique_name("kr");
    assert_eq!(code(&run(submit_cmd(&s, &name))), 0);
    let out = run(kill_cmd(&s, &name).faults(&[Fault::FailCount("killall", 1)]));
    injected += 1;
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(s.leftovers(&name), Vec::<String>::new());

    // Always fails: exit 1 naming aurora, the job and the state stay; a later kill cleans.
    let name = unique_name("kr");
    assert_eq!(code(&run(submit_cmd(&s, &name))), 0);
    let out = run(kill_cmd(&s, &name).faults(&[Fault::Fail("killall")]));
    injected += 1;
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(text(&out.stderr).contains("aurora"), "{}", describe(&out));
    assert!(
        s.job(&name).is_some(),
        "the job is gone though killall failed"
    );
    assert!(
        s.state_nodes(&name).contains(&"topologies".to_string()),
        "the state was deleted though the job still runs"
    );
    run_expect(kill_cmd(&s, &name), 0);
    assert_eq!(s.leftovers(&name), Vec::<String>::new());
    eprintln!("aurora stand-in killall faults injected: {injected}, survived: {injected}");
}
