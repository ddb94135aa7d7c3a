//! Tests of the `aurora` test stand-in (tests/src/bin/aurora.rs): the command lines Heron issues
//! (heron-aurora.md §2.3), the job-file checks, the state it keeps, failure injection and its
//! behaviour under concurrent calls. Job files are a Heron-shaped `heron.aurora` (the repo's fixture,
//! tests/fixtures/heron-conf/aurora), bound with `--bind` or rendered; the interop tier also
//! creates a job from Heron's unedited stock template.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use heron_tests::heron_conf;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_aurora");
const KEY: &str = "devcluster/heron/devel/wc";
const BATCH: [&str; 2] = ["--batch-size", "2147483647"];

/// Every variable the stand-in reads (`AURORA_STANDIN_KILLALL_MISSING` only to refuse it),
/// removed from the inherited environment so a caller's settings cannot leak into a test.
const VARS: [&str; 11] = [
    "AURORA_STANDIN_STATE_DIR",
    "AURORA_STANDIN_FAIL",
    "AURORA_STANDIN_FAIL_AFTER",
    "AURORA_STANDIN_FAIL_AFTER_CREATE",
    "AURORA_STANDIN_FAIL_COUNT",
    "AURORA_STANDIN_FAIL_EXIT",
    "AURORA_STANDIN_HANG",
    "AURORA_STANDIN_HANG_AFTER",
    "AURORA_STANDIN_DELAY_MS",
    "AURORA_STANDIN_KILLALL_MISSING",
    "AURORA_STANDIN_HOLD_LOCK_MS",
];

/// The Heron-shaped cluster template of the fixture conf folder.
fn template_path() -> PathBuf {
    heron_conf::fixture("aurora").join("heron.aurora")
}

