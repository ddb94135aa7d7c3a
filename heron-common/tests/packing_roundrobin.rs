//! RoundRobin packing: Heron's worked example, RAM/CPU maps, container hints, padding, homogeneous
//! plans. Expected numbers are computed by hand from Heron's rules (heron-aurora.md §8). Every
//! error: packing_errors.rs.

mod common;

use common::*;
use heron_common::packing::{
    self, GIB, MIB, PackingDefaults, aurora_resources, component_ram_distribution, homogeneous,
    max_container_resource,
};
use heron_common::proto::system::PackingPlan;
use heron_common::topology::{TopologyBuilder, keys};

#[test]
fn herons_worked_example() {
    let packed = pack(word_count(2));
    assert!(packed.warnings.is_empty(), "{:?}", packed.warnings);
    let plan = &packed.plan;
    assert_eq!(plan.id, "WordCount-1234");
    assert_eq!(
        layout(plan),
        vec![
            (
                1,
                vec![
                    row("spout", 1, 0, 1.0, GIB, GIB),
                    row("bolt", 3, 0, 1.0, GIB, GIB)
                ]
            ),
            (
                2,
                vec![
                    row("spout", 2, 1, 1.0, GIB, GIB),
                    row("bolt", 4, 1, 1.0, GIB, GIB)
                ]
            ),
        ]
    );
    for id in [1, 2] {
        assert_eq!(required(plan, id), res(3.0, 4 * GIB, 14 * GIB));
    }
    assert!(
        plan.container_plans
            .iter()
            .all(|c| c.scheduled_resource.is_none())
    );

    // What Aurora is bound with.
    let topology = word_count(2).build();
    let stored = homogeneous(plan);
    let aurora = aurora_resources(&stored, &topology).unwrap();
    assert_eq!(aurora.num_containers, 3);
    assert_eq!(aurora.cpus, "3.0");
    assert_eq!(aurora.ram_bytes, 4_294_967_296);
    assert_eq!(aurora.disk_bytes, 15_032_385_536);
    assert_eq!(
        aurora.bindings(),
        [
            ("NUM_CONTAINERS", "3".to_string()),
            ("CPUS_PER_CONTAINER", "3.0".to_string()),
            ("RAM_PER_CONTAINER", "4294967296".to_string()),
            ("DISK_PER_CONTAINER", "15032385536".to_string()),
        ]
    );
    assert_eq!(
        component_ram_distribution(plan),
        "spout:1073741824,bolt:1073741824"
    );
}

#[test]
fn uneven_containers_split_the_default_size() {
    // 5 instances in 2 containers: 3 + 2. The default container is sized for the largest (3):
    // RAM 3 GiB + 2 GiB padding, CPU round(3 × 1.0 + 1.0) = 4.
    let packed = pack(
        TopologyBuilder::new("t")
            .spout("spout", 3)
            .bolt("bolt", 2)
            .config(keys::STMGRS, "2"),
    );
    let plan = &packed.plan;
    let gib_and_half = 3 * GIB / 2;
    assert_eq!(
        layout(plan),
        vec![
            (
                1,
                vec![
                    row("spout", 1, 0, 1.0, GIB, GIB),
                    row("spout", 3, 2, 1.0, GIB, GIB),
                    row("bolt", 5, 1, 1.0, GIB, GIB)
                ]
            ),
            (
                2,
                vec![
                    row("spout", 2, 1, 1.5, gib_and_half, GIB),
                    row("bolt", 4, 0, 1.5, gib_and_half, GIB)
                ]
            ),
        ]
    );
    assert_eq!(required(plan, 1), res(4.0, 5 * GIB, 15 * GIB));
    assert_eq!(required(plan, 2), res(4.0, 5 * GIB, 15 * GIB));
    assert_eq!(
        component_ram_distribution(plan),
        "spout:1073741824,bolt:1073741824"
    );
}

#[test]
fn single_container_default() {
    // No topology.stmgrs: one container.
    let packed = pack(TopologyBuilder::new("t").spout("s", 1).bolt("b", 2));
    assert_eq!(packed.plan.container_plans.len(), 1);
    // 3 instances: RAM 3 + 2 GiB, CPU round(3 + 1) = 4, disk 3 + 12 GiB.
    assert_eq!(required(&packed.plan, 1), res(4.0, 5 * GIB, 15 * GIB));
}

