//! `heron submit` that does not finish, on local disk with the aurora stand-in: a failure injected
//! at each stage is rolled back, two submits of one name race and one wins, SIGTERM/SIGINT roll
//! back and exit 130, and after `kill -9` a `heron kill` cleans everything. The full fault matrix
//! is in faults_stages.rs.

use std::process::Stdio;

use heron_tests::prelude::*;

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
            fault(Fault::Fail("create")),
            vec![],
            1,
            "injected",
        ),
        (
            "aurora",
            fault(Fault::FailAfter("create")),
            vec![],
            1,
            // The cause Aurora's client printed, not its closing ` INFO] Command terminated
            // with error code 1` line (issue 13).
            "Error occurred while creating job",
        ),
        (
            "aurora",
            fault(Fault::Hang("create")),
            vec!["--config-property", "heron.cli.aurora.timeout.secs=2"],
            5,
            "killed after 2 s",
        ),
    ];
    for (i, (stage, env, extra, want_code, want_text)) in cases.into_iter().enumerate() {
        let name = unique_name(&format!("fail{i}"));
        let file = s.yaml_topology(&name);
        let mut args: Vec<&str> = extra.clone();
        let (sp, file_s) = (spec(), file.display().to_string());
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

/// A stand-in fault as a case's environment.
fn fault(f: Fault) -> Vec<(&'static str, String)> {
    vec![f.var()]
}

#[test]
fn two_concurrent_submits_of_one_name_one_wins() {
    let s = Stand::local();
    // Several rounds: the two submits interleave differently each time.
    for round in 0..4 {
        let name = unique_name(&format!("race{round}"));
        let file = s.yaml_topology(&name);
        let children: Vec<_> = (0..2)
            .map(|_| {
                s.submit_file(&file, &[])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
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
        let pkg = s.package(&name);
        let id = s.node("topology", &name)["id"]
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

        s.kill(&name);
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
        let s = Stand::builder().fault(Fault::HangAfter("create")).build();
        let name = unique_name(&format!("sig{sig}"));
        let file = s.yaml_topology(&name);
        let child = s
            .submit_file(&file, &[])
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
    let mut s = Stand::builder().fault(Fault::HangAfter("create")).build();
    let name = unique_name("nine");
    let file = s.yaml_topology(&name);
    let mut child = s
        .submit_file(&file, &[])
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
    let out = run_expect(s.manage("kill", &name, &["--format", "json"]), 0);
    let doc = json_of(&out);
    assert_eq!(doc["found"]["topology"], true);
    assert_eq!(doc["found"]["aurora_job"], true);
    s.assert_nothing_left(&name, "after heron kill");
}
