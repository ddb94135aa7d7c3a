//! `heron explorer` against what `heron submit` wrote on local-disk state: the views, with a
//! physical plan and tmanager location written as Heron's tmanager writes them (the tmanager
//! stand-in, a plan built from the packing plan), read-only under a held update lock, bad input,
//! colour on a terminal. Status and ZooKeeper: e2e_explorer_status.rs. The Aurora client is the
//! stand-in (docs/aurora-standin.md): it runs nothing, so its instances are "RUNNING" as soon as
//! they are created. Needs `scripts/services.sh start` (or `scripts/test.sh`).

#[path = "explorer/support.rs"]
mod explorer_support;

use std::process::Stdio;

use explorer_support::*;
use heron_tests::prelude::*;
use serde_json::{Value, json};

#[test]
fn topologies_lists_what_heron_submitted_with_role_env_state_and_release() {
    let s = Stand::local();
    let (a, b) = (unique_name("explore-a"), unique_name("explore-b"));
    s.submit_yaml(&a);
    s.submit_yaml(&b);
    let doc = explore_json(&s, &["topologies", CLUSTER], 0);
    assert_eq!(doc["cluster"], CLUSTER);
    assert_eq!(doc["role"], Value::Null);
    let rows = doc["topologies"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = vec![a.as_str(), b.as_str()];
    sorted.sort();
    assert_eq!(names, sorted);
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let exec = s.node("executionstate", name);
        assert_eq!(row["id"], exec["topology_id"]);
        assert_eq!((&row["role"], &row["environ"]), (&json!(ROLE), &json!(ENV)));
        assert_eq!(row["submission_user"], exec["submission_user"]);
        assert_eq!(row["submission_time"], exec["submission_time"]);
        assert_eq!(
            row["release"]["version"],
            exec["release_state"]["release_version"]
        );
        assert_eq!(
            (&row["state"], &row["state_from"]),
            (&json!("RUNNING"), &json!("topologies"))
        );
        assert_eq!(
            row["nodes"],
            json!(["topologies", "packingplans", "executionstate", "schedulers"]),
            "the folders holding its nodes: {row}"
        );
    }
    // The selection narrows by role and environment.
    let doc = explore_json(&s, &["topologies", &format!("{CLUSTER}/{ROLE}/{ENV}")], 0);
    assert_eq!(doc["topologies"].as_array().unwrap().len(), 2);
    let out = run_expect(
        explorer(&s, &["topologies", &format!("{CLUSTER}/someone-else")]),
        0,
    );
    assert_eq!(
        text(&out.stdout),
        format!(
            "Topologies in {CLUSTER}/someone-else:\n\
             role  env  topology  state  submitted by  submitted (UTC)  release\n\
             ----  ---  --------  -----  ------------  ---------------  -------\n"
        )
    );
    assert!(
        text(&out.stderr).contains("2 other topologies"),
        "{}",
        describe(&out)
    );
    // Heron's text layout, no colour into a pipe.
    let out = run(explorer(&s, &["topologies", CLUSTER]));
    let table = text(&out.stdout);
    assert!(
        table.starts_with(&format!("Topologies in {CLUSTER}:\nrole ")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&format!("{ROLE}   {ENV}  "))
                && l.contains(&a)
                && l.contains("RUNNING")),
        "{table}"
    );
    assert!(!table.contains('\u{1b}'), "colour into a pipe: {table:?}");
}

