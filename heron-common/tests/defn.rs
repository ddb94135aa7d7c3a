//! Reading `.defn` files: valid topologies, truncated and garbage bytes, missing required
//! fields (by path), Heron's semantic checks, and random bytes never panicking.

use heron_common::ExitCode;
use heron_common::defn::{self, TOPOLOGY_TYPE, check_required, decode_message};
use heron_common::proto::api::{
    Bolt, Component, Config, Grouping, InputStream, OutputStream, Spout, StreamId, StreamSchema,
    Topology, TopologyState,
};
use proptest::prelude::*;
use prost::Message;

fn component(name: &str) -> Component {
    Component {
        name: name.into(),
        config: Config { kvs: vec![] },
        ..Default::default()
    }
}

fn stream(component: &str) -> StreamId {
    StreamId {
        id: "default".into(),
        component_name: component.into(),
    }
}

fn topology() -> Topology {
    Topology {
        id: "wc-1234".into(),
        name: "wc".into(),
        spouts: vec![Spout {
            comp: component("word"),
            outputs: vec![OutputStream {
                stream: stream("word"),
                schema: StreamSchema { keys: vec![] },
            }],
        }],
        bolts: vec![Bolt {
            comp: component("count"),
            inputs: vec![InputStream {
                stream: stream("word"),
                gtype: Grouping::Shuffle as i32,
                ..Default::default()
            }],
            outputs: vec![],
        }],
        state: TopologyState::Running as i32,
        topology_config: None,
    }
}

fn write(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wc.defn");
    std::fs::write(&path, bytes).expect("write");
    (dir, path)
}

/// Wire-format helpers to build messages prost would never write (missing required fields).
fn key(number: u32, wire: u8) -> Vec<u8> {
    varint(u64::from(number) << 3 | u64::from(wire))
}
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}
fn len_field(number: u32, body: &[u8]) -> Vec<u8> {
    let mut out = key(number, 2);
    out.extend(varint(body.len() as u64));
    out.extend_from_slice(body);
    out
}
fn varint_field(number: u32, v: u64) -> Vec<u8> {
    let mut out = key(number, 0);
    out.extend(varint(v));
    out
}

#[test]
fn a_valid_defn_reads_back() {
    let (_dir, path) = write(&topology().encode_to_vec());
    let read = defn::read_topology(&path).expect("valid");
    assert_eq!(read, topology());
}

#[test]
fn missing_required_fields_are_listed_by_path() {
    // Topology{id, name, state, spouts[0]{comp{name}}}: the component has no config.
    let comp = len_field(1, b"word");
    let spout = len_field(1, &comp);
    let mut bytes = len_field(1, b"id");
    bytes.extend(len_field(2, b"wc"));
    bytes.extend(len_field(3, &spout));
    bytes.extend(varint_field(5, 1));
    assert_eq!(
        check_required(&bytes, TOPOLOGY_TYPE),
        Err(vec!["spouts[0].comp.config".to_string()])
    );

    // No state, and an unknown state value counts as missing (as in Java).
    let mut no_state = len_field(1, b"id");
    no_state.extend(len_field(2, b"wc"));
    assert_eq!(
        check_required(&no_state, TOPOLOGY_TYPE),
        Err(vec!["state".to_string()])
    );
    let mut bad_state = no_state.clone();
    bad_state.extend(varint_field(5, 9));
    assert_eq!(
        check_required(&bad_state, TOPOLOGY_TYPE),
        Err(vec!["state".to_string()])
    );

    let (_dir, path) = write(&bad_state);
    let err = defn::read_topology(&path).unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::BadInput);
    let text = err.to_string();
    assert!(
        text.contains("wc.defn") && text.contains("missing required field(s): state"),
        "{text}"
    );

    // Second bolt's input lacks its grouping.
    let mut t = topology();
    t.bolts.push(t.bolts[0].clone());
    t.bolts[1].comp.name = "count2".into();
    let mut bytes = t.encode_to_vec();
    // Re-encode bolt 1 by hand without gtype.
    let comp = component("count2").encode_to_vec();
    let sid = stream("word").encode_to_vec();
    let input = len_field(1, &sid);
    let mut bolt = len_field(1, &comp);
    bolt.extend(len_field(2, &input));
    bytes.extend(len_field(4, &bolt));
    assert_eq!(
        check_required(&bytes, TOPOLOGY_TYPE),
        Err(vec!["bolts[2].inputs[0].gtype".to_string()])
    );
}

