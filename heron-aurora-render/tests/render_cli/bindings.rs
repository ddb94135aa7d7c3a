//! `--list-bindings`, `--print-template`, a template on stdin and non-ASCII values.

use super::*;

#[test]
fn list_bindings_of_both_templates() {
    let builtin = render_ok(&["--list-bindings"], None);
    snapshot("list_bindings_default", &builtin);
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

fn assert_cluster_template_bindings(folder: &Path, snapshot_name: &str) {
    let stock = folder.join("heron.aurora").display().to_string();
    let from_stock = render_ok(&["--list-bindings", "--template", &stock], None);
    snapshot(snapshot_name, &from_stock);
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
    let values = values_file(dir.path());
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
