//! Interop of `.defn` files with real Heron topology programs.
//!
//! Two topologies written against Heron's own published APIs, heronpy 0.20.5 (`tests/python/word_count.py`)
//! and the Java `heron-api` (`tests/java/topology`), are run the way `heron submit` runs them: with
//! `HERON_OPTIONS` set in Heron's format, so that Heron's code writes `<tmpdir>/<name>.defn`. Then:
//! - heron-common parses each file, and what it reads is what the program declared;
//! - heron-common packs it, and the plan has the numbers Heron's RoundRobinPacking gives
//!   (heron-aurora.md §8 worked example: spout ×2, bolt ×2, 2 stream managers);
//! - the bytes heron-common writes back (Topology, PackingPlan) parse in heronpy with no required field
//!   missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heron_common::defn;
use heron_common::packing::{self, PackingDefaults};
use heron_common::proto::api::{self, Topology, TopologyState};
use heron_tests::{TestDir, command, heron_api_classpath, java_topology_jar, python_peer, run_ok};
use prost::Message;
use serde_json::Value;

const GIB: i64 = 1 << 30;

/// `HERON_OPTIONS` as Heron's CLI builds it (heron-aurora.md §4.3/§4.4): `k=v` pairs joined with `,`, every
/// space replaced by `%%%%`.
fn heron_options(tmpdir: &Path, file: &Path, class: &str, initial_state: &str) -> String {
    let pairs = [
        (
            "cmdline.topologydefn.tmpdirectory",
            tmpdir.display().to_string(),
        ),
        ("cmdline.topology.initial.state", initial_state.to_string()),
        ("cmdline.topology.role", "alice".to_string()),
        ("cmdline.topology.environment", "devel".to_string()),
        ("cmdline.topology.cluster", "aurora".to_string()),
        ("cmdline.topology.file_name", file.display().to_string()),
        ("cmdline.topology.class_name", class.to_string()),
        ("cmdline.topology.submit_user", "alice".to_string()),
    ];
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
        .replace(' ', "%%%%")
}

/// The one `.defn` file a topology program wrote into `dir`.
fn only_defn(dir: &Path) -> PathBuf {
    let defns: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "defn"))
        .collect();
    assert_eq!(
        defns.len(),
        1,
        "expected one .defn in {}: {defns:?}",
        dir.display()
    );
    defns.into_iter().next().unwrap()
}

/// Runs heronpy's word_count.py the way `heron submit ... word_count.py -` does; returns the .defn path.
fn heronpy_defn(dir: &TestDir, name: &str, initial_state: &str) -> PathBuf {
    // A tmp dir with a space in its path: HERON_OPTIONS carries it as `%%%%`, heronpy must decode it.
    let out = dir.join("defn dir");
    std::fs::create_dir_all(&out).unwrap();
    let script = heron_tests::repo_root().join("tests/python/word_count.py");
    run_ok(python_peer("word_count.py").arg(name).env(
        "HERON_OPTIONS",
        heron_options(&out, &script, "-", initial_state),
    ));
    let defn = only_defn(&out);
    assert_eq!(defn.file_name().unwrap(), format!("{name}.defn").as_str());
    defn
}

/// Runs the Java topology's main the way `heron submit ... topology.jar <class>` does.
fn java_defn(dir: &TestDir, name: &str) -> PathBuf {
    let out = dir.join("java defn");
    std::fs::create_dir_all(&out).unwrap();
    let jar = java_topology_jar();
    let class = "heronrs.topology.WordCountTopology";
    run_ok(
        command("java")
            .arg("-cp")
            .arg(format!("{}:{}", jar.display(), heron_api_classpath()))
            .arg(class)
            .arg(name)
            .env("HERON_OPTIONS", heron_options(&out, &jar, class, "RUNNING")),
    );
    only_defn(&out)
}

