//! Helpers of the `aurora` stand-in tests (standin_aurora.rs, standin_aurora_verbs.rs,
//! standin_aurora_faults.rs): the bindings Heron's AuroraScheduler passes, a job file rendered from
//! the repo's Heron-shaped fixture template, and Heron's parse of `aurora job add`. The stand-in
//! itself is driven through `heron_tests::aurora_standin::Standin`. Included with `#[path]` (in a
//! folder, so cargo does not build it alone).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use heron_tests::aurora_standin::{Ran, Standin};
use heron_tests::heron_conf;

pub const KEY: &str = "devcluster/heron/devel/wc";
pub const BATCH: [&str; 2] = ["--batch-size", "2147483647"];

/// The Heron-shaped cluster template of the fixture conf folder.
pub fn template_path() -> PathBuf {
    heron_conf::fixture("aurora").join("heron.aurora")
}

/// The bindings Heron's AuroraScheduler passes (heron-aurora.md §2.2), with realistic values.
pub fn heron_bindings(name: &str, containers: u32) -> Vec<(String, String)> {
    [
        ("CLUSTER", "devcluster".to_string()),
        ("ROLE", "heron".to_string()),
        ("ENVIRON", "devel".to_string()),
        ("TOPOLOGY_NAME", name.to_string()),
        ("NUM_CONTAINERS", containers.to_string()),
        ("CPUS_PER_CONTAINER", "2.0".to_string()),
        ("RAM_PER_CONTAINER", "2147483648".to_string()),
        ("DISK_PER_CONTAINER", "5368709120".to_string()),
        ("TIER", "preemptible".to_string()),
        ("EXECUTOR_BINARY", "./heron-core/bin/heron-executor".to_string()),
        ("CORE_PACKAGE_URI", "file:///vagrant/heron-core.tar.gz".to_string()),
        (
            "TOPOLOGY_PACKAGE_URI",
            format!("file:///tmp/repo/{name}-heron-tag-0.tar.gz"),
        ),
        (
            "TOPOLOGY_ARGUMENTS",
            format!(
                "--topology-name={name} --topology-id={name}-1f2e --instance-jvm-opts=\"LVhteDFn(61)(61)\" \
                 --classpath=libs/*:{name}.jar --cluster=devcluster --role=heron --environment=devel"
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub fn bind_args(bindings: &[(String, String)]) -> Vec<String> {
    bindings
        .iter()
        .flat_map(|(k, v)| ["--bind".to_string(), format!("{k}={v}")])
        .collect()
}

/// The template with every `{{KEY}}` replaced: what heron-aurora-render produces.
pub fn rendered(bindings: &[(String, String)]) -> String {
    let mut text = std::fs::read_to_string(template_path()).expect("read the template");
    for (k, v) in bindings {
        text = text.replace(&format!("{{{{{k}}}}}"), v);
    }
    text
}

/// `aurora job create` of a rendered Heron job file, as heron issues it.
pub trait CreateRendered {
    fn create_rendered(&self, key: &str, name: &str, containers: u32) -> Ran;
}

impl CreateRendered for Standin {
    fn create_rendered(&self, key: &str, name: &str, containers: u32) -> Ran {
        let file = self.write(
            &format!("{name}.aurora"),
            &rendered(&heron_bindings(name, containers)),
        );
        self.run(&[
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            key,
            &file,
            "--verbose",
        ])
    }
}

/// The new instance ids, parsed the way Heron's AuroraCLIController parses `aurora job add`.
pub fn heron_parse_added(output: &str) -> Option<BTreeSet<u32>> {
    let pattern = "Querying instance statuses: [";
    let start = output.find(pattern)? + pattern.len();
    let end = start + output[start..].find(']')?;
    Some(
        output[start..end]
            .split(", ")
            .map(|x| x.parse::<u32>().expect("an integer id"))
            .collect(),
    )
}
