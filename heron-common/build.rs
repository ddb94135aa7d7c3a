//! Compiles Heron's .proto files (under proto/) with protox, a pure-Rust protobuf compiler, so no
//! system `protoc` is needed. It also adds the serde attributes of the JSON form (see `src/proto.rs`):
//! enums by name, bytes as base64, optional and repeated fields may be left out, required ones may not.

use prost_types::field_descriptor_proto::{Label, Type};

const PROTOS: &[&str] = &[
    "proto/common.proto",
    "proto/topology.proto",
    "proto/execution_state.proto",
    "proto/packing_plan.proto",
    "proto/physical_plan.proto",
    "proto/scheduler.proto",
    "proto/tmanager.proto",
    "proto/ckptmgr.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let mut config = prost_build::Config::new();
    config.type_attribute(
        ".",
        "#[derive(serde::Serialize, serde::Deserialize)] #[serde(deny_unknown_fields)]",
    );
    for file in &descriptors.file {
        let package = file.package();
        for message in &file.message_type {
            add_field_attributes(&mut config, &format!(".{package}"), message);
        }
    }
    config.compile_fds(descriptors)?;
    Ok(())
}

fn add_field_attributes(
    config: &mut prost_build::Config,
    parent: &str,
    message: &prost_types::DescriptorProto,
) {
    let path = format!("{parent}.{}", message.name());
    for nested in &message.nested_type {
        add_field_attributes(config, &path, nested);
    }
    for field in &message.field {
        let field_path = format!("{path}.{}", field.name());
        let optional = field.label() == Label::Optional;
        let repeated = field.label() == Label::Repeated;
        let mut attrs = Vec::new();
        if optional {
            attrs.push("default, skip_serializing_if = \"Option::is_none\"".to_string());
        } else if repeated {
            attrs.push("default".to_string());
        }
        match field.r#type() {
            Type::Enum => {
                let enum_name = field.type_name().rsplit('.').next().unwrap_or_default();
                let suffix = match (optional, repeated) {
                    (true, _) => "_opt",
                    (_, true) => "_vec",
                    _ => "",
                };
                attrs.push(format!(
                    "with = \"crate::proto::json::enum_{}{suffix}\"",
                    snake_case(enum_name)
                ));
            }
            Type::Bytes => {
                let module = if optional { "base64_opt" } else { "base64_req" };
                attrs.push(format!("with = \"crate::proto::json::{module}\""));
            }
            _ => {}
        }
        if !attrs.is_empty() {
            config.field_attribute(&field_path, format!("#[serde({})]", attrs.join(", ")));
        }
    }
}

/// `TopologyState` -> `topology_state`, the name of the serde module for that enum.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
