//! `heron doctor`: on the built-in `local` cluster in a fresh HOME (everything ok; the missing
//! heron-core package is a `skip` with the Aurora stand-in, which runs nothing, and a FAIL with the
//! fix for a real client), against a ZooKeeper that is not running (exit 5,
//! naming the connection string), a complete cluster (exit 0), `--format json`, and the cheap
//! checks `heron submit` runs first.

use std::path::{Path, PathBuf};
use std::process::Output;

use heron_tests::cluster::ClusterConf;
use heron_tests::fresh_home::{SYSTEM_PATH, heron_at_home};
use heron_tests::prelude::*;
use heron_tests::repo_root;

/// `heron` in a fresh HOME; stages (and the stand-in, with a state folder) only next to `heron`.
fn heron(home: &Path, args: &[&str]) -> Output {
    heron_with_path(home, None, args)
}

/// A folder holding an `aurora` that is not the stand-in (it answers `--help` like a client).
fn fake_aurora_dir(dir: &TestDir) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin_dir = dir.join("fake-aurora-bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let script = bin_dir.join("aurora");
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'usage: aurora <command> <subcommand> [<args>]'\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin_dir
}

/// [`heron`] with `first` ahead of the usual PATH (a real `aurora` there beats the stand-in).
fn heron_with_path(home: &Path, first: Option<&Path>, args: &[&str]) -> Output {
    let mut c = heron_at_home(home, "ops", args);
    if let Some(dir) = first {
        c.env("PATH", format!("{}:{SYSTEM_PATH}", dir.display()));
    }
    run(c
        .env("AURORA_STANDIN_STATE_DIR", home.join("standin-records"))
        .current_dir(repo_root()))
}

/// `heron doctor --config-path <conf> devcluster/ads/devel` in the fresh HOME `dir`.
fn doctor(dir: &TestDir, conf: &Path) -> Output {
    heron(
        dir.path(),
        &[
            "doctor",
            "--config-path",
            conf.to_str().unwrap(),
            "devcluster/ads/devel",
        ],
    )
}

fn line_of<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{stdout}"))
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The Heron-format aurora fixture with local folders under `dir`, a core package that exists, and
/// `statemgr` as given.
/// [`cluster_conf`] with the local-disk state manager under `<dir>/state`.
fn local_state_conf(dir: &TestDir) -> PathBuf {
    cluster_conf(
        dir,
        &format!(
            "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
             heron.statemgr.root.path: {}\n",
            dir.join("state").display()
        ),
    )
}

fn cluster_conf(dir: &TestDir, statemgr: &str) -> PathBuf {
    let conf = dir.join("conf");
    let core = dir.write("dist/heron-core.tar.gz", b"not really a tarball");
    ClusterConf::new(
        State::Yaml(statemgr.to_string()),
        Uploader::LocalFs {
            dir: dir.join("pkgs"),
        },
    )
    .core_package(&core)
    .write(&conf);
    conf
}