/// The bindings Heron's AuroraScheduler passes (heron-aurora.md §2.2), with realistic values.
fn heron_bindings(name: &str, containers: u32) -> Vec<(String, String)> {
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

fn bind_args(bindings: &[(String, String)]) -> Vec<String> {
    bindings
        .iter()
        .flat_map(|(k, v)| ["--bind".to_string(), format!("{k}={v}")])
        .collect()
}

/// The template with every `{{KEY}}` replaced: what heron-aurora-render produces.
fn rendered(bindings: &[(String, String)]) -> String {
    let mut text = std::fs::read_to_string(template_path()).expect("read the template");
    for (k, v) in bindings {
        text = text.replace(&format!("{{{{{k}}}}}"), v);
    }
    text
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn to_run(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Aurora {
    dir: tempfile::TempDir,
    files: tempfile::TempDir,
}

impl Aurora {
    fn new() -> Aurora {
        Aurora {
            dir: tempfile::tempdir().expect("temp dir"),
            files: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn state(&self) -> &Path {
        self.dir.path()
    }

    fn command<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(BIN);
        for v in VARS {
            cmd.env_remove(v);
        }
        cmd.env("AURORA_STANDIN_STATE_DIR", self.state());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(args.iter().map(AsRef::as_ref));
        cmd.stdin(Stdio::null());
        cmd
    }

    fn run_env<S: AsRef<str>>(&self, args: &[S], env: &[(&str, &str)]) -> Run {
        to_run(
            self.command(args, env)
                .output()
                .expect("run the aurora stand-in"),
        )
    }

    fn run<S: AsRef<str>>(&self, args: &[S]) -> Run {
        self.run_env(args, &[])
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.files.path().join(name);
        std::fs::write(&path, text).expect("write a job file");
        path.to_string_lossy().into_owned()
    }

    /// `aurora job create` of a rendered Heron job file, as heron issues it.
    fn create_rendered(&self, key: &str, name: &str, containers: u32) -> Run {
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

    /// The stand-in's stored record of `key` (its state folder's `jobs/C/R/E/NAME.json`).
    fn job(&self, key: &str) -> Option<Value> {
        let path = self.state().join("jobs").join(format!("{key}.json"));
        let bytes = std::fs::read(path).ok()?;
        Some(serde_json::from_slice(&bytes).expect("a job record is JSON"))
    }

    /// `aurora job status KEY --write-json`, as Aurora's client prints it.
    fn status_json(&self, key: &str) -> Value {
        let r = self.run(&["job", "status", key, "--write-json"]);
        assert_eq!(r.code, 0, "status --write-json: {}", r.stderr);
        serde_json::from_str(&r.stdout).expect("status prints JSON")
    }

    fn instance_ids(&self, key: &str) -> Vec<u64> {
        let job = self.job(key).expect("job exists");
        job["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_u64().unwrap())
            .collect()
    }

    fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.state().join("calls.log")).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("calls.log lines are JSON");
                v["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    }
}

/// The new instance ids, parsed the way Heron's AuroraCLIController parses `aurora job add`.
fn heron_parse_added(output: &str) -> Option<BTreeSet<u32>> {
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

#[test]
fn create_with_heron_bindings_on_a_heron_shaped_template() {
    assert_create_with_heron_bindings(&template_path());
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_create_with_heron_bindings_on_the_stock_template() {
    assert_create_with_heron_bindings(&heron_conf::stock("aurora").join("heron.aurora"));
}

fn assert_create_with_heron_bindings(template: &Path) {
    let a = Aurora::new();
    let bindings = heron_bindings("wc", 3);
    let mut args: Vec<String> = ["job", "create", "--wait-until", "RUNNING"]
        .map(String::from)
        .to_vec();
    args.extend(bind_args(&bindings));
    args.push(KEY.into());
    args.push(template.to_string_lossy().into_owned());
    args.push("--verbose".into());
    let r = a.run(&args);
    assert_eq!(r.code, 0, "create failed: {}", r.stderr);
    assert!(
        r.stdout.starts_with("Job create succeeded: job url="),
        "{}",
        r.stdout
    );

    let job = a.job(KEY).expect("the job is stored");
    assert_eq!(job["key"], KEY);
    assert_eq!(job["cluster"], "devcluster");
    assert_eq!(job["role"], "heron");
    assert_eq!(job["environment"], "devel");
    assert_eq!(job["name"], "wc");
    assert_eq!(job["service"], true);
    assert_eq!(job["resources"]["cpu"], 2.0);
    assert_eq!(job["resources"]["ram_bytes"], 2147483648u64);
    assert_eq!(job["resources"]["disk_bytes"], 5368709120u64);
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2]);
    for inst in job["instances"].as_array().unwrap() {
        assert_eq!(inst["status"], "RUNNING");
        assert_eq!(inst["restarts"], 0);
    }
    assert_eq!(job["bindings"]["NUM_CONTAINERS"], "3");
    assert_eq!(
        job["job_file"]["content"].as_str().unwrap(),
        std::fs::read_to_string(template).unwrap()
    );
    assert_eq!(a.calls()[0], args, "calls.log holds the exact argv");
}

#[test]
fn create_with_a_rendered_job_file_and_no_bindings() {
    let a = Aurora::new();
    let r = a.create_rendered(KEY, "wc", 4);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2, 3]);
    let list = a.run(&["job", "list"]);
    assert_eq!(list.stdout, format!("{KEY}\n"));
}

#[test]
fn create_accepts_literals_names_and_size_arithmetic() {
    let a = Aurora::new();
    let file = a.write(
        "lit.aurora",
        r#"
size = 2 * GB
proc = Process(name = 'p', cmdline = 'echo %s and %d' % ('x', 3))
other = Process(name = 'o', cmdline = 'echo {{greeting}}').bind(greeting = 'hi')
task = Task(name = 't', processes = [proc, other], resources = Resources(cpu = 0.5, ram = size, disk = 512 * MB))
name = 'lit'
jobs = [Service(cluster = 'devcluster', role = 'heron', environment = 'devel', name = name,
                task = task, instances = 2)]
"#,
    );
    let r = a.run(&["job", "create", "devcluster/heron/devel/lit", &file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let job = a.job("devcluster/heron/devel/lit").unwrap();
    assert_eq!(job["resources"]["ram_bytes"], 2u64 << 30);
    assert_eq!(job["resources"]["disk_bytes"], 512u64 << 20);
    assert_eq!(job["resources"]["cpu"], 0.5);
    assert_eq!(job["instances"].as_array().unwrap().len(), 2);
}

/// Each bad job file is rejected with Aurora's "invalid configuration" status (3), a message
/// saying what is wrong, and nothing stored.
#[test]
fn create_rejects_invalid_job_files() {
    let good = rendered(&heron_bindings("wc", 3));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "other topology name",
            good.replace("name = 'wc'", "name = 'other'"),
            "Could not find job devcluster/heron/devel/wc",
        ),
        (
            "other cluster",
            good.replace("cluster = 'devcluster'", "cluster = 'prodcluster'"),
            "Candidates are:\n  prodcluster/heron/devel/wc",
        ),
        (
            "other role",
            good.replace("role = 'heron'", "role = 'www-data'"),
            "Could not find job",
        ),
        (
            "no environment",
            good.replace("environment = 'devel',", ""),
            "doesn't specify an environment",
        ),
        (
            "instances missing",
            good.replace("instances = '3',", ""),
            "has no `instances`",
        ),
        (
            "instances zero",
            good.replace("instances = '3'", "instances = '0'"),
            "must be positive",
        ),
        (
            "instances negative",
            good.replace("instances = '3'", "instances = -2"),
            "must be positive",
        ),
        (
            "instances not a number",
            good.replace("instances = '3'", "instances = 'three'"),
            "must be an integer",
        ),
        (
            "instances fractional",
            good.replace("instances = '3'", "instances = '2.5'"),
            "must be an integer",
        ),
        (
            "instances float",
            good.replace("instances = '3'", "instances = 2.5"),
            "must be an integer",
        ),
        (
            "no resources",
            good.replace(
                "resources = Resources(cpu = '2.0', ram = '2147483648', disk = '5368709120')",
                "",
            ),
            "Task must specify resources!",
        ),
        (
            "ram zero",
            good.replace("ram = '2147483648'", "ram = '0'"),
            "must all be positive",
        ),
        (
            "cpu negative",
            good.replace("cpu = '2.0'", "cpu = '-1'"),
            "must all be positive",
        ),
        (
            "cpu missing",
            good.replace("cpu = '2.0', ", ""),
            "must all be positive",
        ),
        (
            "disk missing",
            good.replace(", disk = '5368709120'", ""),
            "Must specify ram and disk resources",
        ),
        (
            "disk not bytes",
            good.replace("disk = '5368709120'", "disk = '5GB'"),
            "must be an integer (bytes)",
        ),
        (
            "no processes",
            good.replace(
                "processes = [fetch_heron_system, fetch_user_package, launch_heron_executor, discover_profiler_port]",
                "processes = []",
            ),
            "Processes required for task on job \"wc\"",
        ),
        (
            "no task",
            good.replace("task = heron_task,", ""),
            "Task required for job",
        ),
        (
            "no jobs",
            good.replace("jobs = [", "other = ["),
            "No job defined in this config!",
        ),
        (
            "empty jobs",
            "jobs = []\n".to_string(),
            "No job defined in this config!",
        ),
        (
            "unbound variable",
            good.replace("name = 'wc'", "name = '{{TOPOLOGY_NAME}}'"),
            "Config contains unbound variables: TOPOLOGY_NAME",
        ),
        (
            "python syntax error",
            good.replace("jobs = [", "jobs = [[["),
            "not valid Python",
        ),
        (
            "unsupported expression",
            good.replace("instances = '3'", "instances = int('3')"),
            "cannot evaluate",
        ),
        (
            "undefined name",
            good.replace("task = heron_task", "task = heron_tsk"),
            "`heron_tsk` is not defined",
        ),
    ];
    for (what, text, expected) in cases {
        let a = Aurora::new();
        let file = a.write("bad.aurora", &text);
        let r = a.run(&["job", "create", "--wait-until", "RUNNING", KEY, &file]);
        assert_eq!(
            r.code, 3,
            "{what}: expected exit 3, got {} ({})",
            r.code, r.stderr
        );
        assert!(
            r.stderr.starts_with("Error loading configuration: "),
            "{what}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(expected),
            "{what}: expected {expected:?} in {:?}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{what}: stdout {:?}", r.stdout);
        assert!(a.job(KEY).is_none(), "{what}: a rejected job was stored");
    }
}

#[test]
fn create_error_names_the_line() {
    let a = Aurora::new();
    let text = rendered(&heron_bindings("wc", 3)).replace("instances = '3'", "instances = 'x'");
    let line = text
        .lines()
        .position(|l| l.contains("instances = 'x'"))
        .unwrap()
        + 1;
    let file = a.write("line.aurora", &text);
    let r = a.run(&["job", "create", KEY, &file]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr.contains(&format!("{file}:{line}:")),
        "{}",
        r.stderr
    );
}

#[test]
fn create_of_a_missing_file_is_a_configuration_error() {
    let a = Aurora::new();
    let r = a.run(&["job", "create", KEY, "/nonexistent/heron.aurora"]);
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .contains("cannot read job file /nonexistent/heron.aurora"),
        "{}",
        r.stderr
    );
}

#[test]
fn create_rejects_an_existing_job() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let created = a.job(KEY).unwrap()["created_at_ms"].clone();
    let r = a.create_rendered(KEY, "wc", 5);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.contains("Job heron/devel/wc already exists"),
        "{}",
        r.stderr
    );
    let job = a.job(KEY).unwrap();
    assert_eq!(job["created_at_ms"], created, "the first job is untouched");
    assert_eq!(job["instances"].as_array().unwrap().len(), 3);
}

#[test]
fn killall_removes_the_job_and_succeeds_when_it_is_missing() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let mut args = vec!["job", "killall", KEY, "--verbose"];
    args.extend(BATCH);
    let r = a.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Successfully killed instances [0, 1]"),
        "{}",
        r.stdout
    );
    assert!(a.job(KEY).is_none());

    // Real Aurora exits 0 for a job that does not exist: killall ignores what kill_in_batches
    // returns (jobs.py, every release 0.10-0.22; Heron issue #1669).
    let again = a.run(&args);
    assert_eq!(again.code, 0);
    assert!(
        again
            .stderr
            .contains("No tasks to kill found for job devcluster/heron/devel/wc")
    );
    assert_eq!(again.stdout, "Job killall succeeded\n");

    // The variable that made it exit 6 modelled no Aurora: it is refused, saying why.
    let removed = a.run_env(&args, &[("AURORA_STANDIN_KILLALL_MISSING", "error")]);
    assert_eq!(removed.code, 2, "{}", removed.stderr);
    assert!(
        removed.stderr.contains("was removed") && removed.stderr.contains("exits 0"),
        "{}",
        removed.stderr
    );
}

