//! `heron explorer logical-plan CLUSTER[/ROLE[/ENV]] TOPOLOGY`: the components of the stored
//! topology, with parallelism, inputs (source component, stream, grouping) and output streams
//! with the components that consume them.
//!
//! Heron's columns (`type name parallelism input output`); its `input` and `output` cells list
//! component names, here each entry also names the stream and, for inputs, the grouping.

use std::collections::BTreeMap;

use heron_common::ExitCode;
use heron_common::error::CodedError;
use heron_common::proto::api::{Grouping, StreamSchema, Topology};
use serde::Serialize;

use super::context::Explorer;
use super::snapshot::{self, Snapshot};
use super::table::{self, Cell};
use crate::cli::args::Format;
use crate::cli::args::explorer::{ComponentType, ExplorerOptions, LogicalPlanCmd};

/// One input stream of a bolt.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    /// The component the stream comes from.
    pub component: String,
    /// The stream id.
    pub stream: String,
    /// `SHUFFLE`, `FIELDS`, `ALL`, ... (Heron's `Grouping`).
    pub grouping: String,
    /// The grouping fields (FIELDS grouping).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// One output stream.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// The stream id.
    pub stream: String,
    /// Its schema's field names.
    pub fields: Vec<String>,
    /// The bolts that read it.
    pub consumers: Vec<String>,
}

