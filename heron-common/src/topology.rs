//! Reading (and two small edits of) a `heron.proto.api.Topology`, the way Heron's Java reads it.
//!
//! A topology carries its settings as string key/value pairs: the topology-wide ones in
//! `topology_config`, per-component ones in each component's `config`. Heron reads them with
//! `TopologyUtils`; the functions here do the same lookups with the same parsing rules, and name
//! the topology, component and key when a value does not parse.
//!
//! Only plain string values (`STRING_VALUE`, or no type) are read. Java- or Python-serialized
//! values are opaque objects to everything outside the topology's own JVM or interpreter, so
//! lookups skip them.
//!
//! [`TopologyBuilder`] makes small topologies in code, for tests and tools that need one without
//! running a topology program.

use std::fmt;

use crate::error::{Error, Result};
use crate::proto::api::{
    Bolt, Component, Config as TopologyConfig, ConfigValueType, Spout, Topology, TopologyState,
    config::KeyValue,
};

/// Topology config keys this crate reads (Heron's `org.apache.heron.api.Config` names).
pub mod keys {
    /// Number of stream managers, i.e. containers besides the tmanager's (default 1).
    pub const STMGRS: &str = "topology.stmgrs";
    /// Per-component: how many instances of the component run.
    pub const COMPONENT_PARALLELISM: &str = "topology.component.parallelism";
    /// `ATMOST_ONCE` (default), `ATLEAST_ONCE` or `EFFECTIVELY_ONCE`.
    pub const RELIABILITY_MODE: &str = "topology.reliability.mode";
    /// `comp:bytes,comp:bytes`: RAM of each instance of the named components.
    pub const COMPONENT_RAMMAP: &str = "topology.component.rammap";
    /// `comp:cpu,comp:cpu`: CPU of each instance of the named components.
    pub const COMPONENT_CPUMAP: &str = "topology.component.cpumap";
    /// CPU of each container (a hint the packing keeps to).
    pub const CONTAINER_CPU_REQUESTED: &str = "topology.container.cpu";
    /// RAM of each container in bytes (a hint the packing keeps to).
    pub const CONTAINER_RAM_REQUESTED: &str = "topology.container.ram";
    /// Disk of each container in bytes.
    pub const CONTAINER_DISK_REQUESTED: &str = "topology.container.disk";
    /// RAM kept free in each container for Heron's own processes, in bytes.
    pub const CONTAINER_RAM_PADDING: &str = "topology.container.ram.padding";
    /// RAM of the stream manager, in bytes (default 1 GiB).
    pub const STMGR_RAM: &str = "topology.stmgr.ram";
    /// RAM of the metrics manager, in bytes (default 1 GiB).
    pub const METRICSMGR_RAM: &str = "topology.metricsmgr.ram";
    /// RAM of the checkpoint manager, in bytes (default 1 GiB when `EFFECTIVELY_ONCE`, else 0).
    pub const CKPTMGR_RAM: &str = "topology.stateful.checkpointmanager.ram";
}

/// The string value of a key in a config, if it holds one.
///
/// The first entry with that key and a string value wins; serialized values are skipped.
pub fn lookup<'a>(config: &'a TopologyConfig, key: &str) -> Option<&'a str> {
    config
        .kvs
        .iter()
        .filter(|kv| kv.key == key)
        .find_map(string_value)
}

fn string_value(kv: &KeyValue) -> Option<&str> {
    match kv.r#type {
        None => kv.value.as_deref(),
        Some(t) if t == ConfigValueType::StringValue as i32 => kv.value.as_deref(),
        Some(_) => None,
    }
}

/// The string value of a topology-wide config key (`topology_config`).
pub fn config_value<'a>(topology: &'a Topology, key: &str) -> Option<&'a str> {
    topology
        .topology_config
        .as_ref()
        .and_then(|c| lookup(c, key))
}

/// The string value of a key in one component's config.
pub fn component_config_value<'a>(component: &'a Component, key: &str) -> Option<&'a str> {
    lookup(&component.config, key)
}

