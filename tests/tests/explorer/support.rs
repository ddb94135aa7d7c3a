//! Helpers of the `heron explorer` end-to-end tests (e2e_explorer.rs, e2e_explorer_status.rs):
//! running the explorer and finding a check in its status report. Submitting, state nodes, the
//! physical plan and the stand-ins come from `heron_tests::prelude`. Included with `#[path]` (in a
//! folder, so cargo does not build it alone).
#![allow(dead_code)]

use std::process::Command;

use heron_tests::prelude::*;
use serde_json::Value;

pub fn explorer(s: &Stand, args: &[&str]) -> Command {
    s.heron("explorer", args)
}

/// `heron explorer ... --format json`, asserting its exit code.
pub fn explore_json(s: &Stand, args: &[&str], want: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    json_of(&run_expect(explorer(s, &all), want))
}

pub fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report}"))
}
