//! Cluster config YAML: any bytes as a config file must give a config or an error naming the file,
//! never a panic, a hang or unbounded memory (anchors/aliases, deep nesting).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.yaml");
    if let Ok(entries) = heron_common::config::yaml::parse_document(text, path) {
        // What the loader does next with each value: the type check of known keys.
        for entry in &entries {
            let _ = heron_common::config::check_type(&entry.key, &entry.value, Some(path));
        }
    }
    let _ = heron_common::config::yaml::parse_value(text, path);
});