#[test]
fn truncated_and_garbage_bytes_are_decode_errors() {
    let full = topology().encode_to_vec();
    for cut in [1, full.len() / 2, full.len() - 1] {
        let (_dir, path) = write(&full[..cut]);
        let err = defn::read_topology(&path).unwrap_err();
        assert!(
            matches!(err, heron_common::Error::Decode { .. }),
            "cut {cut}: {err}"
        );
        assert!(err.to_string().contains("wc.defn"), "{err}");
    }
    let (_dir, path) = write(b"PK\x03\x04 this is a jar, not a defn");
    let err = defn::read_topology(&path).unwrap_err();
    assert!(matches!(err, heron_common::Error::Decode { .. }), "{err}");
    let (_dir, path) = write(b"");
    assert!(
        defn::read_topology(&path)
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    let err = defn::read_topology(std::path::Path::new("/nonexistent/x.defn")).unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::NotFound);
}

#[test]
fn heron_semantic_checks() {
    let check = |t: Topology, needle: &str| {
        let (_dir, path) = write(&t.encode_to_vec());
        let err = defn::read_topology(&path).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
    };
    let mut t = topology();
    t.name = String::new();
    check(t, "topology name");
    let mut t = topology();
    t.name = "a.b".into();
    check(t, "topology name");
    let mut t = topology();
    t.bolts[0].comp.name = "word".into();
    check(t, "`word` is used more than once");
    let mut t = topology();
    t.bolts[0].inputs[0].stream.id = "other".into();
    check(t, "no component outputs");
    let mut t = topology();
    t.id = String::new();
    check(t, "id is empty");
}

#[test]
fn decode_message_works_for_other_types() {
    use heron_common::proto::system::ExecutionState;
    let state = ExecutionState {
        topology_name: "wc".into(),
        topology_id: "wc-1".into(),
        cluster: "c".into(),
        environ: "e".into(),
        role: "r".into(),
        ..Default::default()
    };
    let bytes = state.encode_to_vec();
    let back: ExecutionState = decode_message(
        &bytes,
        "heron.proto.system.ExecutionState",
        "/heron/executionstate/wc",
    )
    .expect("ok");
    assert_eq!(back, state);
    // Only two fields: the rest are missing.
    let mut partial = len_field(1, b"wc");
    partial.extend(len_field(2, b"wc-1"));
    let err = decode_message::<ExecutionState>(
        &partial,
        "heron.proto.system.ExecutionState",
        "/heron/executionstate/wc",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("/heron/executionstate/wc") && err.contains("cluster, environ, role"),
        "{err}"
    );
    assert!(check_required(&bytes, "heron.proto.nope.Missing").is_err());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = check_required(&bytes, TOPOLOGY_TYPE);
        let _ = check_required(&bytes, "heron.proto.system.PackingPlan");
        let _ = check_required(&bytes, "heron.proto.system.PhysicalPlan");
        let _ = decode_message::<Topology>(&bytes, TOPOLOGY_TYPE, "random");
    }

    #[test]
    fn mutated_topologies_never_panic(index in 0usize..200, byte in any::<u8>()) {
        let mut bytes = topology().encode_to_vec();
        if !bytes.is_empty() {
            let i = index % bytes.len();
            bytes[i] = byte;
        }
        let _ = check_required(&bytes, TOPOLOGY_TYPE);
        let _ = decode_message::<Topology>(&bytes, TOPOLOGY_TYPE, "mutated");
    }
}
