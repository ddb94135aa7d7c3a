//! ZooKeeper faults seen through the `heron-statemgr` and `heron` binaries, on ZooKeeper servers of
//! the test's own (scripts/zk.sh), so stopping or pausing them disturbs no other test:
//! - a 3-member ensemble with members killed and restarted during 1,000 operations (long);
//! - a session expiring (server paused past the session timeout) in the middle of a command: the
//!   command fails cleanly or recovers, and no partial state is left;
//! - ZooKeeper stopped before and during `heron submit` / `heron kill`;
//! - digest ACLs: a client without the credentials cannot change or delete topology nodes.
//!
//! The library-level ensemble tests are in heron-statemgr/tests/ensemble.rs; these run the programs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use heron_tests::prelude::*;
use heron_tests::scripts_dir;

fn zk_sh(args: &[&str]) -> String {
    let out = run(Command::new(scripts_dir().join("zk.sh")).args(args));
    assert!(out.status.success(), "zk.sh {args:?}: {}", describe(&out));
    text(&out.stdout).trim().to_string()
}

/// A standalone ZooKeeper of this test, stopped on drop.
struct OwnZk {
    dir: TestDir,
    connect: String,
}

impl OwnZk {
    fn start() -> OwnZk {
        let dir = TestDir::new();
        let connect = zk_sh(&["start", &dir.path().display().to_string()]);
        OwnZk { dir, connect }
    }
    fn pid(&self) -> String {
        std::fs::read_to_string(self.dir.join("zk.pid"))
            .unwrap()
            .trim()
            .to_string()
    }
    fn signal(&self, sig: &str) {
        let out = run(Command::new("kill").args([sig, &self.pid()]));
        assert!(out.status.success(), "kill {sig}: {}", describe(&out));
    }
    fn stop(&self) {
        zk_sh(&["stop", &self.dir.path().display().to_string()]);
    }
    fn restart(&self) {
        let port = self.connect.rsplit(':').next().unwrap().to_string();
        zk_sh(&["start", &self.dir.path().display().to_string(), &port]);
    }
}

impl Drop for OwnZk {
    fn drop(&mut self) {
        // A paused server must be resumed before it can stop.
        let _ = Command::new("kill").args(["-CONT", &self.pid()]).output();
        let _ = Command::new(scripts_dir().join("zk.sh"))
            .args(["stop", &self.dir.path().display().to_string()])
            .output();
    }
}

/// A 3-member ensemble of this test, stopped on drop.
struct Ensemble {
    dir: TestDir,
    connect: String,
}

impl Ensemble {
    fn start() -> Ensemble {
        let dir = TestDir::new();
        let connect = zk_sh(&["ensemble-start", &dir.path().display().to_string()]);
        assert_eq!(connect.split(',').count(), 3, "{connect}");
        Ensemble { dir, connect }
    }
    fn member(&self, verb: &str, n: u32) {
        zk_sh(&[verb, &self.dir.path().display().to_string(), &n.to_string()]);
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        for n in ["1", "2", "3"] {
            let _ = Command::new(scripts_dir().join("zk.sh"))
                .args(["member-resume", &self.dir.path().display().to_string(), n])
                .output();
        }
        let _ = Command::new(scripts_dir().join("zk.sh"))
            .args(["ensemble-stop", &self.dir.path().display().to_string()])
            .output();
    }
}

/// A Stand (local uploader, aurora stand-in) whose state is in ZooKeeper `connect` under a root of
/// its own (`/<root_prefix>-<unique>`), with the ZooKeeper client settings given.
fn zk_stand(connect: &str, root_prefix: &str, settings: &[(&str, &str)]) -> Stand {
    let root = format!("/{}", unique_name(root_prefix));
    let state = settings
        .iter()
        .fold(State::zookeeper(connect, &root), |state, (key, value)| {
            state.setting(key, value)
        });
    Stand::builder().state(state).build()
}

/// A topology name of this run (`<prefix>_<unique>`: topology names take no `-`).
fn topology_name(prefix: &str) -> String {
    unique_name(prefix).replace('-', "_")
}