/// Sets a topology-wide config key to a string value.
///
/// Every existing entry for the key is replaced in place (so the order of keys is kept) and
/// becomes a plain `STRING_VALUE`; when the key is absent it is appended.
pub fn set_config(topology: &mut Topology, key: &str, value: &str) {
    let config = topology
        .topology_config
        .get_or_insert_with(TopologyConfig::default);
    let mut found = false;
    for kv in config.kvs.iter_mut().filter(|kv| kv.key == key) {
        kv.value = Some(value.to_string());
        kv.serialized_value = None;
        kv.r#type = Some(ConfigValueType::StringValue as i32);
        found = true;
    }
    if !found {
        config.kvs.push(string_kv(key, value));
    }
}

fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(value.to_string()),
        serialized_value: None,
        r#type: Some(ConfigValueType::StringValue as i32),
    }
}

/// A topology config value parsed as Java's `Long.parseLong` does (no trimming).
pub fn config_i64(topology: &Topology, key: &str) -> Result<Option<i64>> {
    match config_value(topology, key) {
        None => Ok(None),
        Some(text) => parse_java_long(text).map(Some).ok_or_else(|| {
            bad_value(
                topology,
                key,
                text,
                "a whole number (bytes are given as a plain integer, e.g. 1073741824)",
            )
        }),
    }
}

/// A topology config value parsed as Java's `Double.parseDouble` does (surrounding whitespace
/// ignored, an `f`/`d` suffix allowed). Infinite and NaN values are refused.
pub fn config_f64(topology: &Topology, key: &str) -> Result<Option<f64>> {
    match config_value(topology, key) {
        None => Ok(None),
        Some(text) => parse_java_double(text)
            .map(Some)
            .ok_or_else(|| bad_value(topology, key, text, "a finite number such as 2.0")),
    }
}

fn bad_value(topology: &Topology, key: &str, text: &str, expected: &str) -> Error {
    Error::BadInput(format!(
        "topology '{}': config `{key}` is {text:?}, expected {expected}; fix the value where the \
         topology program sets it",
        topology.name
    ))
}

/// Java's `Long.parseLong`: optional sign, ASCII digits, no whitespace.
pub(crate) fn parse_java_long(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

/// Java's `Integer.parseInt` after `String.trim()`.
pub(crate) fn parse_java_int_trimmed(text: &str) -> Option<i32> {
    let trimmed = java_trim(text);
    let digits = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    trimmed.parse::<i32>().ok()
}

/// Java's `Double.parseDouble`, limited to finite decimal values.
pub(crate) fn parse_java_double(text: &str) -> Option<f64> {
    let trimmed = java_trim(text);
    let body = trimmed
        .strip_suffix(['f', 'F', 'd', 'D'])
        .unwrap_or(trimmed);
    // Rust also accepts "inf"/"nan" spellings Java does not; finiteness rules them out anyway.
    body.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Java's `String.trim()`: strips characters up to and including U+0020.
pub(crate) fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// Whether a component is a spout or a bolt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    /// A spout (a source of tuples).
    Spout,
    /// A bolt (a consumer of tuples).
    Bolt,
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ComponentKind::Spout => "spout",
            ComponentKind::Bolt => "bolt",
        })
    }
}

/// One spout or bolt of a topology, with its parallelism.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComponentInfo<'a> {
    /// The component's name.
    pub name: &'a str,
    /// Spout or bolt.
    pub kind: ComponentKind,
    /// `topology.component.parallelism` of the component.
    pub parallelism: u32,
    /// The component itself.
    pub component: &'a Component,
}

/// Every component, spouts first then bolts, each in definition order, with its parallelism.
///
/// Fails, naming the component, when `topology.component.parallelism` is missing, not an integer
/// or negative.
pub fn components(topology: &Topology) -> Result<Vec<ComponentInfo<'_>>> {
    let spouts = topology
        .spouts
        .iter()
        .map(|s| (&s.comp, ComponentKind::Spout));
    let bolts = topology
        .bolts
        .iter()
        .map(|b| (&b.comp, ComponentKind::Bolt));
    spouts
        .chain(bolts)
        .map(|(component, kind)| {
            let parallelism = parallelism_of(topology, component, kind)?;
            Ok(ComponentInfo {
                name: &component.name,
                kind,
                parallelism,
                component,
            })
        })
        .collect()
}

