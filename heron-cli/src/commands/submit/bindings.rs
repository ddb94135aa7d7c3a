//! The Aurora bindings (heron-aurora.md §2.2), including `TOPOLOGY_ARGUMENTS`: the
//! `heron-executor` flags in Heron's order (`SchedulerUtils.addExecutorTopologyArgs`).
//!
//! Values come from the cluster config in **cluster mode** (`./heron-core`, `./heron-conf`); a key
//! the config does not set takes Heron's built-in default, written here in its cluster-mode form.

use std::collections::BTreeMap;

use base64::Engine as _;
use heron_common::config::Config;
use heron_common::proto::api::Topology;
use heron_common::topology as topo;

/// What the executor arguments need besides the config and the topology.
#[derive(Debug, Clone)]
pub struct ExecutorInputs<'a> {
    /// The cluster, role and environment.
    pub cluster: &'a str,
    /// The role.
    pub role: &'a str,
    /// The environment.
    pub environ: &'a str,
    /// File name of the `.defn` inside the package.
    pub defn_file: &'a str,
    /// File name of the topology binary inside the package.
    pub binary_file: &'a str,
    /// `jar`, `tar`, `pex`, `so` or `dylib`.
    pub pkg_type: &'a str,
    /// `comp:bytes,...` (`heron.runtime.component.rammap`).
    pub component_ram_map: &'a str,
    /// `--verbose_gc`.
    pub verbose_gc: bool,
}

fn key_or(config: &Config, key: &str, default: &str) -> String {
    match config.get_str(key) {
        Ok(Some(v)) if !v.trim().is_empty() => v,
        _ => default.to_string(),
    }
}

/// Heron's `encodeJavaOpts`: base64 of the UTF-8 text, `=` written `(61)`, in double quotes.
pub fn encode_java_opts(opts: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(opts.as_bytes());
    format!("\"{}\"", b64.replace('=', "(61)"))
}

/// `TopologyUtils.makeClassPath`: the jar itself, `libs/*:<stem>.jar` for a tar (the jar the
/// tar holds, named after it), plus `topology.additional.classpath`. A `.yaml` or `.defn` ships
/// no code, so its classpath is the additional one alone, with no empty entry (which Java would
/// read as the current folder). Other packages (pex, so, dylib) get Heron's own form,
/// `libs/*:<file>.jar`, which their instances ignore.
pub fn class_path(topology: &Topology, binary_file: &str) -> String {
    let lower = binary_file.to_ascii_lowercase();
    let own = if lower.ends_with(".jar") {
        Some(binary_file.to_string())
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".defn") {
        None
    } else {
        let stem = crate::topology::tar_jar_stem(binary_file).unwrap_or(binary_file);
        Some(format!("libs/*:{stem}.jar"))
    };
    let extra =
        topo::config_value(topology, "topology.additional.classpath").filter(|s| !s.is_empty());
    own.into_iter()
        .chain(extra.map(str::to_string))
        .collect::<Vec<_>>()
        .join(":")
}