#[test]
fn doctor_on_the_built_in_cluster_skips_the_core_package_only_with_the_stand_in() {
    let home = TestDir::new();
    let out = heron(home.path(), &["doctor", "local"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = text(&out.stdout);
    for id in ["config", "classes", "uploader", "state", "java-home"] {
        line_of(&stdout, &format!("ok    {id}: "));
    }
    let aurora = line_of(&stdout, "ok    aurora: ");
    assert!(
        aurora.contains("STAND-IN") && aurora.contains(&bin("aurora").display().to_string()),
        "{aurora}"
    );
    let uri = format!(
        "file://{}/.herondata/dist/heron-core.tar.gz",
        home.path().display()
    );
    let core = line_of(&stdout, "skip  core-package: ");
    assert!(
        core.contains("the Aurora stand-in runs nothing")
            && core.contains(&format!("a real cluster needs the core package at {uri}")),
        "{core}"
    );

    // With a real-looking `aurora` client on PATH, the missing package is a failure with the fix.
    let fake = fake_aurora_dir(&home);
    let out = heron_with_path(home.path(), Some(&fake), &["doctor", "local"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let aurora = line_of(&stdout, "ok    aurora: ");
    assert!(
        !aurora.contains("STAND-IN") && aurora.contains(&fake.display().to_string()),
        "{aurora}"
    );
    let core = line_of(&stdout, "FAIL  core-package: ");
    assert!(core.contains(&format!("{uri} does not exist")), "{core}");
    assert!(
        core.contains("put the heron-core tarball") && core.contains("heron.package.core.uri"),
        "the fix: {core}"
    );
    // The uploader probe leaves nothing behind.
    assert!(
        !home.join(".herondata/repository/topologies").exists()
            || std::fs::read_dir(home.join(".herondata/repository/topologies"))
                .unwrap()
                .next()
                .is_none()
    );

    // Once the package is there, every check passes.
    home.write(".herondata/dist/heron-core.tar.gz", b"core");
    let out = heron(home.path(), &["doctor", "local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 7, "{doc}");
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{doc}");
}

#[test]
fn doctor_names_a_zookeeper_that_is_not_running_and_exits_5() {
    let dir = TestDir::new();
    let port = closed_port();
    let conn = format!("127.0.0.1:{port}");
    let conf = cluster_conf(
        &dir,
        &format!(
            "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
             heron.statemgr.connection.string: \"{conn}\"\n\
             heron.statemgr.root.path: \"/heron-doctor\"\n"
        ),
    );
    let started = std::time::Instant::now();
    let out = doctor(&dir, &conf);
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "doctor took {:?}",
        started.elapsed()
    );
    let stdout = text(&out.stdout);
    let state = line_of(&stdout, "FAIL  state: ");
    assert!(
        state.contains(&format!("ZooKeeper {conn} under /heron-doctor"))
            && state.contains(&format!("start ZooKeeper at {conn}")),
        "{state}"
    );
    for id in ["config", "classes", "core-package", "uploader", "java-home"] {
        line_of(&stdout, &format!("ok    {id}: "));
    }
}

#[test]
fn doctor_passes_on_a_complete_local_disk_cluster() {
    let dir = TestDir::new();
    let conf = cluster_conf(
        &dir,
        &format!(
            "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
             heron.statemgr.connection.string: LOCALMODE\n\
             heron.statemgr.root.path: {}\n",
            dir.join("state").display()
        ),
    );
    let out = doctor(&dir, &conf);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok    ")).count(),
        7,
        "{stdout}"
    );
}

#[test]
fn doctor_without_config_for_the_cluster_fails_with_the_fix() {
    let home = TestDir::new();
    let out = heron(home.path(), &["doctor", "prod/ads/devel"]);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let line = line_of(&stdout, "FAIL  config: ");
    assert!(
        line.contains(".heron/conf/prod is not a folder") && line.contains("aurora-zk-s3"),
        "{line}"
    );
}

#[test]
fn submit_runs_the_cheap_checks_first() {
    let dir = TestDir::new();
    let conf = local_state_conf(&dir);
    // An uploader folder under a file cannot be created: refused before anything is done.
    dir.write("blocker", b"a file");
    std::fs::write(
        conf.join("devcluster/uploader.yaml"),
        format!(
            "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader\n\
             heron.uploader.localfs.file.system.directory: {}/sub/${{TOPOLOGY}}\n",
            dir.join("blocker").display()
        ),
    )
    .unwrap();
    let out = heron(
        dir.path(),
        &[
            "submit",
            "--config-path",
            conf.to_str().unwrap(),
            "devcluster/ads/devel",
            "examples/word-count.yaml",
            "-",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("preflight failed, nothing was done") && stderr.contains("uploader:"),
        "{stderr}"
    );
    assert!(!dir.join("state").exists(), "state was written");
}

#[test]
fn a_zookeeper_that_is_not_running_is_named_and_doctor_suggested() {
    let dir = TestDir::new();
    let conn = format!("127.0.0.1:{}", closed_port());
    let conf = cluster_conf(
        &dir,
        &format!(
            "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
             heron.statemgr.connection.string: \"{conn}\"\n\
             heron.statemgr.root.path: \"/heron\"\n\
             heron.statemgr.zookeeper.connection.timeout.ms: 1000\n"
        ),
    );
    let out = heron(
        dir.path(),
        &[
            "kill",
            "--config-path",
            conf.to_str().unwrap(),
            "devcluster/ads/devel",
            "wc",
        ],
    );
    assert_eq!(out.status.code(), Some(5), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("ZooKeeper at {conn}")), "{stderr}");
    assert!(
        stderr.contains("hint: `heron doctor devcluster/ads/devel` checks ZooKeeper"),
        "{stderr}"
    );
}

#[test]
fn the_stand_in_without_its_state_folder_counts_as_no_aurora_client() {
    let dir = TestDir::new();
    let conf = local_state_conf(&dir);
    let out = run(heron_at_home(
        dir.path(),
        "ops",
        &[
            "doctor",
            "--config-path",
            conf.to_str().unwrap(),
            "devcluster/ads/devel",
        ],
    ));
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stdout = text(&out.stdout);
    let line = line_of(&stdout, "FAIL  aurora: ");
    assert!(
        line.contains("install Apache Aurora's client")
            && line.contains("HERON_AURORA_BIN")
            && line.contains("AURORA_STANDIN_STATE_DIR"),
        "{line}"
    );
}

/// Answers HEAD requests: 200 for a path holding `core`, 404 otherwise.
fn tiny_http_server() -> u16 {
    use std::io::{BufRead as _, BufReader, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            // Read the headers up to the blank line, as a server does.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line.trim() != "" {
                line.clear();
            }
            let status = if first.starts_with("HEAD ") && first.contains("core") {
                "200 OK"
            } else {
                "404 Not Found"
            };
            let mut s = stream;
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        }
    });
    port
}

#[test]
fn an_http_core_package_is_checked_with_head() {
    let dir = TestDir::new();
    let conf = local_state_conf(&dir);
    let port = tiny_http_server();
    // A real-looking client, so a package that cannot be fetched fails (the stand-in skips it).
    let fake = fake_aurora_dir(&dir);
    let check = |uri: &str| {
        let prop = format!("heron.package.core.uri={uri}");
        let out = heron_with_path(
            dir.path(),
            Some(&fake),
            &[
                "doctor",
                "--config-path",
                conf.to_str().unwrap(),
                "--config-property",
                &prop,
                "devcluster/ads/devel",
            ],
        );
        (out.status.code(), text(&out.stdout))
    };
    let (code, stdout) = check(&format!("http://127.0.0.1:{port}/dist/heron-core.tar.gz"));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        line_of(&stdout, "ok    core-package: ").contains("answers HEAD with 200"),
        "{stdout}"
    );
    let (code, stdout) = check(&format!("http://127.0.0.1:{port}/dist/missing.tar.gz"));
    assert_eq!(code, Some(3), "{stdout}");
    line_of(&stdout, "FAIL  core-package: ");
    let (code, stdout) = check(&format!("http://127.0.0.1:{}/x-core.tar.gz", closed_port()));
    assert_eq!(code, Some(5), "{stdout}");
    assert!(
        line_of(&stdout, "FAIL  core-package: ").contains("cannot reach 127.0.0.1:"),
        "{stdout}"
    );
}
