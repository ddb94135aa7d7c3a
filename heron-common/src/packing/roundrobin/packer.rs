//! The pack itself: instances dealt to containers in turn (largest mapped RAM first), their RAM
//! and CPU from [`super::shares`], the container totals with padding and hints, and the 16 MiB
//! floor every instance needs.

use std::collections::HashMap;

use super::inputs::{component_map, ram_padding};
use super::shares::Budget;
use super::{CPU_PADDING, DISK_PADDING, MAX_INSTANCES, MIN_INSTANCE_RAM, NOT_SPECIFIED};
use crate::error::{Error, Result};
use crate::packing::units::{format_bytes, java_round};
use crate::packing::{Packed, PackingDefaults};
use crate::proto::api::Topology;
use crate::proto::system::{ContainerPlan, InstancePlan, PackingPlan, Resource};
use crate::topology::{self, keys};

/// One instance placed in a container.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub(super) component: String,
    pub(super) task_id: i32,
    pub(super) index: i32,
}

pub(super) struct Packer<'a> {
    topology: &'a Topology,
    defaults: &'a PackingDefaults,
    ram_padding: i64,
}

impl<'a> Packer<'a> {
    /// A packer for this topology, with its RAM padding read.
    pub(super) fn new(topology: &'a Topology, defaults: &'a PackingDefaults) -> Result<Packer<'a>> {
        Ok(Packer {
            topology,
            defaults,
            ram_padding: ram_padding(topology)?,
        })
    }
}

impl Packer<'_> {
    pub(super) fn bad(&self, message: String) -> Error {
        Error::BadInput(format!("topology '{}': {message}", self.topology.name))
    }

    pub(super) fn pack(
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
                        crate::packing::config_keys::INSTANCE_RAM,
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

    pub(super) fn overflow(&self) -> Error {
        self.bad(
            "container resources overflow a 64-bit byte count; check the RAM and disk settings"
                .into(),
        )
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