#[test]
fn add_clones_an_instance_and_reports_ids_as_heron_parses_them() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let r = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/0"),
        "2",
        "--verbose",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let combined = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(heron_parse_added(&combined), Some(BTreeSet::from([3, 4])));
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2, 3, 4]);
    let job = a.job(KEY).unwrap();
    let inst3 = &job["instances"][3];
    assert_eq!(inst3["cloned_from"], 0);
    assert_eq!(inst3["status"], "RUNNING");
    assert_eq!(job["events"][0]["action"], "add");

    // Aurora prints the ids only in its verbose log.
    let quiet = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/1"),
        "1",
    ]);
    assert_eq!(quiet.code, 0);
    assert_eq!(
        heron_parse_added(&format!("{}{}", quiet.stdout, quiet.stderr)),
        None
    );
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn add_after_a_kill_continues_after_the_highest_id() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 4).code, 0);
    let mut kill = vec!["job".to_string(), "kill".into(), format!("{KEY}/1,2")];
    kill.extend(BATCH.map(String::from));
    assert_eq!(a.run(&kill).code, 0);
    let r = a.run(&[
        "job",
        "add",
        "--wait-until",
        "RUNNING",
        &format!("{KEY}/0"),
        "1",
        "--verbose",
    ]);
    assert_eq!(heron_parse_added(&r.stderr), Some(BTreeSet::from([4])));
    assert_eq!(a.instance_ids(KEY), vec![0, 3, 4]);
}

