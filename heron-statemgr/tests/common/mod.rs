//! Shared support for the heron-statemgr integration tests: a per-test config folder and state
//! root, running the built binary, and one valid sample message of every node kind.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use heron_common::config::Config;
use heron_common::proto::{api, ckptmgr, scheduler, system, tmanager};
use heron_statemgr::settings::{self, Settings};
use heron_statemgr::{NodeKind, StateManager};
use prost::Message;

const HOW_TO_START: &str =
    "run `scripts/test.sh`, or `scripts/services.sh start && source .services/env`";

/// `HERON_TEST_ZK` (host:port of a running ZooKeeper); panics naming the script when unset.
pub fn zk_address() -> String {
    match std::env::var("HERON_TEST_ZK") {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "HERON_TEST_ZK is not set, so no ZooKeeper is available to this test: {HOW_TO_START}"
        ),
    }
}

/// The python of `HERON_TEST_VENV` (heronpy + kazoo); panics naming the script when unset.
pub fn venv_python() -> PathBuf {
    match std::env::var("HERON_TEST_VENV") {
        Ok(v) if !v.trim().is_empty() => {
            let python = Path::new(&v).join("bin").join("python");
            assert!(
                python.exists(),
                "HERON_TEST_VENV={v} has no bin/python: run scripts/install.sh"
            );
            python
        }
        _ => panic!(
            "HERON_TEST_VENV is not set, so heronpy and kazoo are not available: {HOW_TO_START}"
        ),
    }
}

/// The repository's scripts/ folder (`HERON_TEST_SCRIPTS`, else ../scripts from this crate).
pub fn scripts_dir() -> PathBuf {
    match std::env::var("HERON_TEST_SCRIPTS") {
        Ok(v) if !v.trim().is_empty() => PathBuf::from(v),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("scripts"),
    }
}

/// Our python snippets (tests/python/).
pub fn python_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("python")
        .join(name)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// One test's world: a temp config folder with cluster `test` and a state root of its own.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// The state root (a ZooKeeper path or a local folder).
    pub root: String,
    /// The ZooKeeper connection string, for ZooKeeper envs.
    pub connect: Option<String>,
}

impl Env {
    /// A ZooKeeper env on `HERON_TEST_ZK`, with a root unique to this test.
    pub fn zk(test: &str) -> Env {
        Env::zk_on(&zk_address(), test, "")
    }

    /// A ZooKeeper env on `connect`, with extra statemgr.yaml lines.
    pub fn zk_on(connect: &str, test: &str, extra_yaml: &str) -> Env {
        let root = format!("/heron-statemgr-tests/{}", unique(test));
        let yaml = format!(
            "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
             heron.statemgr.connection.string: \"{connect}\"\n\
             heron.statemgr.root.path: \"{root}\"\n\
             heron.statemgr.zookeeper.is.initialize.tree: True\n\
             heron.statemgr.zookeeper.session.timeout.ms: 30000\n\
             heron.statemgr.zookeeper.connection.timeout.ms: 15000\n{extra_yaml}"
        );
        Env::with_yaml(root, Some(connect.to_string()), &yaml)
    }

