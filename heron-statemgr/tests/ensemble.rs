//! A 3-member ZooKeeper ensemble on loopback (scripts/zk.sh), with members killed (or frozen)
//! while operations run: every operation completes (one dead member of three leaves a quorum), none
//! hangs past its bound, and nothing acknowledged is lost.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Env, describe, scripts_dir};
use heron_common::config::Config;
use heron_statemgr::settings::{self, Settings};
use heron_statemgr::{NodeKind, StateManager, WriteMode};

/// Stops the ensemble when the test ends, however it ends.
struct Ensemble {
    dir: tempfile::TempDir,
    connect: String,
}

impl Ensemble {
    fn start() -> Ensemble {
        let dir = tempfile::tempdir().unwrap();
        let out = zk_sh(&["ensemble-start", &dir.path().display().to_string()]);
        let connect = String::from_utf8(out).unwrap().trim().to_string();
        assert_eq!(connect.split(',').count(), 3, "connect string {connect:?}");
        Ensemble { dir, connect }
    }

    fn path(&self) -> String {
        self.dir.path().display().to_string()
    }
}

impl Drop for Ensemble {
    fn drop(&mut self) {
        let _ = Command::new(zk_script())
            .args(["ensemble-stop", &self.path()])
            .output();
    }
}

fn zk_script() -> PathBuf {
    scripts_dir().join("zk.sh")
}

fn zk_sh(args: &[&str]) -> Vec<u8> {
    let out = Command::new(zk_script())
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; set HERON_TEST_SCRIPTS to the repo's scripts/",
                zk_script().display()
            )
        });
    assert!(out.status.success(), "zk.sh {args:?}: {}", describe(&out));
    out.stdout
}

fn store(connect: &str, root: &str) -> Box<dyn StateManager> {
    let mut config = Config::new();
    config.set_str(settings::KEY_CLASS, "zookeeper");
    config.set_str(settings::KEY_CONNECTION, connect);
    config.set_str(settings::KEY_ROOT, root);
    config.set_str(settings::KEY_ZK_SESSION_TIMEOUT, "10000");
    config.set_str(settings::KEY_ZK_CONNECTION_TIMEOUT, "15000");
    config.set_str(settings::KEY_ZK_OPERATION_TIMEOUT, "20000");
    heron_statemgr::open(&Settings::from_config(&config, None).unwrap())
}

fn payload(i: usize) -> Vec<u8> {
    use prost::Message;
    heron_common::proto::system::ExecutionState {
        topology_name: format!("t{i}"),
        topology_id: format!("t{i}-id"),
        cluster: "c".into(),
        environ: "e".into(),
        role: "r".into(),
        ..Default::default()
    }
    .encode_to_vec()
}

/// Runs creates, reads and deletes while `disrupt(dir, member)` and `restore(dir, member)` are
/// applied to each member in turn, then checks that nothing failed and nothing acknowledged is lost.
async fn operations_survive(disrupt: &'static str, restore: &'static str, down_for: Duration) {
    let ensemble = Ensemble::start();
    let root = format!("/ensemble-{}", common::unique("run"));
    let client = store(&ensemble.connect, &root);

    // Kill each member in turn (one of them is the one our session talks to), restarting it
    // before the next, while the operations below run.
    let dir = ensemble.path();
    let killer = tokio::task::spawn_blocking(move || {
        let mut log = Vec::new();
        for member in ["1", "2", "3"] {
            std::thread::sleep(Duration::from_millis(700));
            zk_sh(&[disrupt, &dir, member]);
            log.push(format!("{disrupt} {member}"));
            std::thread::sleep(down_for);
            zk_sh(&[restore, &dir, member]);
            log.push(format!("{restore} {member}"));
        }
        log
    });

    let op_bound = Duration::from_secs(20 + 15 + 5);
    let mut present: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    let mut deleted: Vec<usize> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut i = 0usize;
    let mut slowest = Duration::ZERO;
    while !killer.is_finished() || i < 30 {
        let started = Instant::now();
        let bytes = payload(i);
        match client
            .set(
                NodeKind::ExecutionState,
                &format!("t{i}"),
                &bytes,
                WriteMode::Heron,
            )
            .await
        {
            Ok(()) => {
                present.insert(i, bytes.clone());
            }
            Err(err) => failures.push(format!("create t{i}: {err}")),
        }
        match client.get(NodeKind::ExecutionState, &format!("t{i}")).await {
            Ok(Some(node)) if node.data == bytes => {}
            Ok(other) => failures.push(format!("read t{i}: got {other:?}")),
            Err(err) => failures.push(format!("read t{i}: {err}")),
        }
        if i % 3 == 2 {
            let victim = i - 1;
            match client
                .delete(NodeKind::ExecutionState, &format!("t{victim}"), false)
                .await
            {
                Ok(_) => {
                    present.remove(&victim);
                    deleted.push(victim);
                }
                Err(err) => failures.push(format!("delete t{victim}: {err}")),
            }
        }
        slowest = slowest.max(started.elapsed());
        assert!(
            started.elapsed() < op_bound,
            "operation {i} took {:?}",
            started.elapsed()
        );
        i += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = killer.await.unwrap();
    assert_eq!(log.len(), 6, "{log:?}");
    assert!(
        failures.is_empty(),
        "with one member down the ensemble keeps a quorum: {failures:#?}"
    );
    client.close().await.unwrap();

    // A fresh session, through the CLI, with one member down: everything acknowledged is there.
    zk_sh(&["member-stop", &ensemble.path(), "1"]);
    let env_yaml = "heron.statemgr.zookeeper.connection.timeout.ms: 15000\n";
    let env = Env::zk_on(&ensemble.connect, "ensemble-check", env_yaml);
    let check = store(&ensemble.connect, &root);
    for (n, bytes) in &present {
        let node = check
            .get(NodeKind::ExecutionState, &format!("t{n}"))
            .await
            .unwrap();
        assert_eq!(
            node.map(|n| n.data).as_ref(),
            Some(bytes),
            "acknowledged t{n} is there"
        );
    }
    for n in &deleted {
        assert!(
            !check
                .exists(NodeKind::ExecutionState, &format!("t{n}"))
                .await
                .unwrap(),
            "t{n} stays deleted"
        );
    }
    let listing = check.list().await.unwrap();
    assert_eq!(
        listing.len(),
        present.len(),
        "no node beyond the acknowledged ones"
    );
    check.close().await.unwrap();
    let root_arg = format!("heron.statemgr.root.path={root}");
    let out = env.run(&["list", "--format", "json", "--config-property", &root_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let cli_listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli_listing.as_array().unwrap().len(), present.len());
    eprintln!(
        "{i} rounds, slowest {slowest:?}, {} nodes kept, {} deleted; {log:?}",
        present.len(),
        deleted.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_dead_member_fails_no_operation_and_loses_nothing() {
    operations_survive("member-stop", "member-start", Duration::from_millis(1500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_frozen_member_fails_no_operation_and_loses_nothing() {
    // A frozen server keeps its connections open and answers nothing: the client must notice
    // (no answer within 2/5 of the session timeout) and move to another member.
    operations_survive("member-pause", "member-resume", Duration::from_secs(6)).await;
}