#[test]
fn instance_defaults_come_from_the_config() {
    let defaults = PackingDefaults {
        instance_cpu: 0.5,
        instance_ram: 512 * MIB,
        instance_disk: 2 * GIB,
        ..Default::default()
    };
    let packed = packing::pack(&word_count(2).build(), &defaults).unwrap();
    // CPU default container: round(0.5 × 2 + 1.0) = 2 → (2 − 1) / 2 = 0.5 per instance.
    // RAM default container: 2 × 512 MiB + 2 GiB → 512 MiB per instance.
    for c in &packed.plan.container_plans {
        for i in &c.instance_plans {
            assert_eq!(i.resource, res(0.5, 512 * MIB, 2 * GIB));
        }
        assert_eq!(c.required_resource, res(2.0, 3 * GIB, 16 * GIB));
    }
}

#[test]
fn cpu_default_is_rounded_like_java() {
    // round(0.3 × 2 + 1.0) = round(1.6) = 2 → each instance (2 − 1) / 2 = 0.5; container 0.5 + 0.5 + 1.
    let defaults = PackingDefaults {
        instance_cpu: 0.3,
        ..Default::default()
    };
    let packed = packing::pack(&word_count(2).build(), &defaults).unwrap();
    let c = &packed.plan.container_plans[0];
    assert!(c.instance_plans.iter().all(|i| i.resource.cpu == 0.5));
    assert_eq!(c.required_resource.cpu, 2.0);
}

#[test]
fn ram_map_sorts_components_and_fixes_their_ram() {
    let packed = pack(word_count(2).config(keys::COMPONENT_RAMMAP, "bolt:536870912"));
    // bolt has the larger mapped RAM, so it is placed first and gets task ids 1 and 2.
    // Unmapped spouts share 4 GiB − 2 GiB padding − 512 MiB = 1.5 GiB.
    let spout_ram = 3 * GIB / 2;
    assert_eq!(
        layout(&packed.plan),
        vec![
            (
                1,
                vec![
                    row("bolt", 1, 0, 1.0, 512 * MIB, GIB),
                    row("spout", 3, 0, 1.0, spout_ram, GIB)
                ]
            ),
            (
                2,
                vec![
                    row("bolt", 2, 1, 1.0, 512 * MIB, GIB),
                    row("spout", 4, 1, 1.0, spout_ram, GIB)
                ]
            ),
        ]
    );
    assert_eq!(required(&packed.plan, 1), res(3.0, 4 * GIB, 14 * GIB));
    assert_eq!(
        component_ram_distribution(&packed.plan),
        "spout:1610612736,bolt:536870912"
    );
}

#[test]
fn ram_map_parsing_follows_java_split() {
    // Blank entries are skipped, a trailing ':' is dropped like Java's split, later entries win.
    let packed = pack(word_count(2).config(keys::COMPONENT_RAMMAP, " ,bolt:1,bolt:536870912:,"));
    assert_eq!(
        packed.plan.container_plans[0].instance_plans[0]
            .resource
            .ram,
        512 * MIB
    );
}

#[test]
fn complete_ram_map_with_exactly_enough_container_ram() {
    // spout 2 GiB + bolt 1 GiB + 2 GiB padding = 5 GiB per container.
    let packed = pack(
        word_count(2)
            .config(keys::COMPONENT_RAMMAP, "spout:2147483648,bolt:1073741824")
            .config(keys::CONTAINER_RAM_REQUESTED, &(5 * GIB).to_string()),
    );
    assert!(packed.warnings.is_empty(), "{:?}", packed.warnings);
    assert_eq!(
        layout(&packed.plan)[0].1,
        vec![
            row("spout", 1, 0, 1.0, 2 * GIB, GIB),
            row("bolt", 3, 0, 1.0, GIB, GIB)
        ]
    );
    assert_eq!(required(&packed.plan, 1).ram, 5 * GIB);
}

#[test]
fn ram_map_eating_into_padding_warns_and_caps_the_container() {
    let packed = pack(
        word_count(2)
            .config(keys::COMPONENT_RAMMAP, "spout:2147483648,bolt:1073741824")
            .config(keys::CONTAINER_RAM_REQUESTED, &(4 * GIB).to_string()),
    );
    assert_eq!(packed.warnings.len(), 2, "{:?}", packed.warnings);
    assert!(
        packed.warnings[0].contains("container 1"),
        "{}",
        packed.warnings[0]
    );
    assert!(
        packed.warnings[0].contains(keys::CONTAINER_RAM_REQUESTED),
        "{}",
        packed.warnings[0]
    );
    assert!(
        packed.warnings[1].contains("container 2"),
        "{}",
        packed.warnings[1]
    );
    // 3 GiB of instances + 2 GiB padding, capped at the 4 GiB hint.
    assert_eq!(required(&packed.plan, 1).ram, 4 * GIB);
}

