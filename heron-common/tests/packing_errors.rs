//! RoundRobin packing's errors: every way a topology cannot be packed, each a user's error (exit
//! code of bad input) naming the key to fix. Expected numbers are computed by hand from Heron's
//! rules (heron-aurora.md §8).

mod common;

use common::*;
use heron_common::ExitCode;
use heron_common::packing::{
    self, GIB, MIB, PackingDefaults, aurora_resources, component_ram_distribution,
};
use heron_common::proto::system::PackingPlan;
use heron_common::topology::{TopologyBuilder, keys};

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
