//! A site's `heron.aurora` split over files with `include()`: `heron submit` works with it as
//! under Heron. The fixture's Heron-shaped template is cut into `heron.aurora`, which includes
//! `site/common.aurora` (relative to the template's folder), which includes `health.aurora`
//! (relative to its own folder, as pystachio resolves nested includes); the package URIs are
//! bound inside the included file. The job heron submits is checked by the Aurora stand-in, and
//! pystachio (Aurora's config library) loads it to the same job as the unrendered template with
//! Heron's bindings passed as `--bind`, which is what Aurora ran under Heron.

use std::path::Path;

use heron_tests::prelude::*;
use heron_tests::{repo_root, tools_python};

/// Cuts the conf's template into three files; returns the template's path.
fn split_template(conf: &Path) -> std::path::PathBuf {
    let template = conf.join("heron.aurora");
    let text = std::fs::read_to_string(&template).unwrap();
    let cut = |from: &str, to: &str| -> (String, String) {
        let a = text
            .find(from)
            .unwrap_or_else(|| panic!("no {from:?} in the fixture"));
        let b = a + text[a..]
            .find(to)
            .unwrap_or_else(|| panic!("no {to:?} after {from:?}"));
        (
            text[a..b].to_string(),
            format!("{}{}", &text[..a], &text[b..]),
        )
    };
    let (fetch, rest) = cut("core_uri = '{{CORE_PACKAGE_URI}}'", "# The executor");
    let text_after_fetch = rest;
    let a = text_after_fetch
        .find("# heron-shell answers /health")
        .unwrap();
    let b = a + text_after_fetch[a..].find("jobs = [").unwrap();
    let health = text_after_fetch[a..b].to_string();
    let main = format!(
        "include('site/common.aurora')\n{}{}",
        &text_after_fetch[..a],
        &text_after_fetch[b..]
    );
    assert!(fetch.contains("{{TOPOLOGY_PACKAGE_URI}}") && health.contains("HealthCheckConfig"));
    std::fs::create_dir_all(conf.join("site")).unwrap();
    std::fs::write(
        conf.join("site/common.aurora"),
        format!("# The site's fetch processes, and its health check beside this file.\ninclude('health.aurora')\n{fetch}"),
    )
    .unwrap();
    std::fs::write(conf.join("site/health.aurora"), health).unwrap();
    std::fs::write(&template, main).unwrap();
    template
}

/// pystachio's view of a job file, bound as Aurora binds instance 1 (`load_job.py`).
fn load(path: &Path, binds: &[(String, String)]) -> serde_json::Value {
    let loader = repo_root().join("heron-aurora-render/tests/python/load_job.py");
    let mut cmd = command(tools_python());
    cmd.arg(&loader).arg(path).args(["--instance", "1"]);
    for (name, value) in binds {
        cmd.arg("--bind").arg(format!("{name}={value}"));
    }
    let out = run(&mut cmd);
    assert_eq!(code(&out), 0, "pystachio: {}", describe(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_template_with_relative_and_nested_includes_submits_as_under_heron() {
    let s = Stand::local();
    let conf = s.conf.join(CLUSTER);
    let template = split_template(&conf);
    let name = unique_name("IncWc").replace('-', "_");
    let file = s.yaml_topology(&name);

    // The dry run: the job, and the bindings heron would have passed as --bind.
    let doc = s.dry_run_json(&file);
    let job = doc["job"].as_str().expect("job");
    assert!(
        !job.lines().any(|l| l.trim_start().starts_with("include(")),
        "{job}"
    );
    let job_file = s.dir.join("dry-run.aurora");
    std::fs::write(&job_file, job).unwrap();
    let binds: Vec<(String, String)> = doc["bindings"]
        .as_object()
        .expect("bindings")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("text binding").to_string()))
        .collect();
    let ours = load(&job_file, &[]);
    let herons = load(&template, &binds);
    assert_eq!(
        ours, herons,
        "our job and Aurora's reading of the template differ"
    );
    assert!(ours["health_check_config"].is_object(), "{ours:#}");

    // The real submit: the stand-in checks the job file it is given, in heron's temp folder.
    run_expect(
        s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]),
        0,
    );
    let record = s.job(&name).expect("the stand-in created the job");
    let submitted = record["job_file"]["content"].as_str().unwrap();
    assert!(
        submitted.contains("# heron-aurora-render: include('health.aurora') = "),
        "{submitted}"
    );
    let submitted_file = s.dir.join("submitted.aurora");
    std::fs::write(&submitted_file, submitted).unwrap();
    let loaded = load(&submitted_file, &[]);
    assert_eq!(loaded["job_key"], format!("{CLUSTER}/ads/devel/{name}"));
    let fetch = loaded["task"]["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fetch_user_package")
        .unwrap()["cmdline"]
        .as_str()
        .unwrap()
        .to_string();
    let package = s.packages(&name);
    assert!(
        package
            .iter()
            .any(|p| fetch.contains(p.to_string_lossy().as_ref())),
        "the included file's {{TOPOLOGY_PACKAGE_URI}} is the uploaded package: {fetch} {package:?}"
    );
    s.kill(&name);
}