/// One component (`components[]`).
#[derive(Debug, Clone, Serialize)]
pub struct ComponentRow {
    /// `spout` or `bolt`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its parallelism (see the document's `parallelism_from`); null when unknown.
    pub parallelism: Option<u64>,
    /// Its input streams (bolts).
    pub inputs: Vec<Input>,
    /// Its output streams.
    pub outputs: Vec<Output>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct LogicalPlan {
    /// The topology name.
    pub topology: String,
    /// Its id.
    pub id: String,
    /// Where the parallelism comes from: `pplans` (instances running) or `topologies` (config).
    pub parallelism_from: &'static str,
    /// The components, spouts first, in definition order.
    pub components: Vec<ComponentRow>,
}

fn field_names(schema: Option<&StreamSchema>) -> Vec<String> {
    schema
        .map(|s| s.keys.iter().map(|k| k.key.clone()).collect())
        .unwrap_or_default()
}

fn grouping_name(value: i32) -> String {
    Grouping::try_from(value)
        .map(|g| g.as_str_name().to_string())
        .unwrap_or_else(|_| value.to_string())
}

/// The plan of a topology; parallelism from `instances` (component → count) when given.
pub fn plan(topology: &Topology, instances: Option<&BTreeMap<String, u64>>) -> LogicalPlan {
    // (source component, stream) → consumers.
    let mut consumers: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for bolt in &topology.bolts {
        for input in &bolt.inputs {
            consumers
                .entry((&input.stream.component_name, &input.stream.id))
                .or_default()
                .push(bolt.comp.name.clone());
        }
    }
    let parallelism = |component: &heron_common::proto::api::Component| -> Option<u64> {
        match instances {
            Some(counts) => Some(counts.get(&component.name).copied().unwrap_or(0)),
            None => heron_common::topology::component_config_value(
                component,
                heron_common::topology::keys::COMPONENT_PARALLELISM,
            )
            .and_then(|v| v.trim().parse().ok()),
        }
    };
    let outputs = |name: &str, streams: &[heron_common::proto::api::OutputStream]| {
        streams
            .iter()
            .map(|o| Output {
                stream: o.stream.id.clone(),
                fields: field_names(Some(&o.schema)),
                consumers: consumers
                    .get(&(name, o.stream.id.as_str()))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect()
    };
    let spouts = topology.spouts.iter().map(|s| ComponentRow {
        kind: "spout",
        name: s.comp.name.clone(),
        parallelism: parallelism(&s.comp),
        inputs: Vec::new(),
        outputs: outputs(&s.comp.name, &s.outputs),
    });
    let bolts = topology.bolts.iter().map(|b| ComponentRow {
        kind: "bolt",
        name: b.comp.name.clone(),
        parallelism: parallelism(&b.comp),
        inputs: b
            .inputs
            .iter()
            .map(|i| Input {
                component: i.stream.component_name.clone(),
                stream: i.stream.id.clone(),
                grouping: grouping_name(i.gtype),
                fields: field_names(i.grouping_fields.as_ref()),
            })
            .collect(),
        outputs: outputs(&b.comp.name, &b.outputs),
    });
    LogicalPlan {
        topology: topology.name.clone(),
        id: topology.id.clone(),
        parallelism_from: if instances.is_some() {
            "pplans"
        } else {
            "topologies"
        },
        components: spouts.chain(bolts).collect(),
    }
}

fn input_cell(inputs: &[Input]) -> String {
    if inputs.is_empty() {
        return "-".to_string();
    }
    let items: Vec<String> = inputs
        .iter()
        .map(|i| {
            let fields = if i.fields.is_empty() {
                String::new()
            } else {
                format!("({})", i.fields.join(","))
            };
            format!("{}/{}:{}{fields}", i.component, i.stream, i.grouping)
        })
        .collect();
    items.join(", ")
}

fn output_cell(outputs: &[Output]) -> String {
    let mut items = Vec::new();
    for o in outputs {
        if o.consumers.is_empty() {
            items.push(o.stream.clone());
        }
        for c in &o.consumers {
            items.push(format!("{}->{c}", o.stream));
        }
    }
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(", ")
    }
}

/// The text table.
pub fn render(plan: &LogicalPlan, colour: bool) -> String {
    let rows: Vec<Vec<Cell>> = plan
        .components
        .iter()
        .map(|c| {
            vec![
                c.kind.into(),
                c.name.clone().into(),
                table::or_dash(c.parallelism).into(),
                input_cell(&c.inputs).into(),
                output_cell(&c.outputs).into(),
            ]
        })
        .collect();
    table::render(
        &["type", "name", "parallelism", "input", "output"],
        &rows,
        colour,
    )
}

/// Instances per component in a physical plan.
pub fn instance_counts(pplan: &heron_common::proto::system::PhysicalPlan) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for instance in &pplan.instances {
        *counts
            .entry(instance.info.component_name.clone())
            .or_insert(0) += 1;
    }
    counts
}

/// Keeps the components the flags ask for; an unknown `--component` is exit 3.
fn filter(plan: &mut LogicalPlan, cmd: &LogicalPlanCmd) -> anyhow::Result<()> {
    let Some(kind) = cmd.component_filter() else {
        return Err(CodedError::new(
            ExitCode::BadInput,
            "--spouts/--bolts and --component-type disagree; give one of them",
        )
        .into());
    };
    if let Some(name) = &cmd.component
        && !plan.components.iter().any(|c| &c.name == name)
    {
        let known: Vec<&str> = plan.components.iter().map(|c| c.name.as_str()).collect();
        return Err(CodedError::new(
            ExitCode::NotFound,
            format!(
                "topology '{}' has no component '{name}' (its components: {})",
                plan.topology,
                known.join(", ")
            ),
        )
        .into());
    }
    plan.components.retain(|c| {
        let kind_ok = match kind {
            ComponentType::All => true,
            ComponentType::Spouts => c.kind == "spout",
            ComponentType::Bolts => c.kind == "bolt",
        };
        kind_ok && cmd.component.as_ref().is_none_or(|n| *n == c.name)
    });
    Ok(())
}

/// Runs the view.
pub fn run(options: &ExplorerOptions, cmd: &LogicalPlanCmd) -> anyhow::Result<()> {
    let name = &cmd.target.topology;
    let ex = Explorer::setup(options, &cmd.target.cre, Some(name))?;
    let s: Snapshot = snapshot::read_one(&ex, name, &["topologies", "pplans"])?;
    let Some(topology) = s.definition() else {
        return Err(snapshot::missing_node(
            name,
            "topologies",
            "topology definition",
        ));
    };
    let counts = s.physical_plan.as_ref().map(instance_counts);
    let mut plan = plan(topology, counts.as_ref());
    filter(&mut plan, cmd)?;
    let text = render(&plan, ex.colour);
    table::emit(ex.format == Format::Json, &plan, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use heron_common::proto::api::{InputStream, OutputStream, StreamId};
    use heron_common::topology::TopologyBuilder;

    fn word_count() -> Topology {
        let mut t = TopologyBuilder::new("wc")
            .spout("word", 2)
            .bolt("count", 3)
            .build();
        let schema = StreamSchema {
            keys: vec![heron_common::proto::api::stream_schema::KeyType {
                key: "word".into(),
                r#type: heron_common::proto::api::Type::Object as i32,
            }],
        };
        t.spouts[0].outputs.push(OutputStream {
            stream: StreamId {
                id: "default".into(),
                component_name: "word".into(),
            },
            schema: schema.clone(),
        });
        t.bolts[0].inputs.push(InputStream {
            stream: StreamId {
                id: "default".into(),
                component_name: "word".into(),
            },
            gtype: Grouping::Fields as i32,
            grouping_fields: Some(schema),
            custom_grouping_object: None,
            r#type: None,
        });
        t
    }

    #[test]
    fn rows_name_streams_groupings_and_consumers() {
        let plan = plan(&word_count(), None);
        assert_eq!(plan.parallelism_from, "topologies");
        assert_eq!(
            render(&plan, false),
            concat!(
                "type   name   parallelism  input                      output\n",
                "-----  -----  -----------  -------------------------  --------------\n",
                "spout  word             2  -                          default->count\n",
                "bolt   count            3  word/default:FIELDS(word)  -\n",
            )
        );
        let counts = BTreeMap::from([("word".to_string(), 4), ("count".to_string(), 1)]);
        let plan = super::plan(&word_count(), Some(&counts));
        assert_eq!(plan.components[0].parallelism, Some(4));
        assert_eq!(plan.parallelism_from, "pplans");
    }
}
