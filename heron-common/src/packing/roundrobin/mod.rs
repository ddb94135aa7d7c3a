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
//!
//! This file holds the three entry points; beside it are what the topology and the current plan
//! ask for (`inputs.rs`: parallelism, RAM padding, the component maps), the dealing of instances
//! and the container totals (`packer.rs`), and the per-instance split of RAM and CPU (`shares.rs`).

use std::collections::BTreeMap;

use super::{GIB, MIB, Packed, PackingDefaults};
use crate::config::format_java_double;
use crate::error::{Error, Result};
use crate::proto::api::Topology;
use crate::proto::system::PackingPlan;
use crate::topology::{self, keys};

mod inputs;
mod packer;
mod shares;

use inputs::{new_parallelism, topology_parallelism};
use packer::Packer;

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
    let packer = Packer::new(topology, defaults)?;
    let containers = topology::num_stmgrs(topology)?;
    let parallelism = topology_parallelism(topology)?;
    packer.pack(
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
    let packer = Packer::new(topology, defaults)?;
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
    packer.pack(
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
    let packer = Packer::new(topology, defaults)?;
    let parallelism = new_parallelism(plan, topology, deltas)?;
    packer.pack(
        i64::from(containers),
        &parallelism,
        &format!("the requested container number {containers}"),
    )
}
