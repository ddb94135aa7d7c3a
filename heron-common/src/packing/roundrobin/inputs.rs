//! What a pack starts from: the topology's components and parallelism (or the current plan's
//! counts plus the requested changes), the RAM kept free per container, and the per-component
//! `comp:value` maps, each read and checked as Heron does.

use std::collections::{BTreeMap, HashMap};

use super::DAEMON_RAM;
use crate::error::{Error, Result};
use crate::proto::api::Topology;
use crate::proto::system::{ContainerPlan, InstancePlan, PackingPlan};
use crate::topology::{self, keys};

/// Components and parallelism in definition order; a name used twice is refused (Heron's
/// builder refuses it too, and a plan cannot tell the two apart).
pub(super) fn topology_parallelism(topology: &Topology) -> Result<Vec<(String, u32)>> {
    let components = topology::components(topology)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(components.len());
    for c in components {
        if !seen.insert(c.name) {
            return Err(Error::BadInput(format!(
                "topology '{}': two components are named '{}'; component names must be unique",
                topology.name, c.name
            )));
        }
        out.push((c.name.to_string(), c.parallelism));
    }
    Ok(out)
}

/// Current instance counts from the plan plus the deltas, ordered by the topology's definition
/// order (components only in the plan follow, in plan order).
pub(super) fn new_parallelism(
    plan: &PackingPlan,
    topology: &Topology,
    deltas: &BTreeMap<String, i32>,
) -> Result<Vec<(String, u32)>> {
    let mut counts: Vec<(String, i64)> = Vec::new();
    for instance in plan_instances(plan) {
        match counts
            .iter_mut()
            .find(|(n, _)| *n == instance.component_name)
        {
            Some((_, count)) => *count += 1,
            None => counts.push((instance.component_name.clone(), 1)),
        }
    }
    let names = topology::component_names(topology);
    // Stable: components unknown to the topology keep their plan order, after the others.
    counts.sort_by_key(|(n, _)| names.iter().position(|x| x == n).unwrap_or(usize::MAX));
    for (name, delta) in deltas {
        let Some((_, count)) = counts.iter_mut().find(|(n, _)| n == name) else {
            let known: Vec<&str> = counts.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::BadInput(format!(
                "topology '{}': component '{name}' is not in the current packing plan; components: {}",
                topology.name,
                known.join(", ")
            )));
        };
        *count += i64::from(*delta);
    }
    counts
        .into_iter()
        .map(|(name, count)| match u32::try_from(count) {
            Ok(c) => Ok((name, c)),
            Err(_) => Err(Error::BadInput(format!(
                "topology '{}': component '{name}' would have parallelism {count}; it must be 0 or more",
                topology.name
            ))),
        })
        .collect()
}

fn plan_instances(plan: &PackingPlan) -> impl Iterator<Item = &InstancePlan> {
    let mut containers: Vec<&ContainerPlan> = plan.container_plans.iter().collect();
    containers.sort_by_key(|c| c.id);
    containers.into_iter().flat_map(|c| {
        let mut instances: Vec<&InstancePlan> = c.instance_plans.iter().collect();
        instances.sort_by_key(|i| i.task_id);
        instances
    })
}

/// RAM kept free per container: `topology.container.ram.padding` if set, else stream manager +
/// metrics manager + checkpoint manager (only when stateful) RAM.
pub(super) fn ram_padding(topology: &Topology) -> Result<i64> {
    let stmgr = topology::config_i64(topology, keys::STMGR_RAM)?.unwrap_or(DAEMON_RAM);
    let metricsmgr = topology::config_i64(topology, keys::METRICSMGR_RAM)?.unwrap_or(DAEMON_RAM);
    let ckptmgr_default = if topology::is_stateful(topology) {
        DAEMON_RAM
    } else {
        0
    };
    let ckptmgr = topology::config_i64(topology, keys::CKPTMGR_RAM)?.unwrap_or(ckptmgr_default);
    let daemons = stmgr
        .checked_add(metricsmgr)
        .and_then(|s| s.checked_add(ckptmgr))
        .ok_or_else(|| {
            Error::BadInput(format!(
                "topology '{}': `{}` + `{}` + `{}` overflow a 64-bit byte count",
                topology.name,
                keys::STMGR_RAM,
                keys::METRICSMGR_RAM,
                keys::CKPTMGR_RAM
            ))
        })?;
    Ok(topology::config_i64(topology, keys::CONTAINER_RAM_PADDING)?.unwrap_or(daemons))
}

/// Parses a `comp:value,comp:value` topology key as Heron does: blank entries skipped, each entry
/// split on `:` (trailing empty parts dropped, as Java's `split`) into exactly two parts, the
/// component must exist, later entries win.
pub(super) fn component_map<T>(
    topology: &Topology,
    key: &str,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<HashMap<String, T>> {
    let names = topology_parallelism(topology)?;
    let mut map = HashMap::new();
    let Some(text) = topology::config_value(topology, key) else {
        return Ok(map);
    };
    for entry in text.split(',') {
        if topology::java_trim(entry).is_empty() {
            continue;
        }
        let mut parts: Vec<&str> = entry.split(':').collect();
        while parts.last() == Some(&"") {
            parts.pop();
        }
        let [component, value] = parts[..] else {
            return Err(Error::BadInput(format!(
                "topology '{}': malformed entry {entry:?} in `{key}`; expected component:value[,component:value], values being {expected}",
                topology.name
            )));
        };
        if !names.iter().any(|(n, _)| n == component) {
            let known: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
            return Err(Error::BadInput(format!(
                "topology '{}': `{key}` names component '{component}', which the topology does not have; \
                 components: {}",
                topology.name,
                known.join(", ")
            )));
        }
        let Some(parsed) = parse(value) else {
            return Err(Error::BadInput(format!(
                "topology '{}': `{key}` gives component '{component}' the value {value:?}; expected {expected}",
                topology.name
            )));
        };
        map.insert(component.to_string(), parsed);
    }
    Ok(map)
}