/// What heron-common reads from a .defn file (with its required-field and topology checks).
fn parse_defn(path: &Path) -> Topology {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        defn::check_required(&bytes, defn::TOPOLOGY_TYPE),
        Ok(()),
        "{}",
        path.display()
    );
    defn::read_topology(path)
        .unwrap_or_else(|e| panic!("heron-common cannot read {}: {e}", path.display()))
}

fn kvs(config: &api::Config) -> BTreeMap<String, &api::config::KeyValue> {
    config.kvs.iter().map(|kv| (kv.key.clone(), kv)).collect()
}

fn string_value<'a>(config: &'a api::Config, key: &str) -> Option<&'a str> {
    config
        .kvs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_deref())
}

fn parallelism(comp: &api::Component) -> &str {
    string_value(&comp.config, "topology.component.parallelism")
        .unwrap_or_else(|| panic!("component {} has no parallelism", comp.name))
}

/// Checks the word → count shape both programs declare.
fn assert_word_count_shape(t: &Topology, name: &str) {
    assert_eq!(t.name, name);
    // Heron's ids are the name followed by a random UUID, with no separator.
    let uuid =
        t.id.strip_prefix(name)
            .unwrap_or_else(|| panic!("id {} does not start with {name}", t.id));
    assert_eq!(uuid.len(), 36, "id {}", t.id);
    assert_eq!(t.spouts.len(), 1);
    assert_eq!(t.bolts.len(), 1);
    let spout = &t.spouts[0];
    let bolt = &t.bolts[0];
    assert_eq!(
        (spout.comp.name.as_str(), parallelism(&spout.comp)),
        ("word", "2")
    );
    assert_eq!(
        (bolt.comp.name.as_str(), parallelism(&bolt.comp)),
        ("count", "2")
    );
    assert_eq!(spout.outputs[0].schema.keys[0].key, "word");
    let input = &bolt.inputs[0];
    assert_eq!(input.stream.component_name, "word");
    assert_eq!(input.gtype, api::Grouping::Fields as i32);
    let fields: Vec<&str> = input
        .grouping_fields
        .as_ref()
        .expect("a fields grouping names its fields")
        .keys
        .iter()
        .map(|k| k.key.as_str())
        .collect();
    assert_eq!(fields, ["word"]);
    assert!(kvs(&bolt.comp.config).contains_key("count.bolt.note"));
    let config = t.topology_config.as_ref().expect("topology config");
    assert_eq!(string_value(config, "topology.stmgrs"), Some("2"));
    assert_eq!(
        string_value(config, "topology.reliability.mode"),
        Some("ATLEAST_ONCE")
    );
    assert!(kvs(config).contains_key("heronrs.custom.string"));
}

/// A config value Java's HeronSubmitter stored serialized: Java object serialization of a `String`
/// (`AC ED 00 05`, `74` = TC_STRING, 2-byte length, UTF-8).
fn java_serialized_string(kv: &api::config::KeyValue) -> String {
    assert_eq!(
        kv.r#type,
        Some(api::ConfigValueType::JavaSerializedValue as i32),
        "{}",
        kv.key
    );
    let bytes = kv.serialized_value.as_deref().unwrap_or_default();
    assert_eq!(
        &bytes[..5],
        [0xac, 0xed, 0x00, 0x05, 0x74],
        "{}: not a serialized String",
        kv.key
    );
    let len = usize::from(u16::from_be_bytes([bytes[5], bytes[6]]));
    String::from_utf8(bytes[7..7 + len].to_vec()).unwrap()
}

