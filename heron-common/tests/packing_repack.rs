//! Repacking for `heron update`: parallelism changes, container numbers, and their errors.

mod common;

use std::collections::BTreeMap;

use common::*;
use heron_common::ExitCode;
use heron_common::packing::{
    self, GIB, PackingDefaults, component_counts, parallelism_deltas, repack,
    repack_with_containers,
};
use heron_common::proto::api::Topology;
use heron_common::proto::system::PackingPlan;
use heron_common::topology::{TopologyBuilder, keys};

/// Spout ×4, bolt ×4 in 2 containers (Heron's repacking tests): 4 instances per container.
fn topology() -> Topology {
    TopologyBuilder::new("t")
        .spout("spout", 4)
        .bolt("bolt", 4)
        .config(keys::STMGRS, "2")
        .build()
}

fn counts(plan: &PackingPlan) -> Vec<(String, u32)> {
    component_counts(plan).into_iter().collect()
}

fn sizes(plan: &PackingPlan) -> Vec<usize> {
    plan.container_plans
        .iter()
        .map(|c| c.instance_plans.len())
        .collect()
}

fn ids(plan: &PackingPlan) -> Vec<i32> {
    plan.container_plans.iter().map(|c| c.id).collect()
}

#[test]
fn same_total_keeps_the_container_count() {
    let t = topology();
    let plan = stored(&t);
    let new = repacked(&plan, &t, &[("spout", -1), ("bolt", 1)]);
    assert_eq!(
        counts(&new),
        [("bolt".to_string(), 5), ("spout".to_string(), 3)]
    );
    assert_eq!(ids(&new), [1, 2]);
    assert_eq!(sizes(&new), [4, 4]);
    assert_eq!(new.id, t.id);
    // Repacked plans carry no scheduled resources until Aurora sizes them.
    assert!(
        new.container_plans
            .iter()
            .all(|c| c.scheduled_resource.is_none())
    );
}

#[test]
fn more_instances_add_containers() {
    let t = topology();
    let plan = stored(&t);
    // 10 instances at 4 per container: ceil(2.5) = 3 containers.
    let new = repacked(&plan, &t, &[("spout", 1), ("bolt", 1)]);
    assert_eq!(
        counts(&new),
        [("bolt".to_string(), 5), ("spout".to_string(), 5)]
    );
    assert_eq!(ids(&new), [1, 2, 3]);
    assert_eq!(sizes(&new), [4, 3, 3]);
    // Containers are sized for the largest (4 instances): 4 + 2 GiB RAM, 4 + 12 GiB disk. The
    // 3-instance containers split 4 GiB in three with Java's rounding (1431655765 bytes each), so
    // they come out one byte short, exactly as in Heron.
    let rams: Vec<i64> = new
        .container_plans
        .iter()
        .map(|c| c.required_resource.ram)
        .collect();
    assert_eq!(rams, [6 * GIB, 6 * GIB - 1, 6 * GIB - 1]);
    assert_eq!(
        new.container_plans[1].instance_plans[0].resource.ram,
        1_431_655_765
    );
    assert!(
        new.container_plans
            .iter()
            .all(|c| c.required_resource.disk == 16 * GIB)
    );
}

#[test]
fn fewer_instances_remove_containers() {
    let t = topology();
    let plan = stored(&t);
    let new = repacked(&plan, &t, &[("spout", -2), ("bolt", -2)]);
    assert_eq!(ids(&new), [1]);
    assert_eq!(sizes(&new), [4]);
}

#[test]
fn the_ratio_comes_from_the_submitted_topology() {
    let t = topology();
    let plan = stored(&t);
    // Spread over 4 containers first...
    let four = repacked_into(&plan, &t, 4, &[]);
    assert_eq!(sizes(&four), [2, 2, 2, 2]);
    // ...then one more spout: 9 instances at the topology's 4 per container = 3 containers.
    let next = repacked(&four, &t, &[("spout", 1)]);
    assert_eq!(ids(&next), [1, 2, 3]);
}

#[test]
fn container_number_equal_to_the_current_count_repacks_by_ratio() {
    // Heron's rule: asking for the current count means "repack as usual", which may change it.
    let t = topology();
    let plan = stored(&t);
    let new = repacked_into(&plan, &t, 2, &[("spout", 1)]);
    assert_eq!(ids(&new), [1, 2, 3]);
    let new = repacked_into(&plan, &t, 2, &[]);
    assert_eq!(ids(&new), [1, 2]);
}

