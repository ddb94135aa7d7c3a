//! Heron's protobuf messages, generated from the `.proto` files under `heron-common/proto/`.
//!
//! The bytes are Heron's: same packages, field names, numbers and types, proto2 encoding. What
//! Heron's tmanager, executor and tracker read is what these types write, and the other way round.
//!
//! # JSON form
//! Every message also has a JSON form (serde), used by `heron-statemgr get/set` and between stages:
//! field names as in the `.proto`, enums by name (`"RUNNING"`), `bytes` as standard base64, optional
//! fields left out when unset, required fields always present. Unknown fields are rejected.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// `heron.proto.api`: the topology definition.
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/heron.proto.api.rs"));
}

/// `heron.proto.system`: execution state, packing plan, physical plan, status.
pub mod system {
    include!(concat!(env!("OUT_DIR"), "/heron.proto.system.rs"));
}

/// `heron.proto.scheduler`: scheduler location and requests.
pub mod scheduler {
    include!(concat!(env!("OUT_DIR"), "/heron.proto.scheduler.rs"));
}

/// `heron.proto.tmanager`: tmanager and metrics cache locations.
pub mod tmanager {
    include!(concat!(env!("OUT_DIR"), "/heron.proto.tmanager.rs"));
}

/// `heron.proto.ckptmgr`: stateful checkpoints.
pub mod ckptmgr {
    include!(concat!(env!("OUT_DIR"), "/heron.proto.ckptmgr.rs"));
}

/// serde helpers named by the generated code (see `build.rs`).
pub mod json {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    macro_rules! enum_modules {
        ($($module:ident, $module_opt:ident, $module_vec:ident => $ty:path;)*) => {$(
            pub mod $module {
                use super::*;
                pub fn serialize<S: Serializer>(value: &i32, s: S) -> Result<S::Ok, S::Error> {
                    match <$ty>::try_from(*value) {
                        Ok(v) => s.serialize_str(v.as_str_name()),
                        Err(_) => s.serialize_i32(*value),
                    }
                }
                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
                    #[derive(Deserialize)]
                    #[serde(untagged)]
                    enum NameOrNumber { Name(String), Number(i32) }
                    match NameOrNumber::deserialize(d)? {
                        NameOrNumber::Number(n) => Ok(n),
                        NameOrNumber::Name(name) => <$ty>::from_str_name(&name)
                            .map(|v| v as i32)
                            .ok_or_else(|| serde::de::Error::custom(format!(
                                "unknown {} value {name:?}", stringify!($ty)))),
                    }
                }
            }
            pub mod $module_opt {
                use super::*;
                pub fn serialize<S: Serializer>(value: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
                    match value {
                        Some(v) => $module::serialize(v, s),
                        None => s.serialize_none(),
                    }
                }
                pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
                    $module::deserialize(d).map(Some)
                }
            }
            #[allow(dead_code)]
            pub mod $module_vec {}
        )*};
    }

    enum_modules! {
        enum_topology_state, enum_topology_state_opt, enum_topology_state_vec => crate::proto::api::TopologyState;
        enum_grouping, enum_grouping_opt, enum_grouping_vec => crate::proto::api::Grouping;
        enum_custom_grouping_object_type, enum_custom_grouping_object_type_opt, enum_custom_grouping_object_type_vec => crate::proto::api::CustomGroupingObjectType;
        enum_component_object_spec, enum_component_object_spec_opt, enum_component_object_spec_vec => crate::proto::api::ComponentObjectSpec;
        enum_config_value_type, enum_config_value_type_opt, enum_config_value_type_vec => crate::proto::api::ConfigValueType;
        enum_type, enum_type_opt, enum_type_vec => crate::proto::api::Type;
        enum_status_code, enum_status_code_opt, enum_status_code_vec => crate::proto::system::StatusCode;
    }

    pub mod base64_opt {
        use super::*;
        pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match value {
                Some(bytes) => {
                    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
                }
                None => s.serialize_none(),
            }
        }
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            let text = String::deserialize(d)?;
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map(Some)
                .map_err(serde::de::Error::custom)
        }
    }

    #[allow(dead_code)]
    pub mod base64_req {}
}
