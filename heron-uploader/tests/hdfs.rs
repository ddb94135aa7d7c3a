//! heron-uploader against a real HDFS (a MiniDFSCluster started by scripts/services.sh). The
//! tests read back through hdfs-native, as an independent client.

mod common;

use std::time::Duration;

use common::*;
use heron_common::contract::{UndoResult, UploadResult};
use heron_uploader::StatResult;

struct HdfsCase {
    cluster: Cluster,
    client: hdfs_native::Client,
    rt: tokio::runtime::Runtime,
    dir: String,
}

impl HdfsCase {
    fn new(test: &str) -> HdfsCase {
        let url = service_var("HERON_TEST_HDFS");
        let conf = service_var("HERON_TEST_HDFS_CONF");
        let dir = format!("/heron-tests/{test}-{}", std::process::id());
        let cluster = Cluster::new(&format!(
            "heron.class.uploader: org.apache.heron.uploader.hdfs.HdfsUploader\n\
             heron.uploader.hdfs.config.directory: {conf}\n\
             heron.uploader.hdfs.topologies.directory.uri: {url}{dir}/${{CLUSTER}}/\n"
        ));
        let client = hdfs_native::ClientBuilder::new()
            .with_url(url)
            .with_config_dir(conf)
            .build()
            .unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        HdfsCase {
            cluster,
            client,
            rt,
            dir,
        }
    }

    fn path(&self, name: &str) -> String {
        format!("{}/testcluster/{name}", self.dir)
    }

    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let path = self.path(name);
        self.rt.block_on(async {
            let r = self.client.read(&path).await.ok()?;
            Some(r.read_range(0, r.file_length()).await.unwrap().to_vec())
        })
    }

    fn names(&self) -> Vec<String> {
        self.rt.block_on(async {
            self.client
                .list_status(&format!("{}/testcluster", self.dir), false)
                .await
                .map(|l| {
                    l.into_iter()
                        .map(|s| s.path.rsplit('/').next().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

const FILE: &str = "wc-ads-tag-0.tar.gz";

#[test]
fn upload_stat_undo_delete_on_hdfs() {
    let t = HdfsCase::new("roundtrip");
    let v1 = bytes(200_000, 1);
    let v2 = bytes(5 << 20, 2);
    let out = t.cluster.upload("v1", &v1);
    assert_eq!(
        out,
        format!(
            "{}{}/testcluster/{FILE}\n",
            service_var("HERON_TEST_HDFS"),
            t.dir
        )
    );
    assert_eq!(t.read(FILE).unwrap(), v1);

    let r: UploadResult = t.cluster.upload_json(t.cluster.package("v1", &v1));
    assert!(!r.uploaded, "identical package uploaded again");
    assert_eq!(r.backend, "hdfs");

    let r: UploadResult = t.cluster.upload_json(t.cluster.package("v2", &v2));
    assert!(r.uploaded);
    assert_eq!(r.sha256, sha256_hex(&v2));
    assert!(t.read(FILE).unwrap() == v2);
    assert_eq!(t.read(&format!("{FILE}.previous")).unwrap(), v1);
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.size, v2.len() as u64);
    assert_eq!(st.sha256.as_deref(), Some(sha256_hex(&v2).as_str()));
    assert_eq!(st.previous.map(|p| p.size), Some(v1.len() as u64));

    // A conditional undo naming another package (v1, now the previous copy) changes nothing.
    let u: UndoResult = serde_json::from_str(&run_ok(t.cluster.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&v1),
    ])))
    .unwrap();
    assert_eq!(u.action, "kept");
    assert!(t.read(FILE).unwrap() == v2);
    assert_eq!(t.read(&format!("{FILE}.previous")).unwrap(), v1);
    let u: UndoResult = serde_json::from_str(&run_ok(t.cluster.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&v2),
    ])))
    .unwrap();
    assert_eq!(u.action, "restored");
    assert_eq!(t.read(FILE).unwrap(), v1);
    let u: UndoResult = t.cluster.undo_json();
    assert_eq!(u.action, "deleted");
    assert!(t.read(FILE).is_none());
    assert_eq!(code(&run(&mut t.cluster.cmd("stat", "wc"))), 3);

    t.cluster.upload("v1", &v1);
    t.cluster.upload("v2", &v2);
    assert_eq!(
        run_ok(&mut t.cluster.cmd("delete", "wc")).lines().count(),
        2
    );
    assert!(t.names().is_empty(), "left: {:?}", t.names());
}

#[test]
fn stdin_upload_to_hdfs() {
    let t = HdfsCase::new("stdin");
    let body = bytes(9 << 20, 3);
    let r: UploadResult = t.cluster.upload_stdin_json(&body);
    assert_eq!(r.sha256, sha256_hex(&body));
    assert!(t.read(FILE).unwrap() == body);
}

