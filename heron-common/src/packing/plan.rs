//! Reading packing plans: the resources Aurora is asked for, the executor's RAM map, instance
//! counts and parallelism changes.

use std::collections::BTreeMap;

use crate::config::format_java_double;
use crate::error::{Error, Result};
use crate::proto::api::Topology;
use crate::proto::system::{PackingPlan, Resource};
use crate::topology;

/// The largest CPU, RAM and disk over all containers (each one's scheduled resource if set, else
/// its required resource). All zero for a plan without containers.
pub fn max_container_resource(plan: &PackingPlan) -> Resource {
    let mut max = Resource {
        cpu: 0.0,
        ram: 0,
        disk: 0,
    };
    for container in &plan.container_plans {
        let r = container
            .scheduled_resource
            .as_ref()
            .unwrap_or(&container.required_resource);
        max.cpu = max.cpu.max(r.cpu);
        max.ram = max.ram.max(r.ram);
        max.disk = max.disk.max(r.disk);
    }
    max
}

/// A copy whose every container is scheduled with [`max_container_resource`]: an Aurora job has
/// one resource stanza for all its tasks. This is the plan Heron stores in `/packingplans`.
pub fn homogeneous(plan: &PackingPlan) -> PackingPlan {
    let max = max_container_resource(plan);
    let mut copy = plan.clone();
    for container in &mut copy.container_plans {
        container.scheduled_resource = Some(max);
    }
    copy
}

/// Instances per component in the plan.
pub fn component_counts(plan: &PackingPlan) -> BTreeMap<String, u32> {
    let mut counts = BTreeMap::new();
    for instance in plan.container_plans.iter().flat_map(|c| &c.instance_plans) {
        *counts.entry(instance.component_name.clone()).or_insert(0) += 1;
    }
    counts
}

/// The executor's `--component-ram-map` / `heron.runtime.component.rammap`: for each component,
/// the smallest per-instance RAM in any container, as `comp:bytes,comp:bytes`.
///
/// Components come in the order Heron's `HashMap<String, …>` iterates them (by Java string hash,
/// which we reproduce), so the text matches Heron's; components whose hashes share a bucket follow
/// container-then-task-id order. Empty for a plan without instances.
pub fn component_ram_distribution(plan: &PackingPlan) -> String {
    let mut containers: Vec<_> = plan.container_plans.iter().collect();
    containers.sort_by_key(|c| c.id);
    let mut smallest: Vec<(String, i64)> = Vec::new();
    for container in containers {
        let mut instances: Vec<_> = container.instance_plans.iter().collect();
        instances.sort_by_key(|i| i.task_id);
        for instance in instances {
            let ram = instance.resource.ram;
            match smallest
                .iter_mut()
                .find(|(n, _)| *n == instance.component_name)
            {
                Some((_, r)) => *r = (*r).min(ram),
                None => smallest.push((instance.component_name.clone(), ram)),
            }
        }
    }
    let order = java_hashmap_order(smallest.iter().map(|(n, _)| n.as_str()));
    order
        .into_iter()
        .map(|i| format!("{}:{}", smallest[i].0, smallest[i].1))
        .collect::<Vec<_>>()
        .join(",")
}

/// Java's `String.hashCode`.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The iteration order of a `java.util.HashMap` into which these distinct keys were put in this
/// order: by bucket (spread hash masked by the table size, which doubles past 3/4 full or when a
/// bucket of a small table reaches 9 entries), then insertion order within a bucket.
fn java_hashmap_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let spread = |s: &str| {
        let h = java_string_hash(s) as u32;
        h ^ (h >> 16)
    };
    let mut capacity = 16usize;
    let mut buckets: Vec<Vec<(usize, u32)>> = vec![Vec::new(); capacity];
    let resize = |buckets: &mut Vec<Vec<(usize, u32)>>, capacity: &mut usize| {
        *capacity *= 2;
        let mut grown: Vec<Vec<(usize, u32)>> = vec![Vec::new(); *capacity];
        for entry in buckets.iter().flatten() {
            grown[entry.1 as usize & (*capacity - 1)].push(*entry);
        }
        *buckets = grown;
    };
    for (size, key) in keys.enumerate() {
        let h = spread(key);
        let bucket = h as usize & (capacity - 1);
        buckets[bucket].push((size, h));
        if buckets[bucket].len() >= 9 && capacity < 64 {
            resize(&mut buckets, &mut capacity);
        }
        if size + 1 > capacity * 3 / 4 {
            resize(&mut buckets, &mut capacity);
        }
    }
    buckets.into_iter().flatten().map(|(i, _)| i).collect()
}

