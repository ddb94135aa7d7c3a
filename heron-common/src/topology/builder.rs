//! [`TopologyBuilder`]: small topologies in code, for tests and tools.

use super::{keys, set_config, string_kv};
use crate::proto::api::{
    Bolt, Component, Config as TopologyConfig, Spout, Topology, TopologyState,
};

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
