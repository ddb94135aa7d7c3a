//! Values that try to break out of their string literal or into Aurora's references: they arrive
//! in the job unchanged, or are refused naming the binding.

use super::*;

/// Values that try to break out of their string: each must arrive in the job unchanged.
const HOSTILE_ARGS: &str =
    "--a='x' --b=\"y\" --c=back\\slash\\\\ --d=it\\'s\n--e=new\nline\r\t ''' \"\"\" \\n {{ {% }} }";

/// Quotes, a backslash, `$HOME`: Python-hostile, and a shell fragment like Heron's own value.
const HOSTILE_EXECUTOR: &str = "env PEX_ROOT=$HOME/.pex ./bin/heron executor's \"x\"\\";

#[test]
fn hostile_values_cannot_change_the_job_structure() {
    let doc = values_json_with(&[
        ("TOPOLOGY_ARGUMENTS", Value::from(HOSTILE_ARGS)),
        ("EXECUTOR_BINARY", Value::from(HOSTILE_EXECUTOR)),
        (
            "TOPOLOGY_PACKAGE_URI",
            Value::from("file:///tmp/a'b\"c\\d\ne {{x/topology.tar.gz"),
        ),
    ]);

    // Built-in template: every value arrives exactly. The executor is a command prefix, as in
    // Heron's template: its text starts the command line unchanged, for the shell to read.
    let job = render_ok(&["--values", "-"], Some(&doc));
    snapshot("hostile_values_default", &job);
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
fn assert_hostile_values_stay_in_literals(folder: &Path, snapshot_name: &str) {
    let template = folder.join("heron.aurora").display().to_string();
    let doc2 = values_json_with(&[
        ("TOPOLOGY_ARGUMENTS", Value::from(HOSTILE_ARGS)),
        (
            "TOPOLOGY_PACKAGE_URI",
            Value::from("file:///tmp/a'b\"c\\d\ne/topology.tar.gz"),
        ),
    ]);
    let job = render_ok(&["--template", &template, "--values", "-"], Some(&doc2));
    snapshot(snapshot_name, &job);
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
    let values = values_file(dir.path());
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
    snapshot("error_aurora_reference_in_value", &r.stderr);
}
