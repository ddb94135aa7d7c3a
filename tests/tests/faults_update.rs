//! Fault injection at every stage boundary of `heron update` (local disk cluster, aurora
//! stand-in): each stage call in turn (lock, get, `aurora job add`, set packingplan, `aurora job
//! kill`) exits non-zero, is killed by SIGKILL, or hangs past its timeout, before or after doing
//! its work. A failed update must exit with the documented code naming the failed program,
//! release its lock, leave the packing plan agreeing with the Aurora job's containers, and a
//! `heron kill` afterwards must leave nothing. The matrix and its wrappers: faults/support.rs.

#[path = "faults/support.rs"]
mod faults;

use faults::*;
use heron_tests::prelude::*;

/// Containers in the packing plan (from the state) and in the Aurora job (instances minus the
/// tmanager's container 0).
fn containers(s: &Stand, name: &str) -> Result<(usize, usize), String> {
    let out = run(s.statemgr(&["get", "packingplan", name, "--format", "json"]));
    if code(&out) != 0 {
        return Err(format!("no packing plan: {}", describe(&out)));
    }
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let in_plan = plan["container_plans"].as_array().map_or(0, Vec::len);
    let job = s.job(name).ok_or("no Aurora job")?;
    let in_job = job["instances"].as_array().map_or(0, Vec::len);
    Ok((in_plan, in_job.saturating_sub(1)))
}

/// A submitted topology (2 containers), then `heron update` with a fault: scaling up for every
/// call but `aurora job kill`, which only a scale-down makes.
fn update_case(s: &Stand, call: Call, mode: Mode) -> Result<(), String> {
    let name = unique_name("fu");
    submitted(s, &name)?;
    let change: &[&str] = if call.word == "kill" {
        &["--container-number", "1"]
    } else {
        &["--component-parallelism", "count:6"]
    };
    let (out, _) = inject(s, &name, call, mode, fast(s, "update", &name, change))?;
    // The real `lock` releases the lock when heron closes its stdin, after the update is done;
    // a fault after that (exit, crash, hang on the way out) cannot undo a finished update.
    let lock_after =
        call.word == "lock" && matches!(mode, Mode::ExitAfter | Mode::CrashAfter | Mode::HangAfter);
    let want = if lock_after { 0 } else { mode.exit_code() };
    expect_exit(&out, &[want])?;
    if !lock_after && !text(&out.stderr).contains(call.program) {
        return Err(format!(
            "stderr does not name the failed program `{}`\n{}",
            call.program,
            describe(&out)
        ));
    }
    if s.holds_update_lock(&name) {
        return Err(format!("the update lock is left\n{}", describe(&out)));
    }
    let (in_plan, in_job) = containers(s, &name)?;
    if in_plan != in_job {
        return Err(format!(
            "the packing plan has {in_plan} containers but the Aurora job {in_job}\n{}",
            describe(&out)
        ));
    }
    kill_cleans(s, &name, &[0], "the failed update")
}

#[test]
fn update_survives_a_failed_or_crashed_stage_at_every_boundary() {
    matrix("update", &UPDATE_CALLS, &QUICK_MODES, update_case);
}

#[test]
fn update_survives_a_hung_stage_at_every_boundary() {
    matrix("update (hang)", &UPDATE_CALLS, &HANG_MODES, update_case);
}