    /// A local file system env.
    pub fn local(test: &str) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir
            .path()
            .join(unique(test))
            .join("state")
            .display()
            .to_string();
        let yaml = format!(
            "heron.class.state.manager: org.apache.heron.statemgr.localfs.LocalFileSystemStateManager\n\
             heron.statemgr.root.path: \"{root}\"\n"
        );
        let env = Env {
            dir,
            root,
            connect: None,
        };
        env.write_config(&yaml);
        env
    }

    fn with_yaml(root: String, connect: Option<String>, yaml: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
            root,
            connect,
        };
        env.write_config(yaml);
        env
    }

    fn write_config(&self, statemgr_yaml: &str) {
        let cluster = self.dir.path().join("conf").join("test");
        std::fs::create_dir_all(&cluster).expect("config folder");
        std::fs::write(cluster.join("statemgr.yaml"), statemgr_yaml).expect("statemgr.yaml");
        // Aurora: the scheduler runs as a library, so scheduler locations are persistent.
        std::fs::write(
            cluster.join("scheduler.yaml"),
            "heron.scheduler.is.service: False\n",
        )
        .expect("scheduler.yaml");
    }

    /// `heron-statemgr --config-path <tmp>/conf --cluster test ARGS...`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_heron-statemgr"));
        cmd.env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env_remove("HERON_ZK_AUTH");
        cmd.arg("--config-path")
            .arg(self.dir.path().join("conf"))
            .args(["--cluster", "test"]);
        cmd.args(args);
        cmd
    }

    /// Runs with `stdin` as input and returns the output.
    pub fn run_with(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_with_stdin(self.cmd(args), stdin)
    }

    /// Runs with empty stdin.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, b"")
    }

    /// Runs and asserts exit 0, returning stdout.
    pub fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let out = self.run_with(args, stdin);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} failed: {}",
            describe(&out)
        );
        out.stdout
    }

    /// `heron-statemgr lock <topology>` holding the lock: spawned with piped streams, its first
    /// line (`locked`) read. The lock is released when its stdin closes.
    pub fn hold_lock(&self, topology: &str) -> Child {
        let mut holder = self.cmd(&["lock", topology]);
        holder
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = holder.spawn().expect("spawn heron-statemgr lock");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the lock holder's first line");
        assert_eq!(line, "locked\n");
        child
    }

    /// The library's ZooKeeper state manager on this env's root (Aurora: the scheduler runs as a
    /// library), with more settings.
    pub fn zk_library(&self, settings: &[(&str, &str)]) -> Box<dyn StateManager> {
        let mut config = Config::new();
        config.set_str(settings::KEY_CLASS, "zookeeper");
        config.set_str(
            settings::KEY_CONNECTION,
            self.connect.clone().expect("a ZooKeeper env"),
        );
        config.set_str(settings::KEY_ROOT, self.root.clone());
        config.set_str(settings::KEY_SCHEDULER_IS_SERVICE, "false");
        for (k, v) in settings {
            config.set_str(*k, *v);
        }
        heron_statemgr::open(&Settings::from_config(&config, None).expect("settings"))
    }

    /// A ZooKeeper path (or local file) under this env's root.
    pub fn node(&self, kind: NodeKind, topology: &str) -> String {
        format!("{}/{}/{topology}", self.root, kind.dir())
    }
}

pub fn run_with_stdin(mut cmd: Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn heron-statemgr");
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin);
    }
    child.wait_with_output().expect("wait for heron-statemgr")
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn topology(name: &str) -> api::Topology {
    let config = |pairs: &[(&str, &str)]| api::Config {
        kvs: pairs
            .iter()
            .map(|(k, v)| api::config::KeyValue {
                key: k.to_string(),
                value: Some(v.to_string()),
                r#type: Some(api::ConfigValueType::StringValue as i32),
                ..Default::default()
            })
            .collect(),
    };
    let stream = |component: &str| api::StreamId {
        id: "default".into(),
        component_name: component.into(),
    };
    let schema = api::StreamSchema {
        keys: vec![api::stream_schema::KeyType {
            key: "word".into(),
            r#type: api::Type::Object as i32,
        }],
    };
    api::Topology {
        id: format!("{name}-6f1c2b9e"),
        name: name.into(),
        spouts: vec![api::Spout {
            comp: api::Component {
                name: "word".into(),
                class_name: Some("WordSpout".into()),
                config: config(&[("topology.component.parallelism", "2")]),
                spec: Some(api::ComponentObjectSpec::JavaClassName as i32),
                ..Default::default()
            },
            outputs: vec![api::OutputStream {
                stream: stream("word"),
                schema: schema.clone(),
            }],
        }],
        bolts: vec![api::Bolt {
            comp: api::Component {
                name: "count".into(),
                class_name: Some("CountBolt".into()),
                config: config(&[("topology.component.parallelism", "3")]),
                spec: Some(api::ComponentObjectSpec::JavaClassName as i32),
                ..Default::default()
            },
            inputs: vec![api::InputStream {
                stream: stream("word"),
                gtype: api::Grouping::Fields as i32,
                grouping_fields: Some(schema),
                ..Default::default()
            }],
            outputs: vec![],
        }],
        state: api::TopologyState::Running as i32,
        topology_config: Some(config(&[("topology.stmgrs", "2")])),
    }
}

