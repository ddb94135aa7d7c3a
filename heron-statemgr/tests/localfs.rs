//! `heron-statemgr` on the local file system backend: Heron's LocalFileSystemStateManager layout,
//! driven through the real binary. Needs no service.

mod common;

use common::{Env, describe, samples, submit_json};
use heron_statemgr::NodeKind;

#[test]
fn every_kind_round_trips_as_proto_and_json() {
    let env = Env::local("roundtrip");
    for (kind, bytes) in samples("wc") {
        env.ok(
            &["set", kind.dir(), "wc", "--input-format", "proto"],
            &bytes,
        );
        // The file holds exactly Heron's bytes.
        assert_eq!(
            std::fs::read(env.node(kind, "wc")).unwrap(),
            bytes,
            "{kind}"
        );
        let proto = env.ok(&["get", kind.dir(), "wc", "--format", "proto"], b"");
        assert_eq!(proto, bytes, "{kind}: get --format proto");
        let json = env.ok(&["get", kind.dir(), "wc"], b"");
        // The JSON form written back gives the same bytes.
        env.ok(&["set", kind.dir(), "wc", "--replace"], &json);
        assert_eq!(
            std::fs::read(env.node(kind, "wc")).unwrap(),
            bytes,
            "{kind}: JSON round trip"
        );
    }
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(
        listing.trim(),
        "wc  topologies packingplans pplans executionstate tmanagers metricscaches schedulers statefulcheckpoints"
    );
}

#[test]
fn create_new_kinds_refuse_a_second_write_and_overwrite_kinds_accept_it() {
    let env = Env::local("semantics");
    let all = samples("wc");
    for (kind, bytes) in &all {
        env.ok(&["set", kind.dir(), "wc"], bytes);
        let again = env.run_with(&["set", kind.dir(), "wc"], bytes);
        let expected = if kind.localfs_overwrites() { 0 } else { 4 };
        assert_eq!(
            again.status.code(),
            Some(expected),
            "{kind}: {}",
            describe(&again)
        );
    }
}