fn parallelism_of(topology: &Topology, component: &Component, kind: ComponentKind) -> Result<u32> {
    let key = keys::COMPONENT_PARALLELISM;
    let Some(text) = component_config_value(component, key) else {
        return Err(Error::BadInput(format!(
            "topology '{}': {kind} '{}' has no `{key}` in its config; the topology program must \
             set a parallelism for every component",
            topology.name, component.name
        )));
    };
    match parse_java_int_trimmed(text) {
        Some(n) if n >= 0 => Ok(n as u32),
        _ => Err(Error::BadInput(format!(
            "topology '{}': {kind} '{}' has `{key}` = {text:?}, expected a non-negative integer",
            topology.name, component.name
        ))),
    }
}

/// Names of every component, spouts first then bolts, in definition order.
pub fn component_names(topology: &Topology) -> Vec<&str> {
    let spouts = topology.spouts.iter().map(|s| s.comp.name.as_str());
    spouts
        .chain(topology.bolts.iter().map(|b| b.comp.name.as_str()))
        .collect()
}

/// The component with this name (spouts searched first).
pub fn component<'a>(topology: &'a Topology, name: &str) -> Option<&'a Component> {
    let spouts = topology.spouts.iter().map(|s| &s.comp);
    spouts
        .chain(topology.bolts.iter().map(|b| &b.comp))
        .find(|c| c.name == name)
}

/// Sum of all components' parallelism.
pub fn total_instances(topology: &Topology) -> Result<u64> {
    Ok(components(topology)?
        .iter()
        .map(|c| u64::from(c.parallelism))
        .sum())
}

/// `topology.stmgrs` (default 1), parsed as Heron does (`Integer.parseInt` of the trimmed value).
///
/// The value is returned as written, even when below 1: packing reports that case.
pub fn num_stmgrs(topology: &Topology) -> Result<i32> {
    match config_value(topology, keys::STMGRS) {
        None => Ok(1),
        Some(text) => parse_java_int_trimmed(text).ok_or_else(|| {
            bad_value(
                topology,
                keys::STMGRS,
                text,
                "a whole number of stream managers such as 2",
            )
        }),
    }
}

/// Containers of the Aurora job: one per stream manager plus container 0 (the tmanager).
pub fn num_containers(topology: &Topology) -> Result<i32> {
    let stmgrs = num_stmgrs(topology)?;
    stmgrs.checked_add(1).ok_or_else(|| {
        bad_value(
            topology,
            keys::STMGRS,
            &stmgrs.to_string(),
            "a number of stream managers below 2147483647",
        )
    })
}

/// Heron's `topology.reliability.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReliabilityMode {
    /// No delivery guarantee (Heron's default).
    #[default]
    AtMostOnce,
    /// Tuples are acked and replayed on failure.
    AtLeastOnce,
    /// Stateful, checkpointed processing; containers run a checkpoint manager.
    EffectivelyOnce,
}

impl ReliabilityMode {
    /// Heron's spelling of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            ReliabilityMode::AtMostOnce => "ATMOST_ONCE",
            ReliabilityMode::AtLeastOnce => "ATLEAST_ONCE",
            ReliabilityMode::EffectivelyOnce => "EFFECTIVELY_ONCE",
        }
    }
}

impl fmt::Display for ReliabilityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topology's reliability mode; absent or empty means `ATMOST_ONCE`.
///
/// Fails on a value that is not one of Heron's three names (Heron's `valueOf` throws there too).
pub fn reliability_mode(topology: &Topology) -> Result<ReliabilityMode> {
    match config_value(topology, keys::RELIABILITY_MODE) {
        None | Some("") => Ok(ReliabilityMode::AtMostOnce),
        Some("ATMOST_ONCE") => Ok(ReliabilityMode::AtMostOnce),
        Some("ATLEAST_ONCE") => Ok(ReliabilityMode::AtLeastOnce),
        Some("EFFECTIVELY_ONCE") => Ok(ReliabilityMode::EffectivelyOnce),
        Some(other) => Err(bad_value(
            topology,
            keys::RELIABILITY_MODE,
            other,
            "ATMOST_ONCE, ATLEAST_ONCE or EFFECTIVELY_ONCE",
        )),
    }
}

