//! The `heron-executor` flags of the `TOPOLOGY_ARGUMENTS` binding, in Heron's order
//! (`SchedulerUtils.addExecutorTopologyArgs`).
//!
//! Values come from the cluster config in **cluster mode** (`./heron-core`, `./heron-conf`); a key
//! the config does not set takes Heron's built-in default, written here in its cluster-mode form.

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

pub(super) fn key_or(config: &Config, key: &str, default: &str) -> String {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::commands::submit::bindings::{pkg_type, tier};
    use heron_common::topology::TopologyBuilder;

    pub(in crate::commands::submit) fn inputs<'a>() -> ExecutorInputs<'a> {
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

    pub(in crate::commands::submit) fn cfg() -> Config {
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
}
