//! The `raw` rendering: the plan as Heron's Java objects' `toString` lays it out.

use super::{sorted_containers, sorted_instances};
use crate::packing::units::format_bytes;
use crate::proto::system::{PackingPlan, Resource};

fn raw_resource(r: &Resource) -> String {
    format!(
        "{{cpu: {:.6}, ram: ByteAmount{{{}}}, disk: ByteAmount{{{}}}}}",
        r.cpu,
        format_bytes(r.ram),
        format_bytes(r.disk)
    )
}

fn raw_plan(plan: &PackingPlan) -> String {
    let containers: Vec<String> = sorted_containers(plan)
        .into_iter()
        .map(|c| {
            let instances: Vec<String> = sorted_instances(c)
                .into_iter()
                .map(|i| {
                    format!(
                        "{{component-name: {}, task-id: {}, component-index: {}, instance-resource: {}}}",
                        i.component_name,
                        i.task_id,
                        i.component_index,
                        raw_resource(&i.resource)
                    )
                })
                .collect();
            let scheduled = c
                .scheduled_resource
                .as_ref()
                .map(|s| format!(", scheduled-resource: {}", raw_resource(s)))
                .unwrap_or_default();
            format!(
                "{{container-id: {}, instances-list: [{}], required-resource: {}{scheduled}}}",
                c.id,
                instances.join(", "),
                raw_resource(&c.required_resource)
            )
        })
        .collect();
    format!(
        "{{plan-id: {}, containers-list: [{}]}}",
        plan.id,
        containers.join(", ")
    )
}

/// The submit dry run in Heron's raw layout (its Java objects' `toString`).
pub fn render_raw(plan: &PackingPlan, topology_name: &str, packing_class: &str) -> String {
    format!(
        "Packing class: {packing_class}\nTopology: {topology_name}\nPacking plan:\n{}\n",
        raw_plan(plan)
    )
}

/// The update dry run in Heron's raw layout: the new plan, then the old one.
pub fn render_update_raw(
    old: &PackingPlan,
    new: &PackingPlan,
    topology_name: &str,
    repacking_class: &str,
) -> String {
    format!(
        "Repacking class: {repacking_class}\nTopology: {topology_name}\nNew packing plan:\n{}\nOld packing plan:\n{}\n",
        raw_plan(new),
        raw_plan(old)
    )
}
