//! RoundRobin packing: Heron's worked example, RAM/CPU maps, container hints, padding, and every
//! error. Expected numbers are computed by hand from Heron's rules (heron-aurora.md §8).

use heron_common::ExitCode;
use heron_common::packing::{
    self, GIB, MIB, Packed, PackingDefaults, aurora_resources, component_ram_distribution,
    homogeneous, max_container_resource,
};
use heron_common::proto::system::{PackingPlan, Resource};
use heron_common::topology::{TopologyBuilder, keys};

fn pack(builder: TopologyBuilder) -> Packed {
    let topology = builder.build();
    packing::pack(&topology, &PackingDefaults::default())
        .unwrap_or_else(|e| panic!("packing failed: {e}"))
}

fn pack_err(builder: TopologyBuilder) -> String {
    let topology = builder.build();
    match packing::pack(&topology, &PackingDefaults::default()) {
        Ok(p) => panic!("expected an error, got {:?}", p.plan),
        Err(e) => {
            assert_eq!(e.exit_code(), ExitCode::BadInput, "{e}");
            e.to_string()
        }
    }
}

/// Spout ×2, bolt ×2 in `stmgrs` containers: Heron's worked example shape.
fn word_count(stmgrs: u32) -> TopologyBuilder {
    TopologyBuilder::new("WordCount")
        .id("WordCount-1234")
        .spout("spout", 2)
        .bolt("bolt", 2)
        .config(keys::STMGRS, &stmgrs.to_string())
}

/// (component, task id, component index, cpu, ram, disk) of each instance, container by container.
type Row = (String, i32, i32, f64, i64, i64);

fn layout(plan: &PackingPlan) -> Vec<(i32, Vec<Row>)> {
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

fn row(c: &str, task: i32, index: i32, cpu: f64, ram: i64, disk: i64) -> Row {
    (c.to_string(), task, index, cpu, ram, disk)
}

fn required(plan: &PackingPlan, id: i32) -> Resource {
    plan.container_plans
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.required_resource)
        .expect("container exists")
}

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
        assert_eq!(
            required(plan, id),
            Resource {
                cpu: 3.0,
                ram: 4 * GIB,
                disk: 14 * GIB
            }
        );
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
    assert_eq!(
        required(plan, 1),
        Resource {
            cpu: 4.0,
            ram: 5 * GIB,
            disk: 15 * GIB
        }
    );
    assert_eq!(
        required(plan, 2),
        Resource {
            cpu: 4.0,
            ram: 5 * GIB,
            disk: 15 * GIB
        }
    );
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
    assert_eq!(
        required(&packed.plan, 1),
        Resource {
            cpu: 4.0,
            ram: 5 * GIB,
            disk: 15 * GIB
        }
    );
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
            assert_eq!(
                i.resource,
                Resource {
                    cpu: 0.5,
                    ram: 512 * MIB,
                    disk: 2 * GIB
                }
            );
        }
        assert_eq!(
            c.required_resource,
            Resource {
                cpu: 2.0,
                ram: 3 * GIB,
                disk: 16 * GIB
            }
        );
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
    assert_eq!(
        required(&packed.plan, 1),
        Resource {
            cpu: 3.0,
            ram: 4 * GIB,
            disk: 14 * GIB
        }
    );
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
            assert_eq!(
                i.resource,
                Resource {
                    cpu: 14.5,
                    ram: 4 * GIB,
                    disk: GIB
                }
            );
        }
        assert_eq!(
            c.required_resource,
            Resource {
                cpu: 30.0,
                ram: 10 * GIB,
                disk: 20 * GIB
            }
        );
    }
    assert_eq!(
        max_container_resource(&packed.plan),
        Resource {
            cpu: 30.0,
            ram: 10 * GIB,
            disk: 20 * GIB
        }
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
    assert_eq!(
        c.required_resource,
        Resource {
            cpu: 3.0,
            ram: 5 * GIB,
            disk: 14 * GIB
        }
    );

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
fn error_no_containers() {
    let err = pack_err(word_count(0));
    assert!(
        err.contains("invalid number of containers 0") && err.contains("topology.stmgrs"),
        "{err}"
    );
    let err = pack_err(word_count(2).config(keys::STMGRS, "-3"));
    assert!(err.contains("-3"), "{err}");
}

#[test]
fn error_more_containers_than_instances() {
    let err = pack_err(word_count(5));
    assert!(
        err.contains("more containers (5")
            && err.contains("instances (4)")
            && err.contains("topology.stmgrs"),
        "{err}"
    );
    let err = pack_err(TopologyBuilder::new("empty"));
    assert!(err.contains("instances (0)"), "{err}");
}

#[test]
fn error_no_ram_left_for_unmapped_instances() {
    // Heron's testCheckInsufficientRamFailure: a 0-byte container.
    let err = pack_err(word_count(2).config(keys::CONTAINER_RAM_REQUESTED, "0"));
    assert!(
        err.contains("no RAM left") && err.contains("topology.container.ram"),
        "{err}"
    );
    // Without a hint the default container (sized by instance RAM) has no room for a big map entry.
    let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, "bolt:2147483648"));
    assert!(
        err.contains("no RAM left") && err.contains("topology.component.rammap"),
        "{err}"
    );
}

