//! `.defn` decoding: any bytes as a serialized Topology (and the other state messages) must decode
//! with its required fields checked, or fail with an error, never panic.
#![no_main]

use heron_common::defn::{decode_message, validate_topology};
use heron_common::proto;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(topology) =
        decode_message::<proto::api::Topology>(data, "heron.proto.api.Topology", "fuzz")
    {
        let _ = validate_topology(&topology, "fuzz");
    }
    let _ = decode_message::<proto::system::PackingPlan>(
        data,
        "heron.proto.system.PackingPlan",
        "fuzz",
    );
    let _ = decode_message::<proto::system::ExecutionState>(
        data,
        "heron.proto.system.ExecutionState",
        "fuzz",
    );
});