#[test]
fn padding_warning_with_unmapped_instances_gives_them_the_rest() {
    // Spouts take 2 GiB of a 3.5 GiB container, more than 3.5 − 2 GiB padding: warning, and the
    // bolt gets the whole rest (1.5 GiB) instead of rest minus padding.
    let packed = pack(
        word_count(2)
            .config(keys::COMPONENT_RAMMAP, "spout:2147483648")
            .config(keys::CONTAINER_RAM_REQUESTED, &(7 * GIB / 2).to_string()),
    );
    assert_eq!(packed.warnings.len(), 2, "{:?}", packed.warnings);
    let c1 = &layout(&packed.plan)[0].1;
    assert_eq!(
        c1,
        &vec![
            row("spout", 1, 0, 1.0, 2 * GIB, GIB),
            row("bolt", 3, 0, 1.0, 3 * GIB / 2, GIB)
        ]
    );
    assert_eq!(required(&packed.plan, 1).ram, 7 * GIB / 2);
}

#[test]
fn container_hints_set_the_container_size() {
    let packed = pack(
        word_count(2)
            .config(keys::CONTAINER_RAM_REQUESTED, &(10 * GIB).to_string())
            .config(keys::CONTAINER_DISK_REQUESTED, &(20 * GIB).to_string())
            .config(keys::CONTAINER_CPU_REQUESTED, "30"),
    );
    assert!(packed.warnings.is_empty());
    // RAM: (10 − 2) / 2 = 4 GiB; CPU: (30 − 1) / 2 = 14.5; disk per instance stays the default.
    for c in &packed.plan.container_plans {
        for i in &c.instance_plans {
            assert_eq!(i.resource, res(14.5, 4 * GIB, GIB));
        }
        assert_eq!(c.required_resource, res(30.0, 10 * GIB, 20 * GIB));
    }
    assert_eq!(
        max_container_resource(&packed.plan),
        res(30.0, 10 * GIB, 20 * GIB)
    );
}

#[test]
fn ram_padding_key_replaces_the_daemon_sum() {
    let packed = pack(
        word_count(2)
            .config(keys::CONTAINER_RAM_REQUESTED, &(10 * GIB).to_string())
            .config(keys::CONTAINER_RAM_PADDING, &(512 * MIB).to_string()),
    );
    // (10 GiB − 512 MiB) / 2 = 4.75 GiB each.
    let each = (10 * GIB - 512 * MIB) / 2;
    assert_eq!(each, 5_100_273_664);
    let c = &packed.plan.container_plans[0];
    assert!(c.instance_plans.iter().all(|i| i.resource.ram == each));
    assert_eq!(c.required_resource.ram, 10 * GIB);
}

#[test]
fn effectively_once_adds_checkpoint_manager_padding() {
    let packed = pack(word_count(2).config(keys::RELIABILITY_MODE, "EFFECTIVELY_ONCE"));
    // Padding 3 GiB: default container 2 × 1 GiB + 3 GiB; instances still get 1 GiB each.
    let c = &packed.plan.container_plans[0];
    assert!(c.instance_plans.iter().all(|i| i.resource.ram == GIB));
    assert_eq!(c.required_resource, res(3.0, 5 * GIB, 14 * GIB));

    // An explicit checkpoint manager RAM replaces the 1 GiB default.
    let packed = pack(
        word_count(2)
            .config(keys::RELIABILITY_MODE, "EFFECTIVELY_ONCE")
            .config(keys::CKPTMGR_RAM, &(512 * MIB).to_string()),
    );
    assert_eq!(
        packed.plan.container_plans[0].required_resource.ram,
        4 * GIB + 512 * MIB
    );

    // Other modes have no checkpoint manager, unless its RAM is set explicitly.
    let packed = pack(word_count(2).config(keys::RELIABILITY_MODE, "ATLEAST_ONCE"));
    assert_eq!(
        packed.plan.container_plans[0].required_resource.ram,
        4 * GIB
    );
    let packed = pack(word_count(2).config(keys::CKPTMGR_RAM, &GIB.to_string()));
    assert_eq!(
        packed.plan.container_plans[0].required_resource.ram,
        5 * GIB
    );
}