/// Nothing of any topology is left under the stand's ZooKeeper root.
fn assert_no_state(s: &Stand) {
    assert_eq!(listed(s), Vec::<(String, Vec<String>)>::new());
}

/// `heron-statemgr lock wc` (plus `args`) holding the lock: all streams piped, its `locked` line read.
fn hold_lock(s: &Stand, args: &[&str]) -> std::process::Child {
    let mut argv = vec!["lock", "wc"];
    argv.extend_from_slice(args);
    let mut holder = s
        .statemgr(&argv)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    holder
}

/// `heron-statemgr list --format json` as (topology, nodes) pairs.
fn listed(s: &Stand) -> Vec<(String, Vec<String>)> {
    let out = run_expect(s.statemgr(&["list", "--format", "json"]), 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["topology"].as_str().unwrap().to_string(),
                t["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// An ExecutionState JSON node for topology `name` with a payload that differs per `i`.
fn exec_state(name: &str, i: usize) -> String {
    format!(
        "{{\"topology_name\": \"{name}\", \"topology_id\": \"{name}-id-{i}\", \"submission_time\": {i}, \
         \"submission_user\": \"u{i}\", \"cluster\": \"{CLUSTER}\", \"role\": \"{ROLE}\", \"environ\": \"{ENV}\"}}"
    )
}

#[test]
#[ignore = "long: 1,000 heron-statemgr runs against a 3-member ensemble with members killed and restarted (about 1 min)"]
fn ensemble_1000_operations_with_members_killed_and_restarted() {
    let ensemble = Ensemble::start();
    let s = zk_stand(
        &ensemble.connect,
        "ens1000",
        &[
            ("heron.statemgr.zookeeper.session.timeout.ms", "6000"),
            ("heron.statemgr.zookeeper.connection.timeout.ms", "20000"),
        ],
    );
    const OPS: usize = 1000;
    // Member n is killed at op 150 + 300(n-1) and restarted 100 ops later.
    let schedule: Vec<(usize, &str, u32)> = (1..=3)
        .flat_map(|n| {
            let at = 150 + 300 * (n as usize - 1);
            [(at, "member-stop", n), (at + 100, "member-start", n)]
        })
        .collect();
    let mut failures = Vec::new();
    let mut slowest = Duration::ZERO;
    let mut written: std::collections::BTreeMap<String, String> = Default::default();
    let started = Instant::now();
    // Four kinds of operation in turn: set (create), get (and compare), exists, delete every
    // third topology again; each is one heron-statemgr process with its own session.
    for i in 0..OPS {
        for (at, verb, n) in &schedule {
            if *at == i {
                ensemble.member(verb, *n);
            }
        }
        let t0 = Instant::now();
        let topo = format!("t{}", i / 4);
        let result: Result<(), String> = match i % 4 {
            0 => {
                let body = exec_state(&topo, i);
                let out = run_with_stdin(
                    s.statemgr(&["set", "executionstate", &topo, "--input-format", "json"]),
                    body.as_bytes(),
                );
                if code(&out) == 0 {
                    written.insert(topo.clone(), format!("{topo}-id-{i}"));
                    Ok(())
                } else {
                    Err(describe(&out))
                }
            }
            1 => {
                let out = run(s.statemgr(&["get", "executionstate", &topo]));
                let want = written.get(&topo).cloned().unwrap_or_default();
                if code(&out) == 0 && text(&out.stdout).contains(&want) {
                    Ok(())
                } else {
                    Err(format!("expected {want}: {}", describe(&out)))
                }
            }
            2 => {
                let out = run(s.statemgr(&["exists", "executionstate", &topo]));
                if code(&out) == 0 {
                    Ok(())
                } else {
                    Err(describe(&out))
                }
            }
            _ => {
                if (i / 4) % 3 == 0 {
                    let out = run(s.statemgr(&["delete", "executionstate", &topo]));
                    if code(&out) == 0 {
                        written.remove(&topo);
                        Ok(())
                    } else {
                        Err(describe(&out))
                    }
                } else {
                    Ok(())
                }
            }
        };
        slowest = slowest.max(t0.elapsed());
        if let Err(e) = result {
            failures.push(format!("op {i} ({topo}): {e}"));
        }
    }
    eprintln!(
        "ensemble: {OPS} operations in {:.1} s, slowest {:.2} s, {} failed",
        started.elapsed().as_secs_f64(),
        slowest.as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    // Nothing acknowledged was lost: exactly the written topologies are listed.
    let now: std::collections::BTreeSet<String> = listed(&s).into_iter().map(|(t, _)| t).collect();
    let want: std::collections::BTreeSet<String> = written.keys().cloned().collect();
    assert_eq!(now, want);
}

#[test]
fn a_session_expiring_under_a_held_lock_ends_the_holder_cleanly_and_frees_the_lock() {
    let zk = OwnZk::start();
    let s = zk_stand(
        &zk.connect,
        "expire",
        &[
            ("heron.statemgr.zookeeper.session.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.connection.timeout.ms", "15000"),
        ],
    );
    let mut holder = hold_lock(&s, &[]);
    // Freeze the server past the session timeout, then let it go: it expires the session.
    zk.signal("-STOP");
    std::thread::sleep(Duration::from_secs(5));
    zk.signal("-CONT");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = holder.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "the lock holder did not notice its session expired"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(holder.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("error:") && err.to_lowercase().contains("session"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // The lock is free again: the expired session's ephemeral lease is gone.
    let mut second = hold_lock(&s, &["--timeout-ms", "5000"]);
    drop(second.stdin.take());
    let out = second.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // (The lock's persistent parent node stays, as Curator leaves it; `clean` removes it.
    // That the second holder got the lock at once shows the expired lease is gone.)
}

/// `heron submit` with the server frozen past the session timeout while Aurora is creating the
/// job, and `aurora job create` then failing: the rollback must reach ZooKeeper again (a new
/// session) and delete the state, leaving nothing.
#[test]
fn a_session_expiring_in_the_middle_of_a_submit_leaves_no_partial_state() {
    let zk = OwnZk::start();
    let s = zk_stand(
        &zk.connect,
        "expsub",
        &[
            ("heron.statemgr.zookeeper.session.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.connection.timeout.ms", "20000"),
        ],
    );
    let name = topology_name("ExpSub");
    let child = spawn_submit(
        &s,
        &name,
        &[Fault::DelayMs("create", 6000), Fault::FailAfter("create")],
    );
    // Wait for the state to be written, then freeze ZooKeeper while aurora "works".
    wait_for_state(&s, &name);
    zk.signal("-STOP");
    std::thread::sleep(Duration::from_secs(5));
    zk.signal("-CONT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains("submit failed at stage \"aurora\""), "{err}");
    assert!(err.contains("rollback:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        listed(&s),
        Vec::<(String, Vec<String>)>::new(),
        "state left in ZooKeeper: {}",
        describe(&out)
    );
    s.assert_nothing_left(&name, "after a session expiry during submit");
}

#[test]
fn zookeeper_stopped_before_a_command_is_exit_5_and_changes_nothing() {
    let zk = OwnZk::start();
    let s = zk_stand(
        &zk.connect,
        "zkdown",
        &[
            ("heron.statemgr.zookeeper.connection.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.retry.count", "1"),
        ],
    );
    // A topology running before ZooKeeper goes down.
    let name = topology_name("ZkDown");
    s.submit_yaml(&name);
    zk.stop();

    // A new submit: refused at its first state call, before anything is uploaded.
    let other = topology_name("ZkDown2");
    let file2 = s.yaml_topology(&other);
    let t0 = Instant::now();
    let out = run_expect(s.submit_file(&file2, &[]), 5);
    assert!(
        t0.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t0.elapsed()
    );
    assert!(
        text(&out.stderr).contains("ZooKeeper"),
        "{}",
        describe(&out)
    );
    assert!(
        s.packages(&other).is_empty(),
        "uploaded while ZooKeeper was down"
    );
    assert!(s.job(&other).is_none());

    // kill: exit 5, and the running job is still there (nothing half-done to the job's state).
    let out = run_expect(s.manage("kill", &name, &[]), 5);
    assert!(
        text(&out.stderr).contains("ZooKeeper"),
        "{}",
        describe(&out)
    );

    // ZooKeeper back: kill works and leaves nothing; the refused submit left nothing either.
    zk.restart();
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill with ZooKeeper back");
    assert_no_state(&s);
}

#[test]
fn zookeeper_stopped_in_the_middle_of_a_submit_then_kill_cleans_everything() {
    let zk = OwnZk::start();
    let s = zk_stand(
        &zk.connect,
        "zkmid",
        &[
            ("heron.statemgr.zookeeper.connection.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.retry.count", "1"),
        ],
    );
    let name = topology_name("ZkMid");
    // Aurora fails after ZooKeeper went away: the rollback cannot reach the state.
    let child = spawn_submit(
        &s,
        &name,
        &[Fault::DelayMs("create", 3000), Fault::Fail("create")],
    );
    wait_for_state(&s, &name);
    zk.stop();
    let out = child.wait_with_output().unwrap();
    assert_ne!(code(&out), 0, "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(err.contains("submit failed at stage \"aurora\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The error says the state could not be rolled back and what to run.
    assert!(
        err.contains("heron kill"),
        "no hint to run heron kill: {err}"
    );
    zk.restart();
    let out = run(s.manage("kill", &name, &[]));
    assert!([0, 3].contains(&code(&out)), "{}", describe(&out));
    s.assert_nothing_left(&name, "after heron kill with ZooKeeper back");
    assert_no_state(&s);
}

/// `heron submit` of the YAML topology `name` with stand-in faults, running in the background.
fn spawn_submit(s: &Stand, name: &str, faults: &[Fault]) -> std::process::Child {
    let file = s.yaml_topology(name);
    s.submit_file(&file, &[])
        .faults(faults)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (30 s at most) until the submit of `name` has written its state.
fn wait_for_state(s: &Stand, name: &str) {
    wait_for("the submit's state in ZooKeeper", 30, || {
        code(&run(s.statemgr(&["exists", "topologies", name]))) == 0
    });
}

/// Containers in the packing plan and in the Aurora job (instances minus container 0).
fn containers(s: &Stand, name: &str) -> (usize, usize) {
    let plan = s.node("packingplan", name);
    let in_plan = plan["container_plans"].as_array().map_or(0, Vec::len);
    let in_job = s.job(name).expect("no Aurora job")["instances"]
        .as_array()
        .map_or(0, Vec::len);
    (in_plan, in_job.saturating_sub(1))
}

/// `heron update` scaling up while ZooKeeper goes away after `aurora job add` started: the update
/// fails with exit 5 naming the state manager, and once ZooKeeper is back the packing plan and the
/// Aurora job agree, the lock is free (a second update works) and `heron kill` leaves nothing.
#[test]
fn zookeeper_stopped_in_the_middle_of_an_update_leaves_plan_and_job_in_agreement() {
    let zk = OwnZk::start();
    let s = zk_stand(
        &zk.connect,
        "zkupd",
        &[
            ("heron.statemgr.zookeeper.session.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.connection.timeout.ms", "2000"),
            ("heron.statemgr.zookeeper.retry.count", "1"),
        ],
    );
    let name = topology_name("ZkUpd");
    s.submit_yaml(&name);
    let before = containers(&s, &name);

    let child = s
        .manage("update", &name, &["--component-parallelism", "count:6"])
        .faults(&[Fault::DelayMs("add", 3000)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let calls = s.aurora_state.join("calls.log");
    wait_for("aurora job add", 30, || {
        std::fs::read_to_string(&calls)
            .unwrap_or_default()
            .contains("\"add\"")
    });
    zk.stop();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 5, "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("heron-statemgr") || err.contains("ZooKeeper"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    zk.restart();
    // The update's lock lease dies with its session.
    std::thread::sleep(Duration::from_secs(3));
    let (in_plan, in_job) = containers(&s, &name);
    assert_eq!(
        in_plan,
        in_job,
        "plan and job disagree after the failed update (before: {before:?}): {}",
        describe(&out)
    );
    let out = run(s.manage("update", &name, &["--component-parallelism", "count:6"]));
    assert_eq!(
        code(&out),
        0,
        "the update after recovery: {}",
        describe(&out)
    );
    let (in_plan, in_job) = containers(&s, &name);
    assert_eq!(in_plan, in_job);
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
    assert_no_state(&s);
}
