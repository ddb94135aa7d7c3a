//! Reading `.defn` files (a serialized `heron.proto.api.Topology`) and checking them.
//!
//! prost decodes proto2 messages without checking `required` fields, while Heron's Java and C++
//! readers refuse a message that lacks one. [`check_required`] walks the wire bytes of any
//! message type (by full name, from a field table build.rs generates from `proto/*.proto`) and
//! lists the missing required fields by path (`spouts[0].comp.config`). As in Java, an enum
//! value the schema does not know does not count as present. [`decode_message`] combines prost
//! decoding with that check; [`read_topology`] adds what Heron's `TopologyUtils.verifyTopology`
//! checks (a valid name, inputs that name existing streams) and unique component names.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cluster;
use crate::error::{Error, Result};
use crate::proto::api::Topology;

/// The full protobuf name of a `.defn` file's message.
pub const TOPOLOGY_TYPE: &str = "heron.proto.api.Topology";

/// A message's fields, as build.rs writes them.
#[derive(Debug)]
pub(crate) struct MessageSchema {
    name: &'static str,
    fields: &'static [FieldSchema],
}

#[derive(Debug)]
struct FieldSchema {
    number: u32,
    name: &'static str,
    label: Label,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Required,
    Optional,
    Repeated,
}

// Heron's protos have no 32-bit fixed or group fields today; the walker handles them anyway.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
enum Kind {
    Varint,
    Fixed64,
    Fixed32,
    Bytes,
    Group,
    Message(&'static str),
    Enum(&'static [i32]),
}

include!(concat!(env!("OUT_DIR"), "/heron_schema.rs"));

/// Protobuf's own default recursion limit.
const MAX_DEPTH: usize = 100;

fn schema(type_name: &str) -> Option<&'static MessageSchema> {
    let type_name = type_name.trim_start_matches('.');
    MESSAGES.iter().find(|m| m.name == type_name)
}

/// Checks that `bytes`, as the message `type_name` (`heron.proto.api.Topology`), holds every
/// proto2 `required` field, recursively. `Err` lists the missing fields by path, or says why the
/// bytes are not a valid encoding.
pub fn check_required(bytes: &[u8], type_name: &str) -> Result<(), Vec<String>> {
    let Some(message) = schema(type_name) else {
        return Err(vec![format!("unknown message type {type_name}")]);
    };
    let mut missing = Vec::new();
    walk(bytes, message, "", 0, &mut missing).map_err(|e| vec![e])?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(format!("truncated varint at byte {}", self.pos));
            };
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(format!("varint too long at byte {}", self.pos - 1));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("varint too long at byte {}", self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "truncated: {n} bytes announced at byte {} but only {} left",
                    self.pos,
                    self.bytes.len() - self.pos
                )
            })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn skip_group(&mut self, number: u32, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("groups nested too deeply".to_string());
        }
        loop {
            if self.pos >= self.bytes.len() {
                return Err(format!("truncated group {number}"));
            }
            let key = self.varint()?;
            let (n, wire) = split_key(key)?;
            if wire == 4 {
                return if n == number {
                    Ok(())
                } else {
                    Err(format!("mismatched end of group {number}"))
                };
            }
            self.skip(n, wire, depth + 1)?;
        }
    }

    fn skip(&mut self, number: u32, wire: u8, depth: usize) -> Result<(), String> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.take(8).map(|_| ()),
            2 => {
                let len = self.len()?;
                self.take(len).map(|_| ())
            }
            3 => self.skip_group(number, depth),
            5 => self.take(4).map(|_| ()),
            other => Err(format!("invalid wire type {other} at byte {}", self.pos)),
        }
    }

    fn len(&mut self) -> Result<usize, String> {
        let len = self.varint()?;
        usize::try_from(len).map_err(|_| format!("length {len} too large at byte {}", self.pos))
    }
}

fn split_key(key: u64) -> Result<(u32, u8), String> {
    let wire = (key & 7) as u8;
    let number = key >> 3;
    if number == 0 || number > 536_870_911 {
        return Err(format!("invalid field number {number}"));
    }
    Ok((number as u32, wire))
}

