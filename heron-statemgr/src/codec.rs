//! Node bytes ⇄ Heron's protobuf messages ⇄ their JSON form.
//!
//! Reading never panics on bad bytes: anything that does not decode as the kind's message, or
//! lacks a proto2 `required` field (which Heron's Java and C++ readers refuse), is an
//! [`Error::Decode`] naming the node and the message type.

use heron_common::Error;
use heron_common::proto::{api, ckptmgr, scheduler, system, tmanager};
use prost::Message;

use crate::kind::NodeKind;

/// Runs `$body` with `$ty` bound to the message type of `$kind`.
macro_rules! with_message_type {
    ($kind:expr, $ty:ident => $body:expr) => {
        with_message_type!(@each $kind, $ty, $body;
            Topology => api::Topology,
            PackingPlan => system::PackingPlan,
            PhysicalPlan => system::PhysicalPlan,
            ExecutionState => system::ExecutionState,
            TManager => tmanager::TManagerLocation,
            MetricsCache => tmanager::MetricsCacheLocation,
            Scheduler => scheduler::SchedulerLocation,
            StatefulCheckpoints => ckptmgr::StatefulConsistentCheckpoints,
        )
    };
    (@each $kind:expr, $ty:ident, $body:expr; $($variant:ident => $message:ty,)*) => {
        match $kind {
            $(NodeKind::$variant => {
                type $ty = $message;
                $body
            })*
        }
    };
}

fn decode_error(kind: NodeKind, what: &str, message: String) -> Error {
    Error::Decode {
        what: what.to_string(),
        message_type: kind.message_type(),
        message,
    }
}

/// Checks that `bytes` decode as the message of `kind`. `what` names the source (a node path, stdin).
pub fn validate(kind: NodeKind, bytes: &[u8], what: &str) -> Result<(), Error> {
    to_json(kind, bytes, what).map(|_| ())
}

/// Decodes node bytes as the message of `kind` and renders it with `render`, a serde_json
/// serializer (`to_value`, `to_string_pretty`).
macro_rules! decode_and_render {
    ($kind:expr, $bytes:expr, $what:expr, $render:path) => {{
        let (kind, bytes, what) = ($kind, $bytes, $what);
        if bytes.is_empty() {
            return Err(decode_error(
                kind,
                what,
                "the node is empty (0 bytes)".to_string(),
            ));
        }
        with_message_type!(kind, M => {
            let message: M = heron_common::defn::decode_message(bytes, kind.message_type(), what)?;
            $render(&message)
                .map_err(|e| decode_error(kind, what, format!("cannot render as JSON: {e}")))
        })
    }};
}

/// Decodes node bytes and returns the message's JSON form.
pub fn to_json(kind: NodeKind, bytes: &[u8], what: &str) -> Result<serde_json::Value, Error> {
    decode_and_render!(kind, bytes, what, serde_json::to_value)
}

/// Decodes node bytes and renders the message's JSON form, pretty, fields in `.proto` order.
pub fn to_json_pretty(kind: NodeKind, bytes: &[u8], what: &str) -> Result<String, Error> {
    decode_and_render!(kind, bytes, what, serde_json::to_string_pretty)
}

/// Parses the JSON form of the message of `kind` and encodes it as protobuf bytes.
pub fn from_json(kind: NodeKind, json: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    with_message_type!(kind, M => {
        let message: M = serde_json::from_slice(json).map_err(|e| {
            Error::BadInput(format!(
                "{what} is not the JSON form of {}: {e} (line {}, column {})",
                kind.message_type(),
                e.line(),
                e.column()
            ))
        })?;
        Ok(message.encode_to_vec())
    })
}

/// How `set` input is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// JSON if the input starts with `{`, protobuf bytes otherwise.
    Auto,
    /// The message's JSON form.
    Json,
    /// Protobuf bytes.
    Proto,
}

/// Turns `set` input into validated node bytes.
pub fn input_to_bytes(
    kind: NodeKind,
    input: &[u8],
    format: InputFormat,
    what: &str,
) -> Result<Vec<u8>, Error> {
    let looks_like_json = input.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let json = match format {
        InputFormat::Json => true,
        InputFormat::Proto => false,
        InputFormat::Auto => looks_like_json,
    };
    if json {
        from_json(kind, input, what)
    } else {
        if input.is_empty() {
            return Err(Error::BadInput(format!(
                "{what} is empty: give the {} as protobuf bytes or its JSON form",
                kind.message_type()
            )));
        }
        validate(kind, input, what)?;
        Ok(input.to_vec())
    }
}

/// Flattens a JSON value into `path: value` lines (keys sorted), for `--format text`.
pub fn to_text_lines(value: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, v, out);
                }
            }
            serde_json::Value::Array(items) => {
                if items.is_empty() {
                    out.push(format!("{prefix}: []"));
                }
                for (i, v) in items.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            serde_json::Value::String(s) => out.push(format!("{prefix}: {s}")),
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution_state() -> system::ExecutionState {
        system::ExecutionState {
            topology_name: "wc".into(),
            topology_id: "wc-1".into(),
            cluster: "local".into(),
            environ: "devel".into(),
            role: "me".into(),
            submission_time: Some(42),
            ..Default::default()
        }
    }

    #[test]
    fn json_round_trip_keeps_bytes() {
        let bytes = execution_state().encode_to_vec();
        let json = to_json(NodeKind::ExecutionState, &bytes, "x").unwrap();
        assert_eq!(json["topology_name"], "wc");
        let again = from_json(NodeKind::ExecutionState, json.to_string().as_bytes(), "x").unwrap();
        assert_eq!(again, bytes);
    }

    #[test]
    fn garbage_is_a_decode_error_naming_the_node() {
        let err = to_json(
            NodeKind::PackingPlan,
            &[0xff, 0xff, 0xff],
            "/heron/packingplans/x",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/heron/packingplans/x"), "{text}");
        assert!(text.contains("heron.proto.system.PackingPlan"), "{text}");
        assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
        assert!(
            to_json(NodeKind::Topology, &[], "n")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }

    #[test]
    fn missing_required_fields_are_refused() {
        // Only `topology_name` (field 1): Heron's readers would refuse this.
        let err = to_json(NodeKind::ExecutionState, &[0x0a, 0x02, b'w', b'c'], "n").unwrap_err();
        assert!(err.to_string().contains("topology_id"), "{err}");
    }

    #[test]
    fn auto_input_accepts_both_forms() {
        let bytes = execution_state().encode_to_vec();
        let json = to_json(NodeKind::ExecutionState, &bytes, "x")
            .unwrap()
            .to_string();
        assert_eq!(
            input_to_bytes(
                NodeKind::ExecutionState,
                json.as_bytes(),
                InputFormat::Auto,
                "stdin"
            )
            .unwrap(),
            bytes
        );
        assert_eq!(
            input_to_bytes(NodeKind::ExecutionState, &bytes, InputFormat::Auto, "stdin").unwrap(),
            bytes
        );
        let err = input_to_bytes(
            NodeKind::ExecutionState,
            b"{\"nope\": 1}",
            InputFormat::Auto,
            "stdin",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("stdin is not the JSON form"),
            "{err}"
        );
    }

    #[test]
    fn text_lines_flatten_paths() {
        let value = serde_json::json!({"a": {"b": [1, "x"]}, "c": []});
        assert_eq!(
            to_text_lines(&value),
            vec!["a.b[0]: 1", "a.b[1]: x", "c: []"]
        );
    }
}