#[test]
fn add_rejects_a_missing_instance_or_job_and_a_bad_count() {
    let a = Aurora::new();
    let r = a.run(&["job", "add", &format!("{KEY}/0"), "1", "--verbose"]);
    assert_eq!(r.code, 6, "{}", r.stderr);
    assert!(r.stderr.contains("Invalid instance parameter: [0]"));

    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let r = a.run(&["job", "add", &format!("{KEY}/7"), "1"]);
    assert_eq!(r.code, 6);
    let r = a.run(&["job", "add", &format!("{KEY}/0"), "0"]);
    assert_eq!(r.code, 10, "{}", r.stderr);
    assert_eq!(a.instance_ids(KEY), vec![0, 1]);
    let r = a.run(&["job", "add", KEY, "1"]);
    assert_eq!(
        r.code, 2,
        "add needs CLUSTER/ROLE/ENV/NAME/INSTANCE: {}",
        r.stderr
    );
}

#[test]
fn kill_removes_the_named_instances() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 5).code, 0);
    let mut args = vec![
        "job".to_string(),
        "kill".into(),
        format!("{KEY}/1,3-4"),
        "--verbose".into(),
    ];
    args.extend(BATCH.map(String::from));
    let r = a.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("Successfully killed instances [1, 3, 4]"),
        "{}",
        r.stdout
    );
    assert_eq!(a.instance_ids(KEY), vec![0, 2]);
    assert_eq!(
        a.job(KEY).unwrap()["events"][0]["instances"],
        serde_json::json!([1, 3, 4])
    );

    // Ids that are not active are skipped, unless --strict.
    let r = a.run(&["job", "kill", &format!("{KEY}/2,9")]);
    assert_eq!(r.code, 0);
    assert_eq!(a.instance_ids(KEY), vec![0]);
    let r = a.run(&["job", "kill", &format!("{KEY}/0,9"), "--strict"]);
    assert_eq!(r.code, 6);
    assert!(
        r.stderr.contains("Invalid instance parameter: [9]"),
        "{}",
        r.stderr
    );
    assert_eq!(a.instance_ids(KEY), vec![0]);

    // Killing the last instance ends the job.
    assert_eq!(a.run(&["job", "kill", &format!("{KEY}/0")]).code, 0);
    assert!(a.job(KEY).is_none());
}

