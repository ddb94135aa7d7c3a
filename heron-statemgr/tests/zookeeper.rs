//! `heron-statemgr` against a real ZooKeeper (`HERON_TEST_ZK`, started by scripts/services.sh).
//! Each test uses a root of its own, so they run in parallel on one server.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Env, describe, samples, submit_json, zk_address};
use heron_statemgr::settings;
use heron_statemgr::{DeleteOutcome, NodeKind, StateManager, WriteMode};

/// The library's ZooKeeper state manager on the same root as `env` (for ephemeral nodes that must
/// outlive one CLI call, and for writing bytes the CLI would refuse).
fn library(env: &Env, extra: &[(&str, &str)]) -> Box<dyn StateManager> {
    let mut all = vec![(settings::KEY_ZK_CONNECTION_TIMEOUT, "15000")];
    all.extend_from_slice(extra);
    env.zk_library(&all)
}

fn sample(kind: NodeKind, name: &str) -> Vec<u8> {
    samples(name)
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, b)| b)
        .expect("sample")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_round_trips_and_ephemerals_live_with_their_session() {
    let env = Env::zk("roundtrip");
    let held = library(&env, &[]);
    for (kind, bytes) in samples("wc") {
        if kind.zk_ephemeral(false) {
            // Written by a long-lived process (the tmanager), read by another.
            held.set(kind, "wc", &bytes, WriteMode::Heron)
                .await
                .unwrap();
        } else {
            env.ok(
                &["set", kind.dir(), "wc", "--input-format", "proto"],
                &bytes,
            );
        }
        assert_eq!(
            env.ok(&["get", kind.dir(), "wc", "--format", "proto"], b""),
            bytes,
            "{kind}"
        );
        let json = env.ok(&["get", kind.dir(), "wc"], b"");
        env.ok(&["set", kind.dir(), "wc", "--replace"], &json);
        assert_eq!(
            env.ok(&["get", kind.dir(), "wc", "--format", "proto"], b""),
            bytes,
            "{kind}: JSON"
        );
        // Heron's ZooKeeper state manager never overwrites.
        let again = env.run_with(&["set", kind.dir(), "wc"], &bytes);
        assert_eq!(again.status.code(), Some(4), "{kind}: {}", describe(&again));
    }
    let node = held.get(NodeKind::TManager, "wc").await.unwrap().unwrap();
    assert!(node.ephemeral_owner.is_some(), "tmanagers are ephemeral");
    let node = held.get(NodeKind::Scheduler, "wc").await.unwrap().unwrap();
    assert_eq!(
        node.ephemeral_owner, None,
        "schedulers are persistent when the scheduler is a library"
    );
    // Closing the session removes its ephemeral nodes at once, not after the session timeout.
    held.close().await.unwrap();
    let out = env.run(&["exists", "tmanager", "wc"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    env.ok(&["exists", "pplan", "wc"], b"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_follows_heron_for_ephemeral_kinds() {
    let env = Env::zk("delete");
    let held = library(&env, &[]);
    held.set(
        NodeKind::TManager,
        "wc",
        &sample(NodeKind::TManager, "wc"),
        WriteMode::Heron,
    )
    .await
    .unwrap();
    let out = env.run(&["delete", "tmanager", "wc", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["outcome"], "skipped_ephemeral");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ephemeral"),
        "{}",
        describe(&out)
    );
    env.ok(&["exists", "tmanager", "wc"], b"");
    env.ok(&["delete", "tmanager", "wc", "--force"], b"");
    assert_eq!(
        env.run(&["exists", "tmanager", "wc"]).status.code(),
        Some(3)
    );
    // A missing node deletes fine.
    let out = env.ok(&["delete", "pplan", "wc", "--format", "json"], b"");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out).unwrap()["outcome"],
        "absent"
    );
    held.close().await.unwrap();
}

#[test]
fn concurrent_submits_of_one_name_have_one_winner() {
    let env = Env::zk("race");
    // 32 submits of the same name with different topology ids.
    let documents: Vec<Vec<u8>> = (0..32)
        .map(|i| {
            let mut state: heron_common::contract::SubmitState =
                serde_json::from_slice(&submit_json("wc")).unwrap();
            use prost::Message;
            let mut topo =
                heron_common::proto::api::Topology::decode(state.topology.as_slice()).unwrap();
            topo.id = format!("wc-submitter-{i}");
            state.topology = topo.encode_to_vec();
            let mut exec = heron_common::proto::system::ExecutionState::decode(
                state.execution_state.as_slice(),
            )
            .unwrap();
            exec.topology_id = format!("wc-submitter-{i}");
            state.execution_state = exec.encode_to_vec();
            let mut plan =
                heron_common::proto::system::PackingPlan::decode(state.packing_plan.as_slice())
                    .unwrap();
            plan.id = format!("wc-submitter-{i}");
            state.packing_plan = plan.encode_to_vec();
            serde_json::to_vec(&state).unwrap()
        })
        .collect();
    let children: Vec<_> = documents
        .iter()
        .map(|doc| {
            let mut cmd = env.cmd(&["create", "wc"]);
            cmd.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            std::io::Write::write_all(&mut stdin, doc).unwrap();
            drop(stdin);
            child
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let winners: Vec<usize> = outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.status.code() == Some(0))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one submit wins");
    for (i, out) in outputs.iter().enumerate() {
        if i != winners[0] {
            assert_eq!(out.status.code(), Some(4), "submit {i}: {}", describe(out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("already has state"),
                "{}",
                describe(out)
            );
        }
    }
    // The tree holds the winner's four nodes, consistently.
    let winner_id = format!("wc-submitter-{}", winners[0]);
    let topo: serde_json::Value =
        serde_json::from_slice(&env.ok(&["get", "topology", "wc"], b"")).unwrap();
    assert_eq!(topo["id"], winner_id);
    let exec: serde_json::Value =
        serde_json::from_slice(&env.ok(&["get", "executionstate", "wc"], b"")).unwrap();
    assert_eq!(exec["topology_id"], winner_id);
    let plan: serde_json::Value =
        serde_json::from_slice(&env.ok(&["get", "packingplan", "wc"], b"")).unwrap();
    assert_eq!(plan["id"], winner_id);
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(
        listing.trim(),
        "wc  topologies packingplans executionstate schedulers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_goes_in_kill_order_and_leaves_foreign_ephemerals() {
    let env = Env::zk("clean");
    let held = library(&env, &[]);
    for (kind, bytes) in samples("wc") {
        held.set(kind, "wc", &bytes, WriteMode::Heron)
            .await
            .unwrap();
    }
    let lock = held.lock("wc", Duration::from_secs(5)).await.unwrap();
    let report = String::from_utf8(env.ok(&["clean", "wc"], b"")).unwrap();
    insta::assert_snapshot!(report, @r"
    tmanagers            left (ephemeral, owned by another session)
    metricscaches        left (ephemeral, owned by another session)
    packingplans         deleted
    pplans               deleted
    schedulers           deleted
    locks                deleted
    executionstate       deleted
    topologies           deleted
    ");
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(
        listing.trim(),
        "wc  tmanagers metricscaches statefulcheckpoints"
    );
    lock.release().await.unwrap();
    let forced = String::from_utf8(env.ok(&["clean", "wc", "--force"], b"")).unwrap();
    assert!(
        forced.starts_with("tmanagers            deleted\nmetricscaches        deleted\n"),
        "{forced}"
    );
    held.close().await.unwrap();
}

#[test]
fn our_locks_exclude_each_other() {
    let env = Env::zk("lock");
    let mut child = env.hold_lock("wc");
    let started = Instant::now();
    let busy = env.run(&["lock", "wc", "--timeout-ms", "700"]);
    assert_eq!(busy.status.code(), Some(4), "{}", describe(&busy));
    assert!(started.elapsed() >= Duration::from_millis(700));
    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "the holder exits 0 after stdin closes");
    let out = env.run(&["lock", "wc", "--timeout-ms", "3000"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(out.stdout, b"locked\n");
}

#[test]
fn unreachable_zookeeper_fails_within_the_connection_timeout() {
    // A port nobody listens on (refused at once) and a listener that never answers (silent).
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("127.0.0.1:{port}")
    };
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = format!("127.0.0.1:{}", silent.local_addr().unwrap().port());
    for connect in [refused, silent_addr] {
        let env = Env::zk_on(&connect, "unreachable", "");
        let started = Instant::now();
        let out = env.run(&[
            "get",
            "topology",
            "wc",
            "--config-property",
            "heron.statemgr.zookeeper.connection.timeout.ms=2000",
        ]);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(5), "{connect}: {}", describe(&out));
        assert!(
            took < Duration::from_millis(4500),
            "{connect}: took {took:?}"
        );
        assert!(
            took >= Duration::from_millis(1900),
            "{connect}: gave up early after {took:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: ZooKeeper at "), "{stderr}");
        assert!(
            stderr.contains(&connect),
            "names the connection string: {stderr}"
        );
        assert!(
            stderr.contains("heron.statemgr.zookeeper.connection.timeout.ms"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_node_bytes_are_a_clear_error() {
    let env = Env::zk("corrupt");
    let store = library(&env, &[]);
    store
        .set(
            NodeKind::PackingPlan,
            "wc",
            &[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f],
            WriteMode::Heron,
        )
        .await
        .unwrap();
    store
        .set(NodeKind::ExecutionState, "wc", &[], WriteMode::Heron)
        .await
        .unwrap();
    store.close().await.unwrap();
    let out = env.run(&["get", "packingplan", "wc"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot decode {}",
            env.node(NodeKind::PackingPlan, "wc")
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("heron.proto.system.PackingPlan"),
        "{stderr}"
    );
    let out = env.run(&["get", "executionstate", "wc"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("empty"),
        "{}",
        describe(&out)
    );
    // Listing and watching do not trip over it.
    env.ok(&["list"], b"");
    let out = env.run(&[
        "watch",
        "packingplan",
        "wc",
        "--count",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let event: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        event["error"].as_str().unwrap().contains("PackingPlan"),
        "{event}"
    );
}

#[test]
fn watch_sees_changes_made_by_others() {
    let env = Env::zk("watch");
    let mut cmd = env.cmd(&[
        "watch",
        "pplan",
        "wc",
        "--count",
        "4",
        "--timeout-ms",
        "30000",
        "--format",
        "json",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next_event = || -> serde_json::Value {
        serde_json::from_str(&lines.next().expect("an event line").unwrap()).unwrap()
    };
    // Each change waits for the previous event, so none is folded into the next.
    assert_eq!(next_event()["event"], "initial");
    env.ok(
        &["set", "pplan", "wc"],
        &sample(NodeKind::PhysicalPlan, "wc"),
    );
    let created = next_event();
    assert_eq!(created["event"], "created");
    assert_eq!(created["data"]["stmgrs"][0]["data_port"], 6001);
    let mut pplan = created["data"].clone();
    pplan["stmgrs"][0]["data_port"] = 7777.into();
    env.ok(
        &["set", "pplan", "wc", "--replace"],
        pplan.to_string().as_bytes(),
    );
    let changed = next_event();
    assert_eq!(changed["event"], "changed");
    assert_eq!(changed["data"]["stmgrs"][0]["data_port"], 7777);
    env.ok(&["delete", "pplan", "wc"], b"");
    assert_eq!(next_event()["event"], "deleted");
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "the watch ends after --count events"
    );
}

#[test]
fn watch_gives_up_with_exit_5_after_its_timeout() {
    let env = Env::zk("watch-timeout");
    let out = env.run(&[
        "watch",
        "pplan",
        "wc",
        "--count",
        "2",
        "--timeout-ms",
        "500",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "initial pplans/wc (absent)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_auth_and_acls() {
    let creator = [
        (settings::KEY_ZK_AUTH_DIGEST, "heron:s3cret-pw"),
        (settings::KEY_ZK_ACL, "creator-world-read"),
    ];
    let env = Env::zk_on(&zk_address(), "acl", "");
    // Credentials from the environment: never on the command line.
    let mut cmd = env.cmd(&[
        "create",
        "wc",
        "--config-property",
        "heron.statemgr.zookeeper.acl=creator-world-read",
    ]);
    cmd.env("HERON_ZK_AUTH", "heron:s3cret-pw");
    let out = common::run_with_stdin(cmd, &submit_json("wc"));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // Anyone may read (so Heron's tmanager and tracker can)...
    env.ok(&["get", "topology", "wc"], b"");
    // ...but only the creator may change.
    let out = env.run(&["delete", "topology", "wc"]);
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("denied"), "{stderr}");
    let mut cmd = env.cmd(&["delete", "topology", "wc", "--verbose"]);
    cmd.env("HERON_ZK_AUTH", "heron:wrong-pw");
    let out = common::run_with_stdin(cmd, b"");
    assert_eq!(out.status.code(), Some(6), "{}", describe(&out));
    for secret in ["s3cret-pw", "wrong-pw"] {
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains(secret),
            "secret leaked: {}",
            describe(&out)
        );
    }
    let store = library(&env, &creator);
    assert_eq!(
        store.delete(NodeKind::Topology, "wc", false).await.unwrap(),
        DeleteOutcome::Deleted
    );
    store.close().await.unwrap();
}

#[test]
fn a_chroot_in_the_connection_string_is_created_and_used() {
    let chroot = format!("/{}", common::unique("chroot"));
    let connect = format!("{}{chroot}", zk_address());
    let env = Env::zk_on(&connect, "chroot", "");
    // Reads never create anything: a missing chroot is just a missing node.
    let out = env.run(&["get", "topology", "wc"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    env.ok(
        &["set", "executionstate", "wc"],
        &sample(NodeKind::ExecutionState, "wc"),
    );
    assert_eq!(
        env.ok(&["get", "executionstate", "wc", "--format", "proto"], b""),
        sample(NodeKind::ExecutionState, "wc")
    );
    // Seen without the chroot, the node is under it, as a Java client with that chroot puts it.
    let plain = Env::zk_on(&zk_address(), "chroot-plain", "");
    let full_root = format!("heron.statemgr.root.path={chroot}{}", env.root);
    let out = plain.ok(
        &[
            "exists",
            "executionstate",
            "wc",
            "--config-property",
            &full_root,
        ],
        b"",
    );
    assert!(out.is_empty());
}

#[test]
fn a_one_shot_ephemeral_write_vanishes_as_soon_as_the_command_ends() {
    let env = Env::zk("one-shot");
    let out = env.run_with(
        &["set", "tmanager", "wc"],
        &sample(NodeKind::TManager, "wc"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ephemeral"),
        "{}",
        describe(&out)
    );
    // The session was closed before exit: the node is gone now, not after the 30 s session timeout.
    let out = env.run(&["exists", "tmanager", "wc"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
}

fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

#[test]
fn a_terminated_lock_holder_releases_and_exits_0() {
    let env = Env::zk("lock-term");
    let mut child = env.hold_lock("wc");
    send_signal(child.id(), "-TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let started = Instant::now();
    let out = env.run(&["lock", "wc", "--timeout-ms", "200"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "released at once: {}",
        describe(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn an_interrupted_command_exits_130_at_once() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let connect = format!("127.0.0.1:{}", silent.local_addr().unwrap().port());
    let env = Env::zk_on(&connect, "interrupt", "");
    let mut cmd = env.cmd(&["get", "topology", "wc"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    send_signal(child.id(), "-INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", describe(&out));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted by SIGINT"),
        "{}",
        describe(&out)
    );
    drop(silent);
}
