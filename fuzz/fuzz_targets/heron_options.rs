//! HERON_OPTIONS: decoding any text must not panic, and what `encode` accepts must come back from
//! `decode` unchanged (pairs with empty values are dropped by the Java reader, as documented).
#![no_main]

use heron_common::heron_options::{decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = decode(text);
    // Pairs from the input: `key\tvalue` lines.
    let pairs: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Ok(encoded) = encode(&pairs) {
        let expected: Vec<(String, String)> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .cloned()
            .collect();
        assert_eq!(
            decode(&encoded),
            expected,
            "round trip of {pairs:?} via {encoded:?}"
        );
    }
    // Decoding never invents separators.
    for (k, v) in decoded {
        assert!(!k.contains(',') && !k.contains('=') && !v.contains(',') && !v.contains('='));
    }
});
