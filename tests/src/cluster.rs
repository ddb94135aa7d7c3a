//! A test's Heron-format cluster conf folder: the repo's aurora fixture
//! (tests/fixtures/heron-conf/aurora) copied, with the state manager and the uploader a test
//! names written over its `statemgr.yaml` and `uploader.yaml`.
//!
//! The names are Heron's own (Java class names, `heron.statemgr.*`, `heron.uploader.*` keys), so a
//! conf written here is one a Heron site could use unchanged.

use std::path::{Path, PathBuf};

use crate::S3Peer;
use crate::heron_conf;

/// The cluster, role and environment every e2e test submits to.
pub const CLUSTER: &str = "devcluster";
pub const ROLE: &str = "ads";
pub const ENV: &str = "devel";

/// `devcluster/ads/devel`.
pub fn spec() -> String {
    format!("{CLUSTER}/{ROLE}/{ENV}")
}

/// Where a cluster keeps its topologies' state.
#[derive(Debug, Clone)]
pub enum State {
    /// `LocalFileSystemStateManager` on a folder (Heron's LOCALMODE, tree initialised).
    LocalFs { root: PathBuf },
    /// `CuratorStateManager` on a ZooKeeper connect string, under `root`, tree initialised, with
    /// more `key: value` lines (timeouts, `auth.digest`, `acl`, ...).
    ZooKeeper {
        connect: String,
        root: String,
        settings: Vec<(String, String)>,
    },
    /// A `statemgr.yaml` as given.
    Yaml(String),
}

impl State {
    /// ZooKeeper at `connect` (e.g. [`crate::zk`]), topologies under `root`.
    pub fn zookeeper(connect: &str, root: &str) -> State {
        State::ZooKeeper {
            connect: connect.to_string(),
            root: root.to_string(),
            settings: Vec::new(),
        }
    }

    /// One more `heron.statemgr.zookeeper.*` (or other) line of a ZooKeeper state manager.
    pub fn setting(mut self, key: &str, value: impl ToString) -> State {
        match &mut self {
            State::ZooKeeper { settings, .. } => {
                settings.push((key.to_string(), value.to_string()))
            }
            other => panic!("only a ZooKeeper state takes settings, not {other:?}"),
        }
        self
    }

    /// The `statemgr.yaml` text.
    pub fn yaml(&self) -> String {
        match self {
            State::LocalFs { root } => format!(
                "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
                 heron.statemgr.connection.string: LOCALMODE\n\
                 heron.statemgr.root.path: {}\n\
                 heron.statemgr.localfs.is.initialize.file.tree: True\n",
                root.display()
            ),
            State::ZooKeeper {
                connect,
                root,
                settings,
            } => format!(
                "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
                 heron.statemgr.connection.string: {connect}\n\
                 heron.statemgr.root.path: {root}\n\
                 heron.statemgr.zookeeper.is.initialize.tree: True\n{}",
                lines(settings)
            ),
            State::Yaml(text) => text.clone(),
        }
    }
}

/// An S3 bucket of the tests' S3 server (s3s-fs) and the settings of an `S3Uploader` for it.
#[derive(Debug, Clone)]
pub struct S3Upload {
    pub bucket: String,
    /// The bucket's folder on the server: object `k` is the plain file `dir/k`.
    pub dir: PathBuf,
    /// `heron.uploader.s3.uri` (the server, or a proxy in front of it).
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    /// More `heron.uploader.s3.*` lines.
    pub settings: Vec<(String, String)>,
}

impl S3Upload {
    /// A new, empty bucket named from `prefix` on `peer`, with the peer's credentials.
    pub fn new_bucket(peer: &S3Peer, prefix: &str) -> S3Upload {
        let bucket: String = crate::unique_name(prefix).chars().take(60).collect();
        let dir = peer.dir.join(&bucket);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create the bucket {}: {e}", dir.display()));
        S3Upload {
            bucket,
            dir,
            endpoint: peer.endpoint.clone(),
            access_key: peer.access_key.clone(),
            secret_key: peer.secret_key.clone(),
            settings: Vec::new(),
        }
    }

