//! The JSON documents passed between `heron` and its stages (see docs/stage-contract.md).
//!
//! # Wire format
//! Field names are snake_case; protobuf bytes are standard base64 of Heron's encoding. Readers
//! reject unknown fields, so a renamed field fails loudly instead of being dropped.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// What `heron-statemgr create` writes atomically at submit: the four nodes, as protobuf bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitState {
    /// `topologies/<name>`: a `heron.proto.api.Topology`.
    #[serde(with = "b64")]
    pub topology: Vec<u8>,
    /// `packingplans/<name>`: a `heron.proto.system.PackingPlan`.
    #[serde(with = "b64")]
    pub packing_plan: Vec<u8>,
    /// `executionstate/<name>`: a `heron.proto.system.ExecutionState`.
    #[serde(with = "b64")]
    pub execution_state: Vec<u8>,
    /// `schedulers/<name>`: a `heron.proto.scheduler.SchedulerLocation`.
    #[serde(with = "b64")]
    pub scheduler_location: Vec<u8>,
}

/// What `heron-uploader upload --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadResult {
    /// The URI the Aurora job fetches.
    pub uri: String,
    /// Package size in bytes.
    pub size: u64,
    /// Hex sha256 of the package.
    pub sha256: String,
    /// `localfs`, `hdfs` or `s3`.
    pub backend: String,
    /// Wall time of the upload.
    pub elapsed_ms: u64,
    /// False when an identical package was already at the destination.
    pub uploaded: bool,
}

/// What `heron-uploader undo --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UndoResult {
    /// `restored`, `deleted` or `nothing`.
    pub action: String,
    /// The URI that was restored or deleted.
    pub uri: String,
}

/// One topology in what `heron-statemgr dump --format json` prints (a JSON array of these): the
/// nodes asked for, each in its JSON form (`heron_common::proto`), read in one process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyNodes {
    /// The topology name.
    pub topology: String,
    /// Folder name (`topologies`, `pplans`, ...) to the node's JSON form.
    pub nodes: std::collections::BTreeMap<String, serde_json::Value>,
    /// Folders asked for that hold no node of this topology.
    pub absent: Vec<String>,
    /// Folders whose node exists but does not decode, with why; the node is in neither `nodes`
    /// nor `absent`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub errors: std::collections::BTreeMap<String, String>,
    /// Every folder holding a node of this topology when it was listed, whether asked for or
    /// not (`heron-statemgr list`'s `nodes`, `locks` left out).
    pub present: Vec<String>,
    /// Whether the update lock `locks/<topology>__updateTopology` exists.
    pub locked: bool,
}

/// serde for `Vec<u8>` as standard base64.
pub mod b64 {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Serializes bytes as base64 text.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// Deserializes base64 text to bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}
