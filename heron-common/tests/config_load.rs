//! Loading Heron-format cluster folders: the repo's fixtures (and, in the interop tier, Heron's own
//! unedited stock folders, which must load exactly the same), and folders written by the tests:
//! order, overrides, properties, types, errors.

use std::path::{Path, PathBuf};

use heron_common::ExitCode;
use heron_common::config::tokens::TokenContext;
use heron_common::config::{self, Config, LoadRequest, Mode, Value, keys};

#[path = "../../tests/src/heron_conf.rs"]
mod heron_conf;

/// A config path whose `c1` cluster folder is a link to `folder` (a fixture or Heron's stock one).
fn linked(folder: &Path) -> (tempfile::TempDir, LoadRequest) {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(folder, tmp.path().join("c1")).expect("symlink");
    let mut request = LoadRequest::new(tmp.path(), "c1");
    request.heron_home = Some(PathBuf::from("/home/op/.heron"));
    request.role = Some("www".into());
    request.environ = Some("prod".into());
    request.topology_name = Some("wordcount".into());
    (tmp, request)
}

fn ctx() -> TokenContext {
    TokenContext::new()
        .with_home("/home/op")
        .with_java_home("/opt/jdk11")
}

fn text(config: &Config, key: &str) -> String {
    config
        .get_str(key)
        .expect("scalar")
        .unwrap_or_else(|| panic!("{key} is unset"))
}

fn cluster_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, LoadRequest) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("dev");
    std::fs::create_dir(&dir).expect("mkdir");
    for (name, content) in files {
        std::fs::write(dir.join(name), content).expect("write");
    }
    let mut request = LoadRequest::new(tmp.path(), "dev");
    request.heron_home = Some(PathBuf::from("/h"));
    (tmp, request)
}

