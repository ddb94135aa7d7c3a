//! Tests of the `aurora` test stand-in's failure injection (docs/aurora-standin.md): failing before
//! or after the work, failing a number of times, hanging, slowing down, malformed switches, and its
//! state under concurrent calls.

#[path = "standin/support.rs"]
mod standin;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use heron_tests::aurora_standin::Standin as Aurora;
use standin::*;

#[test]
fn injected_failure_fails_before_any_change() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let create = [
        "job",
        "create",
        "--wait-until",
        "RUNNING",
        KEY,
        file.as_str(),
    ];
    let r = a.run_env(&create, &[("AURORA_STANDIN_FAIL", "killall,create")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Job creation failed due to error:"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("AURORA_STANDIN_FAIL"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(a.job(KEY).is_none());

    let r = a.run_env(
        &create,
        &[
            ("AURORA_STANDIN_FAIL", "all"),
            ("AURORA_STANDIN_FAIL_EXIT", "7"),
        ],
    );
    assert_eq!(r.code, 7);
    // Other verbs are not affected.
    let r = a.run_env(&create, &[("AURORA_STANDIN_FAIL", "killall")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        a.calls().iter().filter(|c| c[1] == "create").count(),
        3,
        "failed calls are logged too"
    );
}

#[test]
fn fail_after_create_leaves_the_job_created() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let r = a.run_env(
        &["job", "create", "--wait-until", "RUNNING", KEY, &file],
        &[("AURORA_STANDIN_FAIL_AFTER_CREATE", "1")],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Error occurred while creating job"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert_eq!(
        a.instance_ids(KEY),
        vec![0, 1],
        "the job was created before the failure"
    );

    // The generic form, on add: instances added, then a failure.
    let r = a.run_env(
        &["job", "add", &format!("{KEY}/0"), "1", "--verbose"],
        &[("AURORA_STANDIN_FAIL_AFTER", "add")],
    );
    assert_eq!(r.code, 1);
    assert_eq!(heron_parse_added(&r.stderr), Some(BTreeSet::from([2])));
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2]);
}

#[test]
fn fail_count_fails_the_first_calls_then_succeeds() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let killall = ["job", "killall", KEY, "--batch-size", "2147483647"];
    let env = [("AURORA_STANDIN_FAIL_COUNT", "killall:2,restart:1")];
    for attempt in 1..=2 {
        let r = a.run_env(&killall, &env);
        assert_eq!(r.code, 1, "attempt {attempt}");
        assert!(
            r.stderr.contains(&format!("call {attempt} of 2")),
            "{}",
            r.stderr
        );
        assert!(a.job(KEY).is_some(), "attempt {attempt} must not kill");
    }
    let r = a.run_env(&killall, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(a.job(KEY).is_none());
    let r = a.run_env(&killall, &env);
    assert_eq!(r.code, 0, "later calls keep succeeding");
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn hang_blocks_until_killed() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let args = [
        "job",
        "create",
        "--wait-until",
        "RUNNING",
        KEY,
        file.as_str(),
    ];
    let mut child = Child(
        a.command(&args, &[("AURORA_STANDIN_HANG", "create")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.0.try_wait().unwrap().is_none(), "create should hang");
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(a.job(KEY).is_none(), "HANG hangs before creating");

    let mut child = Child(
        a.command(&args, &[("AURORA_STANDIN_HANG_AFTER", "create")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.job(KEY).is_none() {
        assert!(
            Instant::now() < deadline,
            "HANG_AFTER should create the job, then hang"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "create should still hang"
    );
    // The state lock is not held while hanging: other calls go through.
    let r = a.run(&["job", "killall", KEY]);
    assert_eq!(r.code, 0);
}

#[test]
fn delay_slows_a_verb_down() {
    let a = Aurora::new();
    let start = Instant::now();
    let r = a.run_env(&["job", "list"], &[("AURORA_STANDIN_DELAY_MS", "list:400")]);
    assert_eq!(r.code, 0);
    assert!(start.elapsed() >= Duration::from_millis(400));
}

#[test]
fn malformed_injection_variables_are_usage_errors() {
    let a = Aurora::new();
    for (var, value) in [
        ("AURORA_STANDIN_FAIL", "crate"),
        ("AURORA_STANDIN_FAIL_COUNT", "killall"),
        ("AURORA_STANDIN_FAIL_COUNT", "killall:x"),
        ("AURORA_STANDIN_FAIL_EXIT", "0"),
        ("AURORA_STANDIN_KILLALL_MISSING", "ok"),
    ] {
        let r = a.run_env(&["job", "list"], &[(var, value)]);
        assert_eq!(r.code, 2, "{var}={value}");
        assert!(r.stderr.contains(var), "{var}={value}: {}", r.stderr);
    }
}

/// Two heron submits at once: every distinct job lands, and of several creates of the same key
/// exactly one wins.
#[test]
fn concurrent_calls_keep_the_state_consistent() {
    let a = Aurora::new();
    let mut children = Vec::new();
    for i in 0..6 {
        let name = format!("t{i}");
        let key = format!("devcluster/heron/devel/{name}");
        let file = a.write(
            &format!("{name}.aurora"),
            &rendered(&heron_bindings(&name, 2)),
        );
        let args = vec!["job".to_string(), "create".into(), key, file];
        children.push((
            None,
            a.command(&args, &[("AURORA_STANDIN_HOLD_LOCK_MS", "50")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
    }
    let file = a.write("same.aurora", &rendered(&heron_bindings("wc", 2)));
    for _ in 0..4 {
        let args = vec!["job".to_string(), "create".into(), KEY.into(), file.clone()];
        children.push((
            Some(()),
            a.command(&args, &[("AURORA_STANDIN_HOLD_LOCK_MS", "50")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
    }
    let mut same_ok = 0;
    let mut same_exists = 0;
    for (same, mut child) in children {
        let code = child.wait().unwrap().code();
        match (same, code) {
            (None, Some(0)) => {}
            (None, other) => panic!("a distinct create failed: {other:?}"),
            (Some(()), Some(0)) => same_ok += 1,
            (Some(()), Some(4)) => same_exists += 1,
            (Some(()), other) => panic!("unexpected exit {other:?}"),
        }
    }
    assert_eq!((same_ok, same_exists), (1, 3));
    let list = a.run(&["job", "list"]);
    assert_eq!(list.stdout.lines().count(), 7, "{}", list.stdout);
    assert_eq!(
        a.calls().len(),
        10 + 1,
        "every call logged, each line whole JSON"
    );
}
