//! The Aurora bindings (heron-aurora.md §2.2): every value `heron-aurora-render` fills into the
//! job template, `TOPOLOGY_ARGUMENTS` (the executor's flags, [`super::executor_flags`]) among
//! them; and which template it renders.

use std::collections::BTreeMap;

use heron_common::config::Config;
use heron_common::proto::api::Topology;

use super::executor_flags::{ExecutorInputs, executor_args, key_or};

/// `TIER`: `preferred` in `prod`, else `preemptible`.
pub fn tier(environ: &str) -> &'static str {
    if environ == "prod" {
        "preferred"
    } else {
        "preemptible"
    }
}

/// What the bindings need besides the config and the topology.
#[derive(Debug, Clone)]
pub struct BindingInputs<'a> {
    /// Executor inputs (cluster, role, env, files).
    pub executor: ExecutorInputs<'a>,
    /// The uploaded package's URI.
    pub package_uri: &'a str,
    /// `NUM_CONTAINERS`, `CPUS_PER_CONTAINER`, `RAM_PER_CONTAINER`, `DISK_PER_CONTAINER`.
    pub resources: &'a heron_common::packing::AuroraResources,
}

/// Every binding Heron passes to `aurora job create` (§2.2), by name.
pub fn bindings(
    config: &Config,
    topology: &Topology,
    inputs: &BindingInputs<'_>,
) -> BTreeMap<String, String> {
    let e = &inputs.executor;
    let mut b = BTreeMap::new();
    b.insert("CLUSTER".to_string(), e.cluster.to_string());
    b.insert("ROLE".to_string(), e.role.to_string());
    b.insert("ENVIRON".to_string(), e.environ.to_string());
    b.insert("TOPOLOGY_NAME".to_string(), topology.name.clone());
    for (name, value) in inputs.resources.bindings() {
        b.insert(name.to_string(), value);
    }
    b.insert("TIER".to_string(), tier(e.environ).to_string());
    b.insert(
        "EXECUTOR_BINARY".to_string(),
        key_or(
            config,
            "heron.binaries.executor",
            "./heron-core/bin/heron-executor",
        ),
    );
    b.insert(
        "CORE_PACKAGE_URI".to_string(),
        key_or(
            config,
            "heron.package.core.uri",
            "./heron-core/dist/heron-core.tar.gz",
        ),
    );
    b.insert(
        "TOPOLOGY_PACKAGE_URI".to_string(),
        inputs.package_uri.to_string(),
    );
    b.insert(
        "TOPOLOGY_ARGUMENTS".to_string(),
        executor_args(config, topology, e).join(" "),
    );
    for (i, value) in scheduler_properties(config).into_iter().skip(1).enumerate() {
        b.insert(format!("AURORA_METADATA_{}", i + 1), value);
    }
    b
}

