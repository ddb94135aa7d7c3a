//! Properties of RoundRobin packing over generated topologies: every instance placed exactly once,
//! task ids 1..=total, container ids 1..=N with N = `topology.stmgrs`, hints respected,
//! deterministic results, and repacking keeping the requested counts.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use heron_common::ExitCode;
use heron_common::packing::{
    self, GIB, MIB, PackingDefaults, component_counts, component_ram_distribution, repack,
};
use heron_common::proto::api::Topology;
use heron_common::proto::system::PackingPlan;
use heron_common::topology::{TopologyBuilder, keys};

/// A generated topology: components `c0..cN` (spout or bolt, parallelism) and `topology.stmgrs`.
#[derive(Debug, Clone)]
struct Shape {
    components: Vec<(bool, u32)>,
    stmgrs: u32,
}

impl Shape {
    fn total(&self) -> u32 {
        self.components.iter().map(|(_, p)| p).sum()
    }

    fn builder(&self) -> TopologyBuilder {
        let mut b = TopologyBuilder::new("prop").config(keys::STMGRS, &self.stmgrs.to_string());
        for (i, (spout, p)) in self.components.iter().enumerate() {
            let name = format!("c{i}");
            b = if *spout {
                b.spout(&name, *p)
            } else {
                b.bolt(&name, *p)
            };
        }
        b
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    prop::collection::vec((any::<bool>(), 1u32..=6), 1..=6).prop_flat_map(|components| {
        let total: u32 = components.iter().map(|(_, p)| p).sum();
        (Just(components), 1..=total).prop_map(|(components, stmgrs)| Shape { components, stmgrs })
    })
}

fn defaults() -> impl Strategy<Value = PackingDefaults> {
    (
        prop::sample::select(vec![0.5, 1.0, 1.5, 2.0]),
        prop::sample::select(vec![256 * MIB, GIB, 2 * GIB]),
    )
        .prop_map(|(cpu, ram)| PackingDefaults {
            instance_cpu: cpu,
            instance_ram: ram,
            ..PackingDefaults::default()
        })
}

/// Optional resource settings: RAM/CPU map entries for some components and container hints.
#[derive(Debug, Clone)]
struct Settings {
    ram_map: Vec<(usize, i64)>,
    cpu_map: Vec<(usize, f64)>,
    ram_hint: Option<i64>,
    cpu_hint: Option<f64>,
    disk_hint: Option<i64>,
}

fn settings(components: usize) -> impl Strategy<Value = Settings> {
    (
        prop::collection::vec(
            (0..components, (1i64..=64).prop_map(|m| m * 64 * MIB)),
            0..=3,
        ),
        prop::collection::vec(
            (0..components, (1u32..=8).prop_map(|q| f64::from(q) * 0.25)),
            0..=3,
        ),
        prop::option::of((1i64..=64).prop_map(|m| m * 256 * MIB)),
        prop::option::of((1u32..=40).prop_map(|q| f64::from(q) * 0.5)),
        prop::option::of((1i64..=64).prop_map(|g| g * GIB)),
    )
        .prop_map(
            |(ram_map, cpu_map, ram_hint, cpu_hint, disk_hint)| Settings {
                ram_map,
                cpu_map,
                ram_hint,
                cpu_hint,
                disk_hint,
            },
        )
}

fn apply(mut b: TopologyBuilder, s: &Settings) -> TopologyBuilder {
    let map = |entries: Vec<String>| entries.join(",");
    if !s.ram_map.is_empty() {
        b = b.config(
            keys::COMPONENT_RAMMAP,
            &map(s.ram_map.iter().map(|(i, r)| format!("c{i}:{r}")).collect()),
        );
    }
    if !s.cpu_map.is_empty() {
        b = b.config(
            keys::COMPONENT_CPUMAP,
            &map(s.cpu_map.iter().map(|(i, c)| format!("c{i}:{c}")).collect()),
        );
    }
    if let Some(r) = s.ram_hint {
        b = b.config(keys::CONTAINER_RAM_REQUESTED, &r.to_string());
    }
    if let Some(c) = s.cpu_hint {
        b = b.config(keys::CONTAINER_CPU_REQUESTED, &c.to_string());
    }
    if let Some(d) = s.disk_hint {
        b = b.config(keys::CONTAINER_DISK_REQUESTED, &d.to_string());
    }
    b
}

/// Checks where instances went; returns a description of the first problem.
fn check_placement(
    plan: &PackingPlan,
    topology: &Topology,
    shape: &Shape,
) -> Result<(), TestCaseError> {
    let ids: Vec<i32> = plan.container_plans.iter().map(|c| c.id).collect();
    prop_assert_eq!(ids, (1..=shape.stmgrs as i32).collect::<Vec<_>>());
    prop_assert_eq!(&plan.id, &topology.id);

    let mut tasks = BTreeSet::new();
    let mut indexes: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
    for instance in plan.container_plans.iter().flat_map(|c| &c.instance_plans) {
        prop_assert!(
            tasks.insert(instance.task_id),
            "task id {} used twice",
            instance.task_id
        );
        prop_assert!(
            indexes
                .entry(&instance.component_name)
                .or_default()
                .insert(instance.component_index),
            "{} index {} placed twice",
            instance.component_name,
            instance.component_index
        );
    }
    let total = shape.total() as i32;
    prop_assert_eq!(
        tasks.into_iter().collect::<Vec<_>>(),
        (1..=total).collect::<Vec<_>>()
    );
    for (i, (_, p)) in shape.components.iter().enumerate() {
        let name = format!("c{i}");
        let got: Vec<i32> = indexes
            .get(name.as_str())
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        prop_assert_eq!(
            got,
            (0..*p as i32).collect::<Vec<_>>(),
            "indexes of {}",
            name
        );
    }
    // Round robin: container sizes differ by at most one, and none is empty.
    let sizes: Vec<usize> = plan
        .container_plans
        .iter()
        .map(|c| c.instance_plans.len())
        .collect();
    let (min, max) = (
        sizes.iter().min().copied().unwrap_or(0),
        sizes.iter().max().copied().unwrap_or(0),
    );
    prop_assert!(min >= 1 && max - min <= 1, "sizes {:?}", sizes);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn default_packing_places_everything(shape in shape(), d in defaults()) {
        let topology = shape.builder().build();
        // Without maps or hints every instance gets at least the instance default: no error.
        let packed = packing::pack(&topology, &d).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(packed.warnings.is_empty());
        check_placement(&packed.plan, &topology, &shape)?;

        let largest = packed.plan.container_plans.iter().map(|c| c.instance_plans.len()).max().unwrap_or(0) as i64;
        for c in &packed.plan.container_plans {
            let instance_ram: i64 = c.instance_plans.iter().map(|i| i.resource.ram).sum();
            // Required RAM is the instances plus 2 GiB padding: the default container, give or take
            // Java's rounding of the even split (under one byte per instance, either way).
            prop_assert_eq!(c.required_resource.ram, instance_ram + 2 * GIB);
            let default = largest * d.instance_ram + 2 * GIB;
            let slack = c.instance_plans.len() as i64;
            prop_assert!((c.required_resource.ram - default).abs() <= slack, "{} vs {}", c.required_resource.ram, default);
            prop_assert_eq!(c.required_resource.disk, largest * d.instance_disk + 12 * GIB);
            for i in &c.instance_plans {
                prop_assert_eq!(i.resource.disk, d.instance_disk);
                prop_assert!(i.resource.ram >= d.instance_ram);
            }
        }

        // Same input, same plan.
        let again = packing::pack(&topology, &d).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&again.plan, &packed.plan);

        // The executor's RAM map names every component once with its smallest instance RAM.
        let dist = component_ram_distribution(&packed.plan);
        let names: BTreeSet<&str> = dist.split(',').filter_map(|e| e.split(':').next()).collect();
        prop_assert_eq!(names.len(), shape.components.len());
        for entry in dist.split(',') {
            let (name, bytes) = entry.split_once(':').ok_or_else(|| TestCaseError::fail(entry.to_string()))?;
            let min = packed.plan.container_plans.iter().flat_map(|c| &c.instance_plans)
                .filter(|i| i.component_name == name).map(|i| i.resource.ram).min();
            prop_assert_eq!(Some(bytes.parse::<i64>().unwrap_or(-1)), min);
        }
    }

