//! Our YAML topology format (docs/topology-yaml.md): a topology written as data, turned into
//! Heron's `Topology` protobuf without running any JVM or Python.
//!
//! Components name their implementation by class (`JAVA_CLASS_NAME` or `PYTHON_CLASS_NAME`
//! spec); the instances load the class at run time from the topology's classpath. Output streams
//! and their schemas are derived from the `streams` list: every stream a bolt consumes is declared
//! by its producer, with the fields the groupings use (plus any `fields` declared on the producer).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use heron_common::proto::api::{
    Bolt, Component, ComponentObjectSpec, Config as TopologyConfig, ConfigValueType, Grouping,
    InputStream, OutputStream, Spout, StreamId, StreamSchema, Topology, TopologyState,
    config::KeyValue, stream_schema::KeyType,
};
use serde::Deserialize;

/// The YAML document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyFile {
    /// The topology name.
    pub name: String,
    /// Topology-wide config (`topology.*` keys); values are kept as text.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// The spouts.
    #[serde(default)]
    pub spouts: Vec<ComponentDef>,
    /// The bolts.
    #[serde(default)]
    pub bolts: Vec<ComponentDef>,
    /// The streams between components.
    #[serde(default)]
    pub streams: Vec<StreamDef>,
}

/// A spout or bolt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDef {
    /// Component name, unique in the topology.
    pub name: String,
    /// The implementing class (Java class name, or Python `module.Class`).
    #[serde(rename = "class")]
    pub class_name: String,
    /// `java` (default) or `python`.
    #[serde(default)]
    pub language: Option<String>,
    /// Number of instances (default 1).
    #[serde(default)]
    pub parallelism: Option<u32>,
    /// Component config; values kept as text.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Output streams with their fields: `{stream-id: [field, ...]}` (optional; streams used by
    /// `streams` are declared anyway).
    #[serde(default)]
    pub outputs: BTreeMap<String, Vec<String>>,
}

/// One edge: `from` emits on `stream`, `to` consumes it with `grouping`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamDef {
    /// The producing component.
    pub from: String,
    /// The consuming bolt.
    pub to: String,
    /// The stream id (default `default`).
    #[serde(default)]
    pub stream: Option<String>,
    /// `SHUFFLE`, `FIELDS`, `ALL`, `LOWEST`, `NONE` or `DIRECT`.
    pub grouping: String,
    /// The fields, for `FIELDS` only.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Errors name the file and what to change.
