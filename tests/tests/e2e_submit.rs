//! End-to-end tests of `heron submit` with the local-filesystem uploader and state manager and the
//! aurora stand-in: what a submit writes (state, package, the job Aurora receives), the dry run,
//! what is refused before anything runs, C++ topologies, stages replaced by config key, and the
//! commands that need no cluster. Rollback, races and signals: e2e_rollback.rs; kill: e2e_kill.rs;
//! activate, update, restart: e2e_manage.rs.

use heron_tests::prelude::*;

#[test]
fn yaml_submit_writes_state_package_and_job_then_kill_leaves_nothing() {
    let s = Stand::local();
    let name = unique_name("yaml");
    let file = s.yaml_topology(&name);
    let out = run_expect(s.submit_file(&file, &["--format", "json"]), 0);
    let doc = json_of(&out);
    assert_eq!(doc["topology"], name.as_str());
    assert_eq!(doc["containers"], 2);
    assert_eq!(doc["aurora_instances"], 3);

    assert_eq!(
        s.state_nodes(&name),
        vec!["executionstate", "packingplans", "schedulers", "topologies"],
        "the four nodes of a submit"
    );
    // The state decodes: execution state for our cluster/role/env, Aurora's homogeneous plan.
    let exec = s.node("executionstate", &name);
    assert_eq!(
        (
            exec["cluster"].as_str(),
            exec["role"].as_str(),
            exec["environ"].as_str()
        ),
        (Some(CLUSTER), Some(ROLE), Some(ENV))
    );
    assert!(
        exec["submission_time"].as_i64().unwrap() > 1_600_000_000
            && exec["submission_time"].as_i64().unwrap() < 10_000_000_000
    );
    let plan = s.node("packingplan", &name);
    let containers = plan["container_plans"].as_array().unwrap();
    assert_eq!(containers.len(), 2);
    for c in containers {
        assert!(
            c["scheduledResource"].is_object() || c["scheduled_resource"].is_object(),
            "no scheduled resource: {c}"
        );
    }
    let sched = s.node("scheduler", &name);
    assert_eq!(sched["http_endpoint"], "scheduler_as_lib_no_endpoint");

    // The package: topology file, defn, heron-conf with override and release files.
    let list = run(command("tar").arg("tzf").arg(s.package(&name)));
    let list = text(&list.stdout);
    for entry in [
        format!("{name}.yaml"),
        format!("{name}.defn"),
        "heron-conf/heron.aurora".into(),
        "heron-conf/override.yaml".into(),
        "heron-conf/release.yaml".into(),
        "heron-conf/statemgr.yaml".into(),
    ] {
        assert!(
            list.lines().any(|l| l == entry),
            "{entry} not in package:\n{list}"
        );
    }

    // The job Aurora got: Heron's create line and a fully bound job.
    let job = s.job(&name).expect("a running Aurora job");
    assert_eq!(job["instances"].as_array().unwrap().len(), 3);
    assert_eq!(job["resources"]["ram_bytes"], 4294967296u64);
    assert_eq!(job["resources"]["disk_bytes"], 15032385536u64);
    let content = job["job_file"]["content"].as_str().unwrap();
    for bound in [
        format!("--topology-name={name} "),
        format!("--topology-defn-file={name}.defn"),
        format!("--state-manager-root={}", s.state_root.display()),
        "--cluster=devcluster --role=ads --environment=devel".to_string(),
    ] {
        assert!(content.contains(&bound), "{content}");
    }
    assert!(
        !content.contains("{{TOPOLOGY"),
        "unbound variables: {content}"
    );
    let creates = s.aurora_calls_of("create");
    assert_eq!(creates.len(), 1);
    assert_eq!(
        &creates[0][..5],
        &[
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            &format!("{}/{name}", spec())
        ]
    );

    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
    assert_eq!(s.aurora_calls_of("killall").len(), 1);
}

