//! RoundRobin: instances dealt to containers 1..N in turn, resources split evenly.
//!
//! The steps, as Heron's `RoundRobinPacking.packInternal` takes them:
//! 1. Check `1 <= N <= total instances`.
//! 2. Order components by `topology.component.rammap` RAM, largest first (ties: definition order,
//!    see the module docs of [`crate::packing`]), then deal their instances to containers
//!    1, 2, …, N, 1, 2, … with global task ids from 1.
//! 3. For RAM, then CPU, per container: mapped components get their map value; the others share
//!    what is left of the container (its hint, or the default size) after the padding and the
//!    mapped instances.
//! 4. Container totals: instances plus padding, capped by the hints; disk is the disk hint or
//!    instance disk × largest container + 12 GiB.
//! 5. Every instance needs at least 16 MiB of RAM.

use std::collections::{BTreeMap, HashMap};

use super::units::{format_bytes, java_round};
use super::{GIB, MIB, Packed, PackingDefaults};
use crate::config::format_java_double;
use crate::error::{Error, Result};
use crate::proto::api::Topology;
use crate::proto::system::{ContainerPlan, InstancePlan, PackingPlan, Resource};
use crate::topology::{self, keys};

/// CPU reserved in each container for Heron's processes.
const CPU_PADDING: f64 = 1.0;
/// Disk reserved in each container for Heron's processes.
const DISK_PADDING: i64 = 12 * GIB;
/// Default RAM of each of Heron's processes in a container (stream manager, metrics manager,
/// checkpoint manager when stateful).
const DAEMON_RAM: i64 = GIB;
/// The least RAM an instance may get.
const MIN_INSTANCE_RAM: i64 = 16 * MIB;
/// Heron's "not specified" marker for the container hints: a hint of exactly -1 means none.
const NOT_SPECIFIED: f64 = -1.0;
/// More instances than this is refused instead of allocating for them (Heron would run out of
/// memory; real topologies have thousands at most).
const MAX_INSTANCES: i64 = 1_000_000;

/// Packs a topology: `topology.stmgrs` containers (default 1), numbered 1..N.
///
/// `defaults` gives the per-instance CPU, RAM and disk (see [`PackingDefaults::from_config`]).
/// Errors are [`Error::BadInput`] naming the topology key to change.
pub fn pack(topology: &Topology, defaults: &PackingDefaults) -> Result<Packed> {
    let ram_padding = ram_padding(topology)?;
    let containers = topology::num_stmgrs(topology)?;
    let parallelism = topology_parallelism(topology)?;
    Packer {
        topology,
        defaults,
        ram_padding,
    }
    .pack(
        i64::from(containers),
        &parallelism,
        &format!("`{}` = {containers}", keys::STMGRS),
    )
}

/// Repacks after parallelism changes: `deltas` maps component names to the change in their
/// instance count (new − current; see [`super::parallelism_deltas`]).
///
/// The container count keeps the submitted topology's instances per container:
/// `ceil(new total / (topology instances / topology.stmgrs))`, as Heron computes it (from the
/// topology as submitted, not from the current plan).
pub fn repack(
    plan: &PackingPlan,
    topology: &Topology,
    defaults: &PackingDefaults,
    deltas: &BTreeMap<String, i32>,
) -> Result<Packed> {
    let ram_padding = ram_padding(topology)?;
    let initial_containers = topology::num_stmgrs(topology)?;
    let initial_instances: i64 = topology_parallelism(topology)?
        .iter()
        .map(|(_, p)| i64::from(*p))
        .sum();
    if initial_containers < 1 || initial_instances < 1 {
        return Err(Error::BadInput(format!(
            "topology '{}': cannot repack: the submitted topology has {initial_instances} instances in \
             {initial_containers} containers (`{}`), so there is no instances-per-container ratio to keep; \
             give a container number explicitly",
            topology.name,
            keys::STMGRS
        )));
    }
    let per_container = initial_instances as f64 / f64::from(initial_containers);
    let parallelism = new_parallelism(plan, topology, deltas)?;
    let new_total: i64 = parallelism.iter().map(|(_, p)| i64::from(*p)).sum();
    // Java: (int) Math.ceil(int / double), saturating like the `as` cast.
    let containers = (new_total as f64 / per_container).ceil() as i32;
    Packer {
        topology,
        defaults,
        ram_padding,
    }
    .pack(
        i64::from(containers),
        &parallelism,
        &format!(
            "{new_total} instances at {} per container, the ratio of the submitted topology's \
             instances to its `{}`",
            format_java_double(per_container),
            keys::STMGRS
        ),
    )
}

