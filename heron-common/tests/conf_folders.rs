//! The cluster config folders shipped in `conf/` load as they stand, name the backends they say
//! they do, carry the keys the sandbox needs, and hold no secrets.

use std::path::{Path, PathBuf};

use heron_common::config::classes::{
    LauncherKind, PackingKind, SchedulerKind, StateManagerKind, UploaderKind,
};
use heron_common::config::tokens::TokenContext;
use heron_common::config::{Config, LoadRequest, Value, keys, load_file, load_with_context};

fn conf_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("heron-common sits in the workspace root")
        .join("conf")
}

/// Loads `conf/<cluster>` as `heron submit <cluster>/alice/devel` would, with a fixed home.
fn load(cluster: &str) -> Config {
    let mut request = LoadRequest::new(conf_root(), cluster);
    request.role = Some("alice".into());
    request.environ = Some("devel".into());
    request.topology_name = Some("WordCount".into());
    let context = TokenContext::new().with_home("/home/alice");
    load_with_context(&request, &context)
        .unwrap_or_else(|e| panic!("conf/{cluster} does not load: {e}"))
}

fn text(config: &Config, key: &str) -> String {
    config
        .get_str(key)
        .unwrap_or_else(|e| panic!("{key}: {e}"))
        .unwrap_or_else(|| panic!("{key} is not set"))
}

const FOLDERS: [&str; 3] = ["aurora-zk-s3", "aurora-zk-hdfs", "local"];

#[test]
fn every_folder_is_aurora_with_round_robin_packing() {
    for cluster in FOLDERS {
        let config = load(cluster);
        config
            .validate()
            .unwrap_or_else(|e| panic!("{cluster}: {e}"));
        assert_eq!(
            SchedulerKind::from_config(&config).unwrap(),
            SchedulerKind::Aurora
        );
        assert_eq!(
            LauncherKind::from_config(&config).unwrap(),
            LauncherKind::Aurora
        );
        assert_eq!(
            PackingKind::from_config(&config).unwrap(),
            PackingKind::RoundRobin
        );
        assert_eq!(
            PackingKind::repacking_from_config(&config).unwrap(),
            PackingKind::RoundRobin
        );
        assert_eq!(
            config.get_bool(keys::SCHEDULER_IS_SERVICE).unwrap(),
            Some(false),
            "{cluster}: Aurora runs no Heron scheduler service"
        );
        // Aurora's job key needs both; only the local folder lets them default (user, `default`).
        let required = Some(cluster != "local");
        assert_eq!(config.get_bool(keys::IS_ROLE_REQUIRED).unwrap(), required);
        assert_eq!(config.get_bool(keys::IS_ENV_REQUIRED).unwrap(), required);
        assert!(
            text(&config, keys::SANDBOX_JAVA_HOME).starts_with('/'),
            "{cluster}: sandbox java home must be absolute"
        );
        // The loader points the conf dir at the folder itself.
        assert_eq!(
            text(&config, keys::HERON_CONF),
            conf_root().join(cluster).display().to_string()
        );
    }
}

#[test]
fn s3_folder_uses_zookeeper_and_s3_fetched_with_the_aws_cli() {
    let config = load("aurora-zk-s3");
    assert_eq!(
        StateManagerKind::from_config(&config).unwrap(),
        StateManagerKind::ZooKeeper
    );
    assert_eq!(
        UploaderKind::from_config(&config).unwrap(),
        UploaderKind::S3
    );
    assert_eq!(
        text(&config, keys::STATE_MANAGER_CLASS),
        "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager"
    );
    assert_eq!(text(&config, keys::STATEMGR_ROOT_PATH), "/heron");
    assert!(text(&config, keys::STATEMGR_CONNECTION_STRING).contains(":2181"));
    assert_eq!(
        config.get_i64(keys::ZK_SESSION_TIMEOUT_MS).unwrap(),
        Some(30000)
    );
    assert_eq!(config.get_i64(keys::ZK_RETRY_COUNT).unwrap(), Some(10));
    assert_eq!(
        text(&config, "heron.statemgr.zookeeper.acl"),
        "open",
        "the sandbox's processes write without ZooKeeper auth"
    );
    assert_eq!(text(&config, keys::UPLOADER_S3_BUCKET), "my-heron-bucket");
    // Tokens expand with the runtime cluster and role.
    assert_eq!(
        text(&config, keys::UPLOADER_S3_PATH_PREFIX),
        "heron/topologies/aurora-zk-s3/alice"
    );
    assert_eq!(text(&config, "heron.uploader.s3.package.uri.scheme"), "s3");
    assert!(text(&config, keys::CORE_PACKAGE_URI).starts_with("s3://"));
    let fetch = text(&config, "heron.aurora.fetch.command.s3");
    assert!(fetch.starts_with("aws s3 cp "), "{fetch}");
    assert!(
        fetch.contains("{URI}") && fetch.contains("{FILE}"),
        "{fetch}"
    );
    assert_eq!(
        config.get_u64("heron.uploader.s3.part.size.bytes").unwrap(),
        Some(8 << 20)
    );
}

