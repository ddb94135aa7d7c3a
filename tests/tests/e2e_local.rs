//! End-to-end tests of `heron` with the local-filesystem uploader and state manager, the aurora
//! stand-in and the tmanager stand-in: submit, the job Aurora receives, kill, rollback of a failure
//! injected at each stage, concurrent submits, signals, update, restart, activate/deactivate.

#[path = "e2e_support.rs"]
mod support;

use std::process::Stdio;

use heron_tests::{bin, command, unique_name};
use support::*;

#[test]
fn yaml_submit_writes_state_package_and_job_then_kill_leaves_nothing() {
    let s = Stand::local();
    let name = unique_name("yaml");
    let file = s.yaml_topology(&name);
    let out = run(s.heron(
        "submit",
        &[&spec(), file.to_str().unwrap(), "-", "--format", "json"],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["topology"], name.as_str());
    assert_eq!(doc["containers"], 2);
    assert_eq!(doc["aurora_instances"], 3);

    assert_eq!(
        s.state_nodes(&name),
        vec!["executionstate", "packingplans", "schedulers", "topologies"],
        "the four nodes of a submit"
    );
    // The state decodes: execution state for our cluster/role/env, Aurora's homogeneous plan.
    let exec = run(s.statemgr(&["get", "executionstate", &name, "--format", "json"]));
    let exec: serde_json::Value = serde_json::from_slice(&exec.stdout).unwrap();
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
    let plan = run(s.statemgr(&["get", "packingplan", &name, "--format", "json"]));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let containers = plan["container_plans"].as_array().unwrap();
    assert_eq!(containers.len(), 2);
    for c in containers {
        assert!(
            c["scheduledResource"].is_object() || c["scheduled_resource"].is_object(),
            "no scheduled resource: {c}"
        );
    }
    let sched = run(s.statemgr(&["get", "scheduler", &name, "--format", "json"]));
    let sched: serde_json::Value = serde_json::from_slice(&sched.stdout).unwrap();
    assert_eq!(sched["http_endpoint"], "scheduler_as_lib_no_endpoint");

    // The package: topology file, defn, heron-conf with override and release files.
    let pkgs = s.packages(&name);
    let pkg = pkgs
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("a package");
    let list = run(command("tar").arg("tzf").arg(pkg));
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
    assert!(
        content.contains(&format!("--topology-name={name} ")),
        "{content}"
    );
    assert!(
        content.contains(&format!("--topology-defn-file={name}.defn")),
        "{content}"
    );
    assert!(
        content.contains(&format!("--state-manager-root={}", s.state_root.display())),
        "{content}"
    );
    assert!(
        content.contains("--cluster=devcluster --role=ads --environment=devel"),
        "{content}"
    );
    assert!(
        !content.contains("{{TOPOLOGY"),
        "unbound variables: {content}"
    );
    let creates: Vec<_> = s
        .aurora_calls()
        .into_iter()
        .filter(|(_, a)| a.get(1).map(String::as_str) == Some("create"))
        .collect();
    assert_eq!(creates.len(), 1);
    assert_eq!(
        &creates[0].1[..5],
        &[
            "job",
            "create",
            "--wait-until",
            "RUNNING",
            &format!("{}/{name}", spec())
        ]
    );

    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    s.assert_nothing_left(&name, "after kill");
    let killalls = s
        .aurora_calls()
        .into_iter()
        .filter(|(_, a)| a.get(1).map(String::as_str) == Some("killall"))
        .count();
    assert_eq!(killalls, 1);
}

#[test]
fn dry_run_prints_plan_and_job_and_touches_nothing() {
    let s = Stand::local();
    let name = unique_name("dry");
    let file = s.yaml_topology(&name);
    let out = run(s.heron(
        "submit",
        &[
            "--dry-run",
            "--dry-run-format",
            "json",
            &spec(),
            file.to_str().unwrap(),
            "-",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    // One JSON document: Heron's plan, with the rendered job as its `auroraJob` field.
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    let file = s.yaml_topology(&name);
    let out = run(s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let pkg = s
        .packages(&name)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .unwrap();
    let before = std::fs::metadata(&pkg).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run(s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]));
    assert_eq!(code(&out), 4, "{}", describe(&out));
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
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
}

#[test]
fn a_failure_at_each_stage_is_rolled_back() {
    let s = Stand::local();
    let statemgr = bin("heron-statemgr");
    let failing_upload = s.script(
        "fail-upload",
        "echo 'error: the package store is down' >&2; exit 5",
    );
    let failing_state = s.script(
        "fail-state",
        &format!(
            "case \" $* \" in *\" create \"*) echo 'error: ZooKeeper session expired' >&2; exit 5;; esac\nexec {} \"$@\"",
            statemgr.display()
        ),
    );
    let failing_render = s.script(
        "fail-render",
        "echo 'error: template line 3: unknown binding' >&2; exit 2",
    );
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<&'a str>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (
            "upload",
            vec![("HERON_UPLOADER_BIN", failing_upload.display().to_string())],
            vec![],
            5,
            "the package store is down",
        ),
        (
            "state",
            vec![("HERON_STATEMGR_BIN", failing_state.display().to_string())],
            vec![],
            5,
            "ZooKeeper session expired",
        ),
        (
            "render",
            vec![(
                "HERON_AURORA_RENDER_BIN",
                failing_render.display().to_string(),
            )],
            vec![],
            2,
            "unknown binding",
        ),
        (
            "aurora",
            vec![("AURORA_STANDIN_FAIL", "create".into())],
            vec![],
            1,
            "injected",
        ),
        (
            "aurora",
            vec![("AURORA_STANDIN_FAIL_AFTER", "create".into())],
            vec![],
            1,
            // The cause Aurora's client printed, not its closing ` INFO] Command terminated
            // with error code 1` line (issue 13).
            "Error occurred while creating job",
        ),
        (
            "aurora",
            vec![("AURORA_STANDIN_HANG", "create".into())],
            vec!["--config-property", "heron.cli.aurora.timeout.secs=2"],
            5,
            "killed after 2 s",
        ),
    ];
    for (i, (stage, env, extra, want_code, want_text)) in cases.into_iter().enumerate() {
        let name = unique_name(&format!("fail{i}"));
        let file = s.yaml_topology(&name);
        let mut args: Vec<&str> = extra.clone();
        let file_s = file.display().to_string();
        let sp = spec();
        args.extend([sp.as_str(), file_s.as_str(), "-"]);
        let mut cmd = s.heron("submit", &args);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        let ctx = format!("case {i} ({stage}, {env:?})");
        assert_eq!(code(&out), want_code, "{ctx}: {}", describe(&out));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("submit failed at stage \"{stage}\"")),
            "{ctx}: {err}"
        );
        assert!(err.contains(want_text), "{ctx}: {err}");
        assert!(!err.contains("Command terminated"), "{ctx}: {err}");
        assert!(err.contains("rollback:"), "{ctx}: {err}");
        s.assert_nothing_left(&name, &ctx);
    }
}

