//! End-to-end tests of the `heron-aurora-render` binary: rendered jobs are snapshotted (insta),
//! parsed as Python (rustpython-parser), checked with `--check`, and loaded with pystachio and our
//! re-statement of Aurora's schema (tests/python), the way Aurora's client and executor load them.
//!
//! Cluster templates come from the repo's Heron-shaped fixture (`tests/fixtures/heron-conf/aurora`);
//! the `interop_*` tests (ignored unless `scripts/test.sh` finds `HERON_STOCK_CONF`) run the same
//! checks on Heron's unedited stock `heron.aurora` and conf folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_heron-aurora-render");

#[path = "../../tests/src/heron_conf.rs"]
mod heron_conf;

const VALUES: &str = r#"# What `heron submit` binds for a 3-container WordCount on the devcluster.
CLUSTER: devcluster
ROLE: www-data
ENVIRON: devel
TOPOLOGY_NAME: WordCountTopology
NUM_CONTAINERS: 3
CPUS_PER_CONTAINER: 3.0
RAM_PER_CONTAINER: 4294967296
DISK_PER_CONTAINER: 13958643712
TIER: preemptible
EXECUTOR_BINARY: ./heron-core/bin/heron-executor
CORE_PACKAGE_URI: https://dist.example.com/heron/0.20.5/heron-core.tar.gz
TOPOLOGY_PACKAGE_URI: file:///vagrant/.herondata/repository/topologies/devcluster/www-data/WordCountTopology/topology.tar.gz
TOPOLOGY_ARGUMENTS: >-
  --topology-name=WordCountTopology --topology-id=WordCountTopologyf86b5947-b5ca-4307-85d4-f6715a432159
  --topology-defn-file=WordCountTopology.defn --state-manager-connection=127.0.0.1:2181
  --state-manager-root=/heron --state-manager-config-file=./heron-conf/statemgr.yaml
  --tmanager-binary=./heron-core/bin/heron-tmanager --stmgr-binary=./heron-core/bin/heron-stmgr
  --metrics-manager-classpath=./heron-core/lib/metricsmgr/* --instance-jvm-opts="LVhYOk1heE1ldGFzcGFjZVNpemU9MTI4TQ(61)(61)"
  --classpath=heron-api-examples.jar --heron-internals-config-file=./heron-conf/heron_internals.yaml
  --override-config-file=./heron-conf/override.yaml --component-ram-map=count_bolt:1073741824,word_spout:1073741824
  --component-jvm-opts="" --pkg-type=jar --topology-binary-file=heron-api-examples.jar
  --heron-java-home=/usr/lib/jvm/java-1.8.0-openjdk-amd64/ --heron-shell-binary=./heron-core/bin/heron-shell
  --cluster=devcluster --role=www-data --environment=devel
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("RUST_BACKTRACE")
        .env("HOME", std::env::temp_dir());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        use std::io::Write as _;
        // The binary may exit before reading stdin (a bad argument): a broken pipe is not an error.
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe,
                "cannot write stdin: {e}"
            );
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary exits");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn render_ok(args: &[&str], stdin: Option<&str>) -> String {
    let r = run(args, stdin);
    assert_eq!(r.code, 0, "render failed: {}", r.stderr);
    assert!(r.stderr.is_empty(), "stderr: {}", r.stderr);
    r.stdout
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("test file written");
    path.display().to_string()
}

/// The venv python with pystachio: $HERON_TEST_TOOLS_VENV, else the one setup-venv.sh makes.
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Some(venv) = std::env::var_os("HERON_TEST_TOOLS_VENV") {
            let python = PathBuf::from(venv).join("bin/python");
            assert!(
                python.is_file(),
                "HERON_TEST_TOOLS_VENV has no bin/python: {}",
                python.display()
            );
            return python;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/setup-venv.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "cannot create the pystachio venv with {} (needs python3 and PyPI): {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string();
        PathBuf::from(path)
    })
}

/// Loads a job file with pystachio and our Aurora schema; returns the job as JSON, or the error.
fn aurora_load(job: &str, job_key: Option<&str>) -> Result<Value, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "job.aurora", job);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/load_job.py");
    let mut cmd = Command::new(python());
    cmd.arg(&script).arg(&path);
    if let Some(key) = job_key {
        cmd.args(["--job-key", key]);
    }
    let out = cmd.output().expect("python runs");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the loader prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn assert_python(job: &str) {
    if let Err(e) = rustpython_parser::parse(job, rustpython_parser::Mode::Module, "job.aurora") {
        panic!("not valid Python: {e}\n{job}");
    }
}

fn cmdline<'a>(job: &'a Value, process: &str) -> &'a str {
    job["task"]["processes"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == process))
        .and_then(|p| p["cmdline"].as_str())
        .unwrap_or_else(|| panic!("no process {process} in {job:#}"))
}

const KEY: &str = "devcluster/www-data/devel/WordCountTopology";

/// What both templates must produce: Heron's job, as Aurora would run instance 0 of it.
fn assert_heron_job(job: &Value) {
    assert_eq!(job["job_key"], KEY);
    assert_eq!(job["instances"], 3);
    assert_eq!(job["service"], true);
    assert_eq!(job["resources"]["cpu"], 3.0);
    assert_eq!(job["resources"]["ram_bytes"], 4294967296u64);
    assert_eq!(job["resources"]["disk_bytes"], 13958643712u64);
    assert_eq!(job["task"]["name"], "setup_and_run");
    let order = &job["task"]["constraints"][0]["order"];
    assert_eq!(
        order,
        &serde_json::json!([
            "fetch_heron_system",
            "fetch_user_package",
            "launch_heron_executor",
            "discover_profiler_port"
        ])
    );
    assert_eq!(
        job["ports"],
        serde_json::json!([
            "ckptmgr_port",
            "http",
            "metricscachemgr_serverport",
            "metricscachemgr_statsport",
            "port1",
            "port2",
            "port3",
            "port4",
            "scheduler",
            "yourkit"
        ])
    );
    let exec = cmdline(job, "launch_heron_executor");
    assert!(
        exec.starts_with("./heron-core/bin/heron-executor --shard=0 --server-port=310"),
        "{exec}"
    );
    for flag in [
        "--shell-port=31001",
        "--checkpoint-manager-port=31000",
        "--topology-name=WordCountTopology",
        "--instance-jvm-opts=\"LVhYOk1heE1ldGFzcGFjZVNpemU9MTI4TQ(61)(61)\"",
    ] {
        assert!(exec.contains(flag), "{flag} missing in {exec}");
    }
    assert_eq!(
        cmdline(job, "discover_profiler_port"),
        "echo 31009 > yourkit.port"
    );
    assert_eq!(job["announce"]["primary_port"], "http");
    assert_eq!(
        job["announce"]["portmap"],
        serde_json::json!({"admin": "http", "health": "http"})
    );
    let hc = &job["health_check_config"];
    assert_eq!(hc["health_checker"]["http"]["endpoint"], "/health");
    assert_eq!(hc["health_checker"]["http"]["expected_response"], "ok");
    assert_eq!(hc["health_checker"]["http"]["expected_response_code"], 200);
    assert_eq!(
        (
            hc["initial_interval_secs"].as_f64(),
            hc["interval_secs"].as_f64()
        ),
        (Some(30.0), Some(10.0))
    );
    assert_eq!(
        (
            hc["max_consecutive_failures"].as_i64(),
            hc["timeout_secs"].as_f64()
        ),
        (Some(2), Some(5.0))
    );
}

#[test]
fn default_template_renders_heron_job_that_aurora_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let job = render_ok(&["--values", &values], None);
    insta::assert_snapshot!("default_template", job);
    assert_python(&job);

    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert_heron_job(&loaded);
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "curl --fail --silent --show-error --location --output heron-core.tar.gz https://dist.example.com/heron/0.20.5/heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    insta::assert_json_snapshot!("default_template_loaded", loaded);

    let checked = run(&["--check", "-", "--job-key", KEY], Some(&job));
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert_eq!(
        checked.stdout,
        "ok: devcluster/www-data/devel/WordCountTopology (service job), 3 instances, cpu 3.0, ram 4294967296 bytes, disk 13958643712 bytes\n"
    );
}

#[test]
fn values_from_stdin_as_json_and_binds_give_the_same_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let from_yaml = render_ok(&["--values", &values], None);
    let mut json: serde_json::Map<String, Value> = serde_saphyr::from_str(VALUES).expect("yaml");
    json.insert("NUM_CONTAINERS".into(), Value::from(2));
    let json = serde_json::to_string(&json).expect("json");
    let from_json = render_ok(
        &["--values", "-", "--bind", "NUM_CONTAINERS=3"],
        Some(&json),
    );
    assert_eq!(from_yaml, from_json);
}

#[test]
fn heron_shaped_template_renders_and_aurora_loads_it() {
    assert_cluster_template_renders(&heron_conf::fixture("aurora"), "fixture_template");
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_unedited_stock_template_renders_and_aurora_loads_it() {
    assert_cluster_template_renders(&heron_conf::stock("aurora"), "stock_template");
}

/// Renders `<folder>/heron.aurora` (Heron's shape: values inside its own '...' literals) and
/// checks the job the way Aurora loads it.
fn assert_cluster_template_renders(folder: &Path, snapshot: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let template = folder.join("heron.aurora");
    let template = template.display().to_string();
    let job = render_ok(&["--template", &template, "--values", &values], None);
    insta::assert_snapshot!(snapshot, job);
    assert_python(&job);
    // Only Heron's bindings changed: every other line is the template's.
    let stock = std::fs::read_to_string(&template).expect("template");
    assert_eq!(stock.lines().count(), job.lines().count());
    let heron_binding = |l: &str| {
        l.split("{{")
            .skip(1)
            .any(|m| m.starts_with(|c: char| c.is_ascii_uppercase()))
    };
    for (a, b) in stock.lines().zip(job.lines()) {
        if !heron_binding(a) {
            assert_eq!(a, b);
        }
    }
    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert_heron_job(&loaded);
    // The template keeps its own curl lines.
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "curl https://dist.example.com/heron/0.20.5/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    let checked = run(&["--check", "-", "--job-key", KEY], Some(&job));
    assert_eq!(checked.code, 0, "{}", checked.stderr);
}

#[test]
fn the_cluster_template_is_the_default_and_cluster_flags_bind_the_key() {
    assert_cluster_folder_template_is_the_default(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_cluster_template_is_the_default() {
    assert_cluster_folder_template_is_the_default(&heron_conf::stock("aurora"));
}

/// `conf`'s parent as the config path and its folder name as the cluster: its heron.aurora is
/// used and its client.yaml gives CORE_PACKAGE_URI.
fn assert_cluster_folder_template_is_the_default(conf: &Path) {
    let root = conf.parent().expect("parent").display().to_string();
    let cluster = conf
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let values: String = VALUES
        .lines()
        .filter(|l| !l.starts_with("CLUSTER") && !l.starts_with("CORE_PACKAGE_URI"))
        .map(|l| format!("{l}\n"))
        .collect();
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            &cluster,
            "--values",
            "-",
        ],
        Some(&values),
    );
    assert!(
        job.contains(" = 'file:///vagrant/.herondata/dist/heron-core-release.tar.gz'\n"),
        "{job}"
    );
    assert!(job.contains(&format!("cluster = '{cluster}',")), "{job}");
    let builtin = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            &cluster,
            "--builtin-template",
            "--values",
            "-",
        ],
        Some(&values),
    );
    assert!(
        builtin.contains("# Aurora job of a Heron topology: the built-in template"),
        "{builtin}"
    );
    // --cluster and a CLUSTER value must agree.
    let r = run(
        &[
            "--cluster",
            &cluster,
            "--config-path",
            &root,
            "--bind",
            "CLUSTER=devcluster",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "binding CLUSTER is `devcluster` (from --bind) but `{cluster}` (from --cluster)"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn fetch_commands_follow_each_package_scheme() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let job = render_ok(
        &[
            "--values",
            &values,
            "--bind",
            "CORE_PACKAGE_URI=hdfs://namenode:8020/heron/dist/heron-core.tar.gz",
            "--bind",
            "TOPOLOGY_PACKAGE_URI=s3://heron-topologies/devcluster/www-data/WordCountTopology/topology.tar.gz",
        ],
        None,
    );
    let loaded = aurora_load(&job, Some(KEY)).expect("loads");
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "hdfs dfs -get hdfs://namenode:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    assert_eq!(
        cmdline(&loaded, "fetch_user_package"),
        "aws s3 cp s3://heron-topologies/devcluster/www-data/WordCountTopology/topology.tar.gz topology.tar.gz && tar zxf topology.tar.gz"
    );
}

#[test]
fn custom_hdfs_and_s3_fetch_commands_from_the_cluster_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cluster = dir.path().join("devcluster");
    std::fs::create_dir(&cluster).expect("cluster dir");
    write(
        &cluster,
        "client.yaml",
        "heron.package.core.uri: \"hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz\"\n\
         heron.aurora.fetch.command.hdfs: \"/opt/hadoop/bin/hadoop --config /etc/hadoop/conf fs -copyToLocal {URI} {FILE}\"\n\
         heron.aurora.fetch.command.s3: \"aws --endpoint-url http://minio.example.com:9000 s3 cp --only-show-errors {URI} {FILE}\"\n",
    );
    let values: String = VALUES
        .lines()
        .filter(|l| !l.starts_with("CORE_PACKAGE_URI"))
        .map(|l| format!("{l}\n"))
        .collect();
    let values = write(dir.path(), "values.yaml", &values);
    let root = dir.path().display().to_string();
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            "devcluster",
            "--values",
            &values,
            "--bind",
            "TOPOLOGY_PACKAGE_URI=s3://heron/topologies/WordCount topology.tar.gz",
        ],
        None,
    );
    insta::assert_snapshot!("custom_fetch_commands", job);
    let loaded = aurora_load(&job, Some(KEY)).expect("loads");
    assert_eq!(
        cmdline(&loaded, "fetch_heron_system"),
        "/opt/hadoop/bin/hadoop --config /etc/hadoop/conf fs -copyToLocal hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    assert_eq!(
        cmdline(&loaded, "fetch_user_package"),
        "aws --endpoint-url http://minio.example.com:9000 s3 cp --only-show-errors 's3://heron/topologies/WordCount topology.tar.gz' topology.tar.gz && tar zxf topology.tar.gz"
    );
    // --config-property overrides the file, as Heron's command-line keys do.
    let job = render_ok(
        &[
            "--config-path",
            &root,
            "--cluster",
            "devcluster",
            "--values",
            &values,
            "--config-property",
            "heron.aurora.fetch.command.hdfs=hdfs dfs -get {URI} {FILE}",
        ],
        None,
    );
    assert!(job.contains("'hdfs dfs -get hdfs://nn.example.com:8020/heron/dist/heron-core.tar.gz heron-core.tar.gz && tar"), "{job}");
}

/// Values that try to break out of their string: each must arrive in the job unchanged.
const HOSTILE_ARGS: &str =
    "--a='x' --b=\"y\" --c=back\\slash\\\\ --d=it\\'s\n--e=new\nline\r\t ''' \"\"\" \\n {{ {% }} }";

/// Quotes, a backslash, `$HOME`: Python-hostile, and a shell fragment like Heron's own value.
const HOSTILE_EXECUTOR: &str = "env PEX_ROOT=$HOME/.pex ./bin/heron executor's \"x\"\\";

#[test]
fn hostile_values_cannot_change_the_job_structure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let mut doc: serde_json::Map<String, Value> = serde_saphyr::from_str(VALUES).expect("yaml");
    doc.insert("TOPOLOGY_ARGUMENTS".into(), Value::from(HOSTILE_ARGS));
    doc.insert("EXECUTOR_BINARY".into(), Value::from(HOSTILE_EXECUTOR));
    doc.insert(
        "TOPOLOGY_PACKAGE_URI".into(),
        Value::from("file:///tmp/a'b\"c\\d\ne {{x/topology.tar.gz"),
    );
    let doc = serde_json::to_string(&doc).expect("json");

    // Built-in template: every value arrives exactly. The executor is a command prefix, as in
    // Heron's template: its text starts the command line unchanged, for the shell to read.
    let job = render_ok(&["--values", "-"], Some(&doc));
    insta::assert_snapshot!("hostile_values_default", job);
    assert_python(&job);
    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert_eq!(loaded["instances"], 3);
    assert_eq!(
        loaded["task"]["processes"].as_array().map(Vec::len),
        Some(4)
    );
    let exec = cmdline(&loaded, "launch_heron_executor");
    assert!(exec.ends_with(&format!(" {HOSTILE_ARGS}")), "{exec}");
    assert!(
        exec.starts_with(&format!("{HOSTILE_EXECUTOR} --shard=0 ")),
        "{exec}"
    );
    let fetch = cmdline(&loaded, "fetch_user_package");
    let echoed = Command::new("sh")
        .arg("-c")
        .arg(
            fetch
                .replace(
                    "curl --fail --silent --show-error --location --output topology.tar.gz",
                    "printf %s",
                )
                .replace(" && tar zxf topology.tar.gz", ""),
        )
        .output()
        .expect("sh runs");
    assert_eq!(
        String::from_utf8_lossy(&echoed.stdout),
        "file:///tmp/a'b\"c\\d\ne {{x/topology.tar.gz"
    );

    let _ = values;
}

#[test]
fn hostile_values_stay_inside_the_cluster_templates_literals() {
    assert_hostile_values_stay_in_literals(
        &heron_conf::fixture("aurora"),
        "hostile_values_fixture",
    );
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_hostile_values_stay_inside_the_stock_templates_literals() {
    assert_hostile_values_stay_in_literals(&heron_conf::stock("aurora"), "hostile_values_stock");
}

/// A Heron-shaped template: values sit inside its '...' literals and stay there.
fn assert_hostile_values_stay_in_literals(folder: &Path, snapshot: &str) {
    let template = folder.join("heron.aurora").display().to_string();
    let mut doc2: serde_json::Map<String, Value> = serde_saphyr::from_str(VALUES).expect("yaml");
    doc2.insert("TOPOLOGY_ARGUMENTS".into(), Value::from(HOSTILE_ARGS));
    doc2.insert(
        "TOPOLOGY_PACKAGE_URI".into(),
        Value::from("file:///tmp/a'b\"c\\d\ne/topology.tar.gz"),
    );
    let doc2 = serde_json::to_string(&doc2).expect("json");
    let job = render_ok(&["--template", &template, "--values", "-"], Some(&doc2));
    insta::assert_snapshot!(snapshot, job);
    assert_python(&job);
    let loaded = aurora_load(&job, Some(KEY)).expect("Aurora's loader accepts the job");
    assert!(cmdline(&loaded, "launch_heron_executor").ends_with(&format!(" {HOSTILE_ARGS}")));
    assert_eq!(
        cmdline(&loaded, "fetch_user_package"),
        "curl file:///tmp/a'b\"c\\d\ne/topology.tar.gz -o topology.tar.gz && tar zxf topology.tar.gz"
    );
}

#[test]
fn a_value_holding_an_aurora_reference_is_refused() {
    // Outside a shell-quoted place, `{{...}}` in a value would be read by Aurora as its own
    // reference (here: allocate a port and substitute it). That is refused, naming the binding.
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let out = dir.path().join("job.aurora");
    let out_s = out.display().to_string();
    let r = run(
        &[
            "--values",
            &values,
            "--bind",
            "TOPOLOGY_ARGUMENTS=--x={{thermos.ports[evil]}}",
            "-o",
            &out_s,
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(!out.exists(), "nothing is written on error");
    insta::assert_snapshot!("error_aurora_reference_in_value", r.stderr);
}

struct ErrorCase {
    name: &'static str,
    template: Option<&'static str>,
    args: &'static [&'static str],
    code: i32,
}

const CUSTOM: &str = "jobs = [Job(name = '{{TOPOLOGY_NAME}}', cluster = '{{CLUSTER}}', role = '{{ROLE}}',\n  environment = '{{ENVIRON}}', instances = {{NUM_CONTAINERS}},\n  task = SequentialTask(name = 'run', processes = [Process(name = 'p', cmdline = 'echo {{mesos.instance}}')],\n    resources = Resources(cpu = {{CPUS_PER_CONTAINER}}, ram = {{RAM_PER_CONTAINER}}, disk = {{DISK_PER_CONTAINER}})))]\n";

const ERROR_CASES: &[ErrorCase] = &[
    ErrorCase {
        name: "undefined_binding",
        template: Some("x = '{{mesos.instance}}'\nname = '{{TOPOLOGY_NAM}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "undefined_binding_in_helper",
        template: Some("x = 1\ny = {{py NUM_CONTAINER}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unclosed_block",
        template: Some("a = 1\n{{#if TIER}}\ntier = '{{TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "mismatched_block",
        template: Some("{{#if TIER}}\n  {{/each}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "handlebars_syntax",
        template: Some("a = '{{thermos.ports[x]}}'\nb = '{{TIER \"unterminated}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unclosed_mustache",
        template: Some("a = 1\nb = '{{TIER'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "unknown_helper",
        template: Some("a = '{{mesos.instance}}' + {{quote TIER}}\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "py_inside_quotes",
        template: Some("a = '{{py TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "raw_string",
        template: Some("a = r'{{TIER}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "triple_stash",
        template: Some("a = '{{{TIER}}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "list_in_string",
        template: Some("a = '{{TOPOLOGY_NAME}}' + '{{LIST}}'\n"),
        args: &["--values", "LIST.yaml"],
        code: 2,
    },
    ErrorCase {
        name: "not_python",
        template: Some("jobs = [Job(name = '{{TOPOLOGY_NAME}}'\n"),
        args: &[],
        code: 2,
    },
    ErrorCase {
        name: "num_containers_zero",
        template: Some(CUSTOM),
        args: &["--bind", "NUM_CONTAINERS=0"],
        code: 2,
    },
    ErrorCase {
        name: "num_containers_not_integer",
        template: Some(CUSTOM),
        args: &["--bind", "NUM_CONTAINERS=2.5"],
        code: 2,
    },
    ErrorCase {
        name: "ram_zero",
        template: Some(CUSTOM),
        args: &["--bind", "RAM_PER_CONTAINER=0"],
        code: 2,
    },
    ErrorCase {
        name: "disk_zero",
        template: None,
        args: &["--bind", "DISK_PER_CONTAINER=0"],
        code: 2,
    },
    ErrorCase {
        name: "cpus_negative",
        template: None,
        args: &["--bind", "CPUS_PER_CONTAINER=-1"],
        code: 2,
    },
    ErrorCase {
        name: "topology_name_with_space",
        template: None,
        args: &["--bind", "TOPOLOGY_NAME=word count"],
        code: 2,
    },
    ErrorCase {
        name: "uri_without_scheme",
        template: None,
        args: &["--bind", "CORE_PACKAGE_URI=/opt/heron/heron-core.tar.gz"],
        code: 2,
    },
    ErrorCase {
        name: "uri_unknown_scheme",
        template: None,
        args: &["--bind", "TOPOLOGY_PACKAGE_URI=gs://bucket/topology.tar.gz"],
        code: 2,
    },
    ErrorCase {
        name: "lowercase_binding_name",
        template: None,
        args: &["--bind", "cluster=devcluster"],
        code: 2,
    },
    ErrorCase {
        name: "bind_without_equals",
        template: None,
        args: &["--bind", "NUM_CONTAINERS"],
        code: 2,
    },
    ErrorCase {
        name: "broken_values_document",
        template: None,
        args: &["--values", "BROKEN.yaml"],
        code: 2,
    },
    ErrorCase {
        name: "missing_template_file",
        template: None,
        args: &["--template", "[TMP]/nope.aurora"],
        code: 3,
    },
];

#[test]
fn every_error_names_where_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tmp = dir.path().display().to_string();
    let values = write(dir.path(), "values.yaml", VALUES);
    write(dir.path(), "LIST.yaml", "LIST: [a, b]\nTOPOLOGY_NAME: wc\n");
    write(
        dir.path(),
        "BROKEN.yaml",
        "CLUSTER: devcluster\nROLE: [www-data\n",
    );
    let mut report = String::new();
    for case in ERROR_CASES {
        let out = dir.path().join(format!("{}.out", case.name));
        std::fs::write(&out, "previous job\n").expect("previous output");
        let mut args: Vec<String> = Vec::new();
        if !case.args.contains(&"--values") {
            args.extend(["--values".to_string(), values.clone()]);
        }
        if let Some(text) = case.template {
            args.push("--template".into());
            args.push(write(dir.path(), &format!("{}.aurora", case.name), text));
        }
        for a in case.args {
            let a = a.replace("[TMP]", &tmp);
            args.push(if a.ends_with(".yaml") && !a.contains('/') {
                format!("{tmp}/{a}")
            } else {
                a
            });
        }
        args.push("-o".into());
        args.push(out.display().to_string());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&argv, None);
        assert_eq!(r.code, case.code, "{}: {}", case.name, r.stderr);
        assert!(r.stdout.is_empty(), "{}: stdout {}", case.name, r.stdout);
        assert_eq!(
            std::fs::read_to_string(&out).ok().as_deref(),
            Some("previous job\n"),
            "{}: output touched",
            case.name
        );
        assert!(
            r.stderr.starts_with("error: "),
            "{}: {}",
            case.name,
            r.stderr
        );
        report.push_str(&format!(
            "## {} (exit {})\n{}\n",
            case.name,
            r.code,
            r.stderr.replace(&tmp, "[TMP]").trim_end()
        ));
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    insta::assert_snapshot!("error_cases", report);
}

#[test]
fn check_rejects_what_aurora_would_and_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values = write(dir.path(), "values.yaml", VALUES);
    let job = render_ok(&["--values", &values], None);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "wrong_key",
            job.clone(),
            vec!["--job-key", "devcluster/www-data/prod/WordCountTopology"],
        ),
        (
            "not_python",
            job.replace("service = True,", "service = True,,"),
            vec![],
        ),
        (
            "two_jobs",
            job.replace("jobs = [", "jobs = [Job(name = 'x'), "),
            vec![],
        ),
        (
            "instances_not_integer",
            job.replace("instances = 3,", "instances = '3.5',"),
            vec![],
        ),
        (
            "ram_zero",
            job.replace("ram = 4294967296", "ram = 0"),
            vec![],
        ),
        (
            "unrendered_cluster_template",
            std::fs::read_to_string(heron_conf::fixture("aurora").join("heron.aurora"))
                .expect("fixture template"),
            vec![],
        ),
        (
            "bad_job_key_argument",
            job.clone(),
            vec!["--job-key", "devcluster/www-data"],
        ),
    ];
    let mut report = String::new();
    for (name, text, extra) in cases {
        let mut args = vec!["--check", "-"];
        args.extend(extra);
        let r = run(&args, Some(&text));
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        report.push_str(&format!("## {name}\n{}\n", r.stderr.trim_end()));
        // What --check refuses, Aurora's loader refuses too (the argument error aside).
        if name != "bad_job_key_argument" && name != "wrong_key" {
            assert!(
                aurora_load(&text, None).is_err(),
                "{name}: Aurora's loader accepted it"
            );
        }
    }
    insta::assert_snapshot!("check_errors", report);
    let json = run(&["--check", "-", "--format", "json"], Some(&job));
    assert_eq!(json.code, 0, "{}", json.stderr);
    insta::assert_snapshot!("check_json", json.stdout);
}

#[test]
fn list_bindings_of_both_templates() {
    let builtin = render_ok(&["--list-bindings"], None);
    insta::assert_snapshot!("list_bindings_default", builtin);
    assert_cluster_template_bindings(&heron_conf::fixture("aurora"), "list_bindings_fixture");
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_list_bindings_of_the_stock_template() {
    assert_cluster_template_bindings(&heron_conf::stock("aurora"), "list_bindings_stock");
    // Heron's unrendered stock template is refused by --check, as Aurora's loader refuses it.
    let text = std::fs::read_to_string(heron_conf::stock("aurora").join("heron.aurora"))
        .expect("stock template");
    let r = run(&["--check", "-"], Some(&text));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        aurora_load(&text, None).is_err(),
        "Aurora's loader accepted it"
    );
}

fn assert_cluster_template_bindings(folder: &Path, snapshot: &str) {
    let stock = folder.join("heron.aurora").display().to_string();
    let from_stock = render_ok(&["--list-bindings", "--template", &stock], None);
    insta::assert_snapshot!(snapshot, from_stock);
    let json = render_ok(
        &["--list-bindings", "--template", &stock, "--format", "json"],
        None,
    );
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["aurora_references"].as_array().map(Vec::len), Some(11));
    assert_eq!(v["bindings"][0]["name"], "CLUSTER");
}

#[test]
fn print_template_gives_the_builtin_text() {
    let text = render_ok(&["--print-template"], None);
    assert!(text.starts_with("# -*- coding: utf-8 -*-\n"));
    let dir = tempfile::tempdir().expect("tempdir");
    let t = write(dir.path(), "mine.aurora", &text);
    let values = write(dir.path(), "values.yaml", VALUES);
    assert_eq!(
        render_ok(&["--template", &t, "--values", &values], None),
        render_ok(&["--values", &values], None)
    );
}

#[test]
fn template_from_stdin_and_non_ascii_values() {
    // A template on stdin; a non-ASCII value gets the coding line Python 2 (Aurora's client) needs.
    let job = render_ok(
        &["--template", "-", "--bind", "NAME=héron"],
        Some("x = '{{NAME}}'\n"),
    );
    assert_eq!(job, "# -*- coding: utf-8 -*-\nx = 'héron'\n");
    let job = render_ok(
        &["--template", "-", "--bind", "NAME=heron"],
        Some("x = '{{NAME}}'\n"),
    );
    assert_eq!(job, "x = 'heron'\n");
    let r = run(&["--template", "-", "--values", "-"], Some("x = 1\n"));
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: only one of --template, --values and --check can read stdin (`-`)\n"
    );
    let r = run(&["--template", "-"], Some("x = '{{NAME}}'\n"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: <stdin>:1:6: undefined binding NAME"),
        "{}",
        r.stderr
    );
}