/// Repacks with an explicit number of containers (`heron update --container-number`).
///
/// When `containers` equals the current plan's count this is [`repack`]; otherwise the new
/// parallelism is packed into exactly `containers` containers.
pub fn repack_with_containers(
    plan: &PackingPlan,
    topology: &Topology,
    defaults: &PackingDefaults,
    containers: u32,
    deltas: &BTreeMap<String, i32>,
) -> Result<Packed> {
    if usize::try_from(containers).is_ok_and(|c| c == plan.container_plans.len()) {
        return repack(plan, topology, defaults, deltas);
    }
    let ram_padding = ram_padding(topology)?;
    let parallelism = new_parallelism(plan, topology, deltas)?;
    Packer {
        topology,
        defaults,
        ram_padding,
    }
    .pack(
        i64::from(containers),
        &parallelism,
        &format!("the requested container number {containers}"),
    )
}

/// Components and parallelism in definition order; a name used twice is refused (Heron's
/// builder refuses it too, and a plan cannot tell the two apart).
fn topology_parallelism(topology: &Topology) -> Result<Vec<(String, u32)>> {
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
fn new_parallelism(
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
fn ram_padding(topology: &Topology) -> Result<i64> {
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
fn component_map<T>(
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

/// One instance placed in a container.
#[derive(Debug, Clone)]
struct Slot {
    component: String,
    task_id: i32,
    index: i32,
}

/// A resource RoundRobin splits per container: RAM in bytes or CPU in cores.
trait Measure: Copy + PartialOrd {
    const ZERO: Self;
    const KIND: &'static str;
    fn plus(self, other: Self) -> Option<Self>;
    fn minus(self, other: Self) -> Option<Self>;
    fn split(self, parts: usize) -> Self;
    fn show(self) -> String;
}

impl Measure for i64 {
    const ZERO: i64 = 0;
    const KIND: &'static str = "RAM";
    fn plus(self, other: i64) -> Option<i64> {
        self.checked_add(other)
    }
    fn minus(self, other: i64) -> Option<i64> {
        self.checked_sub(other)
    }
    fn split(self, parts: usize) -> i64 {
        java_round(self as f64 / parts as f64)
    }
    fn show(self) -> String {
        format_bytes(self)
    }
}

impl Measure for f64 {
    const ZERO: f64 = 0.0;
    const KIND: &'static str = "CPU";
    fn plus(self, other: f64) -> Option<f64> {
        Some(self + other)
    }
    fn minus(self, other: f64) -> Option<f64> {
        Some(self - other)
    }
    fn split(self, parts: usize) -> f64 {
        self / parts as f64
    }
    fn show(self) -> String {
        format_java_double(self)
    }
}

/// How one resource is budgeted per container.
struct Budget<'a, M> {
    /// Per-instance values from `topology.component.{ram,cpu}map`.
    map: &'a HashMap<String, M>,
    map_key: &'a str,
    /// `topology.container.{ram,cpu}`, if set.
    hint: Option<M>,
    hint_key: &'a str,
    /// The container size when there is no hint.
    default_container: M,
    padding: M,
}

struct Packer<'a> {
    topology: &'a Topology,
    defaults: &'a PackingDefaults,
    ram_padding: i64,
}

impl Packer<'_> {
    fn bad(&self, message: String) -> Error {
        Error::BadInput(format!("topology '{}': {message}", self.topology.name))
    }

    fn pack(
        &self,
        containers: i64,
        parallelism: &[(String, u32)],
        count_source: &str,
    ) -> Result<Packed> {
        let total: i64 = parallelism.iter().map(|(_, p)| i64::from(*p)).sum();
        if containers < 1 {
            return Err(self.bad(format!(
                "invalid number of containers {containers} (from {count_source}); at least 1 is needed"
            )));
        }
        if containers > total {
            return Err(self.bad(format!(
                "more containers ({containers}, from {count_source}) than instances ({total}); use at most \
                 {total} containers or raise the components' parallelism"
            )));
        }
        if total > MAX_INSTANCES {
            return Err(self.bad(format!(
                "{total} instances is more than the {MAX_INSTANCES} this packer supports; lower the \
                 components' parallelism"
            )));
        }
        let ram_map = component_map(
            self.topology,
            keys::COMPONENT_RAMMAP,
            topology::parse_java_long,
            "bytes (a whole number)",
        )?;
        let allocation = allocate(containers as usize, parallelism, &ram_map);
        let largest = allocation.iter().map(Vec::len).max().unwrap_or(0);

        let hint_cpu = topology::config_f64(self.topology, keys::CONTAINER_CPU_REQUESTED)?
            .filter(|v| *v != NOT_SPECIFIED);
        let hint_ram = topology::config_i64(self.topology, keys::CONTAINER_RAM_REQUESTED)?
            .filter(|v| *v != -1);
        let hint_disk = topology::config_i64(self.topology, keys::CONTAINER_DISK_REQUESTED)?
            .filter(|v| *v != -1);

        let mut warnings = Vec::new();
        let default_ram = (largest as i64)
            .checked_mul(self.defaults.instance_ram)
            .and_then(|r| r.checked_add(self.ram_padding))
            .ok_or_else(|| {
                self.bad(
                    "instance RAM × instances per container overflows a 64-bit byte count".into(),
                )
            })?;
        let ram = self.shares(
            &allocation,
            &Budget {
                map: &ram_map,
                map_key: keys::COMPONENT_RAMMAP,
                hint: hint_ram,
                hint_key: keys::CONTAINER_RAM_REQUESTED,
                default_container: default_ram,
                padding: self.ram_padding,
            },
            &mut warnings,
        )?;

        let cpu_map = component_map(
            self.topology,
            keys::COMPONENT_CPUMAP,
            topology::parse_java_double,
            "a number of cores",
        )?;
        // Java: `float x = Math.round(double)`, then widened back to double.
        let default_cpu =
            java_round(self.defaults.instance_cpu * largest as f64 + CPU_PADDING) as f32 as f64;
        let cpu = self.shares(
            &allocation,
            &Budget {
                map: &cpu_map,
                map_key: keys::COMPONENT_CPUMAP,
                hint: hint_cpu,
                hint_key: keys::CONTAINER_CPU_REQUESTED,
                default_container: default_cpu,
                padding: CPU_PADDING,
            },
            &mut warnings,
        )?;

        let mut plans = Vec::with_capacity(allocation.len());
        for (i, slots) in allocation.iter().enumerate() {
            let id = i as i32 + 1;
            let mut container_ram: i64 = 0;
            let mut container_cpu: f64 = 0.0;
            let mut instances = Vec::with_capacity(slots.len());
            for (j, slot) in slots.iter().enumerate() {
                let (r, c) = (ram[i][j], cpu[i][j]);
                container_ram = container_ram
                    .checked_add(r)
                    .ok_or_else(|| self.overflow())?;
                container_cpu += c;
                instances.push(InstancePlan {
                    component_name: slot.component.clone(),
                    task_id: slot.task_id,
                    component_index: slot.index,
                    resource: Resource {
                        cpu: c,
                        ram: r,
                        disk: self.defaults.instance_disk,
                    },
                });
            }
            container_cpu += CPU_PADDING;
            if let Some(h) = hint_cpu {
                container_cpu = container_cpu.min(h);
            }
            container_ram = container_ram
                .checked_add(self.ram_padding)
                .ok_or_else(|| self.overflow())?;
            if let Some(h) = hint_ram {
                container_ram = container_ram.min(h);
            }
            let container_disk = match hint_disk {
                Some(d) => d,
                None => (largest as i64)
                    .checked_mul(self.defaults.instance_disk)
                    .and_then(|d| d.checked_add(DISK_PADDING))
                    .ok_or_else(|| self.overflow())?,
            };
            let required = Resource {
                cpu: container_cpu.max(hint_cpu.unwrap_or(NOT_SPECIFIED)),
                ram: container_ram,
                disk: container_disk,
            };
            tracing::debug!(
                container = id,
                cpu = required.cpu,
                ram = required.ram,
                disk = required.disk,
                instances = instances.len(),
                "packed container"
            );
            plans.push(ContainerPlan {
                id,
                instance_plans: instances,
                required_resource: required,
                scheduled_resource: None,
            });
        }

        for instance in plans.iter().flat_map(|c| &c.instance_plans) {
            if instance.resource.ram < MIN_INSTANCE_RAM {
                let fix = if ram_map.contains_key(&instance.component_name) {
                    format!("raise its entry in `{}`", keys::COMPONENT_RAMMAP)
                } else if hint_ram.is_some() {
                    format!(
                        "raise `{}` or lower the entries of `{}`",
                        keys::CONTAINER_RAM_REQUESTED,
                        keys::COMPONENT_RAMMAP
                    )
                } else {
                    format!(
                        "raise `{}` in the cluster config or set `{}`",
                        super::config_keys::INSTANCE_RAM,
                        keys::CONTAINER_RAM_REQUESTED
                    )
                };
                return Err(self.bad(format!(
                    "an instance of component '{}' would get {} of RAM, less than the {} every instance \
                     needs; {fix}",
                    instance.component_name,
                    format_bytes(instance.resource.ram),
                    format_bytes(MIN_INSTANCE_RAM),
                )));
            }
        }

        // Warnings go back to the caller, which shows them once; only debug logging here.
        for w in &warnings {
            tracing::debug!("packing warning: {w}");
        }
        Ok(Packed {
            plan: PackingPlan {
                id: self.topology.id.clone(),
                container_plans: plans,
            },
            warnings,
        })
    }

    fn overflow(&self) -> Error {
        self.bad(
            "container resources overflow a 64-bit byte count; check the RAM and disk settings"
                .into(),
        )
    }

    /// Per-instance amounts of one resource, container by container (Heron's
    /// `calculateInstancesResourceMapInContainer`).
    fn shares<M: Measure>(
        &self,
        allocation: &[Vec<Slot>],
        budget: &Budget<'_, M>,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<Vec<M>>> {
        let kind = M::KIND;
        let overflow = || {
            self.bad(format!(
                "{kind} values of `{}` and `{}` are too large to add up",
                budget.map_key, budget.hint_key
            ))
        };
        let mut out = Vec::with_capacity(allocation.len());
        for (i, slots) in allocation.iter().enumerate() {
            let id = i + 1;
            let mut amounts: Vec<Option<M>> = vec![None; slots.len()];
            let mut used = M::ZERO;
            let mut unspecified = Vec::new();
            for (j, slot) in slots.iter().enumerate() {
                match budget.map.get(&slot.component) {
                    Some(v) => {
                        amounts[j] = Some(*v);
                        used = used.plus(*v).ok_or_else(overflow)?;
                    }
                    None => unspecified.push(j),
                }
            }

            // With a hint, mapped instances may eat into the padding (a warning) but not exceed
            // the hint itself (an error).
            let mut throttled = false;
            if let Some(hint) = budget.hint
                && used > hint.minus(budget.padding).ok_or_else(overflow)?
            {
                if used > hint {
                    return Err(self.bad(format!(
                        "container {id} holds instances whose `{}` {kind} adds up to {}, more than the \
                         container's `{}` of {}; lower those entries or raise `{}`",
                        budget.map_key,
                        used.show(),
                        budget.hint_key,
                        hint.show(),
                        budget.hint_key
                    )));
                }
                throttled = true;
                warnings.push(format!(
                    "container {id} (`{}` {}) hosts instances that take {} {kind}, leaving less than the {} \
                     {kind} Heron's own processes in the container need",
                    budget.hint_key,
                    hint.show(),
                    used.show(),
                    budget.padding.show()
                ));
            }

            if !unspecified.is_empty() {
                let container = budget.hint.unwrap_or(budget.default_container);
                let remaining = if throttled {
                    container.minus(used)
                } else {
                    container.minus(budget.padding).and_then(|r| r.minus(used))
                }
                .ok_or_else(overflow)?;
                if remaining <= M::ZERO {
                    return Err(self.bad(format!(
                        "container {id} has no {kind} left for instances of components not in `{}`: the \
                         container has {} ({}), {} of it is padding for Heron's processes and {} goes to \
                         instances named in `{}`; raise `{}` or lower those entries",
                        budget.map_key,
                        container.show(),
                        if budget.hint.is_some() { format!("`{}`", budget.hint_key) } else { "the default".into() },
                        if throttled { M::ZERO.show() } else { budget.padding.show() },
                        used.show(),
                        budget.map_key,
                        budget.hint_key
                    )));
                }
                let each = remaining.split(unspecified.len());
                for j in unspecified {
                    amounts[j] = Some(each);
                }
            }
            out.push(amounts.into_iter().map(|a| a.unwrap_or(M::ZERO)).collect());
        }
        Ok(out)
    }
}

/// Deals instances to containers in turn, components with the most mapped RAM first.
fn allocate(
    containers: usize,
    parallelism: &[(String, u32)],
    ram_map: &HashMap<String, i64>,
) -> Vec<Vec<Slot>> {
    let mut order: Vec<&(String, u32)> = parallelism.iter().collect();
    // Stable: equal RAM keeps definition order.
    order.sort_by(|a, b| {
        let ram = |name: &String| ram_map.get(name).copied().unwrap_or(0);
        ram(&b.0).cmp(&ram(&a.0))
    });
    let mut allocation: Vec<Vec<Slot>> = vec![Vec::new(); containers];
    let mut next = 0usize;
    let mut task_id = 1i32;
    for (component, count) in order {
        for index in 0..*count {
            allocation[next].push(Slot {
                component: component.clone(),
                task_id,
                index: index as i32,
            });
            next = (next + 1) % containers;
            task_id += 1;
        }
    }
    allocation
}
