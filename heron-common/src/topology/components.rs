//! A topology's spouts and bolts, their parallelism, and the counts derived from it (instances,
//! stream managers, containers).

use std::fmt;

use super::java::parse_java_int_trimmed;
use super::{bad_value, component_config_value, config_value, keys};
use crate::error::{Error, Result};
use crate::proto::api::{Component, Topology};

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
    all_components(topology)
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

/// Every component with its kind, spouts first then bolts, each in definition order.
fn all_components(topology: &Topology) -> impl Iterator<Item = (&Component, ComponentKind)> {
    let spouts = topology
        .spouts
        .iter()
        .map(|s| (&s.comp, ComponentKind::Spout));
    let bolts = topology
        .bolts
        .iter()
        .map(|b| (&b.comp, ComponentKind::Bolt));
    spouts.chain(bolts)
}

/// Names of every component, spouts first then bolts, in definition order.
pub fn component_names(topology: &Topology) -> Vec<&str> {
    all_components(topology)
        .map(|(c, _)| c.name.as_str())
        .collect()
}

/// The component with this name (spouts searched first).
pub fn component<'a>(topology: &'a Topology, name: &str) -> Option<&'a Component> {
    all_components(topology)
        .map(|(c, _)| c)
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