#[test]
fn container_number_alone() {
    let t = topology();
    let plan = stored(&t);
    let new = repacked_into(&plan, &t, 3, &[]);
    assert_eq!(sizes(&new), [3, 3, 2]);
    assert_eq!(counts(&new), counts(&plan));
    let new = repacked_into(&plan, &t, 1, &[("bolt", -3)]);
    assert_eq!(sizes(&new), [5]);
}

#[test]
fn repack_applies_the_topology_resource_settings() {
    let t = TopologyBuilder::new("t")
        .spout("spout", 2)
        .bolt("bolt", 2)
        .config(keys::STMGRS, "2")
        .config(keys::COMPONENT_RAMMAP, "bolt:536870912")
        .build();
    let plan = stored(&t);
    let new = repacked(&plan, &t, &[("bolt", 2)]);
    // 6 instances at 2 per container: 3 containers; bolts (mapped RAM) placed first.
    assert_eq!(ids(&new), [1, 2, 3]);
    let first = &new.container_plans[0].instance_plans[0];
    assert_eq!(
        (
            first.component_name.as_str(),
            first.task_id,
            first.resource.ram
        ),
        ("bolt", 1, 512 << 20)
    );
}

#[test]
fn repack_reads_plans_in_any_order() {
    // A plan written by Heron's Java lists containers and instances in hash order.
    let t = topology();
    let mut plan = stored(&t);
    plan.container_plans.reverse();
    for c in &mut plan.container_plans {
        c.instance_plans.reverse();
    }
    let a = repack(
        &plan,
        &t,
        &PackingDefaults::default(),
        &deltas(&[("spout", 1)]),
    )
    .unwrap();
    let b = repack(
        &stored(&t),
        &t,
        &PackingDefaults::default(),
        &deltas(&[("spout", 1)]),
    )
    .unwrap();
    assert_eq!(a, b);
}

#[test]
fn errors() {
    let t = topology();
    let plan = stored(&t);
    let d = PackingDefaults::default();
    let check = |r: heron_common::Result<packing::Packed>, needles: &[&str]| {
        let err = r.expect_err("expected an error");
        assert_eq!(err.exit_code(), ExitCode::BadInput, "{err}");
        let text = err.to_string();
        for n in needles {
            assert!(text.contains(n), "{text:?} should mention {n:?}");
        }
    };
    check(
        repack(&plan, &t, &d, &deltas(&[("sprout", 1)])),
        &["'sprout'", "spout, bolt"],
    );
    check(
        repack(&plan, &t, &d, &deltas(&[("spout", -5)])),
        &["'spout'", "-1"],
    );
    check(
        repack(&plan, &t, &d, &deltas(&[("spout", -4), ("bolt", -4)])),
        &["invalid number of containers 0"],
    );
    check(
        repack_with_containers(&plan, &t, &d, 0, &BTreeMap::new()),
        &["invalid number of containers 0", "requested"],
    );
    check(
        repack_with_containers(&plan, &t, &d, 9, &BTreeMap::new()),
        &["more containers (9", "instances (8)"],
    );
    let broken = TopologyBuilder::new("t")
        .spout("spout", 4)
        .bolt("bolt", 4)
        .config(keys::STMGRS, "0")
        .build();
    check(
        repack(&plan, &broken, &d, &deltas(&[("spout", 1)])),
        &["topology.stmgrs", "container number"],
    );
}

#[test]
fn deltas_from_requested_parallelism() {
    let plan = stored(&topology());
    let requested: BTreeMap<String, u32> =
        [("spout".to_string(), 6), ("bolt".to_string(), 4)].into();
    assert_eq!(
        parallelism_deltas(&plan, &requested).unwrap(),
        deltas(&[("spout", 2)])
    );
    let requested: BTreeMap<String, u32> = [("bolt".to_string(), 1)].into();
    assert_eq!(
        parallelism_deltas(&plan, &requested).unwrap(),
        deltas(&[("bolt", -3)])
    );
    // No change at all: empty (the caller refuses a no-op update).
    let requested: BTreeMap<String, u32> = [("bolt".to_string(), 4)].into();
    assert!(parallelism_deltas(&plan, &requested).unwrap().is_empty());
    let requested: BTreeMap<String, u32> = [("nope".to_string(), 4)].into();
    let err = parallelism_deltas(&plan, &requested).unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::BadInput);
    assert!(
        err.to_string().contains("'nope'") && err.to_string().contains("bolt, spout"),
        "{err}"
    );
}