#[test]
fn kill_needs_instances_and_succeeds_without_a_job() {
    let a = Aurora::new();
    // As killall: kill_in_batches reports the missing job, the verb still succeeds.
    let r = a.run(&["job", "kill", &format!("{KEY}/1")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("No tasks to kill found"), "{}", r.stderr);
    assert_eq!(r.stdout, "Job kill succeeded\n");
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let r = a.run(&["job", "kill", KEY]);
    assert_eq!(r.code, 6);
    assert!(r.stderr.contains("use killall"), "{}", r.stderr);
    assert_eq!(a.instance_ids(KEY), vec![0, 1]);
}

#[test]
fn restart_records_per_instance_restarts() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let mut whole = vec![
        "job".to_string(),
        "restart".into(),
        KEY.into(),
        "--verbose".into(),
    ];
    whole.extend(BATCH.map(String::from));
    let r = a.run(&whole);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("Job {KEY} restarted successfully"))
    );
    let mut one = vec!["job".to_string(), "restart".into(), format!("{KEY}/1")];
    one.extend(BATCH.map(String::from));
    assert_eq!(a.run(&one).code, 0);

    let job = a.job(KEY).unwrap();
    let restarts: Vec<u64> = job["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["restarts"].as_u64().unwrap())
        .collect();
    assert_eq!(restarts, vec![1, 2, 1]);
    assert_eq!(job["events"][0]["instances"], serde_json::json!([0, 1, 2]));
    assert_eq!(job["events"][1]["instances"], serde_json::json!([1]));

    let r = a.run(&["job", "restart", &format!("{KEY}/7")]);
    assert_eq!(r.code, 10, "{}", r.stderr);
    let r = a.run(&["job", "restart", &format!("{KEY}/7"), "--strict"]);
    assert_eq!(r.code, 6);
    // A whole job with no active instance: Restarter's "Nothing to do." and a success.
    let r = a.run(&["job", "restart", "devcluster/heron/devel/nope"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(" INFO] Nothing to do."), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Job devcluster/heron/devel/nope restarted successfully")
    );
    // Named instances of a missing job: the scheduler refuses them.
    let r = a.run(&["job", "restart", "devcluster/heron/devel/nope/0"]);
    assert_eq!(r.code, 10);
    assert!(
        r.stderr
            .contains("Error restarting job devcluster/heron/devel/nope")
    );
}

#[test]
fn status_and_list_match_key_patterns() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 1).code, 0);
    assert_eq!(
        a.create_rendered("devcluster/heron/devel/ex", "ex", 2).code,
        0
    );
    let r = a.run(&["job", "list", "devcluster/*/devel"]);
    assert_eq!(
        r.stdout,
        "devcluster/heron/devel/ex\ndevcluster/heron/devel/wc\n"
    );
    let r = a.run(&["job", "list", "--write-json", "devcluster/heron/devel/ex"]);
    assert_eq!(r.stdout.trim(), r#"["devcluster/heron/devel/ex"]"#);
    let r = a.run(&["job", "status", "devcluster/heron/devel/ex"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("Active tasks (2):\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "\tTask role: heron, env: devel, name: ex, instance: 1, status: RUNNING on localhost"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Inactive tasks (0):"), "{}", r.stdout);
    let r = a.run(&["job", "status", "devcluster/heron/devel/none"]);
    assert_eq!(r.code, 6);
    assert!(
        r.stderr
            .contains("Found no jobs matching devcluster/heron/devel/none")
    );
}

/// `job status --write-json` prints what Aurora's client prints (jobs.py `render_tasks_json`):
/// one `{"job", "active", "inactive"}` per job, tasks as Thrift `ScheduledTask`s, status names.
#[test]
fn status_json_has_auroras_shape_killed_instances_inactive() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 3).code, 0);
    let r = a.run(&[
        "job",
        "kill",
        &format!("{KEY}/1"),
        "--batch-size",
        "2147483647",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = a.status_json(KEY);
    let jobs = doc.as_array().expect("an array of jobs");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["job"], KEY);
    let ids = |key: &str| -> Vec<u64> {
        jobs[0][key]
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| t["assignedTask"]["instanceId"].as_u64().expect("id"))
            .collect()
    };
    assert_eq!(ids("active"), [0, 2]);
    assert_eq!(ids("inactive"), [1]);
    let task = &jobs[0]["active"][0];
    assert_eq!(task["status"], "RUNNING");
    assert_eq!(task["assignedTask"]["task"]["job"]["name"], "wc");
    assert_eq!(task["assignedTask"]["task"]["isService"], true);
    let events: Vec<&str> = task["taskEvents"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["status"].as_str().expect("status name"))
        .collect();
    assert_eq!(events.last(), Some(&"RUNNING"));
    assert_eq!(jobs[0]["inactive"][0]["status"], "KILLED");
    // No such job: Aurora's JSON answer and exit 0.
    let missing = a.status_json("devcluster/heron/devel/none");
    assert_eq!(missing["error"], "No matching jobs found");
}