#[derive(Debug, thiserror::Error)]
#[error("topology file {file}: {message}")]
pub struct YamlTopologyError {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

/// Parses and converts a YAML topology file.
pub fn load(
    path: &Path,
    initial_state: TopologyState,
    role: &str,
    environ: &str,
) -> Result<Topology, YamlTopologyError> {
    let err = |message: String| YamlTopologyError {
        file: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let parsed: TopologyFile = serde_saphyr::from_str(&text).map_err(|e| err(e.to_string()))?;
    convert(&parsed, initial_state, role, environ).map_err(err)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(value.to_string()),
        serialized_value: None,
        r#type: Some(ConfigValueType::StringValue as i32),
    }
}

/// Converts a parsed file; the id is `name` + a random UUID, as Heron's submitter makes it.
pub fn convert(
    file: &TopologyFile,
    state: TopologyState,
    role: &str,
    environ: &str,
) -> Result<Topology, String> {
    heron_common::cluster::validate_topology_name(&file.name).map_err(|e| e.to_string())?;
    if file.spouts.is_empty() {
        return Err("a topology needs at least one spout (`spouts:`)".to_string());
    }
    let mut names = BTreeSet::new();
    let spout_names: BTreeSet<&str> = file.spouts.iter().map(|c| c.name.as_str()).collect();
    let bolt_names: BTreeSet<&str> = file.bolts.iter().map(|c| c.name.as_str()).collect();
    for c in file.spouts.iter().chain(&file.bolts) {
        if !valid_name(&c.name) {
            return Err(format!(
                "invalid component name {:?}: use letters, digits, '_', '.' and '-'",
                c.name
            ));
        }
        if !names.insert(c.name.as_str()) {
            return Err(format!(
                "component name {:?} is used twice; names must be unique",
                c.name
            ));
        }
        if c.class_name.trim().is_empty() {
            return Err(format!("component {:?}: `class` is empty", c.name));
        }
        if c.parallelism == Some(0) {
            return Err(format!(
                "component {:?}: parallelism must be at least 1",
                c.name
            ));
        }
        match c.language.as_deref() {
            None | Some("java") => {}
            // Heron's Python instances import their classes from the topology's pex; a YAML file
            // ships no code, so such a topology would never start (its instances would open the
            // .yaml as a zip).
            Some("python") => {
                return Err(format!(
                    "component {:?}: language python cannot run from a YAML topology: Heron's \
                     Python instances import their classes from the topology's pex, and a YAML \
                     file ships no code. Write the topology with heronpy and submit its .py \
                     (heron builds the pex) or a .pex; YAML components are Java classes found on \
                     topology.additional.classpath",
                    c.name
                ));
            }
            Some(other) => {
                return Err(format!(
                    "component {:?}: language {other:?} is not java (the only language a YAML \
                     topology can run)",
                    c.name
                ));
            }
        }
    }

    // Inputs per bolt, and the output streams (with their fields) per producer.
    let mut inputs: BTreeMap<&str, Vec<InputStream>> = BTreeMap::new();
    let mut outputs: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for c in file.spouts.iter().chain(&file.bolts) {
        for (stream, fields) in &c.outputs {
            let entry = outputs.entry((c.name.clone(), stream.clone())).or_default();
            for f in fields {
                if !entry.contains(f) {
                    entry.push(f.clone());
                }
            }
        }
    }
    for (i, s) in file.streams.iter().enumerate() {
        let at = format!("streams[{i}] ({} -> {})", s.from, s.to);
        if !spout_names.contains(s.from.as_str()) && !bolt_names.contains(s.from.as_str()) {
            return Err(format!("{at}: `from` names no spout or bolt"));
        }
        if !bolt_names.contains(s.to.as_str()) {
            return Err(format!("{at}: `to` must name a bolt"));
        }
        let grouping = Grouping::from_str_name(&s.grouping.to_ascii_uppercase())
            .filter(|g| *g != Grouping::Custom)
            .ok_or_else(|| {
                format!(
                    "{at}: grouping {:?} is not SHUFFLE, FIELDS, ALL, LOWEST, NONE or DIRECT",
                    s.grouping
                )
            })?;
        if grouping == Grouping::Fields && s.fields.is_empty() {
            return Err(format!("{at}: a FIELDS grouping needs `fields`"));
        }
        if grouping != Grouping::Fields && !s.fields.is_empty() {
            return Err(format!("{at}: `fields` only go with a FIELDS grouping"));
        }
        let stream = s.stream.clone().unwrap_or_else(|| "default".to_string());
        let entry = outputs.entry((s.from.clone(), stream.clone())).or_default();
        for f in &s.fields {
            if !entry.contains(f) {
                entry.push(f.clone());
            }
        }
        inputs.entry(s.to.as_str()).or_default().push(InputStream {
            stream: StreamId {
                id: stream,
                component_name: s.from.clone(),
            },
            gtype: grouping as i32,
            grouping_fields: (grouping == Grouping::Fields).then(|| schema(&s.fields)),
            custom_grouping_object: None,
            r#type: None,
        });
    }
    for b in &file.bolts {
        if !inputs.contains_key(b.name.as_str()) {
            return Err(format!(
                "bolt {:?} has no input stream; add an entry to `streams`",
                b.name
            ));
        }
    }
    let outputs_of = |name: &str| -> Vec<OutputStream> {
        outputs
            .iter()
            .filter(|((c, _), _)| c == name)
            .map(|((c, s), fields)| OutputStream {
                stream: StreamId {
                    id: s.clone(),
                    component_name: c.clone(),
                },
                schema: schema(fields),
            })
            .collect()
    };

    let mut config: Vec<KeyValue> = file.config.iter().map(|(k, v)| kv(k, v)).collect();
    if !file.config.contains_key("topology.team.name") {
        config.push(kv("topology.team.name", role));
    }
    if !file.config.contains_key("topology.team.environment") {
        config.push(kv("topology.team.environment", environ));
    }
    Ok(Topology {
        id: format!("{}{}", file.name, uuid::Uuid::new_v4()),
        name: file.name.clone(),
        spouts: file
            .spouts
            .iter()
            .map(|c| Spout {
                comp: component(c),
                outputs: outputs_of(&c.name),
            })
            .collect(),
        bolts: file
            .bolts
            .iter()
            .map(|c| Bolt {
                comp: component(c),
                inputs: inputs.remove(c.name.as_str()).unwrap_or_default(),
                outputs: outputs_of(&c.name),
            })
            .collect(),
        state: state as i32,
        topology_config: Some(TopologyConfig { kvs: config }),
    })
}

fn schema(fields: &[String]) -> StreamSchema {
    StreamSchema {
        keys: fields
            .iter()
            .map(|f| KeyType {
                key: f.clone(),
                r#type: heron_common::proto::api::Type::Object as i32,
            })
            .collect(),
    }
}

fn component(c: &ComponentDef) -> Component {
    let mut kvs: Vec<KeyValue> = c
        .config
        .iter()
        .filter(|(k, _)| k.as_str() != "topology.component.parallelism")
        .map(|(k, v)| kv(k, v))
        .collect();
    kvs.push(kv(
        "topology.component.parallelism",
        &c.parallelism.unwrap_or(1).to_string(),
    ));
    // Only Java components pass validation (see `validate`).
    let spec = ComponentObjectSpec::JavaClassName;
    Component {
        name: c.name.clone(),
        class_name: Some(c.class_name.clone()),
        serialized_object: None,
        config: TopologyConfig { kvs },
        spec: Some(spec as i32),
        cpp_class_info: None,
    }
}

/// The first component that is a Python class, if any: a topology file that ships no code (a
/// YAML file, a `.defn`) cannot run one, since Heron's Python instances import their classes
/// from the topology's pex.
pub fn first_python_component(topology: &Topology) -> Option<&str> {
    let py = ComponentObjectSpec::PythonClassName as i32;
    topology
        .spouts
        .iter()
        .map(|s| &s.comp)
        .chain(topology.bolts.iter().map(|b| &b.comp))
        .find(|c| c.spec == Some(py))
        .map(|c| c.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDCOUNT: &str = "
name: WordCount
config:
  topology.stmgrs: 2
  topology.reliability.mode: ATLEAST_ONCE
spouts:
  - name: word
    class: com.example.WordSpout
    parallelism: 2
bolts:
  - name: count
    class: com.example.CountBolt
    parallelism: 3
    config:
      my.key: 10
streams:
  - from: word
    to: count
    grouping: FIELDS
    fields: [word]
";

    fn parse(text: &str) -> Result<Topology, String> {
        let f: TopologyFile = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        convert(&f, TopologyState::Running, "ads", "devel")
    }

    #[test]
    fn wordcount_converts_with_derived_streams() {
        let t = parse(WORDCOUNT).unwrap();
        assert_eq!(t.name, "WordCount");
        assert!(
            t.id.starts_with("WordCount") && t.id.len() == "WordCount".len() + 36,
            "{}",
            t.id
        );
        assert_eq!(t.state, TopologyState::Running as i32);
        assert_eq!(
            heron_common::topology::config_value(&t, "topology.stmgrs"),
            Some("2")
        );
        assert_eq!(
            heron_common::topology::config_value(&t, "topology.team.name"),
            Some("ads")
        );
        let spout = &t.spouts[0];
        assert_eq!(
            spout.comp.class_name.as_deref(),
            Some("com.example.WordSpout")
        );
        assert_eq!(
            spout.comp.spec,
            Some(ComponentObjectSpec::JavaClassName as i32)
        );
        assert_eq!(
            heron_common::topology::component_config_value(
                &spout.comp,
                "topology.component.parallelism"
            ),
            Some("2")
        );
        assert_eq!(spout.outputs.len(), 1);
        assert_eq!(spout.outputs[0].stream.id, "default");
        assert_eq!(spout.outputs[0].schema.keys[0].key, "word");
        let bolt = &t.bolts[0];
        assert_eq!(bolt.inputs[0].gtype, Grouping::Fields as i32);
        assert_eq!(bolt.inputs[0].stream.component_name, "word");
        assert_eq!(
            bolt.inputs[0].grouping_fields.as_ref().unwrap().keys[0].key,
            "word"
        );
        assert_eq!(
            heron_common::topology::component_config_value(&bolt.comp, "my.key"),
            Some("10")
        );
        assert!(bolt.outputs.is_empty());
        assert_eq!(heron_common::topology::total_instances(&t).unwrap(), 5);
        assert_eq!(first_python_component(&t), None);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let e = parse(&WORDCOUNT.replace("grouping: FIELDS", "grouping: ROUNDROBIN")).unwrap_err();
        assert!(e.contains("ROUNDROBIN"), "{e}");
        let e = parse(&WORDCOUNT.replace("to: count", "to: word")).unwrap_err();
        assert!(e.contains("`to` must name a bolt"), "{e}");
        let e = parse(&WORDCOUNT.replace("    fields: [word]\n", "")).unwrap_err();
        assert!(e.contains("FIELDS grouping needs"), "{e}");
        let e = parse(&WORDCOUNT.replace("parallelism: 3", "parallelism: 0")).unwrap_err();
        assert!(e.contains("at least 1"), "{e}");
        let e = parse(&WORDCOUNT.replace("name: count", "name: word")).unwrap_err();
        assert!(e.contains("used twice"), "{e}");
        let e = parse(&WORDCOUNT.replace("streams:", "streamz:")).unwrap_err();
        assert!(e.contains("streamz"), "{e}");
        let e = parse("name: 'bad name'\nspouts: []\n").unwrap_err();
        assert!(e.contains("invalid topology name"), "{e}");
    }

    #[test]
    fn python_components_are_refused_since_yaml_ships_no_code() {
        let e = parse(
            "name: py\nspouts:\n  - {name: s, class: m.S, language: python}\nbolts:\n  - {name: b, class: m.B}\nstreams:\n  - {from: s, to: b, grouping: shuffle}\n",
        )
        .unwrap_err();
        assert!(
            e.contains("component \"s\": language python cannot run from a YAML topology"),
            "{e}"
        );
        assert!(e.contains("submit its .py"), "{e}");
    }

    #[test]
    fn java_components_and_shuffle() {
        let t = parse(
            "name: j\nspouts:\n  - {name: s, class: m.S, language: java}\nbolts:\n  - {name: b, class: m.B}\nstreams:\n  - {from: s, to: b, grouping: shuffle, stream: words}\n",
        )
        .unwrap();
        assert_eq!(first_python_component(&t), None);
        assert_eq!(t.bolts[0].inputs[0].gtype, Grouping::Shuffle as i32);
        assert_eq!(t.spouts[0].outputs[0].stream.id, "words");
        assert!(t.spouts[0].outputs[0].schema.keys.is_empty());
    }
}
