//! `heron activate`, `deactivate`, `update` and `restart` through the aurora and tmanager
//! stand-ins on local disk: state changes, runtime config, scaling up and down, restarts, and an
//! update that fails half way (the plan and the Aurora job put back in agreement, the topology
//! reactivated, the lock released).

use heron_tests::prelude::*;

/// Containers in the stored packing plan, and the Aurora job's instances other than 0.
fn plan_and_job(s: &Stand, name: &str) -> (Vec<i64>, Vec<u64>) {
    let live = s
        .job_instances(name)
        .into_iter()
        .filter(|i| *i != 0)
        .collect();
    (s.plan_containers(name), live)
}

#[test]
fn activate_deactivate_update_restart_through_the_stand_ins() {
    let s = Stand::local();
    let name = unique_name("manage");
    s.submit_yaml(&name);

    // No physical plan yet: activate says so (exit 5).
    let out = run_expect(s.manage("deactivate", &name, &[]), 5);
    assert!(
        text(&out.stderr).contains("no physical plan"),
        "{}",
        describe(&out)
    );

    s.write_bare_pplan(&name);
    let log = s.dir.join("tm.log");
    let tm = TManager::start(&s, &name, Some(&log));

    run_expect(s.manage("deactivate", &name, &[]), 0);
    assert_eq!(s.pplan_state(&name), "PAUSED");
    let out = run_expect(s.manage("deactivate", &name, &["--format", "json"]), 0);
    assert_eq!(json_of(&out)["changed"], false);
    run_expect(s.manage("activate", &name, &[]), 0);
    assert_eq!(s.pplan_state(&name), "RUNNING");

    run_expect(
        s.manage("update", &name, &["--runtime-config", "count:my.key:7"]),
        0,
    );
    let tm_log = std::fs::read_to_string(&log).unwrap();
    assert!(tm_log.contains("count:my.key:7"), "{tm_log}");

    // Scale up: 2+2 instances on 2 containers → count:6 gives 8 instances on 4 containers.
    let out = run_expect(
        s.manage(
            "update",
            &name,
            &[
                "--component-parallelism",
                "count:6",
                "--dry-run",
                "--dry-run-format",
                "table",
            ],
        ),
        0,
    );
    assert!(text(&out.stdout).contains("NEW"), "{}", describe(&out));
    assert_eq!(s.job_instances(&name).len(), 3, "dry run changed the job");
    let out = run_expect(
        s.manage(
            "update",
            &name,
            &["--component-parallelism", "count:6", "--format", "json"],
        ),
        0,
    );
    let doc = json_of(&out);
    assert_eq!(doc["containers"], 4);
    assert_eq!(doc["aurora_instances"], 5);
    assert_eq!(doc["added_instances"], serde_json::json!([3, 4]));
    assert_eq!(s.job_instances(&name).len(), 5);
    assert_eq!(s.plan_containers(&name), vec![1, 2, 3, 4]);
    assert_eq!(
        s.pplan_state(&name),
        "RUNNING",
        "reactivated after the update"
    );
    assert!(
        !s.holds_update_lock(&name),
        "the update lock was not released"
    );

    // Scale down to 2 containers: Aurora instances 3 and 4 are killed.
    run_expect(s.manage("update", &name, &["--container-number", "2"]), 0);
    assert_eq!(s.job_instances(&name), vec![0, 1, 2]);

    // No change, unknown component: refused.
    run_expect(
        s.manage("update", &name, &["--component-parallelism", "nope:2"]),
        2,
    );

    run_expect(s.manage("restart", &name, &["1"]), 0);
    run_expect(s.manage("restart", &name, &[]), 0);
    assert!(
        !s.state_nodes(&name).contains(&"tmanagers".to_string()),
        "restart of all keeps the old tmanager location"
    );
    let restarts = s.aurora_calls_of("restart");
    assert_eq!(restarts.len(), 2);
    assert_eq!(restarts[0][2], format!("{}/{name}/1", spec()));
    assert_eq!(restarts[1][2], format!("{}/{name}", spec()));

    drop(tm);
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn a_failed_scale_up_leaves_the_plan_and_reactivates_the_topology() {
    let s = Stand::local();
    let name = unique_name("scalefail");
    s.submit_yaml(&name);
    s.write_bare_pplan(&name);
    let tm = TManager::start(&s, &name, Some(&s.dir.join("tm.log")));
    let before = s.node_bytes("packingplan", &name);

    let out = run_expect(
        s.manage("update", &name, &["--component-parallelism", "count:6"])
            .faults(&[Fault::Fail("add")]),
        1,
    );
    assert!(
        text(&out.stderr).contains("aurora job add"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        s.pplan_state(&name),
        "RUNNING",
        "the topology must be reactivated after a failed update"
    );
    assert_eq!(
        before,
        s.node_bytes("packingplan", &name),
        "the packing plan changed although the update failed"
    );
    assert!(
        !s.holds_update_lock(&name),
        "the update lock was not released"
    );

    drop(tm);
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn a_failed_update_puts_plan_and_job_back_in_agreement() {
    let s = Stand::local();
    let name = unique_name("undo");
    s.submit_yaml(&name);

    // `aurora job add` adds the instances, then fails: they are killed again, the plan kept.
    let out = run_expect(
        s.manage("update", &name, &["--component-parallelism", "count:6"])
            .faults(&[Fault::FailAfter("add")]),
        1,
    );
    assert!(
        text(&out.stderr).contains("killed the instances the update added"),
        "{}",
        describe(&out)
    );
    assert_eq!(plan_and_job(&s, &name), (vec![1, 2], vec![1, 2]));

    // `aurora job kill` of a scale-down fails before killing: the old plan is written back.
    let out = run_expect(
        s.manage("update", &name, &["--container-number", "1"])
            .faults(&[Fault::Fail("kill")]),
        1,
    );
    assert!(
        text(&out.stderr).contains("old packing plan is back"),
        "{}",
        describe(&out)
    );
    assert_eq!(plan_and_job(&s, &name), (vec![1, 2], vec![1, 2]));
    assert!(!s.holds_update_lock(&name));

    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}
