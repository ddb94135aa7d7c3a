//! End-to-end tests of `heron` against real services: ZooKeeper state, S3 and HDFS uploads, a real
//! heronpy topology, a real Heron Java topology and a YAML topology, with the aurora stand-in.
//! The state is read back with kazoo and decoded with heronpy's own protos (tests/python/
//! decode_state.py). Needs `scripts/services.sh start` (or `scripts/test.sh`).

#[path = "e2e_support.rs"]
mod support;

use heron_tests::{
    hdfs, heron_api_classpath, java_topology_jar, python_peer, repo_root, s3, unique_name,
    venv_python, zk,
};
use support::*;

fn use_zookeeper(s: &Stand, root: &str) {
    s.write_conf(
        "statemgr.yaml",
        &format!(
            "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
             heron.statemgr.connection.string: {}\n\
             heron.statemgr.root.path: {root}\n\
             heron.statemgr.zookeeper.is.initialize.tree: True\n",
            zk()
        ),
    );
}

/// The state of a topology as heronpy decodes it from ZooKeeper: node name → decoded entry or null.
fn decoded_state(root: &str, name: &str) -> serde_json::Value {
    let out = run(python_peer("decode_state.py").args([&zk(), root, name]));
    assert!(out.status.success(), "decode_state.py: {}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["nodes"].clone()
}

fn assert_submitted_state(root: &str, name: &str) -> serde_json::Value {
    let nodes = decoded_state(root, name);
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
    let nodes = decoded_state(root, name);
    for (node, v) in nodes.as_object().unwrap() {
        assert!(v.is_null(), "{node} left behind after kill: {v}");
    }
}

#[test]
fn heronpy_topology_with_zookeeper_and_s3() {
    let s = Stand::local();
    let peer = s3();
    let root = format!("/{}", unique_name("e2e-py"));
    use_zookeeper(&s, &root);
    let bucket: String = unique_name("e2e-py").chars().take(60).collect();
    std::fs::create_dir_all(peer.dir.join(&bucket)).unwrap();
    s.write_conf(
        "uploader.yaml",
        &format!(
            "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
             heron.uploader.s3.bucket: {bucket}\n\
             heron.uploader.s3.uri: {}\n\
             heron.uploader.s3.access_key: {}\n\
             heron.uploader.s3.secret_key: {}\n",
            peer.endpoint, peer.access_key, peer.secret_key
        ),
    );
    let name = unique_name("PyWc").replace('-', "_");
    let script = repo_root().join("tests/python/word_count.py");
    let out = run(s
        .heron(
            "submit",
            &["--verbose", &spec(), script.to_str().unwrap(), "-", &name],
        )
        .env("HERON_PYTHON", venv_python()));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        !text(&out.stderr).contains(&peer.secret_key),
        "the S3 secret leaked into --verbose output"
    );

    let nodes = assert_submitted_state(&root, &name);
    let plan = &nodes["packingplans"]["message"];
    assert_eq!(plan["container_plans"].as_array().unwrap().len(), 2);
    let object = peer.dir.join(&bucket).join(&name).join("topology.tar.gz");
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

    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_state_gone(&root, &name);
    assert!(!object.exists(), "package object left in S3");
    assert!(s.job(&name).is_none());
}

#[test]
fn java_topology_with_zookeeper_and_hdfs() {
    let s = Stand::local();
    let peer = hdfs();
    let root = format!("/{}", unique_name("e2e-java"));
    use_zookeeper(&s, &root);
    let dir = format!("/{}", unique_name("e2e-java"));
    s.write_conf(
        "uploader.yaml",
        &format!(
            "heron.class.uploader: org.apache.heron.uploader.hdfs.HdfsUploader\n\
             heron.uploader.hdfs.config.directory: {}\n\
             heron.uploader.hdfs.topologies.directory.uri: {}{dir}/${{CLUSTER}}/\n",
            peer.conf_dir.display(),
            peer.url
        ),
    );
    let name = unique_name("JavaWc").replace('-', "_");
    let jar = java_topology_jar();
    let out = run(s.heron(
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
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
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

    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
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
    let mut s = Stand::local();
    let root = format!("/{}", unique_name("e2e-yaml"));
    use_zookeeper(&s, &root);
    let name = unique_name("YamlWc").replace('-', "_");
    let file = s.yaml_topology(&name);
    let out = run(s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let nodes = assert_submitted_state(&root, &name);
    let topo = &nodes["topologies"]["message"];
    assert_eq!(topo["spouts"][0]["comp"]["spec"], "JAVA_CLASS_NAME");
    assert_eq!(topo["bolts"][0]["inputs"][0]["gtype"], "FIELDS");
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_state_gone(&root, &name);
    s.assert_nothing_left(&name, "after kill");

    // A create failing after the state was written: ZooKeeper is cleaned by the rollback.
    s.extra_env
        .push(("AURORA_STANDIN_FAIL_AFTER".into(), "create".into()));
    let out = run(s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]));
    assert_eq!(code(&out), 1, "{}", describe(&out));
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
    let out = run(s.heron(
        "submit",
        &[
            &spec(),
            tar.to_str().unwrap(),
            "heronrs.topology.WordCountTopology",
            &name,
        ],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
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
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn an_s3_upload_refused_leaves_zookeeper_untouched_and_says_why() {
    let s = Stand::local();
    let peer = s3();
    let root = format!("/{}", unique_name("e2e-deny"));
    use_zookeeper(&s, &root);
    let bucket: String = unique_name("e2e-deny").chars().take(60).collect();
    std::fs::create_dir_all(peer.dir.join(&bucket)).unwrap();
    let wrong_secret = format!("Wrong{}Secret", std::process::id());
    s.write_conf(
        "uploader.yaml",
        &format!(
            "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
             heron.uploader.s3.bucket: {bucket}\n\
             heron.uploader.s3.uri: {}\n\
             heron.uploader.s3.access_key: {}\n\
             heron.uploader.s3.secret_key: {wrong_secret}\n",
            peer.endpoint, peer.access_key
        ),
    );
    let name = unique_name("Denied").replace('-', "_");
    let file = s.yaml_topology(&name);
    let out = run(s.heron(
        "submit",
        &["--verbose", &spec(), file.to_str().unwrap(), "-"],
    ));
    assert_eq!(code(&out), 6, "{}", describe(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("submit failed at stage \"upload\" (heron-uploader exited 6)"),
        "{err}"
    );
    assert!(!err.contains(&wrong_secret), "the secret leaked: {err}");
    assert_state_gone(&root, &name);
    assert!(s.job(&name).is_none());
    assert_eq!(
        std::fs::read_dir(peer.dir.join(&bucket)).unwrap().count(),
        0,
        "something was uploaded"
    );
}