/// True when the topology is stateful (`EFFECTIVELY_ONCE`, spelled exactly so).
pub fn is_stateful(topology: &Topology) -> bool {
    config_value(topology, keys::RELIABILITY_MODE) == Some("EFFECTIVELY_ONCE")
}

/// A copy without the spouts' and bolts' `serialized_object`s: what Heron stores in
/// `/topologies/<name>` (those objects can be large and only the instances need them, from the
/// `.defn` file in the package).
pub fn trimmed(topology: &Topology) -> Topology {
    let mut copy = topology.clone();
    for spout in &mut copy.spouts {
        spout.comp.serialized_object = None;
    }
    for bolt in &mut copy.bolts {
        bolt.comp.serialized_object = None;
    }
    copy
}

/// A copy with `topology.stmgrs` set to `stmgrs` (what Heron's submitter does when the packing
/// plan has a different number of containers than the topology asked for).
pub fn with_stmgrs(topology: &Topology, stmgrs: u32) -> Topology {
    let mut copy = topology.clone();
    set_config(&mut copy, keys::STMGRS, &stmgrs.to_string());
    copy
}

/// Builds small topologies in code, for tests and tools.
///
/// ```
/// use heron_common::topology::{self, TopologyBuilder};
/// let t = TopologyBuilder::new("WordCount")
///     .spout("word", 2)
///     .bolt("count", 3)
///     .config("topology.stmgrs", "2")
///     .build();
/// assert_eq!(topology::num_stmgrs(&t).unwrap(), 2);
/// assert_eq!(topology::total_instances(&t).unwrap(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct TopologyBuilder {
    topology: Topology,
}

impl TopologyBuilder {
    /// A RUNNING topology with this name, id `<name>-id`, no components and an empty config.
    pub fn new(name: &str) -> TopologyBuilder {
        TopologyBuilder {
            topology: Topology {
                id: format!("{name}-id"),
                name: name.to_string(),
                spouts: Vec::new(),
                bolts: Vec::new(),
                state: TopologyState::Running as i32,
                topology_config: Some(TopologyConfig::default()),
            },
        }
    }

    /// Sets the topology id.
    pub fn id(mut self, id: &str) -> TopologyBuilder {
        self.topology.id = id.to_string();
        self
    }

    /// Adds a spout with this parallelism.
    pub fn spout(mut self, name: &str, parallelism: u32) -> TopologyBuilder {
        self.topology.spouts.push(Spout {
            comp: new_component(name, parallelism),
            outputs: Vec::new(),
        });
        self
    }

    /// Adds a bolt with this parallelism.
    pub fn bolt(mut self, name: &str, parallelism: u32) -> TopologyBuilder {
        self.topology.bolts.push(Bolt {
            comp: new_component(name, parallelism),
            inputs: Vec::new(),
            outputs: Vec::new(),
        });
        self
    }

    /// Sets a topology-wide config key.
    pub fn config(mut self, key: &str, value: &str) -> TopologyBuilder {
        set_config(&mut self.topology, key, value);
        self
    }

    /// The topology.
    pub fn build(self) -> Topology {
        self.topology
    }
}

fn new_component(name: &str, parallelism: u32) -> Component {
    Component {
        name: name.to_string(),
        class_name: Some(format!("example.{name}")),
        serialized_object: None,
        config: TopologyConfig {
            kvs: vec![string_kv(
                keys::COMPONENT_PARALLELISM,
                &parallelism.to_string(),
            )],
        },
        spec: None,
        cpp_class_info: None,
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn java_number_parsing() {
        assert_eq!(parse_java_long("+12"), Some(12));
        assert_eq!(parse_java_long("-3"), Some(-3));
        assert_eq!(parse_java_long(" 1"), None);
        assert_eq!(parse_java_long(""), None);
        assert_eq!(parse_java_long("1.0"), None);
        assert_eq!(parse_java_double(" 2.5 "), Some(2.5));
        assert_eq!(parse_java_double("3f"), Some(3.0));
        assert_eq!(parse_java_double("1e1"), Some(10.0));
        assert_eq!(parse_java_double("NaN"), None);
        assert_eq!(parse_java_double("x"), None);
        assert_eq!(parse_java_int_trimmed("\t7\n"), Some(7));
        assert_eq!(parse_java_int_trimmed("99999999999"), None);
    }
}
