//! End-to-end tests of `heron` against real services: ZooKeeper state, S3 and HDFS uploads, a real
//! heronpy topology, a real Heron Java topology and a YAML topology, with the aurora stand-in.
//! The state is read back with kazoo and decoded with heronpy's own protos (tests/python/
//! decode_state.py). Needs `scripts/services.sh start` (or `scripts/test.sh`).

use heron_tests::prelude::*;
use heron_tests::{
    hdfs, heron_api_classpath, heronpy_state, java_topology_jar, repo_root, s3, venv_python, zk,
};

/// A stand whose state is in the tests' ZooKeeper under a new root; returns it with the root.
fn on_zookeeper(prefix: &str, uploader: Option<Uploader>) -> (Stand, String) {
    let root = format!("/{}", unique_name(prefix));
    let mut builder = Stand::builder().state(State::zookeeper(&zk(), &root));
    if let Some(uploader) = uploader {
        builder = builder.uploader(uploader);
    }
    (builder.build(), root)
}

fn assert_submitted_state(root: &str, name: &str) -> serde_json::Value {
    let nodes = heronpy_state(root, name);
    for node in ["topologies", "packingplans", "executionstate", "schedulers"] {
        let n = &nodes[node];
        assert!(n.is_object(), "{node} missing: {nodes}");
        assert!(
            n.get("error").is_none(),
            "{node} does not decode with heronpy: {n}"
        );
        assert_eq!(n["missing_required"], serde_json::json!([]), "{node}: {n}");
        assert_eq!(
            n["reencoded_equal"], true,
            "{node} bytes differ from heronpy's encoding: {n}"
        );
        assert_eq!(n["ephemeral"], false, "{node}");
    }
    let exec = &nodes["executionstate"]["message"];
    assert_eq!(exec["topology_name"], name);
    assert_eq!(
        (
            exec["cluster"].as_str(),
            exec["role"].as_str(),
            exec["environ"].as_str()
        ),
        (Some(CLUSTER), Some(ROLE), Some(ENV))
    );
    let topo = &nodes["topologies"]["message"];
    assert_eq!(topo["name"], name);
    assert_eq!(exec["topology_id"], topo["id"]);
    for spout in topo["spouts"].as_array().unwrap() {
        assert!(
            spout["comp"].get("serialized_object").is_none(),
            "the stored topology must be trimmed: {spout}"
        );
    }
    assert_eq!(
        nodes["schedulers"]["message"]["http_endpoint"],
        "scheduler_as_lib_no_endpoint"
    );
    nodes
}

fn assert_state_gone(root: &str, name: &str) {
    let nodes = heronpy_state(root, name);
    for (node, v) in nodes.as_object().unwrap() {
        assert!(v.is_null(), "{node} left behind after kill: {v}");
    }
}

#[test]
fn heronpy_topology_with_zookeeper_and_s3() {
    let peer = s3();
    let upload = S3Upload::new_bucket(&peer, "e2e-py");
    let (bucket, bucket_dir) = (upload.bucket.clone(), upload.dir.clone());
    let (s, root) = on_zookeeper("e2e-py", Some(Uploader::S3(upload)));
    let name = unique_name("PyWc").replace('-', "_");
    let script = repo_root().join("tests/python/word_count.py");
    let out = run_expect(
        s.heron(
            "submit",
            &["--verbose", &spec(), script.to_str().unwrap(), "-", &name],
        )
        .env("HERON_PYTHON", venv_python()),
        0,
    );
    assert!(
        !text(&out.stderr).contains(&peer.secret_key),
        "the S3 secret leaked into --verbose output"
    );

    let nodes = assert_submitted_state(&root, &name);
    let plan = &nodes["packingplans"]["message"];
    assert_eq!(plan["container_plans"].as_array().unwrap().len(), 2);
    let object = bucket_dir.join(&name).join("topology.tar.gz");
    assert!(
        object.is_file(),
        "no package object at {}",
        object.display()
    );
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(
        content.contains(&bucket),
        "the job must fetch the S3 package: {content}"
    );
    assert!(
        content.contains(&format!("--state-manager-connection={}", zk())),
        "{content}"
    );
    assert!(content.contains("--pkg-type=pex"), "{content}");

    s.kill(&name);
    assert_state_gone(&root, &name);
    assert!(!object.exists(), "package object left in S3");
    assert!(s.job(&name).is_none());
}