#[test]
fn dry_run_default_format_is_coloured_only_on_a_terminal_without_no_color() {
    let s = Stand::local();
    let name = unique_name("dry-tty");
    let file = s.yaml_topology(&name);
    let dry_run = s.submit_file(&file, &["--dry-run"]);
    let shown = |no_color: Option<&str>| {
        let out = run_on_a_terminal(&dry_run, no_color);
        assert!(out.status.success(), "{}", describe(&out));
        text(&out.stdout)
    };
    let coloured = shown(None);
    assert!(
        coloured.contains('\u{1b}') && coloured.contains("Total number of containers: 2"),
        "Heron's default on a terminal is colored_table: {coloured:?}"
    );
    for no_color in ["1", "yes"] {
        let plain = shown(Some(no_color));
        assert!(
            !plain.contains('\u{1b}') && plain.contains("Total number of containers: 2"),
            "NO_COLOR={no_color}: a plain table: {plain:?}"
        );
    }
    // An empty NO_COLOR is unset (no-color.org).
    assert!(shown(Some("")).contains('\u{1b}'));
    // Into a pipe: the plain table.
    let piped = run_expect(s.submit_file(&file, &["--dry-run"]), 0);
    assert!(!text(&piped.stdout).contains('\u{1b}'));
}

#[test]
fn dry_run_prints_plan_and_job_and_touches_nothing() {
    let s = Stand::local();
    let name = unique_name("dry");
    let file = s.yaml_topology(&name);
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--dry-run",
                "--dry-run-format",
                "json",
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        ),
        0,
    );
    // One JSON document: Heron's plan, with the rendered job as its `auroraJob` field.
    let plan = json_of(&out);
    assert_eq!(plan["containers"].as_array().map(Vec::len), Some(2));
    let job = plan["auroraJob"]["text"].as_str().unwrap();
    assert!(
        job.contains(&format!("--topology-name={name}")),
        "the rendered job: {job}"
    );
    assert!(!s.state_root.exists() || s.state_nodes(&name).is_empty());
    assert!(s.packages(&name).is_empty());
    assert!(
        s.aurora_calls().is_empty(),
        "aurora was called in a dry run"
    );

    let doc = s.dry_run_json(&file);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["bindings"]["NUM_CONTAINERS"], "3");
    assert_eq!(doc["bindings"]["TIER"], "preemptible");
}

#[test]
fn an_existing_topology_is_refused_before_upload() {
    let s = Stand::local();
    let name = unique_name("twice");
    let file = s.submit_yaml(&name);
    let pkg = s.package(&name);
    let before = std::fs::metadata(&pkg).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run_expect(s.submit_file(&file, &[]), 4);
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        std::fs::metadata(&pkg).unwrap().modified().unwrap(),
        before,
        "the package was replaced"
    );
    assert!(
        s.job(&name).is_some(),
        "the running job must survive the refused submit"
    );
    s.kill(&name);
}

#[test]
fn usage_errors_are_exit_2_with_a_hint() {
    let s = Stand::local();
    let out = run_expect(
        s.heron(
            "submit",
            &["--service-url", "http://x", &spec(), "a.jar", "A"],
        ),
        2,
    );
    assert!(text(&out.stderr).contains("not supported"));
    let out = run_expect(s.heron("kill", &["devcluster/ads", "x"]), 2);
    assert!(
        text(&out.stderr).contains("environ required but not provided"),
        "{}",
        describe(&out)
    );
    run_expect(s.heron("kill", &["nosuchcluster/ads/devel", "x"]), 3);
    run_expect(s.heron("submit", &[&spec(), "missing.yaml", "-"]), 3);
}

#[test]
fn a_topology_tar_that_escapes_its_folder_is_refused_before_anything_runs() {
    let s = Stand::local();
    let tar = s.dir.join("evil.tar.gz");
    let py = format!(
        "import tarfile, io\nt = tarfile.open('{}', 'w:gz')\ni = tarfile.TarInfo('../escaped.jar'); data = b'x'; i.size = len(data)\nt.addfile(i, io.BytesIO(data)); t.close()\n",
        tar.display()
    );
    assert!(run(command("python3").args(["-c", &py])).status.success());
    let out = run_expect(
        s.heron(
            "submit",
            &[&spec(), tar.to_str().unwrap(), "com.example.Main", "x"],
        ),
        2,
    );
    assert!(text(&out.stderr).contains("'..'"), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("submit failed at stage \"topology definition\""),
        "{}",
        describe(&out)
    );
    assert!(s.aurora_calls().is_empty());
    assert!(!s.pkgs.exists(), "nothing may be uploaded");
}