/// Packs the topology and checks Heron's numbers for spout ×2, bolt ×2 on 2 containers with default
/// resources: 2 instances per container, each 1 CPU / 1 GiB / 1 GiB; container 3.0 CPU, 4 GiB RAM
/// (instances + 2 GiB padding), 14 GiB disk (instances + 12 GiB); Aurora gets 3 tasks of that size.
fn assert_heron_packing(t: &Topology) -> Vec<u8> {
    let packed = packing::pack(t, &PackingDefaults::default()).expect("packing");
    let plan = &packed.plan;
    assert_eq!(plan.id, t.id);
    let ids: Vec<i32> = plan.container_plans.iter().map(|c| c.id).collect();
    assert_eq!(ids, [1, 2]);
    let mut tasks = Vec::new();
    for c in &plan.container_plans {
        assert_eq!(c.instance_plans.len(), 2, "container {}", c.id);
        let r = &c.required_resource;
        assert_eq!(
            (r.cpu, r.ram, r.disk),
            (3.0, 4 * GIB, 14 * GIB),
            "container {}",
            c.id
        );
        for i in &c.instance_plans {
            let res = &i.resource;
            assert_eq!((res.cpu, res.ram, res.disk), (1.0, GIB, GIB));
            tasks.push(i.task_id);
        }
    }
    tasks.sort_unstable();
    assert_eq!(tasks, [1, 2, 3, 4]);
    let counts = packing::component_counts(plan);
    assert_eq!(counts.get("word"), Some(&2));
    assert_eq!(counts.get("count"), Some(&2));
    let aurora = packing::aurora_resources(plan, t).expect("aurora resources");
    let bindings: BTreeMap<&str, String> = aurora.bindings().into_iter().collect();
    assert_eq!(bindings["NUM_CONTAINERS"], "3");
    assert_eq!(bindings["CPUS_PER_CONTAINER"], "3.0");
    assert_eq!(bindings["RAM_PER_CONTAINER"], "4294967296");
    assert_eq!(bindings["DISK_PER_CONTAINER"], "15032385536");
    let bytes = plan.encode_to_vec();
    assert_eq!(
        defn::check_required(&bytes, "heron.proto.system.PackingPlan"),
        Ok(())
    );
    bytes
}

/// Parses bytes with heronpy (tests/python/check_bytes.py) and returns its JSON report.
fn heronpy_check(dir: &TestDir, file: &str, bytes: &[u8], type_name: &str) -> Value {
    let path = dir.write(file, bytes);
    let out = run_ok(python_peer("check_bytes.py").arg(&path).arg(type_name));
    let report: Value = serde_json::from_slice(&out.stdout).expect("check_bytes.py prints JSON");
    assert_eq!(
        report["missing_required"],
        serde_json::json!([]),
        "{type_name}: {report:#}"
    );
    report
}