#[test]
fn two_concurrent_submits_of_one_name_one_wins() {
    let s = Stand::local();
    // Several rounds: the two submits interleave differently each time.
    for round in 0..4 {
        let name = unique_name(&format!("race{round}"));
        let file = s.yaml_topology(&name);
        let mut children = Vec::new();
        for _ in 0..2 {
            let mut c = s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]);
            c.stdout(Stdio::piped()).stderr(Stdio::piped());
            children.push(c.spawn().unwrap());
        }
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut codes: Vec<i32> = outs.iter().map(code).collect();
        codes.sort();
        assert_eq!(
            codes,
            vec![0, 4],
            "{}\n{}",
            describe(&outs[0]),
            describe(&outs[1])
        );
        assert_eq!(
            s.state_nodes(&name),
            vec!["executionstate", "packingplans", "schedulers", "topologies"]
        );
        assert!(s.job(&name).is_some());

        // The package left in place is the winner's: its .defn carries the stored topology id.
        let pkg = s
            .packages(&name)
            .into_iter()
            .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .expect("the winner's package is gone");
        let topo = run(s.statemgr(&["get", "topology", &name, "--format", "json"]));
        let id = serde_json::from_slice::<serde_json::Value>(&topo.stdout).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let defn = run(command("tar")
            .arg("xzOf")
            .arg(&pkg)
            .arg(format!("{name}.defn")));
        assert!(defn.status.success(), "{}", describe(&defn));
        assert!(
            String::from_utf8_lossy(&defn.stdout).contains(&id),
            "round {round}: the package holds the losing submit's definition, not topology {id}"
        );

        let out = run(s.heron("kill", &[&spec(), &name]));
        assert_eq!(code(&out), 0, "{}", describe(&out));
        s.assert_nothing_left(&name, "after kill");
    }
}

