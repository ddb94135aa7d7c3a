//! The examples in `examples/` and the `local` cluster folder in `conf/` work as their comments
//! say: the YAML topology through `heron submit` (dry run and a full submit against the Aurora
//! stand-in), and `examples/pipeline.sh` running every stage binary in turn, with its rollback.
//!
//! Needs the workspace binaries (`cargo build --workspace --bins`), `jq`, and the heronpy venv
//! (`HERON_TEST_VENV`, from `scripts/test.sh`) for the Python example.

use std::path::PathBuf;
use std::process::{Command, Output};

use heron_tests::{TestDir, bin, bin_command, command, repo_root, run_ok, venv_python};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn explain(out: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// A user with an empty home: `~/.herondata` is where the `local` cluster keeps everything, and
/// the Aurora stand-in keeps its jobs in the home too.
struct User {
    home: TestDir,
}

impl User {
    fn new() -> User {
        User {
            home: TestDir::new(),
        }
    }

    fn herondata(&self) -> PathBuf {
        self.home.join(".herondata")
    }

    fn aurora_dir(&self) -> PathBuf {
        self.home.join("aurora-standin")
    }

    /// Environment every program of this user gets.
    fn env(&self, cmd: &mut Command) {
        cmd.current_dir(repo_root())
            .env("HOME", self.home.path())
            .env("USER", "alice")
            .env("AURORA_STANDIN_STATE_DIR", self.aurora_dir())
            .env("HERON_AURORA_BIN", bin("aurora"))
            .env_remove("HERON_CONFIG_PATH");
    }

    fn heron(&self, args: &[&str]) -> Output {
        let mut cmd = bin_command("heron");
        self.env(&mut cmd);
        cmd.arg(args[0])
            .arg("--config-path")
            .arg(repo_root().join("conf"))
            .args(&args[1..]);
        cmd.output().expect("run heron")
    }

    fn pipeline(&self, program: &str, extra_env: &[(&str, &str)]) -> Output {
        let mut cmd = command("bash");
        self.env(&mut cmd);
        cmd.arg(repo_root().join("examples/pipeline.sh"))
            .arg("local/alice/devel")
            .arg(program)
            .env("HERON_CONFIG_PATH", repo_root().join("conf"))
            .env("HERON_BIN_DIR", bin("heron").parent().expect("bin dir"))
            .env("HERON_PYTHON", venv_python());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().expect("run pipeline.sh")
    }

    /// The Python example as a pex, built as its docstring says (`python3 -m zipapp examples/python
    /// -m word_count:main`), into this user's home.
    fn word_count_pex(&self) -> PathBuf {
        let pex = self.home.join("word_count.pex");
        run_ok(command(venv_python()).current_dir(repo_root()).args([
            "-m",
            "zipapp",
            "examples/python",
            "-m",
            "word_count:main",
            "-o",
            pex.to_str().expect("utf-8 path"),
        ]));
        pex
    }

    fn state_node(&self, kind: &str, name: &str) -> PathBuf {
        self.herondata()
            .join("repository/state/local")
            .join(kind)
            .join(name)
    }

    fn package(&self, name: &str) -> PathBuf {
        self.herondata()
            .join("repository/topologies/local/alice")
            .join(name)
            .join(format!("{name}-alice-tag-0.tar.gz"))
    }

    fn aurora_jobs(&self) -> Vec<String> {
        let mut cmd = bin_command("aurora");
        self.env(&mut cmd);
        let out = run_ok(cmd.args(["job", "list"]));
        text(&out.stdout).lines().map(str::to_string).collect()
    }
}

const STATE_KINDS: [&str; 4] = ["topologies", "packingplans", "executionstate", "schedulers"];

fn assert_submitted(user: &User, name: &str) {
    for kind in STATE_KINDS {
        let node = user.state_node(kind, name);
        let size = std::fs::metadata(&node).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0, "{} missing or empty", node.display());
    }
    assert!(
        user.package(name).is_file(),
        "no package {}",
        user.package(name).display()
    );
    assert_eq!(
        user.aurora_jobs(),
        [format!("local/alice/devel/{name}")],
        "the Aurora stand-in holds the job"
    );
}