    #[test]
    fn maps_and_hints_are_respected_or_refused(
        (shape, s) in shape().prop_flat_map(|sh| { let n = sh.components.len(); (Just(sh), settings(n)) }),
        d in defaults(),
    ) {
        let topology = apply(shape.builder(), &s).build();
        match packing::pack(&topology, &d) {
            Err(e) => prop_assert_eq!(e.exit_code(), ExitCode::BadInput, "{}", e),
            Ok(packed) => {
                check_placement(&packed.plan, &topology, &shape)?;
                let ram_map: BTreeMap<String, i64> = s.ram_map.iter().map(|(i, r)| (format!("c{i}"), *r)).collect();
                let cpu_map: BTreeMap<String, f64> = s.cpu_map.iter().map(|(i, c)| (format!("c{i}"), *c)).collect();
                for c in &packed.plan.container_plans {
                    if let Some(h) = s.ram_hint { prop_assert!(c.required_resource.ram <= h); }
                    if let Some(h) = s.cpu_hint { prop_assert_eq!(c.required_resource.cpu, h); }
                    if let Some(h) = s.disk_hint { prop_assert_eq!(c.required_resource.disk, h); }
                    for i in &c.instance_plans {
                        prop_assert!(i.resource.ram >= 16 * MIB);
                        if let Some(r) = ram_map.get(&i.component_name) { prop_assert_eq!(i.resource.ram, *r); }
                        if let Some(x) = cpu_map.get(&i.component_name) { prop_assert_eq!(i.resource.cpu, *x); }
                    }
                }
                let again = packing::pack(&topology, &d).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(again, packed);
            }
        }
    }

