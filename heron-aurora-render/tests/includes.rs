//! `include('file')` in a site's template: rendered in place, as Aurora would have executed it
//! under Heron. Each job is compared with what **pystachio** (0.8.10, the library Aurora's config
//! loader is) makes of the unrendered template: pystachio resolves the includes from the
//! template's folder, and Heron's bindings are bound with `--bind`, as Heron's AuroraController
//! passes them to `aurora job create`. Both must load to the same job.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_heron-aurora-render");
const KEY: &str = "devcluster/www-data/devel/WordCount";

/// Heron's bindings for a 2-container topology, as `NAME=VALUE`.
const BINDINGS: &[(&str, &str)] = &[
    ("CLUSTER", "devcluster"),
    ("ROLE", "www-data"),
    ("ENVIRON", "devel"),
    ("TOPOLOGY_NAME", "WordCount"),
    ("NUM_CONTAINERS", "3"),
    ("CPUS_PER_CONTAINER", "2.0"),
    ("RAM_PER_CONTAINER", "2147483648"),
    ("DISK_PER_CONTAINER", "4294967296"),
    ("EXECUTOR_BINARY", "python3 ./heron-core/bin/heron-executor"),
    (
        "CORE_PACKAGE_URI",
        "https://dist.example.com/heron-core.tar.gz",
    ),
    (
        "TOPOLOGY_PACKAGE_URI",
        "file:///var/heron/pkgs/WordCount/topology.tar.gz",
    ),
    (
        "TOPOLOGY_ARGUMENTS",
        "--topology-name=WordCount --topology-id=WordCount-1 --instance-jvm-opts=\"LVhteDFn\" --classpath=libs/*:wc.jar",
    ),
];

