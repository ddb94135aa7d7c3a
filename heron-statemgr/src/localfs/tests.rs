//! The local backend through the [`StateManager`] surface: Heron's create and overwrite rules,
//! the all-or-nothing submit, the lock, and fsync on and off writing the same tree.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use heron_common::contract::SubmitState;

use super::LocalFsStateManager;
use crate::kind::NodeKind;
use crate::store::{DeleteOutcome, StateManager, WriteMode};

fn submit_state() -> SubmitState {
    SubmitState {
        topology: vec![1],
        packing_plan: vec![2],
        execution_state: vec![3],
        scheduler_location: vec![4],
    }
}

#[tokio::test]
async fn heron_create_and_overwrite_rules() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), true);
    store
        .set(NodeKind::Topology, "t", b"a", WriteMode::Heron)
        .await
        .unwrap();
    let err = store
        .set(NodeKind::Topology, "t", b"b", WriteMode::Heron)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
    store
        .set(NodeKind::PackingPlan, "t", b"a", WriteMode::Heron)
        .await
        .unwrap();
    store
        .set(NodeKind::PackingPlan, "t", b"b", WriteMode::Heron)
        .await
        .unwrap();
    assert_eq!(
        store
            .get(NodeKind::PackingPlan, "t")
            .await
            .unwrap()
            .unwrap()
            .data,
        b"b"
    );
    store
        .set(NodeKind::Topology, "t", b"c", WriteMode::Replace)
        .await
        .unwrap();
    assert_eq!(
        store
            .get(NodeKind::Topology, "t")
            .await
            .unwrap()
            .unwrap()
            .data,
        b"c"
    );
    // No temporary files are left behind.
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("topologies"))
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1);
}

#[tokio::test]
async fn empty_file_reads_as_absent_and_delete_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), true);
    store
        .set(NodeKind::TManager, "t", b"x", WriteMode::Heron)
        .await
        .unwrap();
    fs::write(dir.path().join("pplans/t"), b"").unwrap();
    assert_eq!(store.get(NodeKind::PhysicalPlan, "t").await.unwrap(), None);
    assert_eq!(
        store.delete(NodeKind::TManager, "t", false).await.unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(
        store.delete(NodeKind::TManager, "t", false).await.unwrap(),
        DeleteOutcome::Absent
    );
}

#[tokio::test]
async fn submit_rolls_back_on_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), true);
    store
        .set(NodeKind::ExecutionState, "t", b"old", WriteMode::Heron)
        .await
        .unwrap();
    let err = store.create_submit("t", &submit_state()).await.unwrap_err();
    assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
    assert!(err.to_string().contains("executionstate"), "{err}");
    let listing = store.list().await.unwrap();
    assert_eq!(listing.len(), 1);
    assert_eq!(listing[0].nodes, vec!["executionstate"]);
    store
        .delete(NodeKind::ExecutionState, "t", false)
        .await
        .unwrap();
    store.create_submit("t", &submit_state()).await.unwrap();
    let listing = store.list().await.unwrap();
    assert_eq!(
        listing[0].nodes,
        vec!["topologies", "packingplans", "executionstate", "schedulers"]
    );
}

#[tokio::test]
async fn lock_excludes_and_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), true);
    let held = store.lock("t", Duration::from_millis(100)).await.unwrap();
    let started = Instant::now();
    let err = store
        .lock("t", Duration::from_millis(300))
        .await
        .err()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
    assert_eq!(store.list().await.unwrap()[0].nodes, vec!["locks"]);
    held.release().await.unwrap();
    let again = store.lock("t", Duration::from_millis(100)).await.unwrap();
    again.release().await.unwrap();
}

#[tokio::test]
async fn no_tree_init_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), false);
    let err = store
        .set(NodeKind::Topology, "t", b"x", WriteMode::Heron)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is.initialize.file.tree"), "{err}");
}

/// Every file under `root` (hidden ones included), with its bytes.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                files.push((name, fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn fsync_on_and_off_write_the_same_files_and_bytes() {
    let mut trees = Vec::new();
    for fsync in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalFsStateManager::new(dir.path(), true).with_fsync(fsync);
        store.create_submit("t", &submit_state()).await.unwrap();
        store
            .set(NodeKind::PackingPlan, "t", b"plan 2", WriteMode::Heron)
            .await
            .unwrap();
        store
            .set(NodeKind::PhysicalPlan, "t", b"pplan", WriteMode::Create)
            .await
            .unwrap();
        store
            .set(NodeKind::Topology, "t", b"topology 2", WriteMode::Replace)
            .await
            .unwrap();
        let conflict = store.create_submit("t", &submit_state()).await.unwrap_err();
        assert_eq!(
            conflict.exit_code(),
            heron_common::ExitCode::AlreadyExists,
            "fsync {fsync}"
        );
        let held = store.lock("t", Duration::from_millis(100)).await.unwrap();
        let mut files = tree(dir.path());
        held.release().await.unwrap();
        // The lock token names the process and the time: compare that it is there, not its bytes.
        let lock = files
            .iter_mut()
            .find(|(name, _)| name == "locks/t__updateTopology")
            .expect("the lock file");
        assert!(lock.1.starts_with(b"heron-statemgr pid "), "fsync {fsync}");
        lock.1.clear();
        trees.push(files);
    }
    let names: Vec<&str> = trees[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "executionstate/t",
            "locks/t__updateTopology",
            "packingplans/t",
            "pplans/t",
            "schedulers/t",
            "topologies/t"
        ],
        "no temporary file is left"
    );
    assert_eq!(trees[0], trees[1], "fsync off (left) and on (right) differ");
    assert_eq!(trees[1][2].1, b"plan 2");
    assert_eq!(trees[1][5].1, b"topology 2");
}

#[tokio::test]
async fn a_failed_submit_with_fsync_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFsStateManager::new(dir.path(), true).with_fsync(true);
    store
        .set(NodeKind::Scheduler, "t", b"old", WriteMode::Create)
        .await
        .unwrap();
    let err = store.create_submit("t", &submit_state()).await.unwrap_err();
    assert_eq!(err.exit_code(), heron_common::ExitCode::AlreadyExists);
    // The last of the four nodes conflicted: the three before it were created, then removed.
    assert!(err.to_string().contains("schedulers"), "{err}");
    assert_eq!(
        tree(dir.path()),
        [("schedulers/t".to_string(), b"old".to_vec())]
    );
}