#[test]
fn text_format_flattens_fields() {
    let env = Env::local("text");
    let (_, bytes) = samples("wc")
        .into_iter()
        .find(|(k, _)| *k == NodeKind::ExecutionState)
        .unwrap();
    env.ok(&["set", "executionstate", "wc"], &bytes);
    let text = String::from_utf8(env.ok(&["get", "executionstate", "wc", "--format", "text"], b""))
        .unwrap();
    // Fields sorted by name, one `path: value` per line, for grep.
    insta::assert_snapshot!(text, @r"
    cluster: test
    environ: devel
    release_state.release_tag: 
    release_state.release_username: heron
    release_state.release_version: 0.20.5
    role: tester
    submission_time: 1764000000
    submission_user: tester
    topology_id: wc-6f1c2b9e
    topology_name: wc
    ");
}

#[test]
fn submit_is_all_or_nothing() {
    let env = Env::local("submit");
    env.ok(&["create", "wc"], &submit_json("wc"));
    let listing = String::from_utf8(env.ok(&["list", "--format", "json"], b"")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&listing).unwrap();
    assert_eq!(
        value,
        serde_json::json!([{"topology": "wc", "nodes": ["topologies", "packingplans", "executionstate", "schedulers"]}])
    );
    // A second submit changes nothing and says what exists.
    let again = env.run_with(&["create", "wc"], &submit_json("wc"));
    assert_eq!(again.status.code(), Some(4), "{}", describe(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("topologies/wc exists"),
        "{}",
        describe(&again)
    );

    // A stale packing plan makes the submit fail and roll back its topology node.
    let env = Env::local("submit-stale");
    let (_, plan) = samples("x")
        .into_iter()
        .find(|(k, _)| *k == NodeKind::PackingPlan)
        .unwrap();
    env.ok(&["set", "packingplan", "x"], &plan);
    let out = env.run_with(&["create", "x"], &submit_json("x"));
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(listing.trim(), "x  packingplans");
}

#[test]
fn submit_rejects_a_mismatched_name_before_writing() {
    let env = Env::local("mismatch");
    let out = env.run_with(&["create", "other"], &submit_json("wc"));
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("topology.name is \"wc\""), "{stderr}");
    assert!(!std::path::Path::new(&env.root).join("topologies").exists());
}

#[test]
fn clean_deletes_in_kill_order_and_accepts_partial_state() {
    let env = Env::local("clean");
    for (kind, bytes) in samples("wc") {
        env.ok(&["set", kind.dir(), "wc"], &bytes);
    }
    let lock = std::path::Path::new(&env.root)
        .join("locks")
        .join("wc__updateTopology");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, b"held").unwrap();
    let report = String::from_utf8(env.ok(&["clean", "wc"], b"")).unwrap();
    insta::assert_snapshot!(report, @r"
    tmanagers            deleted
    metricscaches        deleted
    packingplans         deleted
    pplans               deleted
    schedulers           deleted
    locks                deleted
    executionstate       deleted
    topologies           deleted
    ");
    // Heron's clean leaves checkpoints alone.
    assert_eq!(
        String::from_utf8(env.ok(&["list"], b"")).unwrap().trim(),
        "wc  statefulcheckpoints"
    );
    // Nothing left to clean: still success, and it says so.
    let out = env.run(&["clean", "wc", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        value["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["outcome"] == "absent"),
        "{value}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no state found for topology wc"));
}

#[test]
fn exists_and_missing_nodes_have_their_exit_codes() {
    let env = Env::local("exists");
    let out = env.run(&["exists", "topology", "wc"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        describe(&out)
    );
    let out = env.run(&["get", "pplan", "wc"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: "),
        "{}",
        describe(&out)
    );
    let out = env.run(&["delete", "pplan", "wc"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "delete of a missing node: {}",
        describe(&out)
    );
    let out = env.run(&["get", "locks", "wc"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown node kind \"locks\""));
}

#[test]
fn corrupt_bytes_are_a_clear_error_not_a_panic() {
    let env = Env::local("corrupt");
    let path = std::path::Path::new(&env.root).join("pplans");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("wc"), [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]).unwrap();
    for format in ["json", "text", "proto"] {
        let out = env.run(&["get", "pplan", "wc", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{format}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{format}: nothing on stdout");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("heron.proto.system.PhysicalPlan"),
            "{stderr}"
        );
        assert!(stderr.contains("pplans/wc"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // Bytes that parse but lack a required field (Heron's readers refuse them) are refused too.
    std::fs::create_dir_all(std::path::Path::new(&env.root).join("executionstate")).unwrap();
    std::fs::write(
        std::path::Path::new(&env.root).join("executionstate/half"),
        [0x0a, 0x02, b'w', b'c'],
    )
    .unwrap();
    let out = env.run(&["get", "executionstate", "half"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing required field"),
        "{}",
        describe(&out)
    );
    // Garbage on stdin is refused before anything is written.
    let out = env.run_with(
        &["set", "executionstate", "wc", "--input-format", "proto"],
        &[0xff, 0x01],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let out = env.run_with(&["set", "executionstate", "wc"], b"{\"topology_name\": 5}");
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        !std::path::Path::new(&env.root)
            .join("executionstate/wc")
            .exists()
    );
}

#[test]
fn lock_holds_until_stdin_closes() {
    let env = Env::local("lock");
    let mut child = env.hold_lock("wc");
    let busy = env.run(&["lock", "wc", "--timeout-ms", "300"]);
    assert_eq!(busy.status.code(), Some(4), "{}", describe(&busy));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("locks/wc__updateTopology"));
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let out = env.run(&["lock", "wc", "--timeout-ms", "300"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        !std::path::Path::new(&env.root)
            .join("locks/wc__updateTopology")
            .exists()
    );
}

#[test]
fn watch_reports_creation_and_change() {
    use std::io::BufRead;
    let env = Env::local("watch");
    let mut watcher = env.cmd(&[
        "watch",
        "executionstate",
        "wc",
        "--count",
        "3",
        "--timeout-ms",
        "30000",
        "--format",
        "json",
    ]);
    watcher
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = watcher.spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next_event = || -> serde_json::Value {
        serde_json::from_str(&lines.next().expect("an event line").unwrap()).unwrap()
    };
    assert_eq!(next_event()["event"], "initial");
    let (_, bytes) = samples("wc")
        .into_iter()
        .find(|(k, _)| *k == NodeKind::ExecutionState)
        .unwrap();
    env.ok(&["set", "executionstate", "wc"], &bytes);
    let created = next_event();
    assert_eq!(created["event"], "created");
    assert_eq!(created["data"]["topology_name"], "wc");
    env.ok(&["delete", "executionstate", "wc"], b"");
    assert_eq!(next_event()["event"], "deleted");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn missing_cluster_and_bad_config_are_usage_errors() {
    let env = Env::local("usage");
    let out = common::run_with_stdin(
        {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_heron-statemgr"));
            cmd.args(["list"]).env_remove("RUST_BACKTRACE");
            cmd
        },
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cluster is required"));
    let out = env.run(&[
        "list",
        "--config-property",
        "heron.class.state.manager=org.example.Nope",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("heron.class.state.manager"));
}

#[test]
fn concurrent_local_submits_have_one_winner() {
    concurrent_submits("race", "false");
}

#[test]
fn concurrent_local_submits_with_fsync_have_one_winner() {
    concurrent_submits("race-fsync", "true");
}

#[test]
fn fsync_key_is_checked_and_changes_no_bytes() {
    let env = Env::local("fsync-bad");
    let out = env.run_with(
        &[
            "create",
            "wc",
            "--config-property",
            "heron.statemgr.localfs.fsync=maybe",
        ],
        &submit_json("wc"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("heron.statemgr.localfs.fsync") && stderr.contains("maybe"),
        "{stderr}"
    );
    assert!(!std::path::Path::new(&env.root).exists(), "nothing written");

    let mut written = Vec::new();
    for fsync in ["false", "true"] {
        let env = Env::local(&format!("fsync-{fsync}"));
        let property = format!("heron.statemgr.localfs.fsync={fsync}");
        env.ok(
            &["create", "wc", "--config-property", &property],
            &submit_json("wc"),
        );
        let mut files = Vec::new();
        for dir in std::fs::read_dir(&env.root).unwrap() {
            let dir = dir.unwrap().path();
            for file in std::fs::read_dir(&dir).unwrap() {
                let file = file.unwrap().path();
                let name = file.strip_prefix(&env.root).unwrap().display().to_string();
                files.push((name, std::fs::read(&file).unwrap()));
            }
        }
        files.sort();
        written.push(files);
    }
    let names: Vec<&str> = written[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "executionstate/wc",
            "packingplans/wc",
            "schedulers/wc",
            "topologies/wc"
        ]
    );
    assert_eq!(
        written[0], written[1],
        "fsync=false (left) and fsync=true (right)"
    );
}

fn concurrent_submits(test: &str, fsync: &str) {
    let env = Env::local(test);
    let property = format!("heron.statemgr.localfs.fsync={fsync}");
    let children: Vec<_> = (0..16)
        .map(|_| {
            let mut cmd = env.cmd(&["create", "wc", "--config-property", &property]);
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            std::io::Write::write_all(&mut stdin, &submit_json("wc")).unwrap();
            drop(stdin);
            child
        })
        .collect();
    let codes: Vec<Option<i32>> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == Some(4)).count(),
        15,
        "{codes:?}"
    );
    let listing = String::from_utf8(env.ok(&["list"], b"")).unwrap();
    assert_eq!(
        listing.trim(),
        "wc  topologies packingplans executionstate schedulers"
    );
    // No temporary files are left in any folder.
    for dir in ["topologies", "packingplans", "executionstate", "schedulers"] {
        let names: Vec<_> = std::fs::read_dir(std::path::Path::new(&env.root).join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["wc"], "{dir}");
    }
}
