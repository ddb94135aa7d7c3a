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
//!
//! This file holds the config lookups and the two edits; beside it are the components and their
//! counts (`components.rs`), the reliability mode (`reliability.rs`), Java's number parsing
//! (`java.rs`) and [`TopologyBuilder`] (`builder.rs`).

use crate::error::{Error, Result};
use crate::proto::api::{
    Component, Config as TopologyConfig, ConfigValueType, Topology, config::KeyValue,
};

mod builder;
mod components;
mod java;
mod reliability;
#[cfg(test)]
mod tests;

pub use builder::TopologyBuilder;
pub use components::{
    ComponentInfo, ComponentKind, component, component_names, components, num_containers,
    num_stmgrs, total_instances,
};
pub(crate) use java::{java_trim, parse_java_double, parse_java_long};
pub use reliability::{ReliabilityMode, is_stateful, reliability_mode};

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

pub(crate) fn string_kv(key: &str, value: &str) -> KeyValue {
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

pub(crate) fn bad_value(topology: &Topology, key: &str, text: &str, expected: &str) -> Error {
    Error::BadInput(format!(
        "topology '{}': config `{key}` is {text:?}, expected {expected}; fix the value where the \
         topology program sets it",
        topology.name
    ))
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