    /// One more `key: value` line of the uploader.
    pub fn setting(mut self, key: &str, value: impl ToString) -> S3Upload {
        self.settings.push((key.to_string(), value.to_string()));
        self
    }
}

/// Where a cluster puts topology packages.
#[derive(Debug, Clone)]
pub enum Uploader {
    /// `LocalFileSystemUploader` into `<dir>/${CLUSTER}/${ROLE}/${TOPOLOGY}`.
    LocalFs { dir: PathBuf },
    /// `S3Uploader` into a bucket.
    S3(S3Upload),
    /// `HdfsUploader` with a Hadoop client conf folder, into `<uri>/${CLUSTER}/`.
    Hdfs { conf_dir: PathBuf, uri: String },
}

impl Uploader {
    /// The `uploader.yaml` text.
    pub fn yaml(&self) -> String {
        match self {
            Uploader::LocalFs { dir } => format!(
                "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader\n\
                 heron.uploader.localfs.file.system.directory: {}/${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}\n",
                dir.display()
            ),
            Uploader::S3(s3) => format!(
                "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
                 heron.uploader.s3.bucket: {}\n\
                 heron.uploader.s3.uri: {}\n\
                 heron.uploader.s3.access_key: {}\n\
                 heron.uploader.s3.secret_key: {}\n{}",
                s3.bucket,
                s3.endpoint,
                s3.access_key,
                s3.secret_key,
                lines(&s3.settings)
            ),
            Uploader::Hdfs { conf_dir, uri } => format!(
                "heron.class.uploader: org.apache.heron.uploader.hdfs.HdfsUploader\n\
                 heron.uploader.hdfs.config.directory: {}\n\
                 heron.uploader.hdfs.topologies.directory.uri: {uri}/${{CLUSTER}}/\n",
                conf_dir.display()
            ),
        }
    }
}

fn lines(settings: &[(String, String)]) -> String {
    settings
        .iter()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

/// What goes into a cluster folder besides the fixture's files.
#[derive(Debug, Clone)]
pub struct ClusterConf {
    pub state: State,
    pub uploader: Uploader,
    /// `heron.package.core.uri` of client.yaml as `file://<path>`, in place of the fixture's.
    pub core_package: Option<PathBuf>,
}

impl ClusterConf {
    pub fn new(state: State, uploader: Uploader) -> ClusterConf {
        ClusterConf {
            state,
            uploader,
            core_package: None,
        }
    }

    /// The core package the cluster's sandboxes fetch: a file of the test.
    pub fn core_package(mut self, path: &Path) -> ClusterConf {
        self.core_package = Some(path.to_path_buf());
        self
    }

    /// Writes `<conf>/devcluster/`: the fixture's files, then this state manager and uploader.
    /// Returns the cluster folder.
    pub fn write(&self, conf: &Path) -> PathBuf {
        let cluster = conf.join(CLUSTER);
        copy_dir(&heron_conf::fixture("aurora"), &cluster);
        if let Some(core) = &self.core_package {
            let client = cluster.join("client.yaml");
            let text = read(&client);
            let kept: String = text
                .lines()
                .filter(|l| !l.starts_with("heron.package.core.uri"))
                .map(|l| format!("{l}\n"))
                .collect();
            write(
                &client,
                &format!(
                    "{kept}heron.package.core.uri: \"file://{}\"\n",
                    core.display()
                ),
            );
        }
        write(&cluster.join("uploader.yaml"), &self.uploader.yaml());
        write(&cluster.join("statemgr.yaml"), &self.state.yaml());
        cluster
    }
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()))
            .path();
        let target = to.join(path.file_name().expect("a listed entry has a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", path.display()));
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