/// The `heron-executor` flags of `TOPOLOGY_ARGUMENTS`, in Heron's order.
pub fn executor_args(
    config: &Config,
    topology: &Topology,
    inputs: &ExecutorInputs<'_>,
) -> Vec<String> {
    let k = |key: &str, default: &str| key_or(config, key, default);
    let tv = |key: &str| topo::config_value(topology, key).unwrap_or("").to_string();
    let stateful_custom = config
        .get_map("heron.statefulstorage.config")
        .ok()
        .flatten()
        .and_then(|m| m.get("heron.statefulstorage.custom.classpath"))
        .and_then(|v| v.as_text())
        .unwrap_or_default();
    let is_stateful = tv("topology.reliability.mode") == "EFFECTIVELY_ONCE";
    let ckpt_ram = topo::config_value(topology, "topology.stateful.checkpointmanager.ram")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(1 << 30);

    let mut args: Vec<(&str, String)> = vec![
        ("topology-name", topology.name.clone()),
        ("topology-id", topology.id.clone()),
        ("topology-defn-file", inputs.defn_file.to_string()),
        (
            "state-manager-connection",
            k("heron.statemgr.connection.string", ""),
        ),
        ("state-manager-root", k("heron.statemgr.root.path", "")),
        (
            "state-manager-config-file",
            k(
                "heron.config.file.statemgr.yaml",
                "./heron-conf/statemgr.yaml",
            ),
        ),
        (
            "tmanager-binary",
            k("heron.binaries.tmanager", "./heron-core/bin/heron-tmanager"),
        ),
        (
            "stmgr-binary",
            k("heron.binaries.stmgr", "./heron-core/bin/heron-stmgr"),
        ),
        (
            "metrics-manager-classpath",
            k(
                "heron.classpath.metrics.manager",
                "./heron-core/lib/metricsmgr/*",
            ),
        ),
        (
            "instance-jvm-opts",
            encode_java_opts(&tv("topology.worker.childopts")),
        ),
        ("classpath", class_path(topology, inputs.binary_file)),
        (
            "heron-internals-config-file",
            k(
                "heron.config.file.system.yaml",
                "./heron-conf/heron_internals.yaml",
            ),
        ),
        (
            "override-config-file",
            k(
                "heron.config.file.override.yaml",
                "./heron-conf/override.yaml",
            ),
        ),
        ("component-ram-map", inputs.component_ram_map.to_string()),
        (
            "component-jvm-opts",
            encode_java_opts(&tv("topology.component.jvmopts")),
        ),
        ("pkg-type", inputs.pkg_type.to_string()),
        ("topology-binary-file", inputs.binary_file.to_string()),
        (
            "heron-java-home",
            k(
                "heron.directory.sandbox.java.home",
                "/usr/lib/jvm/default-java",
            ),
        ),
    ];
    let mut out: Vec<String> = args.drain(..).map(|(f, v)| format!("--{f}={v}")).collect();
    if inputs.verbose_gc {
        out.push("--verbose-gc".to_string());
    }
    let rest: Vec<(&str, String)> = vec![
        (
            "heron-shell-binary",
            k("heron.binaries.shell", "./heron-core/bin/heron-shell"),
        ),
        ("cluster", inputs.cluster.to_string()),
        ("role", inputs.role.to_string()),
        ("environment", inputs.environ.to_string()),
        (
            "instance-classpath",
            k("heron.classpath.instance", "./heron-core/lib/instance/*"),
        ),
        (
            "metrics-sinks-config-file",
            k(
                "heron.config.file.metrics.yaml",
                "./heron-conf/metrics_sinks.yaml",
            ),
        ),
        (
            "scheduler-classpath",
            format!(
                "{}:{}:{}",
                k("heron.classpath.scheduler", "./heron-core/lib/scheduler/*"),
                k("heron.classpath.packing", "./heron-core/lib/packing/*"),
                k("heron.classpath.statemgr", "./heron-core/lib/statemgr/*")
            ),
        ),
        (
            "python-instance-binary",
            k(
                "heron.binaries.python.instance",
                "./heron-core/bin/heron-python-instance",
            ),
        ),
        (
            "cpp-instance-binary",
            k(
                "heron.binaries.cpp.instance",
                "./heron-core/bin/heron-cpp-instance",
            ),
        ),
        (
            "metricscache-manager-classpath",
            k(
                "heron.classpath.metricscache.manager",
                "./heron-core/lib/metricscachemgr/*",
            ),
        ),
        (
            "metricscache-manager-mode",
            k("heron.topology.metricscachemgr.mode", "disabled"),
        ),
        ("is-stateful", is_stateful.to_string()),
        (
            "checkpoint-manager-classpath",
            format!(
                "{}:{}:{}",
                k("heron.classpath.ckptmgr", "./heron-core/lib/ckptmgr/*"),
                k(
                    "heron.classpath.statefulstorage",
                    "./heron-core/lib/statefulstorage/*"
                ),
                stateful_custom
            ),
        ),
        (
            "stateful-config-file",
            k(
                "heron.config.file.stateful.yaml",
                "./heron-conf/stateful.yaml",
            ),
        ),
        ("checkpoint-manager-ram", ckpt_ram.to_string()),
        (
            "health-manager-mode",
            k("heron.topology.healthmgr.mode", "disabled"),
        ),
        (
            "health-manager-classpath",
            k("heron.classpath.healthmgr", "./heron-core/lib/healthmgr/*"),
        ),
    ];
    out.extend(rest.into_iter().map(|(f, v)| format!("--{f}={v}")));
    out
}

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
    use heron_common::config::Value;
    use heron_common::topology::TopologyBuilder;

    fn inputs<'a>() -> ExecutorInputs<'a> {
        ExecutorInputs {
            cluster: "dc",
            role: "ads",
            environ: "devel",
            defn_file: "wc.defn",
            binary_file: "wc.jar",
            pkg_type: "jar",
            component_ram_map: "word:1073741824,count:1073741824",
            verbose_gc: false,
        }
    }

    fn cfg() -> Config {
        let mut c = Config::new();
        c.set_str("heron.statemgr.connection.string", "127.0.0.1:2181");
        c.set_str("heron.statemgr.root.path", "/heron");
        c
    }

    #[test]
    fn flags_in_herons_order_with_cluster_defaults() {
        let t = TopologyBuilder::new("wc")
            .id("wc-1")
            .spout("word", 1)
            .bolt("count", 1)
            .build();
        let args = executor_args(&cfg(), &t, &inputs());
        let names: Vec<&str> = args
            .iter()
            .map(|a| a.split_once('=').map_or(a.as_str(), |(n, _)| n))
            .collect();
        assert_eq!(
            names,
            vec![
                "--topology-name",
                "--topology-id",
                "--topology-defn-file",
                "--state-manager-connection",
                "--state-manager-root",
                "--state-manager-config-file",
                "--tmanager-binary",
                "--stmgr-binary",
                "--metrics-manager-classpath",
                "--instance-jvm-opts",
                "--classpath",
                "--heron-internals-config-file",
                "--override-config-file",
                "--component-ram-map",
                "--component-jvm-opts",
                "--pkg-type",
                "--topology-binary-file",
                "--heron-java-home",
                "--heron-shell-binary",
                "--cluster",
                "--role",
                "--environment",
                "--instance-classpath",
                "--metrics-sinks-config-file",
                "--scheduler-classpath",
                "--python-instance-binary",
                "--cpp-instance-binary",
                "--metricscache-manager-classpath",
                "--metricscache-manager-mode",
                "--is-stateful",
                "--checkpoint-manager-classpath",
                "--stateful-config-file",
                "--checkpoint-manager-ram",
                "--health-manager-mode",
                "--health-manager-classpath",
            ]
        );
        assert!(args.contains(&"--topology-id=wc-1".to_string()));
        assert!(args.contains(&"--state-manager-connection=127.0.0.1:2181".to_string()));
        assert!(
            args.contains(&"--state-manager-config-file=./heron-conf/statemgr.yaml".to_string())
        );
        assert!(args.contains(&"--classpath=wc.jar".to_string()));
        assert!(args.contains(&"--instance-jvm-opts=\"\"".to_string()));
        assert!(args.contains(&"--is-stateful=false".to_string()));
        assert!(args.contains(&"--checkpoint-manager-ram=1073741824".to_string()));
        assert!(args.contains(
            &"--scheduler-classpath=./heron-core/lib/scheduler/*:./heron-core/lib/packing/*:./heron-core/lib/statemgr/*"
                .to_string()
        ));
        assert!(args.contains(
            &"--checkpoint-manager-classpath=./heron-core/lib/ckptmgr/*:./heron-core/lib/statefulstorage/*:".to_string()
        ));
    }

    #[test]
    fn verbose_gc_goes_after_java_home() {
        let t = TopologyBuilder::new("wc")
            .id("wc-1")
            .spout("word", 1)
            .build();
        let mut i = inputs();
        i.verbose_gc = true;
        let args = executor_args(&cfg(), &t, &i);
        let at = args.iter().position(|a| a == "--verbose-gc").unwrap();
        assert!(args[at - 1].starts_with("--heron-java-home="));
        assert!(args[at + 1].starts_with("--heron-shell-binary="));
    }

    #[test]
    fn jvm_opts_encoding_replaces_equals() {
        // base64("-Xmx1g") = "LVhteDFn"; base64("a") = "YQ==".
        assert_eq!(encode_java_opts("-Xmx1g"), "\"LVhteDFn\"");
        assert_eq!(encode_java_opts("a"), "\"YQ(61)(61)\"");
        let t = TopologyBuilder::new("wc")
            .id("x")
            .spout("s", 1)
            .config("topology.worker.childopts", "-Dx=1")
            .config("topology.reliability.mode", "EFFECTIVELY_ONCE")
            .config("topology.additional.classpath", "/opt/lib/*")
            .build();
        let args = executor_args(&cfg(), &t, &inputs());
        let opt = args
            .iter()
            .find(|a| a.starts_with("--instance-jvm-opts="))
            .unwrap();
        assert!(!opt["--instance-jvm-opts=".len()..].contains('='), "{opt}");
        assert!(args.contains(&"--is-stateful=true".to_string()));
        assert!(args.contains(&"--classpath=wc.jar:/opt/lib/*".to_string()));
    }

    #[test]
    fn tar_classpath_and_pkg_types() {
        let t = TopologyBuilder::new("wc").id("x").spout("s", 1).build();
        assert_eq!(class_path(&t, "wc.tar.gz"), "libs/*:wc.jar");
        assert_eq!(class_path(&t, "wc.tar"), "libs/*:wc.jar");
        assert_eq!(
            class_path(&t, "wc.tgz"),
            "libs/*:wc.jar",
            ".tgz is a tar.gz too"
        );
        assert_eq!(class_path(&t, "word-count.TGZ"), "libs/*:word-count.jar");
        assert_eq!(class_path(&t, "wc.yaml"), "");
        assert_eq!(
            class_path(&t, "wc.pex"),
            "libs/*:wc.pex.jar",
            "Heron's form"
        );
        let extra = TopologyBuilder::new("wc")
            .id("x")
            .spout("s", 1)
            .config("topology.additional.classpath", "/opt/wc/*")
            .build();
        assert_eq!(class_path(&extra, "wc.yaml"), "/opt/wc/*", "no empty entry");
        assert_eq!(class_path(&extra, "wc.defn"), "/opt/wc/*");
        assert_eq!(class_path(&extra, "wc.tgz"), "libs/*:wc.jar:/opt/wc/*");
        assert_eq!(pkg_type("a.jar"), "jar");
        assert_eq!(pkg_type("a.tar.gz"), "tar");
        assert_eq!(pkg_type("a.pex"), "pex");
        assert_eq!(tier("prod"), "preferred");
        assert_eq!(tier("devel"), "preemptible");
    }

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