#[test]
fn daemon_ram_keys_change_the_padding() {
    let packed = pack(
        word_count(2)
            .config(keys::STMGR_RAM, &(2 * GIB).to_string())
            .config(keys::METRICSMGR_RAM, &(512 * MIB).to_string()),
    );
    // Padding 2.5 GiB: instances 1 GiB each, container 4.5 GiB.
    assert_eq!(
        packed.plan.container_plans[0].required_resource.ram,
        4 * GIB + 512 * MIB
    );
}

#[test]
fn cpu_map_fixes_cpu_and_others_share_the_rest() {
    let packed = pack(word_count(2).config(keys::COMPONENT_CPUMAP, "spout:0.5"));
    // Default container CPU 3: the bolt gets 3 − 1 − 0.5 = 1.5.
    let c1 = &layout(&packed.plan)[0].1;
    assert_eq!(
        c1,
        &vec![
            row("spout", 1, 0, 0.5, GIB, GIB),
            row("bolt", 3, 0, 1.5, GIB, GIB)
        ]
    );
    assert_eq!(required(&packed.plan, 1).cpu, 3.0);
}

#[test]
fn cpu_map_with_hint_warns_on_padding_and_caps() {
    let packed = pack(
        word_count(2)
            .config(keys::COMPONENT_CPUMAP, "spout:1.5")
            .config(keys::CONTAINER_CPU_REQUESTED, "2.0"),
    );
    assert_eq!(packed.warnings.len(), 2, "{:?}", packed.warnings);
    assert!(packed.warnings[0].contains("CPU"), "{}", packed.warnings[0]);
    let c1 = &layout(&packed.plan)[0].1;
    assert_eq!(
        c1,
        &vec![
            row("spout", 1, 0, 1.5, GIB, GIB),
            row("bolt", 3, 0, 0.5, GIB, GIB)
        ]
    );
    assert_eq!(required(&packed.plan, 1).cpu, 2.0);
}

#[test]
fn a_hint_of_minus_one_means_unset() {
    // Heron's "not specified" marker.
    let a = pack(
        word_count(2)
            .config(keys::CONTAINER_RAM_REQUESTED, "-1")
            .config(keys::CONTAINER_CPU_REQUESTED, "-1.0"),
    );
    let b = pack(word_count(2));
    assert_eq!(a.plan, b.plan);
}

#[test]
fn zero_parallelism_component_gets_no_instances() {
    let packed = pack(
        TopologyBuilder::new("t")
            .spout("s", 2)
            .bolt("idle", 0)
            .config(keys::STMGRS, "2"),
    );
    assert!(
        packed
            .plan
            .container_plans
            .iter()
            .flat_map(|c| &c.instance_plans)
            .all(|i| i.component_name == "s")
    );
}

#[test]
fn homogeneous_schedules_the_largest_container_everywhere() {
    // Every component mapped: a container's RAM is its instances plus padding, so they differ.
    let plan = pack(
        TopologyBuilder::new("t")
            .spout("spout", 3)
            .bolt("bolt", 1)
            .config(keys::STMGRS, "3")
            .config(keys::COMPONENT_RAMMAP, "bolt:268435456,spout:1073741824"),
    )
    .plan;
    let rams: Vec<i64> = plan
        .container_plans
        .iter()
        .map(|c| c.required_resource.ram)
        .collect();
    assert_eq!(rams, [3 * GIB + 256 * MIB, 3 * GIB, 3 * GIB]);
    let max = max_container_resource(&plan);
    assert_eq!(max, res(3.0, 3 * GIB + 256 * MIB, 14 * GIB));
    let stored = homogeneous(&plan);
    assert!(
        stored
            .container_plans
            .iter()
            .all(|c| c.scheduled_resource == Some(max))
    );
    assert_eq!(
        stored
            .container_plans
            .iter()
            .map(|c| c.required_resource)
            .collect::<Vec<_>>(),
        plan.container_plans
            .iter()
            .map(|c| c.required_resource)
            .collect::<Vec<_>>()
    );
    // Scheduled resources win over required ones when present.
    assert_eq!(max_container_resource(&stored), max);
}

#[test]
fn packing_is_deterministic_and_encodes() {
    use prost::Message as _;
    let t = word_count(2)
        .config(keys::COMPONENT_RAMMAP, "bolt:536870912")
        .build();
    let a = packing::pack(&t, &PackingDefaults::default()).unwrap();
    let b = packing::pack(&t, &PackingDefaults::default()).unwrap();
    assert_eq!(a, b);
    let bytes = a.plan.encode_to_vec();
    assert_eq!(bytes, b.plan.encode_to_vec());
    assert_eq!(PackingPlan::decode(bytes.as_slice()).unwrap(), a.plan);
}
