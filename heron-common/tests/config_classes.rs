//! Heron class names in Heron-format conf folders (the fixtures; Heron's stock folders in the
//! interop tier) map to our backends (or are refused clearly).

use std::path::{Path, PathBuf};

use heron_common::config::classes::{
    LauncherKind, PackingKind, SchedulerKind, StateManagerKind, UploaderKind,
};
use heron_common::config::{self, LoadRequest};

#[path = "../../tests/src/heron_conf.rs"]
mod heron_conf;

/// Loads `source` (a fixture or Heron's stock folder) as the cluster `c`.
fn load(source: &Path) -> (tempfile::TempDir, heron_common::config::Config) {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(source, tmp.path().join("c")).expect("link");
    let mut request = LoadRequest::new(tmp.path(), "c");
    request.heron_home = Some(PathBuf::from("/h"));
    let config = config::load(&request).expect("stock conf loads");
    (tmp, config)
}

#[test]
fn aurora_conf_classes() {
    assert_aurora_classes(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_aurora_conf_classes() {
    assert_aurora_classes(&heron_conf::stock("aurora"));
}

fn assert_aurora_classes(folder: &Path) {
    let (_tmp, config) = load(folder);
    assert_eq!(
        StateManagerKind::from_config(&config).expect("statemgr"),
        StateManagerKind::LocalFs
    );
    assert_eq!(
        UploaderKind::from_config(&config).expect("uploader"),
        UploaderKind::LocalFs
    );
    assert_eq!(
        SchedulerKind::from_config(&config).expect("scheduler"),
        SchedulerKind::Aurora
    );
    assert_eq!(
        LauncherKind::from_config(&config).expect("launcher"),
        LauncherKind::Aurora
    );
    assert_eq!(
        PackingKind::from_config(&config).expect("packing"),
        PackingKind::RoundRobin
    );
    assert_eq!(
        PackingKind::repacking_from_config(&config).expect("repacking"),
        PackingKind::RoundRobin
    );
}

#[test]
fn localzk_conf_classes() {
    assert_localzk_classes(&heron_conf::fixture("localzk"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_localzk_conf_classes() {
    assert_localzk_classes(&heron_conf::stock("localzk"));
}

fn assert_localzk_classes(folder: &Path) {
    let (tmp, config) = load(folder);
    assert_eq!(
        StateManagerKind::from_config(&config).expect("statemgr"),
        StateManagerKind::ZooKeeper
    );
    // The localzk conf runs Heron's local scheduler, which this tool does not drive.
    let err = SchedulerKind::from_config(&config).unwrap_err().to_string();
    assert!(
        err.contains("LocalScheduler") && err.contains("Aurora only"),
        "{err}"
    );
    assert!(
        err.contains(&tmp.path().join("c/scheduler.yaml").display().to_string()),
        "{err}"
    );
}

#[test]
fn old_twitter_spellings_through_an_override() {
    let (tmp, _) = load(&heron_conf::fixture("aurora"));
    let mut request = LoadRequest::new(tmp.path(), "c");
    request.properties = vec![
        (
            "heron.class.state.manager".into(),
            "com.twitter.heron.statemgr.zookeeper.curator.CuratorStateManager".into(),
        ),
        (
            "heron.class.uploader".into(),
            "com.twitter.heron.uploader.hdfs.HdfsUploader".into(),
        ),
    ];
    let config = config::load(&request).expect("loads");
    assert_eq!(
        StateManagerKind::from_config(&config).expect("statemgr"),
        StateManagerKind::ZooKeeper
    );
    assert_eq!(
        UploaderKind::from_config(&config).expect("uploader"),
        UploaderKind::Hdfs
    );
    request.properties = vec![(
        "heron.class.uploader".into(),
        "org.apache.heron.uploader.scp.ScpUploader".into(),
    )];
    let config = config::load(&request).expect("loads");
    let err = UploaderKind::from_config(&config).unwrap_err().to_string();
    assert!(
        err.contains("scp uploader") && err.contains("does not support"),
        "{err}"
    );
}
