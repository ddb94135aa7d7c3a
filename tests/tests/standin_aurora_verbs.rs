//! Tests of the `aurora` test stand-in (tests/src/bin/aurora.rs) after a create: the command lines
//! Heron issues (heron-aurora.md §2.3) for killall, add, kill, restart, status and list, the state
//! it keeps, and its `calls.log`.

#[path = "standin/support.rs"]
mod standin;

use std::collections::BTreeSet;

use serde_json::Value;

use heron_tests::aurora_standin::Standin as Aurora;
use standin::*;

#[test]
fn killall_removes_the_job_and_succeeds_when_it_is_missing() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let mut args = vec!["job", "killall", KEY, "--verbose"];
    args.extend(BATCH);
    let r = a.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Successfully killed instances [0, 1]"),
        "{}",
        r.stdout
    );
    assert!(a.job(KEY).is_none());

    // Real Aurora exits 0 for a job that does not exist: killall ignores what kill_in_batches
    // returns (jobs.py, every release 0.10-0.22; Heron issue #1669).
    let again = a.run(&args);
    assert_eq!(again.code, 0);
    assert!(
        again
            .stderr
            .contains("No tasks to kill found for job devcluster/heron/devel/wc")
    );
    assert_eq!(again.stdout, "Job killall succeeded\n");

    // The variable that made it exit 6 modelled no Aurora: it is refused, saying why.
    let removed = a.run_env(&args, &[("AURORA_STANDIN_KILLALL_MISSING", "error")]);
    assert_eq!(removed.code, 2, "{}", removed.stderr);
    assert!(
        removed.stderr.contains("was removed") && removed.stderr.contains("exits 0"),
        "{}",
        removed.stderr
    );
}

#[test]
fn add_clones_an_instance_and_reports_ids_as_heron_parses_them() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let r = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/0"),
        "2",
        "--verbose",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let combined = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(heron_parse_added(&combined), Some(BTreeSet::from([3, 4])));
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2, 3, 4]);
    let job = a.job(KEY).unwrap();
    let inst3 = &job["instances"][3];
    assert_eq!(inst3["cloned_from"], 0);
    assert_eq!(inst3["status"], "RUNNING");
    assert_eq!(job["events"][0]["action"], "add");

    // Aurora prints the ids only in its verbose log.
    let quiet = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/1"),
        "1",
    ]);
    assert_eq!(quiet.code, 0);
    assert_eq!(
        heron_parse_added(&format!("{}{}", quiet.stdout, quiet.stderr)),
        None
    );
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn add_after_a_kill_continues_after_the_highest_id() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 4).code, 0);
    let mut kill = vec!["job".to_string(), "kill".into(), format!("{KEY}/1,2")];
    kill.extend(BATCH.map(String::from));
    assert_eq!(a.run(&kill).code, 0);
    let r = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/0"),
        "1",
        "--verbose",
    ]);
    assert_eq!(heron_parse_added(&r.stderr), Some(BTreeSet::from([4])));
    assert_eq!(a.instance_ids(KEY), vec![0, 3, 4]);
}

#[test]
fn add_rejects_a_missing_instance_or_job_and_a_bad_count() {
    let a = Aurora::new();
    let r = a.run(&["job", "add", &format!("{KEY}/0"), "1", "--verbose"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.stderr.contains("Invalid instance parameter: [0]"));

    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let r = a.run(&["job", "add", &format!("{KEY}/7"), "1"]);
    assert_eq!(r.code, 6);
    let r = a.run(&["job", "add", &format!("{KEY}/0"), "0"]);
    assert_eq!(r.code, 10, "{}", r.stderr);
    assert_eq!(a.instance_ids(KEY), vec![0, 1]);
    let r = a.run(&["job", "add", KEY, "1"]);
    assert_eq!(
        r.code, 2,
        "add needs CLUSTER/ROLE/ENV/NAME/INSTANCE: {}",
        r.stderr
    );
}

#[test]
fn kill_removes_the_named_instances() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 5).code, 0);
    let mut args = vec![
        "job".to_string(),
        "kill".into(),
        format!("{KEY}/1,3-4"),
        "--verbose".into(),
    ];
    args.extend(BATCH.map(String::from));
    let r = a.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Successfully killed instances [1, 3, 4]"),
        "{}",
        r.stdout
    );
    assert_eq!(a.instance_ids(KEY), vec![0, 2]);
    assert_eq!(
        a.job(KEY).unwrap()["events"][0]["instances"],
        serde_json::json!([1, 3, 4])
    );

    // Ids that are not active are skipped, unless --strict.
    let r = a.run(&["job", "kill", &format!("{KEY}/2,9")]);
    assert_eq!(r.code, 0);
    assert_eq!(a.instance_ids(KEY), vec![0]);
    let r = a.run(&["job", "kill", &format!("{KEY}/0,9"), "--strict"]);
    assert_eq!(r.code, 6);
    assert!(
        r.stderr.contains("Invalid instance parameter: [9]"),
        "{}",
        r.stderr
    );
    assert_eq!(a.instance_ids(KEY), vec![0]);

    // Killing the last instance ends the job.
    assert_eq!(a.run(&["job", "kill", &format!("{KEY}/0")]).code, 0);
    assert!(a.job(KEY).is_none());
}

