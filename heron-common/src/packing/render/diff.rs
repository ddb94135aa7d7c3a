//! Comparing the current and the proposed plan, container by container.

use serde::Serialize;

use crate::proto::system::{ContainerPlan, PackingPlan};

/// How a container differs between the current and the proposed plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainerChange {
    /// Same instances and required resources.
    Unaffected,
    /// In both plans, with different instances or resources.
    Modified,
    /// Only in the proposed plan (Aurora adds a task).
    New,
    /// Only in the current plan (Aurora kills a task).
    Removed,
}

impl ContainerChange {
    /// Heron's label: `UNAFFECTED`, `MODIFIED`, `NEW`, `REMOVED`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerChange::Unaffected => "UNAFFECTED",
            ContainerChange::Modified => "MODIFIED",
            ContainerChange::New => "NEW",
            ContainerChange::Removed => "REMOVED",
        }
    }
}

/// One container of an update, by id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerDiff<'a> {
    /// The container id.
    pub id: i32,
    /// What happens to it.
    pub change: ContainerChange,
    /// The container in the current plan.
    pub old: Option<&'a ContainerPlan>,
    /// The container in the proposed plan.
    pub new: Option<&'a ContainerPlan>,
}

fn same_container(a: &ContainerPlan, b: &ContainerPlan) -> bool {
    a.required_resource == b.required_resource
        && a.instance_plans.len() == b.instance_plans.len()
        && a.instance_plans
            .iter()
            .all(|i| b.instance_plans.contains(i))
}

/// Every container id of either plan, ascending, with what changes.
pub fn diff_plans<'a>(old: &'a PackingPlan, new: &'a PackingPlan) -> Vec<ContainerDiff<'a>> {
    let mut ids: Vec<i32> = old
        .container_plans
        .iter()
        .chain(&new.container_plans)
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let o = old.container_plans.iter().find(|c| c.id == id);
            let n = new.container_plans.iter().find(|c| c.id == id);
            let change = match (o, n) {
                (Some(o), Some(n)) if same_container(o, n) => ContainerChange::Unaffected,
                (Some(_), Some(_)) => ContainerChange::Modified,
                (None, _) => ContainerChange::New,
                (Some(_), None) => ContainerChange::Removed,
            };
            ContainerDiff {
                id,
                change,
                old: o,
                new: n,
            }
        })
        .collect()
}
