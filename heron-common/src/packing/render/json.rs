//! The `json` rendering: one JSON document, in Heron's shape for a submit and as one document
//! (not Heron's two) for an update.

use serde::Serialize;

use super::diff::{ContainerChange, diff_plans};
use super::{sorted_containers, sorted_instances};
use crate::proto::system::{PackingPlan, Resource};

#[derive(Serialize)]
struct JsonResources {
    cpu: f64,
    ram: i64,
    disk: i64,
}

impl From<&Resource> for JsonResources {
    fn from(r: &Resource) -> JsonResources {
        JsonResources {
            cpu: r.cpu,
            ram: r.ram,
            disk: r.disk,
        }
    }
}

#[derive(Serialize)]
struct JsonInstance<'a> {
    component: &'a str,
    id: i32,
    index: i32,
    resources: JsonResources,
}

#[derive(Serialize)]
struct JsonContainer<'a> {
    id: i32,
    resources: JsonResources,
    components: Vec<JsonInstance<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonPlan<'a> {
    packing_class: &'a str,
    topology: &'a str,
    containers: Vec<JsonContainer<'a>>,
}

fn json_containers(plan: &PackingPlan) -> Vec<JsonContainer<'_>> {
    sorted_containers(plan)
        .into_iter()
        .map(|c| JsonContainer {
            id: c.id,
            resources: (&c.required_resource).into(),
            components: sorted_instances(c)
                .into_iter()
                .map(|i| JsonInstance {
                    component: &i.component_name,
                    id: i.task_id,
                    index: i.component_index,
                    resources: (&i.resource).into(),
                })
                .collect(),
        })
        .collect()
}

fn to_json_line(value: &impl Serialize) -> String {
    // Only plain structs of strings and numbers are serialized; that cannot fail.
    let mut text = serde_json::to_string(value)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    text.push('\n');
    text
}

/// The submit dry run as one JSON document (Heron's shape):
/// `{"packingClass", "topology", "containers": [{"id", "resources": {"cpu", "ram", "disk"},
/// "components": [{"component", "id" (task id), "index", "resources"}]}]}`; bytes for RAM and disk.
pub fn render_json(plan: &PackingPlan, topology_name: &str, packing_class: &str) -> String {
    to_json_line(&JsonPlan {
        packing_class,
        topology: topology_name,
        containers: json_containers(plan),
    })
}

#[derive(Serialize)]
struct JsonChange {
    id: i32,
    change: ContainerChange,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonPlanBody<'a> {
    containers: Vec<JsonContainer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonUpdate<'a> {
    topology: &'a str,
    repacking_class: &'a str,
    new_packing_plan: JsonPlanBody<'a>,
    old_packing_plan: JsonPlanBody<'a>,
    container_changes: Vec<JsonChange>,
}

/// The update dry run as one JSON document: `{"topology", "repackingClass", "newPackingPlan":
/// {"containers": …}, "oldPackingPlan": {"containers": …}, "containerChanges": [{"id", "change"}]}`.
pub fn render_update_json(
    old: &PackingPlan,
    new: &PackingPlan,
    topology_name: &str,
    repacking_class: &str,
) -> String {
    to_json_line(&JsonUpdate {
        topology: topology_name,
        repacking_class,
        new_packing_plan: JsonPlanBody {
            containers: json_containers(new),
        },
        old_packing_plan: JsonPlanBody {
            containers: json_containers(old),
        },
        container_changes: diff_plans(old, new)
            .into_iter()
            .map(|d| JsonChange {
                id: d.id,
                change: d.change,
            })
            .collect(),
    })
}