fn resource() -> system::Resource {
    system::Resource {
        cpu: 1.5,
        ram: 1 << 30,
        disk: 2 << 30,
    }
}

/// One valid message of every kind for `name`, as protobuf bytes.
pub fn samples(name: &str) -> Vec<(NodeKind, Vec<u8>)> {
    let topo = topology(name);
    let id = topo.id.clone();
    let packing = system::PackingPlan {
        id: id.clone(),
        container_plans: vec![system::ContainerPlan {
            id: 1,
            instance_plans: vec![system::InstancePlan {
                component_name: "word".into(),
                task_id: 1,
                component_index: 0,
                resource: resource(),
            }],
            required_resource: resource(),
            scheduled_resource: None,
        }],
    };
    let pplan = system::PhysicalPlan {
        topology: topo.clone(),
        stmgrs: vec![system::StMgr {
            id: "stmgr-1".into(),
            host_name: "host1".into(),
            data_port: 6001,
            local_endpoint: "/unused".into(),
            ..Default::default()
        }],
        instances: vec![system::Instance {
            instance_id: "container_1_word_1".into(),
            stmgr_id: "stmgr-1".into(),
            info: system::InstanceInfo {
                task_id: 1,
                component_index: 0,
                component_name: "word".into(),
                ..Default::default()
            },
        }],
    };
    let execution = system::ExecutionState {
        topology_name: name.into(),
        topology_id: id.clone(),
        submission_time: Some(1_764_000_000),
        submission_user: Some("tester".into()),
        cluster: "test".into(),
        environ: "devel".into(),
        role: "tester".into(),
        release_state: Some(system::HeronReleaseState {
            release_username: Some("heron".into()),
            release_tag: Some(String::new()),
            release_version: Some("0.20.5".into()),
        }),
    };
    let tmanager = tmanager::TManagerLocation {
        topology_name: name.into(),
        topology_id: id.clone(),
        host: "host1".into(),
        controller_port: 6002,
        server_port: 6003,
        stats_port: Some(6004),
    };
    let metricscache = tmanager::MetricsCacheLocation {
        topology_name: name.into(),
        topology_id: id.clone(),
        host: "host1".into(),
        controller_port: 6005,
        server_port: 6006,
        stats_port: None,
    };
    let scheduler = scheduler::SchedulerLocation {
        topology_name: name.into(),
        http_endpoint: "localhost:0".into(),
        job_page_link: vec!["http://aurora/jobs/test/tester/devel/x".into()],
    };
    let checkpoints = ckptmgr::StatefulConsistentCheckpoints {
        consistent_checkpoints: vec![ckptmgr::StatefulConsistentCheckpoint {
            checkpoint_id: "ckpt-1".into(),
            packing_plan_id: id,
        }],
    };
    vec![
        (NodeKind::Topology, topo.encode_to_vec()),
        (NodeKind::PackingPlan, packing.encode_to_vec()),
        (NodeKind::PhysicalPlan, pplan.encode_to_vec()),
        (NodeKind::ExecutionState, execution.encode_to_vec()),
        (NodeKind::TManager, tmanager.encode_to_vec()),
        (NodeKind::MetricsCache, metricscache.encode_to_vec()),
        (NodeKind::Scheduler, scheduler.encode_to_vec()),
        (NodeKind::StatefulCheckpoints, checkpoints.encode_to_vec()),
    ]
}

/// The four submit-time nodes as a SubmitState JSON document.
pub fn submit_json(name: &str) -> Vec<u8> {
    let all = samples(name);
    let pick = |kind: NodeKind| {
        all.iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    };
    let state = heron_common::contract::SubmitState {
        topology: pick(NodeKind::Topology),
        packing_plan: pick(NodeKind::PackingPlan),
        execution_state: pick(NodeKind::ExecutionState),
        scheduler_location: pick(NodeKind::Scheduler),
    };
    serde_json::to_vec(&state).expect("SubmitState JSON")
}
