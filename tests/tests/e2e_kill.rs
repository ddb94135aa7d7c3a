//! `heron kill` on local disk with the aurora stand-in: a job or state already gone (Heron issues
//! #1669 and #1272), a lone packing plan, nothing at all; Aurora's usage error not retried, a plain
//! failure retried; another cluster/role/env refused by kill, activate and restart.

use heron_tests::prelude::*;

#[test]
fn kill_copes_with_a_job_or_state_already_gone() {
    let s = Stand::local();
    let name = unique_name("gone");
    s.submit_yaml(&name);
    // The job is gone (killed by hand), the state is still there (Heron issue #1669).
    let job_key = format!("{}/{name}", spec());
    assert!(s.aurora(&["job", "killall", &job_key]).status.success());
    let out = run_expect(s.manage("kill", &name, &["--format", "json"]), 0);
    let doc = json_of(&out);
    assert_eq!(doc["found"]["aurora_job"], false);
    assert_eq!(doc["found"]["topology"], true);
    s.assert_nothing_left(&name, "after kill of a job already gone");

    // Only part of the state is left (Heron issue #1272): kill removes it.
    s.submit_yaml(&name);
    assert!(
        run(s.statemgr(&["delete", "topology", &name]))
            .status
            .success()
    );
    let out = run_expect(s.manage("kill", &name, &[]), 0);
    assert!(
        text(&out.stderr).contains("not in the state"),
        "{}",
        describe(&out)
    );
    s.assert_nothing_left(&name, "after kill of partial state");

    // Only a packing plan is left and no job: it is found, deleted and reported.
    s.submit_yaml(&name);
    for kind in ["topology", "executionstate", "scheduler"] {
        assert!(run(s.statemgr(&["delete", kind, &name])).status.success());
    }
    assert!(s.aurora(&["job", "killall", &job_key]).status.success());
    let out = run_expect(s.manage("kill", &name, &["--format", "json"]), 0);
    let doc = json_of(&out);
    assert_eq!(
        doc["deleted_state"],
        serde_json::json!(["packingplans"]),
        "{doc}"
    );
    s.assert_nothing_left(&name, "after kill of a lone packing plan");

    // Nothing at all: exit 3, said plainly, and only that (no "killed" line on stdout).
    let out = run_expect(s.manage("kill", &name, &[]), 3);
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("found nothing"),
        "{}",
        describe(&out)
    );
}

#[test]
fn kill_does_not_retry_an_aurora_usage_error_but_retries_a_plain_failure() {
    let s = Stand::local();
    let name = unique_name("killusage");
    s.submit_yaml(&name);
    let killalls = |s: &Stand| s.aurora_calls_of("killall").len();
    // Exit 2 is Aurora's usage error: the same call fails the same way, so one call only.
    let started = std::time::Instant::now();
    let out = run(s
        .manage("kill", &name, &[])
        .faults(&[Fault::Fail("killall"), Fault::FailExit(2)]));
    assert_ne!(code(&out), 0, "{}", describe(&out));
    assert_eq!(killalls(&s), 1, "{}", describe(&out));
    assert!(
        !text(&out.stderr).contains("retrying"),
        "{}",
        describe(&out)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2000),
        "no retry interval was waited: {:?}",
        started.elapsed()
    );
    // A plain failure (exit 1) may pass on the next try: retried, then the kill succeeds.
    run_expect(
        s.heron(
            "kill",
            &[
                "--config-property",
                "heron.scheduler.job.kill.retry.interval.ms=100",
                &spec(),
                &name,
            ],
        )
        .faults(&[Fault::FailCount("killall", 1)]),
        0,
    );
    assert_eq!(
        killalls(&s),
        3,
        "one refused call, then a failed and a good one"
    );
    s.assert_nothing_left(&name, "after the retried kill");
}

#[test]
fn another_cluster_role_env_is_refused_by_kill_and_activate() {
    let s = Stand::local();
    let name = unique_name("who");
    s.submit_yaml(&name);
    let other = format!("{CLUSTER}/someoneelse/{ENV}");
    for sub in ["kill", "activate", "restart"] {
        let out = run(s.heron(sub, &[&other, &name]));
        assert_eq!(code(&out), 2, "{sub}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("does not match"),
            "{sub}: {}",
            describe(&out)
        );
    }
    assert!(
        s.job(&name).is_some(),
        "a refused kill must not touch the job"
    );
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}