#[test]
fn kill_9_during_an_hdfs_upload_leaves_the_previous_package_readable() {
    let t = HdfsCase::new("kill");
    let v1 = bytes(300_000, 4);
    t.cluster.upload("v1", &v1);
    let (mut child, stdin) =
        start_stdin_upload(t.cluster.cmd("upload", "wc").arg("-"), &bytes(6 << 20, 5));
    wait_for("the temp file", Duration::from_secs(30), || {
        t.names().iter().any(|n| n.contains(".tmp-"))
    });
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(
        t.read(FILE).unwrap(),
        v1,
        "the package is intact and readable"
    );
    let v2 = bytes(1000, 6);
    t.cluster.upload("v2", &v2);
    assert_eq!(t.read(FILE).unwrap(), v2);
}

#[test]
fn an_unreachable_namenode_gives_exit_5() {
    let conf = service_var("HERON_TEST_HDFS_CONF");
    let c = Cluster::new(&format!(
        "heron.class.uploader: org.apache.heron.uploader.hdfs.HdfsUploader\n\
         heron.uploader.hdfs.config.directory: {conf}\n\
         heron.uploader.hdfs.topologies.directory.uri: hdfs://127.0.0.1:1/heron\n\
         heron.uploader.hdfs.connect.timeout.seconds: 2\n"
    ));
    let started = std::time::Instant::now();
    let out = run(c.cmd("upload", "wc").arg(c.package("p", b"data")));
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot reach HDFS"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "gave up only after {:?}",
        started.elapsed()
    );
}

#[test]
fn a_crash_between_the_two_renames_is_repaired_by_the_next_command() {
    let t = HdfsCase::new("recover");
    let v1 = bytes(70_000, 7);
    let v2 = bytes(80_000, 8);
    t.cluster.upload("v1", &v1);
    t.cluster.upload("v2", &v2);
    // What a kill between "package -> previous" and "temp -> package" leaves: the previous copy
    // and no package.
    t.rt.block_on(t.client.delete(&t.path(FILE), false))
        .unwrap();
    assert!(t.read(FILE).is_none());
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(
        st.size,
        v1.len() as u64,
        "the previous package was put back"
    );
    assert_eq!(t.read(FILE).unwrap(), v1);
}

#[test]
fn sigterm_during_an_hdfs_upload_exits_130_and_removes_the_temp_file() {
    let t = HdfsCase::new("term");
    let v1 = bytes(50_000, 9);
    t.cluster.upload("v1", &v1);
    let (child, stdin) =
        start_stdin_upload(t.cluster.cmd("upload", "wc").arg("-"), &bytes(6 << 20, 10));
    wait_for("the temp file", Duration::from_secs(30), || {
        t.names().iter().any(|n| n.contains(".tmp-"))
    });
    sigterm(&child);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(code(&out), 130, "{}", text(&out.stderr));
    assert!(
        !t.names().iter().any(|n| n.contains(".tmp-")),
        "left: {:?}",
        t.names()
    );
    assert_eq!(t.read(FILE).unwrap(), v1);
}

#[test]
fn text_output_uploads_skip_the_digest_yet_stay_identical_aware_and_undoable() {
    let t = HdfsCase::new("nodigest");
    let v1 = bytes(3 << 20, 11);
    let v2 = bytes(3 << 20, 12); // the same size: only the bytes tell them apart
    let mtime = || {
        t.rt.block_on(t.client.get_file_info(&t.path(FILE)))
            .unwrap()
            .modification_time
    };
    t.cluster.upload("v1", &v1);
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.sha256, None, "the text upload computed no digest");
    let first = mtime();

    // The same bytes again: compared with the package, not sent.
    std::thread::sleep(Duration::from_millis(20));
    t.cluster.upload("v1", &v1);
    assert_eq!(mtime(), first, "an identical package was sent again");
    assert!(t.read(&format!("{FILE}.previous")).is_none());

    // Other bytes of the same size are sent.
    t.cluster.upload("v2", &v2);
    assert!(t.read(FILE).unwrap() == v2);
    assert!(t.read(&format!("{FILE}.previous")).unwrap() == v1);

    // A conditional undo hashes the package it finds: the wrong sha256 keeps it, the right one
    // restores v1.
    let undo = |sha: &str| -> UndoResult {
        serde_json::from_str(&run_ok(t.cluster.cmd("undo", "wc").args([
            "--format",
            "json",
            "--if-sha256",
            sha,
        ])))
        .unwrap()
    };
    assert_eq!(undo(&sha256_hex(&v1)).action, "kept");
    assert!(t.read(FILE).unwrap() == v2);
    assert_eq!(undo(&sha256_hex(&v2)).action, "restored");
    assert!(t.read(FILE).unwrap() == v1);

    // `--format json` of the identical package reports its sha256 and records it.
    let r: UploadResult = t.cluster.upload_json(t.cluster.package("v1", &v1));
    assert!(!r.uploaded);
    assert_eq!(r.sha256, sha256_hex(&v1));
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.sha256.as_deref(), Some(sha256_hex(&v1).as_str()));
}