fn walk(
    bytes: &[u8],
    message: &MessageSchema,
    path: &str,
    depth: usize,
    missing: &mut Vec<String>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("messages nested deeper than {MAX_DEPTH} at {path}"));
    }
    let mut reader = Reader { bytes, pos: 0 };
    let mut present: BTreeSet<u32> = BTreeSet::new();
    // Repeated messages: each element on its own; singular messages: occurrences merge, which
    // for the wire format is the concatenation of their bytes.
    let mut elements: Vec<(u32, usize, &[u8])> = Vec::new();
    let mut singular: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut counts: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    let at = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    while reader.pos < bytes.len() {
        let start = reader.pos;
        let (number, wire) = split_key(reader.varint()?)
            .map_err(|e| format!("{e} at byte {start} of {}", display(path)))?;
        let Some(field) = message.fields.iter().find(|f| f.number == number) else {
            reader.skip(number, wire, depth)?;
            continue;
        };
        let expected = match field.kind {
            Kind::Varint | Kind::Enum(_) => 0,
            Kind::Fixed64 => 1,
            Kind::Bytes | Kind::Message(_) => 2,
            Kind::Group => 3,
            Kind::Fixed32 => 5,
        };
        if wire != expected {
            // Packed repeated scalars come length-delimited.
            if wire == 2 && field.label == Label::Repeated && expected != 2 && expected != 3 {
                reader.skip(number, wire, depth)?;
                present.insert(number);
                continue;
            }
            return Err(format!(
                "field `{}` has wire type {wire}, expected {expected} (byte {start})",
                at(field.name)
            ));
        }
        match field.kind {
            Kind::Enum(values) => {
                let value = reader.varint()? as i64;
                // Java keeps an unknown enum value as an unknown field: the field stays unset.
                if values
                    .iter()
                    .any(|v| i64::from(*v) == value || i64::from(*v) == value as i32 as i64)
                {
                    present.insert(number);
                }
            }
            Kind::Message(type_name) => {
                let len = reader.len()?;
                let body = reader.take(len)?;
                present.insert(number);
                if schema(type_name).is_some() {
                    if field.label == Label::Repeated {
                        let index = counts.entry(number).or_insert(0);
                        elements.push((number, *index, body));
                        *index += 1;
                    } else if let Some((_, buf)) = singular.iter_mut().find(|(n, _)| *n == number) {
                        buf.extend_from_slice(body);
                    } else {
                        singular.push((number, body.to_vec()));
                    }
                }
            }
            _ => {
                reader.skip(number, wire, depth)?;
                present.insert(number);
            }
        }
    }
    for field in message.fields.iter().filter(|f| f.label == Label::Required) {
        if !present.contains(&field.number) {
            missing.push(at(field.name));
        }
    }
    for (number, body) in &singular {
        if let Some(field) = message.fields.iter().find(|f| f.number == *number)
            && let Kind::Message(type_name) = field.kind
            && let Some(sub) = schema(type_name)
        {
            walk(body, sub, &at(field.name), depth + 1, missing)?;
        }
    }
    for (number, index, body) in elements {
        if let Some(field) = message.fields.iter().find(|f| f.number == number)
            && let Kind::Message(type_name) = field.kind
            && let Some(sub) = schema(type_name)
        {
            walk(
                body,
                sub,
                &format!("{}[{index}]", at(field.name)),
                depth + 1,
                missing,
            )?;
        }
    }
    Ok(())
}

fn display(path: &str) -> &str {
    if path.is_empty() { "the message" } else { path }
}

/// Decodes `bytes` as message `M` (full protobuf name `type_name`) and checks its required
/// fields. `what` names the input in errors (a file, a state node path).
pub fn decode_message<M: prost::Message + Default>(
    bytes: &[u8],
    type_name: &'static str,
    what: &str,
) -> Result<M> {
    let message = M::decode(bytes).map_err(|e| Error::Decode {
        what: what.to_string(),
        message_type: type_name,
        message: format!(
            "not a valid protobuf encoding ({e}); the data is truncated or not this message type"
        ),
    })?;
    check_required(bytes, type_name).map_err(|problems| Error::Decode {
        what: what.to_string(),
        message_type: type_name,
        message: if problems.iter().all(|p| !p.contains(' ')) {
            format!("missing required field(s): {}", problems.join(", "))
        } else {
            problems.join("; ")
        },
    })?;
    Ok(message)
}

/// Reads and checks a `.defn` file: decoding, required fields and [`validate_topology`].
pub fn read_topology(path: &Path) -> Result<Topology> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io("cannot read topology definition", path, e))?;
    decode_topology(&bytes, &path.display().to_string())
}

/// Decodes and checks (as [`validate_topology`]) a `.defn`'s bytes; `what` names their source. An
/// empty file gets its own message rather than "missing required fields".
pub fn decode_topology(bytes: &[u8], what: &str) -> Result<Topology> {
    if bytes.is_empty() {
        return Err(Error::Decode {
            what: what.to_string(),
            message_type: TOPOLOGY_TYPE,
            message: "the file is empty; the topology program did not write its definition"
                .to_string(),
        });
    }
    let topology: Topology = decode_message(bytes, TOPOLOGY_TYPE, what)?;
    validate_topology(&topology, what)?;
    Ok(topology)
}

/// What Heron checks of a topology: a valid name, a non-empty id, unique component names, and
/// bolt inputs that name streams some component outputs.
pub fn validate_topology(topology: &Topology, what: &str) -> Result<()> {
    let bad = |message: String| Error::Decode {
        what: what.to_string(),
        message_type: TOPOLOGY_TYPE,
        message,
    };
    cluster::validate_topology_name(&topology.name).map_err(|e| bad(e.to_string()))?;
    if topology.id.trim().is_empty() {
        return Err(bad("the topology id is empty".to_string()));
    }
    if crate::proto::api::TopologyState::try_from(topology.state).is_err() {
        return Err(bad(format!("invalid topology state {}", topology.state)));
    }
    let mut names = BTreeSet::new();
    let components = topology
        .spouts
        .iter()
        .map(|s| &s.comp)
        .chain(topology.bolts.iter().map(|b| &b.comp));
    for comp in components {
        if comp.name.is_empty() {
            return Err(bad("a component has an empty name".to_string()));
        }
        if !names.insert(comp.name.as_str()) {
            return Err(bad(format!(
                "component name `{}` is used more than once",
                comp.name
            )));
        }
    }
    let mut outputs = BTreeSet::new();
    for stream in topology
        .spouts
        .iter()
        .flat_map(|s| &s.outputs)
        .chain(topology.bolts.iter().flat_map(|b| &b.outputs))
    {
        outputs.insert((
            stream.stream.component_name.as_str(),
            stream.stream.id.as_str(),
        ));
    }
    for bolt in &topology.bolts {
        for input in &bolt.inputs {
            let key = (
                input.stream.component_name.as_str(),
                input.stream.id.as_str(),
            );
            if !outputs.contains(&key) {
                return Err(bad(format!(
                    "bolt `{}` reads stream `{}/{}`, which no component outputs",
                    bolt.comp.name, key.0, key.1
                )));
            }
        }
    }
    Ok(())
}