/// The values Aurora's job is bound with (heron-aurora.md §2.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuroraResources {
    /// `CPUS_PER_CONTAINER`: the largest container CPU as Java's `Double.toString` writes it.
    pub cpus: String,
    /// `RAM_PER_CONTAINER`: the largest container RAM in bytes.
    pub ram_bytes: i64,
    /// `DISK_PER_CONTAINER`: the largest container disk in bytes.
    pub disk_bytes: i64,
    /// `NUM_CONTAINERS`: `1 + topology.stmgrs` (container 0 runs the tmanager).
    pub num_containers: i32,
}

impl AuroraResources {
    /// The four `(binding name, value)` pairs.
    pub fn bindings(&self) -> [(&'static str, String); 4] {
        [
            ("NUM_CONTAINERS", self.num_containers.to_string()),
            ("CPUS_PER_CONTAINER", self.cpus.clone()),
            ("RAM_PER_CONTAINER", self.ram_bytes.to_string()),
            ("DISK_PER_CONTAINER", self.disk_bytes.to_string()),
        ]
    }
}

/// The Aurora resource bindings for a plan and its topology: every task gets the largest
/// container's resources, and the job has `1 + topology.stmgrs` tasks.
///
/// Fails when the plan has no containers (Heron's scheduler refuses to schedule it).
pub fn aurora_resources(plan: &PackingPlan, topology: &Topology) -> Result<AuroraResources> {
    if plan.container_plans.is_empty() {
        return Err(Error::BadInput(format!(
            "topology '{}': the packing plan has no containers, so there is nothing to schedule",
            topology.name
        )));
    }
    let max = max_container_resource(plan);
    Ok(AuroraResources {
        cpus: format_java_double(max.cpu),
        ram_bytes: max.ram,
        disk_bytes: max.disk,
        num_containers: topology::num_containers(topology)?,
    })
}

/// The change per component that `heron update --component-parallelism` asks for: requested −
/// current instance count, leaving out components that do not change.
///
/// Fails on a component the plan does not have, listing the ones it has. An empty result means
/// the request changes nothing (Heron refuses such an update).
pub fn parallelism_deltas(
    plan: &PackingPlan,
    requested: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, i32>> {
    let counts = component_counts(plan);
    let mut deltas = BTreeMap::new();
    for (name, wanted) in requested {
        let Some(current) = counts.get(name) else {
            return Err(Error::BadInput(format!(
                "component '{name}' is not in the topology's packing plan; components: {}",
                counts
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        let delta = i64::from(*wanted) - i64::from(*current);
        let delta = i32::try_from(delta).map_err(|_| {
            Error::BadInput(format!(
                "parallelism {wanted} for component '{name}' is too large"
            ))
        })?;
        if delta != 0 {
            deltas.insert(name.clone(), delta);
        }
    }
    Ok(deltas)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values were printed by Java 17 (`String.hashCode`, `new HashMap<>()` + `put` in
    // the given order, then `keySet()`).

    #[test]
    fn java_string_hashes() {
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("word"), 3_655_434);
        assert_eq!(java_string_hash("exclaim1"), 1_993_464_296);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash("Aa"), java_string_hash("BB"));
    }

    fn order(keys: &[&str]) -> Vec<String> {
        java_hashmap_order(keys.iter().copied())
            .into_iter()
            .map(|i| keys[i].to_string())
            .collect()
    }

    #[test]
    fn hashmap_order_matches_java() {
        assert_eq!(order(&["spout", "bolt"]), ["spout", "bolt"]);
        assert_eq!(order(&["word", "exclaim1"]), ["exclaim1", "word"]);
        assert_eq!(order(&["q", "a"]), ["q", "a"]);
        assert_eq!(order(&["b", "a"]), ["a", "b"]);
        let many: Vec<String> = (0..15).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            order(&many).join(","),
            "c11,c10,c13,c12,c14,c0,c1,c2,c3,c4,c5,c6,c7,c8,c9"
        );
        let colliding = [
            "Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa", "AaAaAa", "BBBBBB", "AaAaBB", "AaBBAa",
            "BBAaAa", "AaBBBB", "BBAaBB",
        ];
        assert_eq!(
            order(&colliding).join(","),
            "Aa,BB,AaAaAa,BBBBBB,AaAaBB,AaBBAa,BBAaAa,AaBBBB,BBAaBB,AaAa,BBBB,AaBB,BBAa"
        );
    }
}