#[test]
fn kill_needs_instances_and_succeeds_without_a_job() {
    let a = Aurora::new();
    // As killall: kill_in_batches reports the missing job, the verb still succeeds.
    let r = a.run(&["job", "kill", &format!("{KEY}/1")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("No tasks to kill found"), "{}", r.stderr);
    assert_eq!(r.stdout, "Job kill succeeded\n");
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let r = a.run(&["job", "kill", KEY]);
    assert_eq!(r.code, 6);
    assert!(r.stderr.contains("use killall"), "{}", r.stderr);
    assert_eq!(a.instance_ids(KEY), vec![0, 1]);
}

#[test]
fn restart_records_per_instance_restarts() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let mut whole = vec![
        "job".to_string(),
        "restart".into(),
        KEY.into(),
        "--verbose".into(),
    ];
    whole.extend(BATCH.map(String::from));
    let r = a.run(&whole);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("Job {KEY} restarted successfully"))
    );
    let mut one = vec!["job".to_string(), "restart".into(), format!("{KEY}/1")];
    one.extend(BATCH.map(String::from));
    assert_eq!(a.run(&one).code, 0);

    let job = a.job(KEY).unwrap();
    let restarts: Vec<u64> = job["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["restarts"].as_u64().unwrap())
        .collect();
    assert_eq!(restarts, vec![1, 2, 1]);
    assert_eq!(job["events"][0]["instances"], serde_json::json!([0, 1, 2]));
    assert_eq!(job["events"][1]["instances"], serde_json::json!([1]));

    let r = a.run(&["job", "restart", &format!("{KEY}/7")]);
    assert_eq!(r.code, 10, "{}", r.stderr);
    let r = a.run(&["job", "restart", &format!("{KEY}/7"), "--strict"]);
    assert_eq!(r.code, 6);
    // A whole job with no active instance: Restarter's "Nothing to do." and a success.
    let r = a.run(&["job", "restart", "devcluster/heron/devel/nope"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(" INFO] Nothing to do."), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Job devcluster/heron/devel/nope restarted successfully")
    );
    // Named instances of a missing job: the scheduler refuses them.
    let r = a.run(&["job", "restart", "devcluster/heron/devel/nope/0"]);
    assert_eq!(r.code, 10);
    assert!(
        r.stderr
            .contains("Error restarting job devcluster/heron/devel/nope")
    );
}

#[test]
fn status_and_list_match_key_patterns() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 1).code, 0);
    assert_eq!(
        a.create_rendered("devcluster/heron/devel/ex", "ex", 2).code,
        0
    );
    let r = a.run(&["job", "list", "devcluster/*/devel"]);
    assert_eq!(
        r.stdout,
        "devcluster/heron/devel/ex\ndevcluster/heron/devel/wc\n"
    );
    let r = a.run(&["job", "list", "--write-json", "devcluster/heron/devel/ex"]);
    assert_eq!(r.stdout.trim(), r#"["devcluster/heron/devel/ex"]"#);
    let r = a.run(&["job", "status", "devcluster/heron/devel/ex"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("Active tasks (2):\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "\tTask role: heron, env: devel, name: ex, instance: 1, status: RUNNING on localhost"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Inactive tasks (0):"), "{}", r.stdout);
    let r = a.run(&["job", "status", "devcluster/heron/devel/none"]);
    assert_eq!(r.code, 6);
    assert!(
        r.stderr
            .contains("Found no jobs matching devcluster/heron/devel/none")
    );
}

/// `job status --write-json` prints what Aurora's client prints (jobs.py `render_tasks_json`):
/// one `{"job", "active", "inactive"}` per job, tasks as Thrift `ScheduledTask`s, status names.
#[test]
fn status_json_has_auroras_shape_killed_instances_inactive() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let r = a.run(&[
        "job",
        "kill",
        &format!("{KEY}/1"),
        "--batch-size",
        "2147483647",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = a.status_json(KEY);
    let jobs = doc.as_array().expect("an array of jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["job"], KEY);
    let ids = |key: &str| -> Vec<u64> {
        jobs[0][key]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| t["assignedTask"]["instanceId"].as_u64().expect("id"))
            .collect()
    };
    assert_eq!(ids("active"), [0, 2]);
    assert_eq!(ids("inactive"), [1]);
    let task = &jobs[0]["active"][0];
    assert_eq!(task["status"], "RUNNING");
    assert_eq!(task["assignedTask"]["task"]["job"]["name"], "wc");
    assert_eq!(task["assignedTask"]["task"]["isService"], true);
    let events: Vec<&str> = task["taskEvents"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["status"].as_str().expect("status name"))
        .collect();
    assert_eq!(events.last(), Some(&"RUNNING"));
    assert_eq!(jobs[0]["inactive"][0]["status"], "KILLED");
    // No such job: Aurora's JSON answer and exit 0.
    let missing = a.status_json("devcluster/heron/devel/none");
    assert_eq!(missing["error"], "No matching jobs found");
}

#[test]
fn calls_log_records_each_command_line_exactly() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let lines: Vec<Vec<String>> = vec![
        vec![
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            KEY,
            &file,
            "--verbose",
        ],
        vec![
            "job",
            "add",
            "--wait-until",
            "RUNNING",
            "devcluster/heron/devel/wc/0",
            "1",
            "--verbose",
        ],
        vec![
            "job",
            "kill",
            "devcluster/heron/devel/wc/2",
            "--verbose",
            "--batch-size",
            "2147483647",
        ],
        vec!["job", "restart", KEY, "--batch-size", "2147483647"],
        vec!["job", "killall", KEY, "--batch-size", "2147483647"],
        vec!["job", "bogus"],
    ]
    .into_iter()
    .map(|l| l.into_iter().map(String::from).collect())
    .collect();
    for l in &lines {
        a.run(l);
    }
    assert_eq!(a.calls(), lines);
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(a.state().join("calls.log"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(first["ts_ms"].as_u64().unwrap() > 0);
    assert!(first["pid"].as_u64().unwrap() > 0);
}