fn signal(pid: u32, sig: &str) {
    let st = command("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(st.success(), "kill -{sig} {pid}");
}

#[test]
fn sigterm_or_sigint_during_submit_rolls_back_and_exits_130() {
    for sig in ["TERM", "INT"] {
        let mut s = Stand::local();
        s.extra_env
            .push(("AURORA_STANDIN_HANG_AFTER".into(), "create".into()));
        let name = unique_name(&format!("sig{sig}"));
        let file = s.yaml_topology(&name);
        let child = s
            .heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for("the Aurora job", 30, || s.job(&name).is_some());
        signal(child.id(), sig);
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 130, "SIG{sig}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains(&format!("SIG{sig}")),
            "{}",
            describe(&out)
        );
        s.assert_nothing_left(&name, &format!("after SIG{sig}"));
    }
}

#[test]
fn kill_9_in_the_middle_of_a_submit_then_heron_kill_cleans_everything() {
    let mut s = Stand::local();
    s.extra_env
        .push(("AURORA_STANDIN_HANG_AFTER".into(), "create".into()));
    let name = unique_name("nine");
    let file = s.yaml_topology(&name);
    let mut child = s
        .heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the Aurora job", 30, || s.job(&name).is_some());
    signal(child.id(), "KILL");
    let _ = child.wait();
    // The hung `aurora job create` outlives heron (its own process group); stop it like an operator.
    for (pid, args) in s.aurora_calls() {
        if args.get(1).map(String::as_str) == Some("create") && pid > 0 {
            let _ = command("kill").arg("-KILL").arg(pid.to_string()).status();
        }
    }
    assert!(
        !s.state_nodes(&name).is_empty(),
        "the state should still be there after kill -9"
    );
    s.extra_env.clear();
    let out = run(s.heron("kill", &[&spec(), &name, "--format", "json"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["found"]["topology"], true);
    assert_eq!(doc["found"]["aurora_job"], true);
    s.assert_nothing_left(&name, "after heron kill");
}

#[test]
fn kill_copes_with_a_job_or_state_already_gone() {
    let s = Stand::local();
    let name = unique_name("gone");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    // The job is gone (killed by hand), the state is still there (Heron issue #1669).
    let aurora = run(command(bin("aurora"))
        .env("AURORA_STANDIN_STATE_DIR", &s.aurora_state)
        .args(["job", "killall", &format!("{}/{name}", spec())]));
    assert!(aurora.status.success());
    let out = run(s.heron("kill", &[&spec(), &name, "--format", "json"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["found"]["aurora_job"], false);
    assert_eq!(doc["found"]["topology"], true);
    s.assert_nothing_left(&name, "after kill of a job already gone");

    // Only part of the state is left (Heron issue #1272): kill removes it.
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    assert!(
        run(s.statemgr(&["delete", "topology", &name]))
            .status
            .success()
    );
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("not in the state"),
        "{}",
        describe(&out)
    );
    s.assert_nothing_left(&name, "after kill of partial state");

    // Only a packing plan is left and no job: it is found, deleted and reported.
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    for kind in ["topology", "executionstate", "scheduler"] {
        assert!(run(s.statemgr(&["delete", kind, &name])).status.success());
    }
    let killall = run(command(bin("aurora"))
        .env("AURORA_STANDIN_STATE_DIR", &s.aurora_state)
        .args(["job", "killall", &format!("{}/{name}", spec())]));
    assert!(killall.status.success());
    let out = run(s.heron("kill", &[&spec(), &name, "--format", "json"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["deleted_state"],
        serde_json::json!(["packingplans"]),
        "{doc}"
    );
    s.assert_nothing_left(&name, "after kill of a lone packing plan");

    // Nothing at all: exit 3, said plainly, and only that (no "killed" line on stdout).
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 3, "{}", describe(&out));
    assert!(out.stdout.is_empty(), "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("found nothing"),
        "{}",
        describe(&out)
    );
}

/// Writes a physical plan for the tmanager stand-in (the tmanager writes it in real life).
fn write_pplan(s: &Stand, name: &str) {
    let topo = run(s.statemgr(&["get", "topology", name, "--format", "json"]));
    assert!(topo.status.success(), "{}", describe(&topo));
    let topology: serde_json::Value = serde_json::from_slice(&topo.stdout).unwrap();
    let pplan = serde_json::json!({"topology": topology, "stmgrs": [], "instances": []});
    let mut set = s.statemgr(&["set", "pplan", name, "--input-format", "json"]);
    set.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = set.spawn().unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pplan.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", describe(&out));
}

/// Starts the tmanager stand-in on the topology's local state; it stops when its stdin closes.
fn start_tmanager(s: &Stand, name: &str, log: &std::path::Path) -> std::process::Child {
    let mut tm = command(bin("tmanager-standin"))
        .args(["--statemgr-root"])
        .arg(&s.state_root)
        .args(["--topology", name, "--exit-on-stdin-eof", "--log"])
        .arg(log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead as _;
    let mut line = String::new();
    std::io::BufReader::new(tm.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("LISTENING"), "{line}");
    tm
}

fn pplan_state(s: &Stand, name: &str) -> String {
    let out = run(s.statemgr(&["get", "pplan", name, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["topology"]["state"].as_str().unwrap_or("?").to_string()
}

#[test]
fn activate_deactivate_update_restart_through_the_stand_ins() {
    let s = Stand::local();
    let name = unique_name("manage");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );

    // No physical plan yet: activate says so (exit 5).
    let out = run(s.heron("deactivate", &[&spec(), &name]));
    assert_eq!(code(&out), 5, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("no physical plan"),
        "{}",
        describe(&out)
    );

    write_pplan(&s, &name);
    let log = s.dir.join("tm.log");
    let mut tm = start_tmanager(&s, &name, &log);

    let out = run(s.heron("deactivate", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(pplan_state(&s, &name), "PAUSED");
    let out = run(s.heron("deactivate", &[&spec(), &name, "--format", "json"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["changed"],
        false
    );
    let out = run(s.heron("activate", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(pplan_state(&s, &name), "RUNNING");

    let out = run(s.heron(
        "update",
        &[&spec(), &name, "--runtime-config", "count:my.key:7"],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let tm_log = std::fs::read_to_string(&log).unwrap();
    assert!(tm_log.contains("count:my.key:7"), "{tm_log}");

    // Scale up: 2+2 instances on 2 containers → count:6 gives 8 instances on 4 containers.
    let out = run(s.heron(
        "update",
        &[
            &spec(),
            &name,
            "--component-parallelism",
            "count:6",
            "--dry-run",
            "--dry-run-format",
            "table",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(text(&out.stdout).contains("NEW"), "{}", describe(&out));
    assert_eq!(
        s.job(&name).unwrap()["instances"].as_array().unwrap().len(),
        3,
        "dry run changed the job"
    );
    let out = run(s.heron(
        "update",
        &[
            &spec(),
            &name,
            "--component-parallelism",
            "count:6",
            "--format",
            "json",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["containers"], 4);
    assert_eq!(doc["aurora_instances"], 5);
    assert_eq!(doc["added_instances"], serde_json::json!([3, 4]));
    assert_eq!(
        s.job(&name).unwrap()["instances"].as_array().unwrap().len(),
        5
    );
    let plan = run(s.statemgr(&["get", "packingplan", &name, "--format", "json"]));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let mut ids: Vec<i64> = plan["container_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert_eq!(
        pplan_state(&s, &name),
        "RUNNING",
        "reactivated after the update"
    );
    assert!(
        !s.state_nodes(&name).contains(&"locks".to_string()),
        "the update lock was not released"
    );

    // Scale down to 2 containers: Aurora instances 3 and 4 are killed.
    let out = run(s.heron("update", &[&spec(), &name, "--container-number", "2"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let job = s.job(&name).unwrap();
    let live: Vec<u64> = job["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(live, vec![0, 1, 2]);

    // No change, unknown component: refused.
    let out = run(s.heron(
        "update",
        &[&spec(), &name, "--component-parallelism", "nope:2"],
    ));
    assert_eq!(code(&out), 2, "{}", describe(&out));

    let out = run(s.heron("restart", &[&spec(), &name, "1"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let out = run(s.heron("restart", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        !s.state_nodes(&name).contains(&"tmanagers".to_string()),
        "restart of all keeps the old tmanager location"
    );
    let restarts: Vec<Vec<String>> = s
        .aurora_calls()
        .into_iter()
        .map(|(_, a)| a)
        .filter(|a| a.get(1).map(String::as_str) == Some("restart"))
        .collect();
    assert_eq!(restarts.len(), 2);
    assert_eq!(restarts[0][2], format!("{}/{name}/1", spec()));
    assert_eq!(restarts[1][2], format!("{}/{name}", spec()));

    drop(tm.stdin.take());
    let _ = tm.kill();
    let _ = tm.wait();
    let out = run(s.heron("kill", &[&spec(), &name]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn usage_errors_are_exit_2_with_a_hint() {
    let s = Stand::local();
    let out = run(s.heron(
        "submit",
        &["--service-url", "http://x", &spec(), "a.jar", "A"],
    ));
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(text(&out.stderr).contains("not supported"));
    let out = run(s.heron("kill", &["devcluster/ads", "x"]));
    assert_eq!(code(&out), 2, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("environ required but not provided"),
        "{}",
        describe(&out)
    );
    let out = run(s.heron("kill", &["nosuchcluster/ads/devel", "x"]));
    assert_eq!(code(&out), 3, "{}", describe(&out));
    let out = run(s.heron("submit", &[&spec(), "missing.yaml", "-"]));
    assert_eq!(code(&out), 3, "{}", describe(&out));
}

#[test]
fn another_cluster_role_env_is_refused_by_kill_and_activate() {
    let s = Stand::local();
    let name = unique_name("who");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    let other = format!("{CLUSTER}/someoneelse/{ENV}");
    for sub in ["kill", "activate", "restart"] {
        let out = run(s.heron(sub, &[&other, &name]));
        assert_eq!(code(&out), 2, "{sub}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("does not match"),
            "{sub}: {}",
            describe(&out)
        );
    }
    assert!(
        s.job(&name).is_some(),
        "a refused kill must not touch the job"
    );
    assert_eq!(code(&run(s.heron("kill", &[&spec(), &name]))), 0);
    s.assert_nothing_left(&name, "after kill");
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
    let out = run(s.heron(
        "submit",
        &[&spec(), tar.to_str().unwrap(), "com.example.Main", "x"],
    ));
    assert_eq!(code(&out), 2, "{}", describe(&out));
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
    let out = run(bin_command_heron(&["version", "--format", "json"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["release"]["heron.build.version"].is_string(), "{doc}");
    let out = run(bin_command_heron(&["help", "submit"]));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(
        text(&out.stdout).contains("--dry-run-format"),
        "{}",
        describe(&out)
    );
    let out = run(bin_command_heron(&[
        "config",
        CLUSTER,
        "set",
        "service_url",
        "http://x",
    ]));
    assert_eq!(code(&out), 2, "{}", describe(&out));
    drop(s);
}

fn bin_command_heron(args: &[&str]) -> std::process::Command {
    let mut c = heron_tests::bin_command("heron");
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
    let out = run(s.heron(
        "submit",
        &[
            "--config-property",
            &prop,
            &spec(),
            file.to_str().unwrap(),
            "-",
        ],
    ));
    assert_eq!(code(&out), 1, "{}", describe(&out));
    let failure: serde_json::Value = {
        let mut c = s.heron(
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
        );
        let o = run(&mut c);
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

    let out = run(s
        .heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        .env("HERON_UPLOADER_BIN", s.dir.join("no-such-uploader")));
    assert_eq!(code(&out), 3, "{}", describe(&out));
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
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    let defn = run(s.statemgr(&["get", "topology", &name, "--format", "proto"]));
    assert!(defn.status.success(), "{}", describe(&defn));
    let defn_path = s.dir.write("saved.defn", &defn.stdout);
    assert_eq!(code(&run(s.heron("kill", &[&spec(), &name]))), 0);

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
    let out = run(s.heron(
        "submit",
        &[
            &spec(),
            lib.to_str().unwrap(),
            program.to_str().unwrap(),
            "arg1",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    let job = s.job(&name).expect("Aurora job");
    let content = job["job_file"]["content"].as_str().unwrap();
    assert!(content.contains("--pkg-type=so"), "{content}");
    assert!(
        content.contains("--topology-binary-file=libwordcount.so"),
        "{content}"
    );
    assert_eq!(code(&run(s.heron("kill", &[&spec(), &name]))), 0);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn a_failed_scale_up_leaves_the_plan_and_reactivates_the_topology() {
    let s = Stand::local();
    let name = unique_name("scalefail");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    write_pplan(&s, &name);
    let mut tm = start_tmanager(&s, &name, &s.dir.join("tm.log"));
    let before = run(s.statemgr(&["get", "packingplan", &name, "--format", "proto"])).stdout;

    let out = run(s
        .heron(
            "update",
            &[&spec(), &name, "--component-parallelism", "count:6"],
        )
        .env("AURORA_STANDIN_FAIL", "add"));
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("aurora job add"),
        "{}",
        describe(&out)
    );
    assert_eq!(
        pplan_state(&s, &name),
        "RUNNING",
        "the topology must be reactivated after a failed update"
    );
    let after = run(s.statemgr(&["get", "packingplan", &name, "--format", "proto"])).stdout;
    assert_eq!(
        before, after,
        "the packing plan changed although the update failed"
    );
    assert!(
        !s.state_nodes(&name).contains(&"locks".to_string()),
        "the update lock was not released"
    );

    drop(tm.stdin.take());
    let _ = tm.kill();
    let _ = tm.wait();
    assert_eq!(code(&run(s.heron("kill", &[&spec(), &name]))), 0);
    s.assert_nothing_left(&name, "after kill");
}

/// Containers in the stored packing plan, and the Aurora job's instances other than 0.
fn plan_and_job(s: &Stand, name: &str) -> (Vec<i64>, Vec<u64>) {
    let plan = run(s.statemgr(&["get", "packingplan", name, "--format", "json"]));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let mut ids: Vec<i64> = plan["container_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    let job = s.job(name).expect("Aurora job");
    let live: Vec<u64> = job["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .filter(|i| *i != 0)
        .collect();
    (ids, live)
}

#[test]
fn a_failed_update_puts_plan_and_job_back_in_agreement() {
    let s = Stand::local();
    let name = unique_name("undo");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );

    // `aurora job add` adds the instances, then fails: they are killed again, the plan kept.
    let out = run(s
        .heron(
            "update",
            &[&spec(), &name, "--component-parallelism", "count:6"],
        )
        .env("AURORA_STANDIN_FAIL_AFTER", "add"));
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("killed the instances the update added"),
        "{}",
        describe(&out)
    );
    assert_eq!(plan_and_job(&s, &name), (vec![1, 2], vec![1, 2]));

    // `aurora job kill` of a scale-down fails before killing: the old plan is written back.
    let out = run(s
        .heron("update", &[&spec(), &name, "--container-number", "1"])
        .env("AURORA_STANDIN_FAIL", "kill"));
    assert_eq!(code(&out), 1, "{}", describe(&out));
    assert!(
        text(&out.stderr).contains("old packing plan is back"),
        "{}",
        describe(&out)
    );
    assert_eq!(plan_and_job(&s, &name), (vec![1, 2], vec![1, 2]));
    assert!(!s.state_nodes(&name).contains(&"locks".to_string()));

    assert_eq!(code(&run(s.heron("kill", &[&spec(), &name]))), 0);
    s.assert_nothing_left(&name, "after kill");
}

#[test]
fn kill_does_not_retry_an_aurora_usage_error_but_retries_a_plain_failure() {
    let s = Stand::local();
    let name = unique_name("killusage");
    let file = s.yaml_topology(&name);
    assert_eq!(
        code(&run(
            s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"])
        )),
        0
    );
    let killalls = |s: &Stand| {
        s.aurora_calls()
            .into_iter()
            .filter(|(_, a)| a.get(1).map(String::as_str) == Some("killall"))
            .count()
    };
    // Exit 2 is Aurora's usage error: the same call fails the same way, so one call only.
    let started = std::time::Instant::now();
    let out = run(s
        .heron("kill", &[&spec(), &name])
        .env("AURORA_STANDIN_FAIL", "killall")
        .env("AURORA_STANDIN_FAIL_EXIT", "2"));
    assert_ne!(code(&out), 0, "{}", describe(&out));
    assert_eq!(killalls(&s), 1, "{}", describe(&out));
    assert!(
        !text(&out.stderr).contains("retrying"),
        "{}",
        describe(&out)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2000),
        "no retry interval was waited: {:?}",
        started.elapsed()
    );
    // A plain failure (exit 1) may pass on the next try: retried, then the kill succeeds.
    let out = run(s
        .heron(
            "kill",
            &[
                "--config-property",
                "heron.scheduler.job.kill.retry.interval.ms=100",
                &spec(),
                &name,
            ],
        )
        .env("AURORA_STANDIN_FAIL_COUNT", "killall:1"));
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert_eq!(
        killalls(&s),
        3,
        "one refused call, then a failed and a good one"
    );
    s.assert_nothing_left(&name, "after the retried kill");
}