    #[test]
    fn repack_keeps_requested_counts(
        (shape, changes) in shape().prop_flat_map(|sh| {
            let n = sh.components.len();
            (Just(sh), prop::collection::vec(-3i32..=3, n))
        }),
    ) {
        let topology = shape.builder().build();
        let d = PackingDefaults::default();
        let plan = packing::pack(&topology, &d).map_err(|e| TestCaseError::fail(e.to_string()))?.plan;
        let deltas: BTreeMap<String, i32> =
            changes.iter().enumerate().map(|(i, c)| (format!("c{i}"), *c)).collect();
        let wanted: Vec<i64> = shape.components.iter().zip(&changes).map(|((_, p), c)| i64::from(*p) + i64::from(*c)).collect();
        match repack(&plan, &topology, &d, &deltas) {
            Err(e) => {
                prop_assert_eq!(e.exit_code(), ExitCode::BadInput, "{}", e);
                // Refused only for a negative parallelism or no instances at all.
                prop_assert!(wanted.iter().any(|w| *w < 0) || wanted.iter().sum::<i64>() == 0, "{}", e);
            }
            Ok(packed) => {
                let counts = component_counts(&packed.plan);
                for (i, w) in wanted.iter().enumerate() {
                    prop_assert_eq!(i64::from(counts.get(&format!("c{i}")).copied().unwrap_or(0)), *w);
                }
                let total: i64 = wanted.iter().sum();
                let per = f64::from(shape.total()) / f64::from(shape.stmgrs);
                prop_assert_eq!(packed.plan.container_plans.len() as i64, (total as f64 / per).ceil() as i64);
            }
        }
    }
}