#[test]
fn aurora_folder_loads() {
    assert_aurora_folder_loads(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_aurora_folder_loads_unchanged() {
    assert_aurora_folder_loads(&heron_conf::stock("aurora"));
}

fn assert_aurora_folder_loads(folder: &Path) {
    let (tmp, request) = linked(folder);
    let config = config::load_with_context(&request, &ctx()).expect("aurora conf loads");
    assert_eq!(
        text(&config, keys::STATE_MANAGER_CLASS),
        "org.apache.heron.statemgr.localfs.LocalFileSystemStateManager"
    );
    assert_eq!(
        text(&config, keys::SCHEDULER_CLASS),
        "org.apache.heron.scheduler.aurora.AuroraScheduler"
    );
    assert_eq!(
        text(&config, keys::LAUNCHER_CLASS),
        "org.apache.heron.scheduler.aurora.AuroraLauncher"
    );
    assert_eq!(text(&config, keys::STATEMGR_CONNECTION_STRING), "LOCALMODE");
    // ${CLUSTER} is the cluster folder name.
    assert_eq!(
        text(&config, keys::STATEMGR_ROOT_PATH),
        "/vagrant/.herondata/repository/state/c1"
    );
    assert_eq!(
        text(&config, keys::UPLOADER_LOCALFS_DIRECTORY),
        "/vagrant/.herondata/repository/topologies/c1/www/wordcount"
    );
    assert_eq!(
        text(&config, keys::CORE_PACKAGE_URI),
        "file:///vagrant/.herondata/dist/heron-core-release.tar.gz"
    );
    // The trailing `/` goes, as with java.io.File.
    assert_eq!(
        text(&config, keys::SANDBOX_JAVA_HOME),
        "/usr/lib/jvm/java-1.8.0-openjdk-amd64"
    );
    assert_eq!(
        config.get_bool(keys::SCHEDULER_IS_SERVICE).expect("bool"),
        Some(false)
    );
    assert_eq!(
        config.get_bool(keys::IS_ROLE_REQUIRED).expect("bool"),
        Some(true)
    );
    assert_eq!(
        config
            .get_i64(keys::SCHEDULER_JOB_MAX_KILL_ATTEMPTS)
            .expect("int"),
        Some(5)
    );
    assert_eq!(
        config
            .get_i64(keys::SCHEDULER_JOB_KILL_RETRY_INTERVAL_MS)
            .expect("int"),
        Some(2000)
    );
    assert_eq!(
        config
            .get_bool(keys::LOCALFS_IS_INITIALIZE_FILE_TREE)
            .expect("bool"),
        Some(true)
    );
    assert_eq!(
        text(&config, "heron.scheduler.tunnel.host"),
        "my.tunnel.host"
    );
    // Nested maps stay maps, untouched by token expansion.
    let registry = config
        .get_map("heron.downloader.registry")
        .expect("map")
        .expect("set");
    assert_eq!(
        registry.get("http"),
        Some(&Value::String(
            "org.apache.heron.downloader.HttpDownloader".into()
        ))
    );
    let stateful = config
        .get_map("heron.statefulstorage.config")
        .expect("map")
        .expect("set");
    assert_eq!(
        stateful.get("heron.statefulstorage.classpath"),
        Some(&Value::String(
            "$(hadoop --config /path/to/configs classpath)".into()
        ))
    );
    // heron_internals.yaml and metrics_sinks.yaml are not loaded by the client.
    assert!(config.get("heron.logging.directory").is_none());
    assert!(config.get("sinks").is_none());
    // Key defaults, expanded in local mode.
    assert_eq!(
        text(&config, keys::EXECUTOR_BINARY),
        "/home/op/.heron/bin/heron-executor"
    );
    assert_eq!(
        text(&config, "heron.classpath.packing"),
        "/home/op/.heron/lib/packing/*"
    );
    assert_eq!(
        text(&config, keys::HERON_CONF),
        tmp.path().join("c1").display().to_string()
    );
    assert_eq!(
        text(&config, "heron.config.file.client.yaml"),
        tmp.path().join("c1/client.yaml").display().to_string()
    );
    assert_eq!(text(&config, "heron.directory.java.home"), "/opt/jdk11");
    assert_eq!(
        config.get_i64(keys::INSTANCE_RAM).expect("int"),
        Some(1_073_741_824)
    );
    assert_eq!(
        config.get_f64(keys::INSTANCE_CPU).expect("float"),
        Some(1.0)
    );
    assert_eq!(
        config.get_bool(keys::AURORA_CONTROLLER_CLI).expect("bool"),
        Some(true)
    );
    // Origins: the file that set the key; defaults have none.
    assert_eq!(
        config.origin(keys::SCHEDULER_CLASS),
        Some(tmp.path().join("c1/scheduler.yaml").as_path())
    );
    assert_eq!(config.origin(keys::EXECUTOR_BINARY), None);
}

#[test]
fn cluster_mode_of_the_same_config() {
    assert_cluster_mode(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_cluster_mode_of_the_stock_config() {
    assert_cluster_mode(&heron_conf::stock("aurora"));
}

fn assert_cluster_mode(folder: &Path) {
    let (_tmp, request) = linked(folder);
    let local = config::load_with_context(&request, &ctx()).expect("loads");
    let cluster = local.expanded(Mode::Cluster, &ctx());
    assert_eq!(
        text(&cluster, keys::EXECUTOR_BINARY),
        "./heron-core/bin/heron-executor"
    );
    assert_eq!(
        text(&cluster, keys::CORE_PACKAGE_DIRECTORY),
        "./heron-core/dist/heron-core"
    );
    assert_eq!(
        text(&cluster, "heron.config.file.statemgr.yaml"),
        "./heron-conf/statemgr.yaml"
    );
    assert_eq!(text(&cluster, keys::HERON_HOME), "./heron-core");
    // And back: the raw values are kept.
    let again = cluster.expanded(Mode::Local, &ctx());
    assert_eq!(again, local);
    let mut cluster_request = request.clone();
    cluster_request.mode = Mode::Cluster;
    let direct = config::load_with_context(&cluster_request, &ctx()).expect("loads");
    assert_eq!(
        text(&direct, keys::EXECUTOR_BINARY),
        "./heron-core/bin/heron-executor"
    );
}

#[test]
fn localzk_folder_loads() {
    assert_localzk_folder_loads(&heron_conf::fixture("localzk"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_localzk_folder_loads_unchanged() {
    assert_localzk_folder_loads(&heron_conf::stock("localzk"));
}

fn assert_localzk_folder_loads(folder: &Path) {
    let (_tmp, request) = linked(folder);
    let config = config::load_with_context(&request, &ctx()).expect("localzk conf loads");
    assert_eq!(
        text(&config, keys::STATE_MANAGER_CLASS),
        "org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager"
    );
    assert_eq!(
        text(&config, keys::STATEMGR_CONNECTION_STRING),
        "127.0.0.1:2181"
    );
    assert_eq!(text(&config, keys::STATEMGR_ROOT_PATH), "/heron");
    assert_eq!(
        config.get_i64(keys::ZK_SESSION_TIMEOUT_MS).expect("int"),
        Some(30000)
    );
    assert_eq!(
        config
            .get_bool(keys::STATEMGR_IS_TUNNEL_NEEDED)
            .expect("bool"),
        Some(true)
    );
    assert_eq!(
        text(&config, keys::CORE_PACKAGE_URI),
        "file:///home/op/.heron/dist/heron-core.tar.gz"
    );
    assert_eq!(
        text(&config, keys::UPLOADER_LOCALFS_DIRECTORY),
        "/home/op/.herondata/repository/topologies/c1/www/wordcount"
    );
    assert_eq!(
        text(&config, "heron.scheduler.local.working.directory"),
        "/home/op/.herondata/topologies/c1/www/wordcount"
    );
    assert_eq!(text(&config, keys::SANDBOX_JAVA_HOME), "/opt/jdk11");
    // `~` inside a nested map is not expanded (maps are not strings).
    let stateful = config
        .get_map("heron.statefulstorage.config")
        .expect("map")
        .expect("set");
    assert_eq!(
        stateful.get("heron.statefulstorage.localfs.root.path"),
        Some(&Value::String("~/.herondata/checkpoints".into()))
    );
    assert_eq!(
        stateful.get("heron.statefulstorage.localfs.max.checkpoints"),
        Some(&Value::Int(10))
    );
}

#[test]
fn internals_and_metrics_files_parse_when_asked() {
    assert_internals_and_metrics_parse(&[
        heron_conf::fixture("aurora"),
        heron_conf::fixture("localzk"),
    ]);
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_internals_and_metrics_files_parse() {
    assert_internals_and_metrics_parse(&[
        heron_conf::stock("aurora"),
        heron_conf::stock("localzk"),
    ]);
}

fn assert_internals_and_metrics_parse(folders: &[PathBuf]) {
    for dir in folders {
        let internals =
            config::load_file(&dir.join("heron_internals.yaml")).expect("internals parse");
        assert_eq!(
            internals
                .get_str("heron.logging.directory")
                .expect("str")
                .as_deref(),
            Some("log-files")
        );
        assert_eq!(
            internals
                .get_f64("heron.instance.tuning.current.sample.weight")
                .expect("f"),
            Some(0.8)
        );
        assert_eq!(
            internals
                .get_bool("heron.tmanager.metrics.network.bindallinterfaces")
                .expect("b"),
            Some(false)
        );
        let sinks = config::load_file(&dir.join("metrics_sinks.yaml")).expect("sinks parse");
        let Some(Value::List(names)) = sinks.get("sinks") else {
            panic!("sinks is a list")
        };
        assert_eq!(names.len(), 3);
        let file_sink = sinks.get_map("file-sink").expect("map").expect("set");
        assert_eq!(
            file_sink.get("sink-restart-attempts"),
            Some(&Value::Int(-1))
        );
        let tm = sinks.get_map("tmanager-sink").expect("map").expect("set");
        let Some(Value::Map(types)) = tm.get("tmanager-metrics-type") else {
            panic!("map")
        };
        assert_eq!(
            types.get("__server/__time_spent_back_pressure_initiated"),
            Some(&Value::String("SUM".into()))
        );
        // Every YAML file of the folders parses.
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                config::load_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
    }
}

#[test]
fn later_sources_win_and_remember_their_file() {
    let (tmp, mut request) = cluster_dir(&[
        (
            "cluster.yaml",
            "a: cluster\nb: cluster\nc: cluster\nd: cluster\ne: cluster\n",
        ),
        ("client.yaml", "b: client\n"),
        (
            "scheduler.yaml",
            "c: scheduler\nheron.scheduler.job.max.kill.attempts: 3\n",
        ),
        ("stateful.yaml", "d: stateful\n"),
        ("override.yaml", "e: override\nf: override\n"),
    ]);
    let extra = tmp.path().join("extra.yaml");
    std::fs::write(&extra, "f: extra\ng: extra\n").expect("write");
    request.override_file = Some(extra.clone());
    request.properties = vec![
        ("g".into(), "property".into()),
        ("flag".into(), "TRUE".into()),
        ("heron.scheduler.job.max.kill.attempts".into(), "7".into()),
    ];
    let config = config::load_with_context(&request, &ctx()).expect("loads");
    let dir = tmp.path().join("dev");
    assert_eq!(text(&config, "a"), "cluster");
    assert_eq!(config.origin("a"), Some(dir.join("cluster.yaml").as_path()));
    assert_eq!(text(&config, "b"), "client");
    assert_eq!(text(&config, "c"), "scheduler");
    assert_eq!(text(&config, "d"), "stateful");
    assert_eq!(text(&config, "e"), "override");
    assert_eq!(
        config.origin("e"),
        Some(dir.join("override.yaml").as_path())
    );
    assert_eq!(text(&config, "f"), "extra");
    assert_eq!(config.origin("f"), Some(extra.as_path()));
    assert_eq!(text(&config, "g"), "property");
    assert_eq!(config.origin("g"), None);
    assert_eq!(config.get("flag"), Some(&Value::Bool(true)));
    assert_eq!(
        config
            .get_i64("heron.scheduler.job.max.kill.attempts")
            .expect("int"),
        Some(7)
    );
    // A file's own value beats the Key default.
    assert_eq!(text(&config, keys::CLUSTER), "dev");
}

#[test]
fn missing_optional_files_are_fine_but_a_missing_override_file_is_not() {
    let (tmp, mut request) = cluster_dir(&[]);
    let config = config::load_with_context(&request, &ctx()).expect("empty cluster folder loads");
    assert_eq!(
        text(&config, keys::EXECUTOR_BINARY),
        "/h/bin/heron-executor"
    );
    request.override_file = Some(tmp.path().join("nope.yaml"));
    let err = config::load_with_context(&request, &ctx()).unwrap_err();
    assert!(err.to_string().contains("nope.yaml"), "{err}");
    assert_eq!(err.exit_code(), ExitCode::NotFound);
}

#[test]
fn missing_cluster_folder_says_what_to_do() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let request = LoadRequest::new(tmp.path(), "nosuch");
    let err = config::load(&request).unwrap_err();
    let message = err.to_string();
    assert_eq!(err.exit_code(), ExitCode::NotFound);
    assert!(
        message.contains(&tmp.path().join("nosuch").display().to_string()),
        "{message}"
    );
    assert!(message.contains("~/.heron/conf/nosuch/"), "{message}");
    assert!(message.contains("--config-path"), "{message}");
}

#[test]
fn wrong_types_name_key_file_and_line() {
    let (tmp, request) = cluster_dir(&[(
        "statemgr.yaml",
        "heron.statemgr.root.path: /heron\nheron.statemgr.zookeeper.retry.count: many\n",
    )]);
    let err = config::load(&request).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("heron.statemgr.zookeeper.retry.count"),
        "{message}"
    );
    assert!(
        message.contains(&tmp.path().join("dev/statemgr.yaml").display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("an integer"), "{message}");
    assert_eq!(err.exit_code(), ExitCode::BadInput);

    let (_tmp, request) = cluster_dir(&[("scheduler.yaml", "heron.scheduler.is.service: maybe\n")]);
    let err = config::load(&request).unwrap_err();
    assert!(
        err.to_string().contains("heron.scheduler.is.service"),
        "{err}"
    );

    let (_tmp, request) = cluster_dir(&[("uploader.yaml", "heron.uploader.s3.bucket: yes\n")]);
    let err = config::load(&request).unwrap_err();
    assert!(err.to_string().contains("quote the value"), "{err}");

    let (_tmp, request) = cluster_dir(&[("downloader.yaml", "heron.downloader.registry: http\n")]);
    let err = config::load(&request).unwrap_err();
    assert!(err.to_string().contains("expected a map"), "{err}");

    let (_tmp, mut request) = cluster_dir(&[]);
    request.properties = vec![("heron.statemgr.zookeeper.retry.count".into(), "ten".into())];
    let err = config::load(&request).unwrap_err();
    assert!(err.to_string().contains("--config-property"), "{err}");

    // Numbers are fine as text for string keys and as strings for numeric keys (as in Heron).
    let (_tmp, request) = cluster_dir(&[(
        "uploader.yaml",
        "heron.uploader.s3.bucket: 2024\nheron.statemgr.zookeeper.retry.count: '12'\n",
    )]);
    let config = config::load(&request).expect("loads");
    assert_eq!(
        config
            .get_str(keys::UPLOADER_S3_BUCKET)
            .expect("s")
            .as_deref(),
        Some("2024")
    );
    assert_eq!(config.get_i64(keys::ZK_RETRY_COUNT).expect("i"), Some(12));
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let (tmp, request) = cluster_dir(&[("packing.yaml", "a: 1\nb: [1, 2\nc: 3\n")]);
    let err = config::load(&request).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(&tmp.path().join("dev/packing.yaml").display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 3 column"), "{message}");
    assert_eq!(err.exit_code(), ExitCode::BadInput);

    let (_tmp, request) = cluster_dir(&[("client.yaml", "key: value\n  bad indent: x\n")]);
    let err = config::load(&request).unwrap_err();
    assert!(err.to_string().contains("line 2 column"), "{err}");

    let (_tmp, request) = cluster_dir(&[("client.yaml", "- a\n- b\n")]);
    let err = config::load(&request).unwrap_err();
    assert!(err.to_string().contains("client.yaml"), "{err}");
}

#[test]
fn yaml_scalars_keep_operator_text() {
    let (_tmp, request) = cluster_dir(&[(
        "client.yaml",
        "mode: 0755\nid: 007\nanswer: y\nflag: on\nquoted: \"yes\"\nbig: 123456789012345678901\n",
    )]);
    let config = config::load(&request).expect("loads");
    assert_eq!(config.get("mode"), Some(&Value::String("0755".into())));
    assert_eq!(config.get("id"), Some(&Value::String("007".into())));
    assert_eq!(config.get("answer"), Some(&Value::String("y".into())));
    assert_eq!(config.get("flag"), Some(&Value::Bool(true)));
    assert_eq!(config.get("quoted"), Some(&Value::String("yes".into())));
    assert_eq!(
        config.get("big"),
        Some(&Value::String("123456789012345678901".into()))
    );
}

#[test]
fn token_cases_from_the_reference() {
    let (_tmp, mut request) = cluster_dir(&[(
        "uploader.yaml",
        concat!(
            "p1: ${HOME}/.herondata/${CLUSTER}/${ROLE}/${ENVIRON}/${TOPOLOGY}\n",
            "p2: ~/x\n",
            "p3: /data/foo-${CLUSTER}\n",
            "p4: ${NOT_A_KEY}/x\n",
            "p5: file://${HERON_DIST}/core.tar.gz\n",
            "p6: hdfs:///heron//topology/\n",
            "p7: ${HERON_ETC}\n",
            "p8: ${TOPOLOGY_NAME}\n",
            "p9: \"  /padded/  \"\n",
            "p10: ${HERON_CONF}/heron.aurora\n",
            "p11: 5\n",
        ),
    )]);
    request.role = Some("ads".into());
    request.environ = Some("devel".into());
    request.topology_name = Some("t1".into());
    let config = config::load_with_context(&request, &ctx()).expect("loads");
    assert_eq!(text(&config, "p1"), "/home/op/.herondata/dev/ads/devel/t1");
    assert_eq!(text(&config, "p2"), "/home/op/x");
    assert_eq!(text(&config, "p3"), "/data/foo-${CLUSTER}");
    assert_eq!(text(&config, "p4"), "${NOT_A_KEY}/x");
    assert_eq!(text(&config, "p5"), "file:///h/dist/core.tar.gz");
    assert_eq!(text(&config, "p6"), "hdfs:///heron/topology");
    assert_eq!(text(&config, "p7"), "/h/etc");
    assert_eq!(text(&config, "p8"), "t1");
    assert_eq!(text(&config, "p9"), "/padded");
    assert!(text(&config, "p10").ends_with("/dev/heron.aurora"));
    assert_eq!(config.get("p11"), Some(&Value::Int(5)));
    // Without a role the token stays.
    let (_tmp, request) = cluster_dir(&[("uploader.yaml", "p: /r/${ROLE}\n")]);
    let config = config::load_with_context(&request, &ctx()).expect("loads");
    assert_eq!(text(&config, "p"), "/r/${ROLE}");
}
