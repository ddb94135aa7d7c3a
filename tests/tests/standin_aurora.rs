//! Tests of the `aurora` test stand-in (tests/src/bin/aurora.rs): `aurora job create` with Heron's
//! bindings or a rendered job file, the job-file checks, usage errors and the stand-in's own help.
//! Job files are a Heron-shaped `heron.aurora` (the repo's fixture, tests/fixtures/heron-conf/aurora),
//! bound with `--bind` or rendered; the interop tier also creates a job from Heron's unedited stock
//! template. The other verbs: standin_aurora_verbs.rs; failure injection and concurrent calls:
//! standin_aurora_faults.rs; what it prints, line by line: standin_aurora_output.rs.

#[path = "standin/support.rs"]
mod standin;

use std::path::Path;
use std::process::Command;

use heron_tests::aurora_standin::Standin as Aurora;
use heron_tests::aurora_standin::{Ran, VARS};
use heron_tests::{bin, heron_conf};
use standin::*;

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
    let mut cmd = Command::new(bin("aurora"));
    for v in VARS {
        cmd.env_remove(v);
    }
    let r = Ran::from(cmd.args(["job", "list"]).output().unwrap());
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("AURORA_STANDIN_STATE_DIR is not set"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stand-in"), "{}", r.stderr);

    let mut cmd = Command::new(bin("aurora"));
    cmd.env_remove("AURORA_STANDIN_STATE_DIR");
    let help = Ran::from(cmd.arg("--help").output().unwrap());
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
    let mut cmd = Command::new(bin("aurora"));
    cmd.env_remove("AURORA_STANDIN_STATE_DIR");
    let sub = Ran::from(cmd.args(["job", "create", "--help"]).output().unwrap());
    assert!(sub.stdout.contains("TEST STAND-IN"), "{}", sub.stdout);
}
