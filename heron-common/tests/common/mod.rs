//! Shared by heron-common's packing tests (packing_*.rs): the topologies they pack, packing that
//! must succeed or must fail with a user's error, and a plan's layout as plain rows to compare.
//! Included as `mod common;` by each test file that uses it.
#![allow(dead_code)]

use std::collections::BTreeMap;

use heron_common::ExitCode;
use heron_common::packing::{self, Packed, PackingDefaults, homogeneous};
use heron_common::proto::api::Topology;
use heron_common::proto::system::{PackingPlan, Resource};
use heron_common::topology::{TopologyBuilder, keys};

/// Spout ×2, bolt ×2 in `stmgrs` containers: Heron's worked example shape.
pub fn word_count(stmgrs: u32) -> TopologyBuilder {
    TopologyBuilder::new("WordCount")
        .id("WordCount-1234")
        .spout("spout", 2)
        .bolt("bolt", 2)
        .config(keys::STMGRS, &stmgrs.to_string())
}

/// Packs with the default instance sizes; panics when packing fails.
pub fn pack(builder: TopologyBuilder) -> Packed {
    let topology = builder.build();
    packing::pack(&topology, &PackingDefaults::default())
        .unwrap_or_else(|e| panic!("packing failed: {e}"))
}

/// Packs with the default instance sizes, which must fail as bad input; returns the message.
pub fn pack_err(builder: TopologyBuilder) -> String {
    let topology = builder.build();
    match packing::pack(&topology, &PackingDefaults::default()) {
        Ok(p) => panic!("expected an error, got {:?}", p.plan),
        Err(e) => {
            assert_eq!(e.exit_code(), ExitCode::BadInput, "{e}");
            e.to_string()
        }
    }
}

/// The plan of `topology` as stored in the state manager at submit (scheduled resources set).
pub fn stored(topology: &Topology) -> PackingPlan {
    homogeneous(
        &packing::pack(topology, &PackingDefaults::default())
            .unwrap()
            .plan,
    )
}

/// Parallelism changes as `heron update` passes them.
pub fn deltas(items: &[(&str, i32)]) -> BTreeMap<String, i32> {
    items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// A resource: CPU, RAM and disk bytes.
pub fn res(cpu: f64, ram: i64, disk: i64) -> Resource {
    Resource { cpu, ram, disk }
}

/// (component, task id, component index, cpu, ram, disk) of each instance, container by container.
pub type Row = (String, i32, i32, f64, i64, i64);

pub fn layout(plan: &PackingPlan) -> Vec<(i32, Vec<Row>)> {
    plan.container_plans
        .iter()
        .map(|c| {
            let rows = c
                .instance_plans
                .iter()
                .map(|i| {
                    (
                        i.component_name.clone(),
                        i.task_id,
                        i.component_index,
                        i.resource.cpu,
                        i.resource.ram,
                        i.resource.disk,
                    )
                })
                .collect();
            (c.id, rows)
        })
        .collect()
}

pub fn row(c: &str, task: i32, index: i32, cpu: f64, ram: i64, disk: i64) -> Row {
    (c.to_string(), task, index, cpu, ram, disk)
}

/// The required resource of container `id`, which must exist.
pub fn required(plan: &PackingPlan, id: i32) -> Resource {
    plan.container_plans
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.required_resource)
        .expect("container exists")
}

/// `plan` repacked for `heron update` with parallelism changes; panics when repacking fails.
pub fn repacked(plan: &PackingPlan, topology: &Topology, changes: &[(&str, i32)]) -> PackingPlan {
    packing::repack(
        plan,
        topology,
        &PackingDefaults::default(),
        &deltas(changes),
    )
    .unwrap()
    .plan
}

/// `plan` repacked into `containers` containers (`--container-number`) with parallelism changes;
/// panics when repacking fails.
pub fn repacked_into(
    plan: &PackingPlan,
    topology: &Topology,
    containers: u32,
    changes: &[(&str, i32)],
) -> PackingPlan {
    packing::repack_with_containers(
        plan,
        topology,
        &PackingDefaults::default(),
        containers,
        &deltas(changes),
    )
    .unwrap()
    .plan
}