fn assert_nothing_left(user: &User, name: &str) {
    for kind in STATE_KINDS {
        let node = user.state_node(kind, name);
        assert!(!node.exists(), "{} was left behind", node.display());
    }
    assert!(!user.package(name).exists(), "the package was left behind");
    assert!(
        user.aurora_jobs().is_empty(),
        "an Aurora job was left behind"
    );
}

#[test]
fn yaml_example_dry_run_needs_no_service_and_shows_plan_and_job() {
    let user = User::new();
    let out = user.heron(&[
        "submit",
        "--dry-run",
        "local/alice/devel",
        "examples/word-count.yaml",
        "-",
    ]);
    assert!(out.status.success(), "{}", explain(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Total number of containers: 2"), "{stdout}");
    assert!(
        stdout.contains("# Aurora job local/alice/devel/WordCountYaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("jobs = ["),
        "the rendered job is printed: {stdout}"
    );
    // A dry run touches nothing.
    assert!(
        !user.herondata().exists(),
        "a dry run wrote to ~/.herondata"
    );
    assert!(
        !user.aurora_dir().join("jobs").exists(),
        "a dry run created a job"
    );
}

#[test]
fn yaml_example_submits_and_kills_on_the_local_cluster() {
    let user = User::new();
    let out = user.heron(&[
        "submit",
        "local/alice/devel",
        "examples/word-count.yaml",
        "-",
    ]);
    assert!(out.status.success(), "{}", explain(&out));
    assert!(
        text(&out.stdout).contains("Topology 'WordCountYaml' submitted"),
        "{}",
        explain(&out)
    );
    assert_submitted(&user, "WordCountYaml");

    let out = user.heron(&["kill", "local/alice/devel", "WordCountYaml"]);
    assert!(out.status.success(), "{}", explain(&out));
    assert_nothing_left(&user, "WordCountYaml");
}

#[test]
fn pipeline_submits_the_python_example_stage_by_stage_and_heron_kills_it() {
    let user = User::new();
    let pex = user.word_count_pex();
    let pex = pex.to_str().expect("utf-8 path");
    let out = user.pipeline(pex, &[]);
    assert!(out.status.success(), "{}", explain(&out));
    assert_eq!(
        text(&out.stdout).lines().last(),
        Some(
            format!(
                "Topology 'WordCountPython' submitted: Aurora job local/alice/devel/WordCountPython, package file://{}",
                user.package("WordCountPython").display()
            )
            .as_str()
        ),
        "{}",
        explain(&out)
    );
    let stderr = text(&out.stderr);
    for stage in [
        "1/7 define",
        "2/7 pack",
        "3/7 package",
        "4/7 upload",
        "5/7 state",
        "6/7 render",
        "7/7 create",
    ] {
        assert!(
            stderr.contains(stage),
            "stage {stage} not reported: {stderr}"
        );
    }
    assert_submitted(&user, "WordCountPython");

    // The state the pipeline wrote is what heron-statemgr reads back, ids agreeing.
    let mut get = bin_command("heron-statemgr");
    user.env(&mut get);
    let out = run_ok(get.args([
        "--config-path",
        repo_root().join("conf").to_str().expect("utf-8 path"),
        "--cluster",
        "local",
        "get",
        "executionstate",
        "WordCountPython",
        "--format",
        "json",
    ]));
    let state: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(state["cluster"], "local");
    assert_eq!(state["role"], "alice");
    let id = state["topology_id"].as_str().expect("topology_id");
    assert!(id.starts_with("WordCountPython"), "{id}");
    let job = std::fs::read_to_string(
        user.aurora_dir()
            .join("jobs/local/alice/devel/WordCountPython.json"),
    )
    .expect("stand-in job record");
    assert!(
        job.contains(&format!("--topology-id={id}")),
        "job and state disagree on the id"
    );
    assert!(
        job.contains("--topology-binary-file=word_count.pex --"),
        "{job}"
    );
    assert!(job.contains("--pkg-type=pex --"), "{job}");

    // A second run refuses the existing topology before uploading anything.
    let again = user.pipeline(pex, &[]);
    assert_eq!(again.status.code(), Some(4), "{}", explain(&again));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        explain(&again)
    );
    assert_submitted(&user, "WordCountPython");

    // Heron's own CLI manages what the pipeline submitted.
    let out = user.heron(&["kill", "local/alice/devel", "WordCountPython"]);
    assert!(out.status.success(), "{}", explain(&out));
    assert_nothing_left(&user, "WordCountPython");
}

#[test]
fn pipeline_rolls_back_every_stage_when_aurora_create_fails() {
    let user = User::new();
    let pex = user.word_count_pex();
    // The stand-in creates the job, then reports a failure: everything must be undone.
    let out = user.pipeline(
        pex.to_str().expect("utf-8 path"),
        &[
            ("AURORA_STANDIN_FAIL_AFTER", "create"),
            ("AURORA_STANDIN_FAIL_EXIT", "7"),
        ],
    );
    assert_eq!(out.status.code(), Some(7), "{}", explain(&out));
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on failure: {}",
        explain(&out)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: stage create failed (aurora exited 7)"),
        "{stderr}"
    );
    for step in ["job killall", " clean WordCountPython", " undo "] {
        assert!(
            stderr.contains(step),
            "rollback step {step:?} not run: {stderr}"
        );
    }
    assert_nothing_left(&user, "WordCountPython");
}

#[test]
fn pipeline_refuses_what_heron_could_not_run() {
    let user = User::new();
    // A .py as it is: Heron's instances load the code from a pex.
    let out = user.pipeline("examples/python/word_count.py", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(
        text(&out.stderr)
            .contains("python3 -m zipapp examples/python -m word_count:main -o word_count.pex"),
        "{}",
        explain(&out)
    );
    // A pex that runs word_count as its program: its classes are __main__.X.
    let pex = user.home.join("main.pex");
    let script = r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.write('examples/python/word_count.py', 'word_count.py')
    z.writestr('__main__.py', "import runpy; runpy.run_module('word_count', run_name='__main__')")
"#;
    run_ok(command(venv_python()).current_dir(repo_root()).args([
        "-c",
        script,
        pex.to_str().expect("utf-8 path"),
    ]));
    let out = user.pipeline(pex.to_str().expect("utf-8 path"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", explain(&out));
    assert!(
        text(&out.stderr).contains("__main__.X"),
        "{}",
        explain(&out)
    );
    assert!(user.aurora_jobs().is_empty(), "nothing was submitted");
}

#[test]
fn pipeline_says_what_to_do_without_a_cluster_config() {
    let user = User::new();
    let mut cmd = command("bash");
    user.env(&mut cmd);
    let out = cmd
        .arg(repo_root().join("examples/pipeline.sh"))
        .arg("nosuch/alice/devel")
        .arg("examples/python/word_count.py")
        .env("HERON_CONFIG_PATH", user.home.path())
        .output()
        .expect("run pipeline.sh");
    assert_eq!(out.status.code(), Some(3), "{}", explain(&out));
    assert!(
        text(&out.stderr).contains("no config for cluster nosuch"),
        "{}",
        explain(&out)
    );
}

#[test]
fn conf_templates_are_the_built_in_template() {
    let out =
        run_ok(bin_command("heron-aurora-render").args(["--print-template", "--builtin-template"]));
    for cluster in ["local", "aurora-zk-s3", "aurora-zk-hdfs"] {
        let path = repo_root().join("conf").join(cluster).join("heron.aurora");
        let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            file == out.stdout,
            "{} differs from heron-aurora-render's built-in template: regenerate it with \
             `heron-aurora-render --print-template --builtin-template > {}`",
            path.display(),
            path.display()
        );
    }
}