#[test]
fn version_and_help_work_without_a_cluster() {
    let s = Stand::local();
    let out = run_expect(heron_without_home(&["version", "--format", "json"]), 0);
    let doc = json_of(&out);
    assert!(doc["release"]["heron.build.version"].is_string(), "{doc}");
    let out = run_expect(heron_without_home(&["help", "submit"]), 0);
    assert!(
        text(&out.stdout).contains("--dry-run-format"),
        "{}",
        describe(&out)
    );
    run_expect(
        heron_without_home(&["config", CLUSTER, "set", "service_url", "http://x"]),
        2,
    );
    drop(s);
}

/// `heron <args>` with a HOME that does not exist.
fn heron_without_home(args: &[&str]) -> std::process::Command {
    let mut c = bin_command("heron");
    c.args(args)
        .env("HOME", std::env::temp_dir().join("heron-e2e-no-home"));
    c
}

#[test]
fn stages_can_be_replaced_by_config_key_and_a_missing_one_is_named() {
    let s = Stand::local();
    let name = unique_name("site");
    let file = s.yaml_topology(&name);
    // A site's own render program, named in the cluster config.
    let render = s.script(
        "site-render",
        "echo 'error: site renderer refuses this job' >&2; exit 1",
    );
    let prop = format!("heron.cli.stage.render={}", render.display());
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--config-property",
                &prop,
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        ),
        1,
    );
    let failure: serde_json::Value = {
        let o = run(s.heron(
            "submit",
            &[
                "--format",
                "json",
                "--config-property",
                &prop,
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        ));
        serde_json::from_str(text(&o.stderr).lines().last().unwrap_or("")).unwrap()
    };
    assert_eq!(failure["stage"], "render", "{failure}");
    assert_eq!(failure["exit_code"], 1, "{failure}");
    assert!(
        failure["rollback"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("package")),
        "{failure}"
    );
    assert!(
        text(&out.stderr).contains("site renderer refuses this job"),
        "{}",
        describe(&out)
    );
    s.assert_nothing_left(&name, "after the site renderer failed");

    let out = run_expect(
        s.submit_file(&file, &[])
            .env("HERON_UPLOADER_BIN", s.dir.join("no-such-uploader")),
        3,
    );
    assert!(
        text(&out.stderr).contains("HERON_UPLOADER_BIN"),
        "{}",
        describe(&out)
    );
    assert!(s.aurora_calls().is_empty());
}

#[test]
fn a_cpp_topology_is_defined_by_the_program_named_as_class() {
    let s = Stand::local();
    let name = unique_name("cpp");
    // A real definition to hand out: submit the YAML twin, keep its stored topology, kill it.
    s.submit_yaml(&name);
    let defn_path = s.dir.write("saved.defn", s.node_bytes("topology", &name));
    s.kill(&name);

    let lib = s.dir.write("libwordcount.so", b"\x7fELF not really");
    let program = s.script(
        "define-cpp",
        &format!(
            "[ \"$1\" = arg1 ] || exit 9\n\
             dir=$(echo \"$HERON_OPTIONS\" | tr ',' '\\n' | sed -n 's/^cmdline.topologydefn.tmpdirectory=//p')\n\
             cp {} \"$dir/{name}.defn\"",
            defn_path.display()
        ),
    );
    run_expect(
        s.heron(
            "submit",
            &[
                &spec(),
                lib.to_str().unwrap(),
                program.to_str().unwrap(),
                "arg1",
            ],
        ),
        0,
    );
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(content.contains("--pkg-type=so"), "{content}");
    assert!(
        content.contains("--topology-binary-file=libwordcount.so"),
        "{content}"
    );
    s.kill(&name);
    s.assert_nothing_left(&name, "after kill");
}