#[test]
fn error_no_cpu_left_for_unmapped_instances() {
    // Heron's testCheckInsufficientCpuFailure: a 1-CPU container is all padding.
    let err = pack_err(word_count(2).config(keys::CONTAINER_CPU_REQUESTED, "1.0"));
    assert!(
        err.contains("no CPU left") && err.contains("topology.container.cpu"),
        "{err}"
    );
}

#[test]
fn error_mapped_instances_exceed_the_hint() {
    let err = pack_err(
        word_count(2)
            .config(keys::COMPONENT_RAMMAP, "spout:2147483648,bolt:1073741824")
            .config(keys::CONTAINER_RAM_REQUESTED, &(2 * GIB).to_string()),
    );
    assert!(
        err.contains("container 1")
            && err.contains("more than")
            && err.contains("topology.container.ram"),
        "{err}"
    );
    let err = pack_err(
        word_count(2)
            .config(keys::COMPONENT_CPUMAP, "spout:2,bolt:1")
            .config(keys::CONTAINER_CPU_REQUESTED, "2"),
    );
    assert!(
        err.contains("CPU") && err.contains("topology.container.cpu"),
        "{err}"
    );
}

#[test]
fn error_less_than_16_mib_per_instance() {
    // 2 GiB padding leaves 20 MiB for two instances: 10 MiB each.
    let err = pack_err(word_count(2).config(
        keys::CONTAINER_RAM_REQUESTED,
        &(2 * GIB + 20 * MIB).to_string(),
    ));
    assert!(
        err.contains("16.0 MB")
            && err.contains("10.0 MB")
            && err.contains("topology.container.ram"),
        "{err}"
    );
    let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, "spout:1048576"));
    assert!(
        err.contains("'spout'") && err.contains("topology.component.rammap"),
        "{err}"
    );
    // A cluster default below the floor.
    let small = PackingDefaults {
        instance_ram: 8 * MIB,
        ..Default::default()
    };
    let err = packing::pack(&word_count(2).build(), &small)
        .unwrap_err()
        .to_string();
    assert!(err.contains("heron.resources.instance.ram"), "{err}");
    // Exactly 16 MiB is enough.
    pack(word_count(2).config(
        keys::CONTAINER_RAM_REQUESTED,
        &(2 * GIB + 32 * MIB).to_string(),
    ));
}

#[test]
fn error_unknown_component_in_maps() {
    let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, "sprout:1073741824"));
    assert!(
        err.contains("'sprout'")
            && err.contains("topology.component.rammap")
            && err.contains("spout, bolt"),
        "{err}"
    );
    let err = pack_err(word_count(2).config(keys::COMPONENT_CPUMAP, "blot:1.0"));
    assert!(
        err.contains("'blot'") && err.contains("topology.component.cpumap"),
        "{err}"
    );
}

#[test]
fn error_malformed_maps_and_values() {
    for bad in ["spout", "spout:1:2", ":"] {
        let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, bad));
        assert!(
            err.contains("malformed") && err.contains("topology.component.rammap"),
            "{bad}: {err}"
        );
    }
    let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, "spout:1GB"));
    assert!(err.contains("\"1GB\""), "{err}");
    // Long.parseLong does not trim.
    let err = pack_err(word_count(2).config(keys::COMPONENT_RAMMAP, "spout: 1073741824"));
    assert!(err.contains("topology.component.rammap"), "{err}");
    let err = pack_err(word_count(2).config(keys::COMPONENT_CPUMAP, "spout:lots"));
    assert!(err.contains("topology.component.cpumap"), "{err}");
    let err = pack_err(word_count(2).config(keys::CONTAINER_RAM_REQUESTED, "4G"));
    assert!(
        err.contains("topology.container.ram") && err.contains("\"4G\""),
        "{err}"
    );
    let err = pack_err(word_count(2).config(keys::CONTAINER_CPU_REQUESTED, "many"));
    assert!(err.contains("topology.container.cpu"), "{err}");
    let err = pack_err(word_count(2).config(keys::CONTAINER_RAM_PADDING, "x"));
    assert!(err.contains("topology.container.ram.padding"), "{err}");
    let err = pack_err(word_count(2).config(keys::STMGRS, "two"));
    assert!(
        err.contains("topology.stmgrs") && err.contains("\"two\""),
        "{err}"
    );
}

#[test]
fn error_component_problems() {
    let mut t = word_count(2).build();
    t.bolts[0].comp.config.kvs.clear();
    let err = packing::pack(&t, &PackingDefaults::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bolt 'bolt'") && err.contains("topology.component.parallelism"),
        "{err}"
    );

    let err = pack_err(TopologyBuilder::new("t").spout("same", 1).bolt("same", 1));
    assert!(err.contains("'same'") && err.contains("unique"), "{err}");
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
    assert_eq!(
        max,
        Resource {
            cpu: 3.0,
            ram: 3 * GIB + 256 * MIB,
            disk: 14 * GIB
        }
    );
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
fn aurora_resources_refuse_an_empty_plan() {
    let t = word_count(2).build();
    let empty = PackingPlan {
        id: "x".into(),
        container_plans: vec![],
    };
    let err = aurora_resources(&empty, &t).unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::BadInput);
    assert!(err.to_string().contains("no containers"), "{err}");
    assert_eq!(component_ram_distribution(&empty), "");
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