fn tools_python() -> PathBuf {
    match std::env::var_os("HERON_TEST_TOOLS_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v).join("bin/python"),
        _ => panic!(
            "HERON_TEST_TOOLS_VENV is not set, so pystachio is not available to this test: run it \
             through scripts/test.sh, or `scripts/install.sh && scripts/services.sh start && source .services/env`"
        ),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// A site template in Heron's style (values in quotes, string concatenation), split over a
/// folder: the job includes `site/common.aurora`, which includes `fetch.aurora` next to itself
/// (pystachio resolves nested includes against the including file's folder), and bindings are
/// used in both included files.
fn site_template(dir: &Path) -> PathBuf {
    write(
        dir,
        "site/fetch.aurora",
        "heron_core_release_uri = '{{CORE_PACKAGE_URI}}'\n\
         fetch_heron_system = Process(\n  name = 'fetch_heron_system',\n  \
         cmdline = 'curl %s -o heron-core.tar.gz && tar zxf heron-core.tar.gz' % heron_core_release_uri\n)\n\
         fetch_user_package = Process(\n  name = 'fetch_user_package',\n  \
         cmdline = 'curl {{TOPOLOGY_PACKAGE_URI}} -o topology.tar.gz && tar zxf topology.tar.gz'\n)\n",
    );
    write(
        dir,
        "site/common.aurora",
        "# The site's shared pieces.\ninclude('fetch.aurora')\n\
         site_resources = Resources(cpu = '{{CPUS_PER_CONTAINER}}', ram = '{{RAM_PER_CONTAINER}}', \
         disk = '{{DISK_PER_CONTAINER}}')\n\
         site_announcer = Announcer(primary_port = 'http', portmap = {'admin': 'http', 'health': 'http'})\n",
    );
    write(
        dir,
        "heron.aurora",
        "include('site/common.aurora')  # relative to this file's folder\n\
         command_to_start_executor = \\\n  '{{EXECUTOR_BINARY}}' \\\n  ' --shard={{mesos.instance}}' \\\n  \
         ' --server-port={{thermos.ports[port1]}}' \\\n  ' {{TOPOLOGY_ARGUMENTS}}'\n\
         launch_heron_executor = Process(name = 'launch_heron_executor', cmdline = command_to_start_executor, max_failures = 1)\n\
         heron_task = SequentialTask(\n  name = 'setup_and_run',\n  \
         processes = [fetch_heron_system, fetch_user_package, launch_heron_executor],\n  resources = site_resources\n)\n\
         jobs = [\n  Job(\n    name = '{{TOPOLOGY_NAME}}', cluster = '{{CLUSTER}}', role = '{{ROLE}}',\n    \
         environment = '{{ENVIRON}}', service = True, task = heron_task,\n    \
         instances = '{{NUM_CONTAINERS}}', announce = site_announcer\n  )\n]\n",
    )
}

fn render(template: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--template").arg(template).args(extra);
    for (name, value) in BINDINGS {
        cmd.arg("--bind").arg(format!("{name}={value}"));
    }
    cmd.env_remove("RUST_BACKTRACE")
        .output()
        .expect("run heron-aurora-render")
}

/// pystachio's view of a job file (`tests/python/load_job.py`), bound for instance 1.
fn load(path: &Path, bindings: &[(&str, &str)]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/load_job.py");
    let mut cmd = Command::new(tools_python());
    cmd.arg(&script)
        .arg(path)
        .args(["--job-key", KEY, "--instance", "1"]);
    for (name, value) in bindings {
        cmd.arg("--bind").arg(format!("{name}={value}"));
    }
    let out = cmd.output().expect("run the pystachio loader");
    assert!(
        out.status.success(),
        "pystachio cannot load {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the loader prints JSON")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn relative_and_nested_includes_render_to_the_job_aurora_runs_under_heron() {
    let dir = tempfile::tempdir().unwrap();
    let template = site_template(dir.path());
    // Render from another folder, into a third one: includes follow the template, not the cwd.
    let elsewhere = tempfile::tempdir().unwrap();
    let job_path = elsewhere.path().join("WordCount.aurora");
    let out = Command::new(BIN)
        .current_dir(elsewhere.path())
        .arg("--template")
        .arg(&template)
        .args(
            BINDINGS
                .iter()
                .flat_map(|(n, v)| ["--bind".to_string(), format!("{n}={v}")]),
        )
        .arg("-o")
        .arg(&job_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let job = std::fs::read_to_string(&job_path).unwrap();
    assert!(
        !job.lines().any(|l| l.trim_start().starts_with("include(")),
        "every include is rendered in place: {job}"
    );
    assert!(
        job.contains("# heron-aurora-render: include('fetch.aurora') = "),
        "{job}"
    );
    assert!(
        !job.contains("{{CORE_PACKAGE_URI}}") && !job.contains("{{TOPOLOGY_PACKAGE_URI}}"),
        "bindings inside included files are bound: {job}"
    );

    // What Aurora makes of our job equals what it makes of the template with Heron's --bind pairs.
    let ours = load(&job_path, &[]);
    let herons = load(&template, BINDINGS);
    assert_eq!(ours, herons);
    let cmdline = |job: &Value, name: &str| {
        job["task"]["processes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no process {name}: {job:#}"))["cmdline"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        cmdline(&ours, "fetch_heron_system"),
        "curl https://dist.example.com/heron-core.tar.gz -o heron-core.tar.gz && tar zxf heron-core.tar.gz"
    );
    assert!(
        cmdline(&ours, "launch_heron_executor")
            .starts_with("python3 ./heron-core/bin/heron-executor --shard=1 --server-port=3"),
        "{}",
        cmdline(&ours, "launch_heron_executor")
    );
    assert_eq!(ours["resources"]["ram_bytes"], 2147483648u64);

    // --check reads it alone, as the job file Aurora is given.
    let check = Command::new(BIN)
        .args(["--check"])
        .arg(&job_path)
        .args(["--job-key", KEY])
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn include_errors_name_the_file_and_the_include() {
    let dir = tempfile::tempdir().unwrap();
    let good = "jobs = []\n";
    // A missing file: exit 3, naming the include and where it was looked for.
    let t = write(dir.path(), "missing.aurora", "include('nope.aurora')\n");
    let out = render(&t, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("include('nope.aurora')")
            && err.contains(&dir.path().join("nope.aurora").display().to_string()),
        "{err}"
    );

    // A cycle: refused instead of recursing.
    write(dir.path(), "a.aurora", "include('b.aurora')\n");
    write(dir.path(), "b.aurora", "include('a.aurora')\n");
    let out = render(&dir.path().join("a.aurora"), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("includes itself"), "{}", stderr(&out));

    // What cannot be spliced in without changing its meaning.
    write(dir.path(), "ok.aurora", good);
    for (name, text) in [
        (
            "computed.aurora",
            "base = 'ok'\ninclude(base + '.aurora')\n",
        ),
        ("block.aurora", "if True:\n  include('ok.aurora')\n"),
        ("semicolon.aurora", "include('ok.aurora'); x = 1\n"),
        ("aliased.aurora", "inc = include\ninc('ok.aurora')\n"),
    ] {
        let t = write(dir.path(), name, text);
        let out = render(&t, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(name) && stderr(&out).contains("line "),
            "{name}: {}",
            stderr(&out)
        );
    }

    // A template on stdin has no folder to resolve against.
    let mut child = Command::new(BIN)
        .args(["--template", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"include('ok.aurora')\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("stdin"), "{}", stderr(&out));
}

#[test]
fn an_included_file_is_rendered_with_its_own_escaping() {
    let dir = tempfile::tempdir().unwrap();
    // A value with a quote and a backslash: escaped inside the included file's literal.
    write(
        dir.path(),
        "values.aurora",
        "site_note = '{{NOTE}}'\nsite_count = {{py COUNT}}\n",
    );
    let t = write(
        dir.path(),
        "t.aurora",
        "include('values.aurora')\nresult = [site_note, site_count]\n",
    );
    let out = render(&t, &["--bind", "NOTE=it's a \\ test", "--bind", "COUNT=3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let job = String::from_utf8(out.stdout).unwrap();
    assert!(job.contains("site_note = 'it\\'s a \\\\ test'"), "{job}");
    assert!(job.contains("site_count = '3'"), "{job}");
}