/// `heron.scheduler.properties` split on `,` (element 0 names an alternate template).
pub fn scheduler_properties(config: &Config) -> Vec<String> {
    match config.get_str("heron.scheduler.properties") {
        Ok(Some(v)) if !v.is_empty() => v.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// The template file to pass to the render stage, or `None` for its built-in template.
///
/// A template the user named (`heron.scheduler.job.template`, or an alternate one through
/// `heron.scheduler.properties`) is always passed, so a missing file is an error naming it. The
/// default `<conf>/heron.aurora` is passed only when it exists: a folder without one renders
/// the built-in template, as `heron-aurora-render` itself would.
pub fn chosen_template(
    local_config: &Config,
    cluster_conf_dir: &std::path::Path,
) -> Option<std::path::PathBuf> {
    let named = matches!(
        local_config.get_str("heron.scheduler.job.template"),
        Ok(Some(v)) if !v.trim().is_empty()
    ) || scheduler_properties(local_config)
        .first()
        .is_some_and(|first| !first.is_empty());
    let path = template_path(local_config, cluster_conf_dir);
    (named || path.is_file()).then_some(path)
}

/// The job template: `heron.scheduler.job.template`, else `<conf>/heron.aurora`; the first
/// element of `heron.scheduler.properties` replaces `heron.aurora` in that path.
pub fn template_path(
    local_config: &Config,
    cluster_conf_dir: &std::path::Path,
) -> std::path::PathBuf {
    let base = match local_config.get_str("heron.scheduler.job.template") {
        Ok(Some(v)) if !v.trim().is_empty() => v,
        _ => cluster_conf_dir.join("heron.aurora").display().to_string(),
    };
    match scheduler_properties(local_config).first() {
        Some(first) if !first.is_empty() => {
            std::path::PathBuf::from(base.replace("heron.aurora", first))
        }
        _ => std::path::PathBuf::from(base),
    }
}

/// The package type Heron's executor expects for a topology file.
pub fn pkg_type(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".jar") {
        "jar"
    } else if lower.ends_with(".tar") || lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        "tar"
    } else if lower.ends_with(".pex") || lower.ends_with(".py") {
        "pex"
    } else if lower.ends_with(".so") {
        "so"
    } else if lower.ends_with(".dylib") {
        "dylib"
    } else {
        "jar"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::submit::executor_flags::tests::{cfg, inputs};
    use heron_common::config::Value;
    use heron_common::topology::TopologyBuilder;

    #[test]
    fn bindings_include_metadata_and_core_uri() {
        let t = TopologyBuilder::new("wc")
            .id("x")
            .spout("s", 2)
            .config("topology.stmgrs", "2")
            .build();
        let mut c = cfg();
        c.set_str("heron.package.core.uri", "file:///dist/heron-core.tar.gz");
        c.set(
            "heron.scheduler.properties",
            Value::String("alt.aurora,m1,m2".into()),
            None,
        );
        let res = heron_common::packing::AuroraResources {
            cpus: "3.0".into(),
            ram_bytes: 4294967296,
            disk_bytes: 15032385536,
            num_containers: 3,
        };
        let i = BindingInputs {
            executor: inputs(),
            package_uri: "file:///pkg.tar.gz",
            resources: &res,
        };
        let b = bindings(&c, &t, &i);
        assert_eq!(b["NUM_CONTAINERS"], "3");
        assert_eq!(b["CPUS_PER_CONTAINER"], "3.0");
        assert_eq!(b["RAM_PER_CONTAINER"], "4294967296");
        assert_eq!(b["CORE_PACKAGE_URI"], "file:///dist/heron-core.tar.gz");
        assert_eq!(b["EXECUTOR_BINARY"], "./heron-core/bin/heron-executor");
        assert_eq!(b["AURORA_METADATA_1"], "m1");
        assert_eq!(b["AURORA_METADATA_2"], "m2");
        assert_eq!(b["TIER"], "preemptible");
        assert!(b["TOPOLOGY_ARGUMENTS"].starts_with("--topology-name=wc --topology-id=x "));
        assert_eq!(
            template_path(&c, std::path::Path::new("/c/dc")),
            std::path::PathBuf::from("/c/dc/alt.aurora")
        );
    }

    #[test]
    fn the_default_template_is_passed_only_when_it_exists_a_named_one_always() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg();
        assert_eq!(
            chosen_template(&c, dir.path()),
            None,
            "no heron.aurora: built-in"
        );
        std::fs::write(dir.path().join("heron.aurora"), "x").unwrap();
        assert_eq!(
            chosen_template(&c, dir.path()),
            Some(dir.path().join("heron.aurora"))
        );
        let empty = tempfile::tempdir().unwrap();
        let mut named = cfg();
        named.set_str("heron.scheduler.job.template", "/site/job.aurora");
        assert_eq!(
            chosen_template(&named, empty.path()),
            Some(std::path::PathBuf::from("/site/job.aurora")),
            "a named template is passed even when missing, so its absence is reported"
        );
        let mut alt = cfg();
        alt.set_str("heron.scheduler.properties", "alt.aurora");
        assert_eq!(
            chosen_template(&alt, empty.path()),
            Some(empty.path().join("alt.aurora"))
        );
    }
}