#[test]
fn heronpy_topology_defn_parses_packs_and_round_trips() {
    let dir = TestDir::new();
    let defn = heronpy_defn(&dir, "PyWordCount", "RUNNING");
    let original = std::fs::read(&defn).unwrap();
    let t = parse_defn(&defn);

    assert_word_count_shape(&t, "PyWordCount");
    assert_eq!(t.state, TopologyState::Running as i32);
    let spout = &t.spouts[0].comp;
    assert_eq!(
        spout.spec,
        Some(api::ComponentObjectSpec::PythonClassName as i32)
    );
    assert_eq!(spout.class_name.as_deref(), Some("__main__.WordSpout"));
    let config = t.topology_config.as_ref().unwrap();
    assert_eq!(
        string_value(config, "heronrs.custom.string"),
        Some("a value with spaces")
    );
    let bolt = &t.bolts[0].comp.config;
    assert_eq!(
        string_value(bolt, "count.bolt.note"),
        Some("per-component value")
    );
    // heronpy pickles non-string values.
    let custom = kvs(config)["heronrs.custom.dict"];
    assert_eq!(
        custom.r#type,
        Some(api::ConfigValueType::PythonSerializedValue as i32)
    );
    assert!(
        custom
            .serialized_value
            .as_ref()
            .is_some_and(|v| !v.is_empty())
    );

    let plan = assert_heron_packing(&t);

    let reencoded = t.encode_to_vec();
    let report = heronpy_check(&dir, "reencoded.defn", &reencoded, "Topology");
    assert_eq!(report["message"]["name"], "PyWordCount");
    assert_eq!(report["message"]["state"], "RUNNING");
    // Nothing was lost or reordered: heronpy writes the very bytes it was given.
    assert_eq!(
        reencoded, original,
        "re-encoded .defn differs from heronpy's"
    );
    assert_eq!(report["reencoded_equal"], true);

    let report = heronpy_check(&dir, "plan.bin", &plan, "PackingPlan");
    assert_eq!(report["message"]["id"], Value::String(t.id.clone()));
    assert_eq!(
        report["message"]["container_plans"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn heronpy_deploy_deactivated_gives_a_paused_topology() {
    let dir = TestDir::new();
    let t = parse_defn(&heronpy_defn(&dir, "PyPaused", "PAUSED"));
    assert_eq!(t.name, "PyPaused");
    assert_eq!(t.state, TopologyState::Paused as i32);
}

#[test]
fn java_topology_defn_parses_packs_and_round_trips() {
    let dir = TestDir::new();
    let defn = java_defn(&dir, "JavaWordCount");
    let original = std::fs::read(&defn).unwrap();
    let t = parse_defn(&defn);

    assert_word_count_shape(&t, "JavaWordCount");
    assert_eq!(t.state, TopologyState::Running as i32);
    let spout = &t.spouts[0].comp;
    assert_eq!(
        spout.spec,
        Some(api::ComponentObjectSpec::JavaSerializedObject as i32)
    );
    assert!(
        spout
            .serialized_object
            .as_ref()
            .is_some_and(|o| !o.is_empty()),
        "spout object"
    );
    let config = t.topology_config.as_ref().unwrap();
    // HeronSubmitter fills the team from HERON_OPTIONS' role and environment (heron-aurora.md §4.3).
    // Java stores only the keys set through `Config`'s setters as strings; every other value, even a
    // plain String put directly (as the submitter does for the environment), is Java-serialized.
    let all = kvs(config);
    assert_eq!(string_value(config, "topology.team.name"), Some("alice"));
    assert_eq!(
        java_serialized_string(all["topology.team.environment"]),
        "devel"
    );
    assert_eq!(
        java_serialized_string(all["heronrs.custom.string"]),
        "a value with spaces"
    );
    let bolt = kvs(&t.bolts[0].comp.config);
    assert_eq!(
        java_serialized_string(bolt["count.bolt.note"]),
        "per-component value"
    );
    assert_eq!(
        string_value(config, "topology.message.timeout.secs"),
        Some("45")
    );
    let custom = all["heronrs.custom.list"];
    assert_eq!(
        custom.r#type,
        Some(api::ConfigValueType::JavaSerializedValue as i32)
    );

    let plan = assert_heron_packing(&t);

    let reencoded = t.encode_to_vec();
    let report = heronpy_check(&dir, "reencoded.defn", &reencoded, "Topology");
    assert_eq!(report["message"]["name"], "JavaWordCount");
    assert_eq!(
        reencoded.len(),
        original.len(),
        "re-encoded .defn size differs from Java's"
    );
    let report = heronpy_check(&dir, "plan.bin", &plan, "heron.proto.system.PackingPlan");
    assert_eq!(report["message"]["id"], Value::String(t.id.clone()));
}

#[test]
fn missing_required_fields_are_seen_by_heronpy_and_heron_common_alike() {
    // Bytes with only `id` set: proto2 `name` and `state` are missing. heronpy's protobuf 3.16 parses them
    // anyway, so the peer reports FindInitializationErrors(); heron-common must refuse them, naming both.
    let dir = TestDir::new();
    let path = dir.write("partial.defn", [0x0a, 0x04, b'd', b'e', b'm', b'o']);
    let out = run_ok(python_peer("check_bytes.py").arg(&path).arg("Topology"));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["missing_required"],
        serde_json::json!(["name", "state"])
    );

    let err = defn::read_topology(&path)
        .expect_err("a .defn without name and state")
        .to_string();
    assert!(err.contains("name") && err.contains("state"), "{err}");
}