#[test]
fn hdfs_folder_uses_zookeeper_and_hdfs_fetched_with_the_hadoop_client() {
    let config = load("aurora-zk-hdfs");
    assert_eq!(
        StateManagerKind::from_config(&config).unwrap(),
        StateManagerKind::ZooKeeper
    );
    assert_eq!(
        UploaderKind::from_config(&config).unwrap(),
        UploaderKind::Hdfs
    );
    assert_eq!(
        text(&config, keys::UPLOADER_HDFS_DIRECTORY_URI),
        "hdfs://namenode.example.com:8020/heron/topologies/aurora-zk-hdfs/alice"
    );
    assert_eq!(
        text(&config, keys::UPLOADER_HDFS_CONFIG_DIRECTORY),
        "/etc/hadoop/conf"
    );
    assert!(text(&config, keys::CORE_PACKAGE_URI).starts_with("hdfs://"));
    let fetch = text(&config, "heron.aurora.fetch.command.hdfs");
    assert_eq!(fetch, "hdfs dfs -get {URI} {FILE}");
    assert_eq!(
        config
            .get_u64("heron.uploader.hdfs.connect.timeout.seconds")
            .unwrap(),
        Some(30)
    );
    assert_eq!(
        text(&config, "heron.statefulstorage.classname"),
        "org.apache.heron.statefulstorage.hdfs.HDFSStorage"
    );
}

#[test]
fn local_folder_keeps_everything_under_the_users_herondata() {
    let config = load("local");
    assert_eq!(
        StateManagerKind::from_config(&config).unwrap(),
        StateManagerKind::LocalFs
    );
    assert_eq!(
        UploaderKind::from_config(&config).unwrap(),
        UploaderKind::LocalFs
    );
    assert_eq!(
        text(&config, keys::STATEMGR_ROOT_PATH),
        "/home/alice/.herondata/repository/state/local"
    );
    assert_eq!(
        text(&config, keys::UPLOADER_LOCALFS_DIRECTORY),
        "/home/alice/.herondata/repository/topologies/local/alice/WordCount"
    );
    assert_eq!(
        text(&config, keys::CORE_PACKAGE_URI),
        "file:///home/alice/.herondata/dist/heron-core.tar.gz"
    );
}

#[test]
fn no_folder_holds_a_secret() {
    for cluster in FOLDERS {
        let config = load(cluster);
        for key in [
            keys::UPLOADER_S3_ACCESS_KEY,
            keys::UPLOADER_S3_SECRET_KEY,
            "heron.statemgr.zookeeper.auth.digest",
        ] {
            assert!(
                !config.contains(key),
                "conf/{cluster} sets the secret {key}: secrets belong in the environment"
            );
        }
    }
}

#[test]
fn sandbox_files_parse_and_are_the_same_in_every_folder() {
    // The executor reads these from ./heron-conf/ in the sandbox; the client never loads them.
    for name in ["heron_internals.yaml", "metrics_sinks.yaml", "heron.aurora"] {
        let first = std::fs::read(conf_root().join(FOLDERS[0]).join(name))
            .unwrap_or_else(|e| panic!("conf/{}/{name}: {e}", FOLDERS[0]));
        for cluster in &FOLDERS[1..] {
            let other = std::fs::read(conf_root().join(cluster).join(name))
                .unwrap_or_else(|e| panic!("conf/{cluster}/{name}: {e}"));
            assert!(
                first == other,
                "conf/{cluster}/{name} differs from conf/{}/{name}; keep them in step",
                FOLDERS[0]
            );
        }
    }
    let internals = load_file(&conf_root().join("local/heron_internals.yaml")).unwrap();
    assert_eq!(
        internals.get("heron.logging.directory"),
        Some(&Value::String("log-files".into()))
    );
    assert_eq!(
        internals
            .get_i64("heron.instance.set.data.tuple.size.bytes")
            .unwrap(),
        Some(8_388_608)
    );
    assert_eq!(
        internals
            .get_bool("heron.tmanager.metrics.network.bindallinterfaces")
            .unwrap(),
        Some(false)
    );
    let sinks = load_file(&conf_root().join("local/metrics_sinks.yaml")).unwrap();
    let names: Vec<String> = sinks
        .get_list("sinks")
        .unwrap()
        .expect("sinks is set")
        .iter()
        .filter_map(Value::as_text)
        .collect();
    assert_eq!(names, ["file-sink", "tmanager-sink", "metricscache-sink"]);
    for name in &names {
        assert!(
            sinks.get_map(name).unwrap().is_some(),
            "{name} has no section"
        );
    }
}

#[test]
fn every_key_in_the_aurora_folders_is_explained_by_a_comment() {
    // Each `key:` line is preceded by a comment line or ends with one (the folders are the
    // operator's documentation).
    for cluster in ["aurora-zk-s3", "aurora-zk-hdfs"] {
        for entry in std::fs::read_dir(conf_root().join(cluster)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml")
                || path.file_name().and_then(|n| n.to_str()) == Some("metrics_sinks.yaml")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut commented = false;
            for (n, line) in text.lines().enumerate() {
                let trimmed = line.trim_start();
                if trimmed.starts_with('#') {
                    commented = true;
                    continue;
                }
                if trimmed.is_empty() {
                    commented = false;
                    continue;
                }
                let top_level_key = !line.starts_with(' ') && line.contains(':');
                if top_level_key {
                    assert!(
                        commented || line.contains(" # "),
                        "{}:{}: `{line}` has no comment explaining it",
                        path.display(),
                        n + 1
                    );
                }
            }
        }
    }
}
