//! Reading and editing topologies: lookups, components, stream managers, reliability modes.

use super::*;

fn kv(
    key: &str,
    value: Option<&str>,
    serialized: Option<&[u8]>,
    t: Option<ConfigValueType>,
) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: value.map(str::to_string),
        serialized_value: serialized.map(<[u8]>::to_vec),
        r#type: t.map(|t| t as i32),
    }
}

#[test]
fn lookup_reads_string_values_and_skips_serialized_ones() {
    let config = TopologyConfig {
        kvs: vec![
            kv(
                "a",
                None,
                Some(b"\xac\xed"),
                Some(ConfigValueType::JavaSerializedValue),
            ),
            kv(
                "a",
                Some("second"),
                None,
                Some(ConfigValueType::StringValue),
            ),
            kv("b", Some("untyped"), None, None),
            kv(
                "c",
                Some("x"),
                None,
                Some(ConfigValueType::PythonSerializedValue),
            ),
        ],
    };
    assert_eq!(lookup(&config, "a"), Some("second"));
    assert_eq!(lookup(&config, "b"), Some("untyped"));
    assert_eq!(lookup(&config, "c"), None);
    assert_eq!(lookup(&config, "missing"), None);
}

#[test]
fn set_config_replaces_in_place_or_appends() {
    let mut t = TopologyBuilder::new("t")
        .config("x", "1")
        .config("topology.stmgrs", "1")
        .build();
    set_config(&mut t, "x", "2");
    set_config(&mut t, "y", "3");
    let keys: Vec<_> = t
        .topology_config
        .as_ref()
        .unwrap()
        .kvs
        .iter()
        .map(|k| k.key.as_str())
        .collect();
    assert_eq!(keys, ["x", "topology.stmgrs", "y"]);
    assert_eq!(config_value(&t, "x"), Some("2"));
    assert_eq!(config_value(&t, "y"), Some("3"));
}

#[test]
fn components_in_definition_order_with_parallelism() {
    let t = TopologyBuilder::new("t")
        .bolt("b1", 3)
        .spout("s1", 2)
        .bolt("b0", 1)
        .build();
    let comps = components(&t).unwrap();
    let got: Vec<_> = comps
        .iter()
        .map(|c| (c.name, c.kind, c.parallelism))
        .collect();
    assert_eq!(
        got,
        [
            ("s1", ComponentKind::Spout, 2),
            ("b1", ComponentKind::Bolt, 3),
            ("b0", ComponentKind::Bolt, 1)
        ]
    );
    assert_eq!(total_instances(&t).unwrap(), 6);
    assert_eq!(component_names(&t), ["s1", "b1", "b0"]);
    assert!(component(&t, "b0").is_some());
    assert!(component(&t, "nope").is_none());
}

#[test]
fn parallelism_errors_name_the_component() {
    let mut t = TopologyBuilder::new("t")
        .spout("s", 1)
        .bolt("counter", 1)
        .build();
    t.bolts[0].comp.config.kvs.clear();
    let err = components(&t).unwrap_err().to_string();
    assert!(
        err.contains("bolt 'counter'") && err.contains("topology.component.parallelism"),
        "{err}"
    );

    t.bolts[0]
        .comp
        .config
        .kvs
        .push(string_kv(keys::COMPONENT_PARALLELISM, "two"));
    let err = components(&t).unwrap_err().to_string();
    assert!(
        err.contains("bolt 'counter'") && err.contains("\"two\""),
        "{err}"
    );

    t.bolts[0].comp.config.kvs[0].value = Some("-1".into());
    assert!(components(&t).is_err());

    t.bolts[0].comp.config.kvs[0].value = Some(" 4 ".into());
    assert_eq!(components(&t).unwrap()[1].parallelism, 4);
}

#[test]
fn stmgrs_default_and_parse() {
    let t = TopologyBuilder::new("t").build();
    assert_eq!(num_stmgrs(&t).unwrap(), 1);
    assert_eq!(num_containers(&t).unwrap(), 2);
    let t = TopologyBuilder::new("t")
        .config(keys::STMGRS, " 3 ")
        .build();
    assert_eq!(num_stmgrs(&t).unwrap(), 3);
    assert_eq!(num_containers(&t).unwrap(), 4);
    let t = TopologyBuilder::new("t")
        .config(keys::STMGRS, "three")
        .build();
    let err = num_stmgrs(&t).unwrap_err();
    assert_eq!(err.exit_code(), crate::ExitCode::BadInput);
    assert!(err.to_string().contains("topology.stmgrs"), "{err}");
}

#[test]
fn reliability_modes() {
    let t = TopologyBuilder::new("t").build();
    assert_eq!(reliability_mode(&t).unwrap(), ReliabilityMode::AtMostOnce);
    assert!(!is_stateful(&t));
    let t = TopologyBuilder::new("t")
        .config(keys::RELIABILITY_MODE, "EFFECTIVELY_ONCE")
        .build();
    assert_eq!(
        reliability_mode(&t).unwrap(),
        ReliabilityMode::EffectivelyOnce
    );
    assert!(is_stateful(&t));
    let t = TopologyBuilder::new("t")
        .config(keys::RELIABILITY_MODE, "ATLEAST_ONCE")
        .build();
    assert_eq!(reliability_mode(&t).unwrap(), ReliabilityMode::AtLeastOnce);
    let t = TopologyBuilder::new("t")
        .config(keys::RELIABILITY_MODE, "sometimes")
        .build();
    assert!(
        reliability_mode(&t)
            .unwrap_err()
            .to_string()
            .contains("topology.reliability.mode")
    );
    assert!(!is_stateful(&t));
}

#[test]
fn trimmed_clears_serialized_objects_only() {
    let mut t = TopologyBuilder::new("t").spout("s", 1).bolt("b", 1).build();
    t.spouts[0].comp.serialized_object = Some(vec![1, 2, 3]);
    t.bolts[0].comp.serialized_object = Some(vec![4]);
    let trimmed = trimmed(&t);
    assert_eq!(trimmed.spouts[0].comp.serialized_object, None);
    assert_eq!(trimmed.bolts[0].comp.serialized_object, None);
    assert_eq!(
        trimmed.spouts[0].comp.class_name,
        t.spouts[0].comp.class_name
    );
    assert_eq!(t.spouts[0].comp.serialized_object, Some(vec![1, 2, 3]));
}

#[test]
fn with_stmgrs_clones() {
    let t = TopologyBuilder::new("t").config(keys::STMGRS, "1").build();
    let t2 = with_stmgrs(&t, 5);
    assert_eq!(num_stmgrs(&t).unwrap(), 1);
    assert_eq!(num_stmgrs(&t2).unwrap(), 5);
}