#[test]
fn java_topology_with_zookeeper_and_hdfs() {
    let peer = hdfs();
    let dir = format!("/{}", unique_name("e2e-java"));
    let uploader = Uploader::Hdfs {
        conf_dir: peer.conf_dir.clone(),
        uri: format!("{}{dir}", peer.url),
    };
    let (s, root) = on_zookeeper("e2e-java", Some(uploader));
    let name = unique_name("JavaWc").replace('-', "_");
    let jar = java_topology_jar();
    run_expect(
        s.heron(
            "submit",
            &[
                "--extra-launch-classpath",
                &heron_api_classpath(),
                "--deploy-deactivated",
                &spec(),
                jar.to_str().unwrap(),
                "heronrs.topology.WordCountTopology",
                &name,
            ],
        ),
        0,
    );
    let nodes = assert_submitted_state(&root, &name);
    assert_eq!(
        nodes["topologies"]["message"]["state"], "PAUSED",
        "--deploy-deactivated"
    );
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    let jar_name = jar.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        content.contains(&format!("--classpath={jar_name}")),
        "{content}"
    );
    let ls = run(peer.fs().args(["-ls", "-R", &format!("{}{dir}", peer.url)]));
    assert!(
        text(&ls.stdout).contains(&name),
        "package not in HDFS: {}",
        describe(&ls)
    );

    s.kill(&name);
    assert_state_gone(&root, &name);
    let ls = run(peer.fs().args(["-ls", "-R", &format!("{}{dir}", peer.url)]));
    assert!(
        !text(&ls.stdout).contains(".tar.gz"),
        "package left in HDFS: {}",
        describe(&ls)
    );
}

#[test]
fn yaml_topology_with_zookeeper_and_rollback_leaves_zookeeper_clean() {
    let (mut s, root) = on_zookeeper("e2e-yaml", None);
    let name = unique_name("YamlWc").replace('-', "_");
    let file = s.submit_yaml(&name);
    let nodes = assert_submitted_state(&root, &name);
    let topo = &nodes["topologies"]["message"];
    assert_eq!(topo["spouts"][0]["comp"]["spec"], "JAVA_CLASS_NAME");
    assert_eq!(topo["bolts"][0]["inputs"][0]["gtype"], "FIELDS");
    s.kill(&name);
    assert_state_gone(&root, &name);
    s.assert_nothing_left(&name, "after kill");

    // A create failing after the state was written: ZooKeeper is cleaned by the rollback.
    let (var, value) = Fault::FailAfter("create").var();
    s.set_env(var, &value);
    let out = run_expect(s.submit_file(&file, &[]), 1);
    assert!(
        text(&out.stderr).contains("submit failed at stage \"aurora\""),
        "{}",
        describe(&out)
    );
    assert_state_gone(&root, &name);
    s.assert_nothing_left(&name, "after rollback");
}

#[test]
fn java_topology_in_a_tar_gz() {
    let s = Stand::local();
    let name = unique_name("TarWc").replace('-', "_");
    // A tar topology: `<stem>.jar` and libs/ (Heron's layout for tar packages).
    let staging = s.dir.join("tarsrc");
    std::fs::create_dir_all(staging.join("libs")).unwrap();
    std::fs::copy(java_topology_jar(), staging.join("wordcount.jar")).unwrap();
    std::fs::copy(heron_api_classpath(), staging.join("libs/heron-api.jar")).unwrap();
    let tar = s.dir.join("wordcount.tar.gz");
    let made = run(heron_tests::command("tar")
        .arg("czf")
        .arg(&tar)
        .arg("-C")
        .arg(&staging)
        .args(["wordcount.jar", "libs"]));
    assert!(made.status.success(), "{}", describe(&made));
    run_expect(
        s.heron(
            "submit",
            &[
                &spec(),
                tar.to_str().unwrap(),
                "heronrs.topology.WordCountTopology",
                &name,
            ],
        ),
        0,
    );
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(
        content.contains("--classpath=libs/*:wordcount.jar"),
        "{content}"
    );
    assert!(content.contains("--pkg-type=tar"), "{content}");
    assert!(
        content.contains("--topology-binary-file=wordcount.tar.gz"),
        "{content}"
    );
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn an_s3_upload_refused_leaves_zookeeper_untouched_and_says_why() {
    let wrong_secret = format!("Wrong{}Secret", std::process::id());
    let upload = S3Upload {
        secret_key: wrong_secret.clone(),
        ..S3Upload::new_bucket(&s3(), "e2e-deny")
    };
    let bucket_dir = upload.dir.clone();
    let (s, root) = on_zookeeper("e2e-deny", Some(Uploader::S3(upload)));
    let name = unique_name("Denied").replace('-', "_");
    let file = s.yaml_topology(&name);
    let out = run_expect(
        s.heron(
            "submit",
            &["--verbose", &spec(), file.to_str().unwrap(), "-"],
        ),
        6,
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("submit failed at stage \"upload\" (heron-uploader exited 6)"),
        "{err}"
    );
    assert!(!err.contains(&wrong_secret), "the secret leaked: {err}");
    assert_state_gone(&root, &name);
    assert!(s.job(&name).is_none());
    assert_eq!(
        std::fs::read_dir(&bucket_dir).unwrap().count(),
        0,
        "something was uploaded"
    );
}