#[test]
fn calls_log_records_each_command_line_exactly() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let lines: Vec<Vec<String>> = vec![
        vec![
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            KEY,
            &file,
            "--verbose",
        ],
        vec![
            "job",
            "add",
            "--wait-until",
            "RUNNING",
            "devcluster/heron/devel/wc/0",
            "1",
            "--verbose",
        ],
        vec![
            "job",
            "kill",
            "devcluster/heron/devel/wc/2",
            "--verbose",
            "--batch-size",
            "2147483647",
        ],
        vec!["job", "restart", KEY, "--batch-size", "2147483647"],
        vec!["job", "killall", KEY, "--batch-size", "2147483647"],
        vec!["job", "bogus"],
    ]
    .into_iter()
    .map(|l| l.into_iter().map(String::from).collect())
    .collect();
    for l in &lines {
        a.run(l);
    }
    assert_eq!(a.calls(), lines);
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(a.state().join("calls.log"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert!(first["ts_ms"].as_u64().unwrap() > 0);
    assert!(first["pid"].as_u64().unwrap() > 0);
}

#[test]
fn injected_failure_fails_before_any_change() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let create = [
        "job",
        "create",
        "--wait-until",
        "RUNNING",
        KEY,
        file.as_str(),
    ];
    let r = a.run_env(&create, &[("AURORA_STANDIN_FAIL", "killall,create")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Job creation failed due to error:"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("AURORA_STANDIN_FAIL"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(a.job(KEY).is_none());

    let r = a.run_env(
        &create,
        &[
            ("AURORA_STANDIN_FAIL", "all"),
            ("AURORA_STANDIN_FAIL_EXIT", "7"),
        ],
    );
    assert_eq!(r.code, 7);
    // Other verbs are not affected.
    let r = a.run_env(&create, &[("AURORA_STANDIN_FAIL", "killall")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        a.calls().iter().filter(|c| c[1] == "create").count(),
        3,
        "failed calls are logged too"
    );
}

#[test]
fn fail_after_create_leaves_the_job_created() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let r = a.run_env(
        &["job", "create", "--wait-until", "RUNNING", KEY, &file],
        &[("AURORA_STANDIN_FAIL_AFTER_CREATE", "1")],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Error occurred while creating job"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert_eq!(
        a.instance_ids(KEY),
        vec![0, 1],
        "the job was created before the failure"
    );

    // The generic form, on add: instances added, then a failure.
    let r = a.run_env(
        &["job", "add", &format!("{KEY}/0"), "1", "--verbose"],
        &[("AURORA_STANDIN_FAIL_AFTER", "add")],
    );
    assert_eq!(r.code, 1);
    assert_eq!(heron_parse_added(&r.stderr), Some(BTreeSet::from([2])));
    assert_eq!(a.instance_ids(KEY), vec![0, 1, 2]);
}

#[test]
fn fail_count_fails_the_first_calls_then_succeeds() {
    let a = Aurora::new();
    assert_eq!(a.create_rendered(KEY, "wc", 2).code, 0);
    let killall = ["job", "killall", KEY, "--batch-size", "2147483647"];
    let env = [("AURORA_STANDIN_FAIL_COUNT", "killall:2,restart:1")];
    for attempt in 1..=2 {
        let r = a.run_env(&killall, &env);
        assert_eq!(r.code, 1, "attempt {attempt}");
        assert!(
            r.stderr.contains(&format!("call {attempt} of 2")),
            "{}",
            r.stderr
        );
        assert!(a.job(KEY).is_some(), "attempt {attempt} must not kill");
    }
    let r = a.run_env(&killall, &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(a.job(KEY).is_none());
    let r = a.run_env(&killall, &env);
    assert_eq!(r.code, 0, "later calls keep succeeding");
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn hang_blocks_until_killed() {
    let a = Aurora::new();
    let file = a.write("wc.aurora", &rendered(&heron_bindings("wc", 2)));
    let args = [
        "job",
        "create",
        "--wait-until",
        "RUNNING",
        KEY,
        file.as_str(),
    ];
    let mut child = Child(
        a.command(&args, &[("AURORA_STANDIN_HANG", "create")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.0.try_wait().unwrap().is_none(), "create should hang");
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(a.job(KEY).is_none(), "HANG hangs before creating");

    let mut child = Child(
        a.command(&args, &[("AURORA_STANDIN_HANG_AFTER", "create")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while a.job(KEY).is_none() {
        assert!(
            Instant::now() < deadline,
            "HANG_AFTER should create the job, then hang"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "create should still hang"
    );
    // The state lock is not held while hanging: other calls go through.
    let r = a.run(&["job", "killall", KEY]);
    assert_eq!(r.code, 0);
}

#[test]
fn delay_slows_a_verb_down() {
    let a = Aurora::new();
    let start = Instant::now();
    let r = a.run_env(&["job", "list"], &[("AURORA_STANDIN_DELAY_MS", "list:400")]);
    assert_eq!(r.code, 0);
    assert!(start.elapsed() >= Duration::from_millis(400));
}

#[test]
fn malformed_injection_variables_are_usage_errors() {
    let a = Aurora::new();
    for (var, value) in [
        ("AURORA_STANDIN_FAIL", "crate"),
        ("AURORA_STANDIN_FAIL_COUNT", "killall"),
        ("AURORA_STANDIN_FAIL_COUNT", "killall:x"),
        ("AURORA_STANDIN_FAIL_EXIT", "0"),
        ("AURORA_STANDIN_KILLALL_MISSING", "ok"),
    ] {
        let r = a.run_env(&["job", "list"], &[(var, value)]);
        assert_eq!(r.code, 2, "{var}={value}");
        assert!(r.stderr.contains(var), "{var}={value}: {}", r.stderr);
    }
}

#[test]
fn usage_errors_exit_2() {
    let a = Aurora::new();
    for args in [
        vec!["job", "create", "devcluster/heron/wc", "f.aurora"],
        vec!["job", "create", "devcluster/heron/devel/../x", "f.aurora"],
        vec!["job", "create", "--bind", "NOVALUE", KEY, "f.aurora"],
        vec!["job", "create", "--wait-until", "SOON", KEY, "f.aurora"],
        vec!["job", "killall", KEY, "--batch-size", "0"],
        vec!["job", "kill", "devcluster/heron/devel/wc/x"],
        vec!["job", "frobnicate"],
        vec!["cron", "list"],
    ] {
        let r = a.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
    assert!(a.run(&["job", "list"]).stdout.is_empty());
}

#[test]
fn state_dir_is_required_and_help_says_it_is_a_stand_in() {
    let mut cmd = Command::new(BIN);
    for v in VARS {
        cmd.env_remove(v);
    }
    let r = to_run(cmd.args(["job", "list"]).output().unwrap());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("AURORA_STANDIN_STATE_DIR is not set"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stand-in"), "{}", r.stderr);

    let mut cmd = Command::new(BIN);
    cmd.env_remove("AURORA_STANDIN_STATE_DIR");
    let help = to_run(cmd.arg("--help").output().unwrap());
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("This program is NOT Aurora"),
        "{}",
        help.stdout
    );
    // The removed variable is only refused, not offered.
    for var in VARS
        .iter()
        .filter(|v| **v != "AURORA_STANDIN_KILLALL_MISSING")
    {
        assert!(help.stdout.contains(var), "--help documents {var}");
    }
    assert!(!help.stdout.contains("AURORA_STANDIN_KILLALL_MISSING"));
    let mut cmd = Command::new(BIN);
    cmd.env_remove("AURORA_STANDIN_STATE_DIR");
    let sub = to_run(cmd.args(["job", "create", "--help"]).output().unwrap());
    assert!(sub.stdout.contains("TEST STAND-IN"), "{}", sub.stdout);
}

/// Two heron submits at once: every distinct job lands, and of several creates of the same key
/// exactly one wins.
#[test]
fn concurrent_calls_keep_the_state_consistent() {
    let a = Aurora::new();
    let mut children = Vec::new();
    for i in 0..6 {
        let name = format!("t{i}");
        let key = format!("devcluster/heron/devel/{name}");
        let file = a.write(
            &format!("{name}.aurora"),
            &rendered(&heron_bindings(&name, 2)),
        );
        let args = vec!["job".to_string(), "create".into(), key, file];
        children.push((
            None,
            a.command(&args, &[("AURORA_STANDIN_HOLD_LOCK_MS", "50")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
    }
    let file = a.write("same.aurora", &rendered(&heron_bindings("wc", 2)));
    for _ in 0..4 {
        let args = vec!["job".to_string(), "create".into(), KEY.into(), file.clone()];
        children.push((
            Some(()),
            a.command(&args, &[("AURORA_STANDIN_HOLD_LOCK_MS", "50")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
    }
    let mut same_ok = 0;
    let mut same_exists = 0;
    for (same, mut child) in children {
        let code = child.wait().unwrap().code();
        match (same, code) {
            (None, Some(0)) => {}
            (None, other) => panic!("a distinct create failed: {other:?}"),
            (Some(()), Some(0)) => same_ok += 1,
            (Some(()), Some(4)) => same_exists += 1,
            (Some(()), other) => panic!("unexpected exit {other:?}"),
        }
    }
    assert_eq!((same_ok, same_exists), (1, 3));
    let list = a.run(&["job", "list"]);
    assert_eq!(list.stdout.lines().count(), 7, "{}", list.stdout);
    assert_eq!(
        a.calls().len(),
        10 + 1,
        "every call logged, each line whole JSON"
    );
}