#[test]
fn views_of_a_running_topology_from_its_physical_plan_and_tmanager() {
    let s = Stand::local();
    let name = unique_name("explore-run");
    s.submit_yaml(&name);
    let cre = spec();

    // No tmanager yet: the containers come from the packing plan, and the output says so.
    let doc = explore_json(&s, &["physical-plan", "containers", &cre, &name], 0);
    assert_eq!(doc["source"], "packingplans");
    let plan = s.node("packingplan", &name);
    assert_eq!(
        doc["containers"].as_array().unwrap().len(),
        plan["container_plans"].as_array().unwrap().len()
    );
    assert_eq!(doc["containers"][0]["host"], Value::Null);
    let out = run(explorer(&s, &["physical-plan", "containers", &cre, &name]));
    assert!(
        text(&out.stdout).contains("no tmanager has written a physical plan"),
        "{}",
        describe(&out)
    );
    // The stand-in says every instance runs, so a missing tmanager is a problem.
    let report = explore_json(&s, &["status", &cre, &name], 1);
    assert_eq!(report["verdict"], "degraded");
    assert_eq!(check(&report, "tmanagers")["status"], "missing");
    assert_eq!(check(&report, "pplans")["status"], "waiting");

    let pplan = s.write_pplan(&name);
    let tm = TManager::start(&s, &name, None);
    let report = explore_json(&s, &["status", &cre, &name], 0);
    {
        assert_eq!(report["verdict"], "running", "{report}");
        for dir in [
            "topologies",
            "packingplans",
            "executionstate",
            "schedulers",
            "tmanagers",
            "pplans",
        ] {
            assert_eq!(check(&report, dir)["status"], "ok", "{dir}: {report}");
        }
        let location = s.node("tmanager", &name);
        assert_eq!(report["tmanager"], location);
        assert_eq!(report["aurora"]["expected_instances"], 3);
        assert_eq!(report["aurora"]["job_exists"], true);
        let states: Vec<&str> = report["aurora"]["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["status"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["RUNNING"; 3]);

        let doc = explore_json(&s, &["physical-plan", "containers", &cre, &name], 0);
        assert_eq!(doc["source"], "pplans");
        for (c, stmgr) in doc["containers"]
            .as_array()
            .unwrap()
            .iter()
            .zip(pplan["stmgrs"].as_array().unwrap())
        {
            assert_eq!(c["stmgr"], stmgr["id"]);
            assert_eq!(
                (&c["host"], &c["port"], &c["pid"], &c["shell_port"]),
                (
                    &stmgr["host_name"],
                    &stmgr["data_port"],
                    &stmgr["pid"],
                    &stmgr["shell_port"]
                )
            );
            let mine = pplan["instances"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["stmgr_id"] == stmgr["id"])
                .count();
            assert_eq!(c["instances"].as_array().unwrap().len(), mine);
            assert_eq!(
                c["spouts"].as_u64().unwrap() + c["bolts"].as_u64().unwrap(),
                mine as u64
            );
        }
        let one = explore_json(
            &s,
            &["physical-plan", "containers", &cre, &name, "--id", "2"],
            0,
        );
        assert_eq!(one["containers"].as_array().unwrap().len(), 1);
        assert_eq!(one["containers"][0]["container"], 2);
        let out = run(explorer(
            &s,
            &["physical-plan", "containers", &cre, &name, "--id", "2"],
        ));
        let t = text(&out.stdout);
        assert!(
            t.contains("from the physical plan")
                && t.contains("instance   ")
                && t.contains("container_2_"),
            "{t}"
        );
        run_expect(
            explorer(
                &s,
                &["physical-plan", "containers", &cre, &name, "--id", "9"],
            ),
            3,
        );

        // Paused through the tmanager: the state is the physical plan's.
        run_expect(s.heron("deactivate", &[&cre, &name]), 0);
        let doc = explore_json(&s, &["topologies", &cre], 0);
        let row = doc["topologies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name.as_str())
            .unwrap()
            .clone();
        assert_eq!(
            (&row["state"], &row["state_from"]),
            (&json!("PAUSED"), &json!("pplans"))
        );
    }
    tm.stop();
}

#[test]
fn logical_plan_and_packing_plan_views() {
    let s = Stand::local();
    let name = unique_name("explore-plan");
    s.submit_yaml(&name);
    let cre = spec();
    let doc = explore_json(&s, &["logical-plan", &cre, &name], 0);
    assert_eq!(doc["parallelism_from"], "topologies");
    assert_eq!(
        doc["components"],
        json!([
            {"type": "spout", "name": "word", "parallelism": 2, "inputs": [],
             "outputs": [{"stream": "default", "fields": ["word"], "consumers": ["count"]}]},
            {"type": "bolt", "name": "count", "parallelism": 2,
             "inputs": [{"component": "word", "stream": "default", "grouping": "FIELDS", "fields": ["word"]}],
             "outputs": []}
        ]),
        "{doc}"
    );
    let out = run(explorer(&s, &["logical-plan", &cre, &name, "--bolts"]));
    assert_eq!(
        text(&out.stdout),
        concat!(
            "type  name   parallelism  input                      output\n",
            "----  -----  -----------  -------------------------  ------\n",
            "bolt  count            2  word/default:FIELDS(word)  -\n",
        )
    );
    for flags in [
        &["--component-type", "spouts"][..],
        &["--spout"],
        &["--component", "word"],
    ] {
        let mut args = vec!["logical-plan", cre.as_str(), name.as_str()];
        args.extend(flags);
        let doc = explore_json(&s, &args, 0);
        let names: Vec<&str> = doc["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["word"], "{flags:?}");
    }
    let out = run_expect(
        explorer(&s, &["logical-plan", &cre, &name, "--component", "nosuch"]),
        3,
    );
    assert!(
        text(&out.stderr).contains("its components: word, count"),
        "{}",
        describe(&out)
    );

    // The packing plan in the dry run's formats, from the dry run's own renderers.
    let dry = s.dry_run_json(&s.yaml_topology(&name));
    let doc = explore_json(&s, &["packing-plan", &cre, &name], 0);
    assert_eq!(doc["containers"], dry["packing_plan"]["containers"]);
    assert_eq!(doc["topology"], name.as_str());
    let out = run(explorer(&s, &["packing-plan", &cre, &name]));
    let t = text(&out.stdout);
    assert!(
        t.starts_with("Total number of containers: 2\nUsing packing class: "),
        "{t}"
    );
    assert!(!t.contains('\u{1b}'), "{t:?}");
    let out = run(explorer(
        &s,
        &["packing-plan", &cre, &name, "--dry-run-format", "raw"],
    ));
    assert!(
        text(&out.stdout).starts_with("Packing class: "),
        "{}",
        describe(&out)
    );
    let out = run(explorer(
        &s,
        &[
            "packing-plan",
            &cre,
            &name,
            "--dry-run-format",
            "colored_table",
        ],
    ));
    assert!(text(&out.stdout).contains('\u{1b}'), "{}", describe(&out));
}

#[test]
fn explorer_reads_only_and_takes_no_lock() {
    let s = Stand::local();
    let name = unique_name("explore-ro");
    s.submit_yaml(&name);
    let cre = spec();
    let snapshot = || {
        let mut files = Vec::new();
        let mut stack = vec![s.state_root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let m = std::fs::metadata(&p).unwrap();
                    files.push((p.clone(), std::fs::read(&p).unwrap(), m.modified().unwrap()));
                }
            }
        }
        files.sort();
        files
    };
    // An update holds the lock the whole time: a view that tried to take it would wait or fail.
    let mut lock = s
        .statemgr(&["lock", &name, "--timeout-ms", "5000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead as _;
    let mut line = String::new();
    std::io::BufReader::new(lock.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let before = snapshot();
    let calls_before = s.aurora_calls().len();
    let views: [&[&str]; 5] = [
        &["topologies", CLUSTER],
        &["logical-plan", &cre, &name],
        &["physical-plan", "containers", &cre, &name],
        &["packing-plan", &cre, &name],
        &["status", &cre, &name],
    ];
    let mut status_report = Value::Null;
    for view in views {
        let out = run(explorer(&s, view).args(["--format", "json"]));
        assert!(matches!(code(&out), 0 | 1), "{view:?}: {}", describe(&out));
        if view[0] == "status" {
            status_report = json_of(&out);
        }
    }
    assert_eq!(snapshot(), before, "a view changed the state");
    drop(lock.stdin.take());
    assert!(lock.wait().unwrap().success());
    assert_eq!(check(&status_report, "locks")["status"], "info");
    // Only `status` asked Aurora, and only `job status`.
    let calls: Vec<Vec<String>> = s
        .aurora_calls()
        .into_iter()
        .skip(calls_before)
        .map(|(_, a)| a)
        .collect();
    assert_eq!(
        calls,
        [vec![
            "job".to_string(),
            "status".into(),
            format!("{cre}/{name}"),
            "--write-json".into()
        ]]
    );
}

#[test]
fn bad_input_unknown_topologies_and_an_unreachable_zookeeper() {
    let s = Stand::local();
    let cre = spec();
    for (args, want) in [
        (&["topologies", "devcluster/a/b/c"][..], 2),
        (&["physical-plan", "containers", &cre, "wc", "--id", "0"], 2),
        (&["physical-plan", "metrics", &cre, "wc"], 2),
        (&["logical-plan", &cre, "wc", "--spouts", "--bolts"], 2),
        (&["logical-plan", &cre, "no-such-topology"], 3),
        (&["packing-plan", &cre, "bad.name"], 2),
        (&["topologies", "nocluster"], 3),
    ] {
        let out = run(explorer(&s, args));
        assert_eq!(code(&out), want, "{args:?}: {}", describe(&out));
        assert!(out.stdout.is_empty(), "{args:?}: {}", describe(&out));
        assert!(
            text(&out.stderr).contains("error"),
            "{args:?}: {}",
            describe(&out)
        );
    }
    s.write_conf(
        "statemgr.yaml",
        "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
         heron.statemgr.connection.string: 127.0.0.1:1\n\
         heron.statemgr.root.path: /heron\n\
         heron.statemgr.zookeeper.connection.timeout.ms: 300\n",
    );
    run_expect(explorer(&s, &["topologies", CLUSTER]), 5);
}

#[test]
fn colour_only_on_a_terminal_without_no_color() {
    let s = Stand::local();
    let name = unique_name("explore-tty");
    s.submit_yaml(&name);
    let line = |no_color: Option<&str>| {
        let out = run_on_a_terminal(&explorer(&s, &["topologies", CLUSTER]), no_color);
        assert!(out.status.success(), "{}", describe(&out));
        text(&out.stdout)
    };
    assert!(
        line(None).contains("\u{1b}[32mRUNNING"),
        "no colour on a terminal"
    );
    assert!(
        !line(Some("1")).contains('\u{1b}'),
        "colour despite NO_COLOR"
    );
}
