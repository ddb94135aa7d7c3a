//! Which job template `heron submit` renders: a cluster folder without `heron.aurora` gets
//! heron-aurora-render's built-in template (dry run and a real submit through the Aurora
//! stand-in), and a template the config names but that is missing is an error naming it.

use heron_tests::prelude::*;

/// A stand-in cluster whose conf folder has no `heron.aurora`.
fn stand_without_template() -> Stand {
    let s = Stand::local();
    let template = s.conf.join(CLUSTER).join("heron.aurora");
    std::fs::remove_file(&template).unwrap();
    assert!(!template.exists());
    s
}

/// Whether `{{NAME}}` with an upper-case Heron binding name is left (Aurora's own `{{mesos...}}`
/// and `{{thermos...}}` stay for Aurora to fill).
fn has_heron_binding(job: &str) -> bool {
    job.split("{{")
        .skip(1)
        .any(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

#[test]
fn a_folder_without_heron_aurora_renders_the_built_in_template() {
    let s = stand_without_template();
    let name = unique_name("tpl");
    let file = s.yaml_topology(&name);

    // Dry run: the job is the render stage's built-in one, said in the header.
    let out = run_expect(
        s.heron(
            "submit",
            &["--dry-run", &spec(), file.to_str().unwrap(), "-"],
        ),
        0,
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "# Aurora job {}/{name} (template built-in)",
            spec()
        )),
        "{stdout}"
    );
    assert!(
        !has_heron_binding(&stdout),
        "unbound Heron variables: {stdout}"
    );

    // The job is exactly what the built-in template gives for the same bindings.
    let doc = s.dry_run_json(&file);
    let values = s.dir.join("values.json");
    std::fs::write(&values, doc["bindings"].to_string()).unwrap();
    let rendered = run_expect(
        bin_command("heron-aurora-render")
            .arg("--builtin-template")
            .arg("--values")
            .arg(&values),
        0,
    );
    assert_eq!(doc["job"].as_str().unwrap(), text(&rendered.stdout));
    assert!(text(&rendered.stdout).contains(&format!("--topology-name={name} ")));

    // A real submit works, and the stand-in gets a bound job; kill cleans up.
    run_expect(
        s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]),
        0,
    );
    let job = s.job(&name).expect("a running Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(
        content.contains(&format!("--topology-name={name} ")),
        "{content}"
    );
    assert!(
        !has_heron_binding(content),
        "unbound Heron variables: {content}"
    );
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn a_named_template_that_is_missing_is_an_error_naming_it() {
    let s = stand_without_template();
    let name = unique_name("tplmiss");
    let file = s.yaml_topology(&name);
    let missing = s.dir.join("site/job.aurora");
    let prop = format!("heron.scheduler.job.template={}", missing.display());
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--dry-run",
                "--config-property",
                &prop,
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        ),
        3,
    );
    assert!(
        text(&out.stderr).contains(&missing.display().to_string()),
        "{}",
        describe(&out)
    );
    assert!(s.aurora_calls().is_empty());
}
