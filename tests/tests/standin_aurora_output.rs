//! What the `aurora` stand-in prints, line for line, against what Aurora's client prints for the
//! same command line (apache/aurora `src/main/python/apache/aurora/client/cli/{__init__,client,
//! context,jobs}.py`, `client/api/{__init__,restarter,task_util}.py`, twitter.common's
//! `PlainFormatter`): stdout from `print_out`, stderr from `print_err` and the root logger's
//! `DEBUG] ` / ` INFO] ` / `ERROR] ` lines, and the closing `Command terminated ...` line a verb
//! that returns gets (but one that raises a `CommandError` does not). The stand-in is not Aurora
//! (docs/aurora-standin.md); these lines are what heron reads from it.

use std::path::PathBuf;

use heron_tests::aurora_standin::{Ran, Standin};
use heron_tests::command;

const KEY: &str = "devcluster/heron/devel/wc";
const BATCH: [&str; 2] = ["--batch-size", "2147483647"];

/// The stand-in with a small job file for KEY.
struct Aurora {
    standin: Standin,
}

impl Aurora {
    fn new() -> Aurora {
        Aurora {
            standin: Standin::new(),
        }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Ran {
        self.standin.run_env(args, env)
    }

    /// A small valid job file for KEY with `instances` instances.
    fn job_file(&self, instances: u32) -> PathBuf {
        PathBuf::from(self.standin.write(
            "wc.aurora",
            &format!(
                "p = Process(name = 'run', cmdline = 'echo it\\'s {{{{mesos.instance}}}}')\n\
                 jobs = [Job(name = 'wc', cluster = 'devcluster', role = 'heron', \
                 environment = 'devel', service = True, instances = {instances},\n  \
                 task = Task(processes = [p], resources = Resources(cpu = 1.0, \
                 ram = 1073741824, disk = 1073741824)))]\n"
            ),
        ))
    }

    fn create(&self, instances: u32, extra: &[&str], env: &[(&str, &str)]) -> Ran {
        let file = self.job_file(instances);
        let mut args = vec![
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            KEY,
            file.to_str().unwrap(),
        ];
        args.extend(extra);
        self.run(&args, env)
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// What Python prints for `repr(value)`: Aurora's client formats its lists of arguments and job
/// file lines with `%s`, which is their repr. (Python 3's repr of ASCII text is Python 2's.)
fn python_repr_of_argv(args: &[&str]) -> String {
    let out = command("python3")
        .args(["-c", "import sys; print(repr(sys.argv[1:]))"])
        .args(args)
        .output()
        .expect("run python3");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

fn python_repr_of_readlines(path: &std::path::Path) -> String {
    let out = command("python3")
        .args([
            "-c",
            "import sys; print(repr(open(sys.argv[1]).readlines()))",
        ])
        .arg(path)
        .output()
        .expect("run python3");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string()
}

#[test]
fn a_verbose_create_logs_like_aurora_and_closes_with_the_debug_line() {
    let a = Aurora::new();
    let path = a.job_file(2);
    let file = path.to_str().unwrap();
    let r = a.create(2, &["--verbose"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let argv = [
        "job",
        "create",
        "--wait-until",
        "RUNNING",
        KEY,
        file,
        "--verbose",
    ];
    assert_eq!(
        lines(&r.stderr),
        vec![
            format!("DEBUG] Command=({})", python_repr_of_argv(&argv)).as_str(),
            format!("DEBUG] Config: {}", python_repr_of_readlines(&path)).as_str(),
            " INFO] Creating job wc",
            &format!(" INFO] Checking status of {KEY}"),
            "DEBUG] Command terminated successfully",
        ]
    );
    assert!(
        r.stdout.starts_with("Job create succeeded: job url="),
        "{}",
        r.stdout
    );

    // Without --verbose only the INFO lines are written.
    let b = Aurora::new();
    let r = b.create(2, &[], &[]);
    assert_eq!(
        lines(&r.stderr),
        vec![
            " INFO] Creating job wc".to_string(),
            format!(" INFO] Checking status of {KEY}")
        ]
    );
}

#[test]
fn a_create_that_returns_a_failure_ends_with_the_command_terminated_line() {
    let a = Aurora::new();
    // jobs.py: the status check after create fails -> print_err, return EXIT_COMMAND_FAILURE.
    let r = a.create(
        2,
        &[],
        &[
            ("AURORA_STANDIN_FAIL_AFTER", "create"),
            ("AURORA_STANDIN_FAIL_EXIT", "4"),
        ],
    );
    assert_eq!(r.code, 4);
    let err = lines(&r.stderr);
    assert_eq!(
        err.last(),
        Some(&" INFO] Command terminated with error code 4")
    );
    assert_eq!(
        err[err.len() - 2],
        format!("Error occurred while creating job {KEY}")
    );
}

#[test]
fn a_command_error_has_no_closing_line() {
    let a = Aurora::new();
    // get_job_config raises CommandError(EXIT_INVALID_CONFIGURATION, ...): printed, no log line.
    let missing = a.standin.file("missing.aurora");
    let r = a.run(
        &["job", "create", KEY, missing.to_str().unwrap(), "--verbose"],
        &[],
    );
    assert_eq!(r.code, 3);
    let err = lines(&r.stderr);
    assert!(
        err[0].starts_with("DEBUG] Command=(['job', 'create'"),
        "{err:?}"
    );
    assert!(
        err.last()
            .unwrap()
            .starts_with("Error loading configuration: "),
        "{err:?}"
    );
    assert!(!r.stderr.contains("Command terminated"), "{}", r.stderr);
}

#[test]
fn killall_prints_what_aurora_prints_with_and_without_the_job() {
    let a = Aurora::new();
    assert_eq!(a.create(3, &[], &[]).code, 0);
    let mut args = vec!["job", "killall", KEY, "--verbose"];
    args.extend(BATCH);
    let r = a.run(&args, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        lines(&r.stdout),
        vec![
            "Successfully killed instances [0, 1, 2]",
            "Job killall succeeded"
        ]
    );
    let err = lines(&r.stderr);
    assert_eq!(
        &err[1..],
        &[
            format!(" INFO] Killing tasks for job: {KEY}").as_str(),
            " INFO] Instances to be killed: [0, 1, 2]",
            "DEBUG] Command terminated successfully",
        ]
    );

    // The job is gone: reported, ignored, exit 0.
    let r = a.run(&args, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(lines(&r.stdout), vec!["Job killall succeeded"]);
    assert_eq!(
        &lines(&r.stderr)[1..],
        &[
            format!("No tasks to kill found for job {KEY}").as_str(),
            "DEBUG] Command terminated successfully",
        ]
    );
}

#[test]
fn add_logs_the_new_ids_at_debug_where_heron_finds_them() {
    let a = Aurora::new();
    assert_eq!(a.create(2, &[], &[]).code, 0);
    let instance = format!("{KEY}/0");
    let r = a.run(
        &[
            "job",
            "add",
            "--wait-until",
            "RUNNING",
            &instance,
            "2",
            "--verbose",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        &lines(&r.stderr)[1..],
        &[
            format!(" INFO] Adding 2 instances to {KEY} using the task config of instance 0")
                .as_str(),
            "DEBUG] Querying instance statuses: [2, 3]",
            "DEBUG] Command terminated successfully",
        ]
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

#[test]
fn status_without_a_match_returns_6_with_the_closing_line() {
    let a = Aurora::new();
    let r = a.run(&["job", "status", KEY], &[]);
    assert_eq!(r.code, 6);
    assert_eq!(
        lines(&r.stderr),
        vec![
            format!("Found no jobs matching {KEY}"),
            " INFO] Command terminated with error code 6".to_string()
        ]
    );
}

#[test]
fn restart_of_inactive_instances_logs_the_scheduler_refusal() {
    let a = Aurora::new();
    assert_eq!(a.create(2, &[], &[]).code, 0);
    let target = format!("{KEY}/5");
    let mut args = vec!["job", "restart", target.as_str()];
    args.extend(BATCH);
    let r = a.run(&args, &[]);
    assert_eq!(r.code, 10);
    assert_eq!(
        lines(&r.stderr),
        vec![
            format!(" INFO] Performing rolling restart of job {KEY} (instances: [5])"),
            " INFO] Restarting instances: [5]".to_string(),
            "ERROR] Error restarting instances: Not all requested shards are active.".to_string(),
            format!("Error restarting job {KEY}:"),
            "\tNot all requested shards are active.".to_string(),
        ]
    );
}
