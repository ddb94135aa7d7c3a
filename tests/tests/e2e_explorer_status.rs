//! `heron explorer status` finding half-killed topologies (state without an Aurora job, and the
//! reverse), and every view on real ZooKeeper compared with independent decodes by heronpy and
//! kazoo (tests/python/decode_state.py), with the tmanager's location and physical plan written
//! as heronpy bytes (tests/python/write_state.py). The Aurora client is the stand-in
//! (docs/aurora-standin.md). Needs `scripts/services.sh start` (or `scripts/test.sh`).

#[path = "explorer/support.rs"]
mod explorer_support;

use explorer_support::*;
use heron_tests::prelude::*;
use heron_tests::{heronpy_state, python_peer, zk};
use serde_json::{Value, json};

#[test]
fn status_finds_half_killed_topologies_both_ways() {
    let s = Stand::local();
    let cre = spec();

    // The Aurora job is gone, the state is not (a kill that stopped before cleaning).
    let half = unique_name("explore-half");
    s.submit_yaml(&half);
    let out = s.aurora(&["job", "killall", &format!("{cre}/{half}")]);
    assert!(out.status.success(), "{}", describe(&out));
    let report = explore_json(&s, &["status", &cre, &half], 1);
    assert_eq!(report["verdict"], "half_killed", "{report}");
    assert_eq!(check(&report, "aurora job")["status"], "missing");
    assert_eq!(check(&report, "topologies")["status"], "ok");
    assert_eq!(report["aurora"]["job_exists"], false);
    let out = run(explorer(&s, &["status", &cre, &half]));
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stdout).contains("Verdict: half-killed"),
        "{}",
        describe(&out)
    );
    assert!(
        text(&out.stderr).contains("error: half-killed"),
        "{}",
        describe(&out)
    );

    // The reverse: the Aurora job runs, the state is gone.
    let orphan = unique_name("explore-orphan");
    s.submit_yaml(&orphan);
    assert!(run(s.statemgr(&["clean", &orphan])).status.success());
    let report = explore_json(&s, &["status", &cre, &orphan], 1);
    assert_eq!(report["verdict"], "orphan_job", "{report}");
    assert_eq!(check(&report, "executionstate")["status"], "missing");
    // No packing plan left to count the instances against: said, not judged.
    assert_eq!(check(&report, "aurora job")["status"], "info");
    assert_eq!(report["aurora"]["job_exists"], true);

    // An instance killed behind heron's back.
    let holed = unique_name("explore-hole");
    s.submit_yaml(&holed);
    let out = s.aurora(&[
        "job",
        "kill",
        &format!("{cre}/{holed}/2"),
        "--batch-size",
        "1",
    ]);
    assert!(out.status.success(), "{}", describe(&out));
    let report = explore_json(&s, &["status", &cre, &holed], 1);
    assert_eq!(report["verdict"], "degraded");
    assert!(
        check(&report, "aurora job")["detail"]
            .as_str()
            .unwrap()
            .contains("no active task for instance 2"),
        "{report}"
    );
    let two = report["aurora"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == 2)
        .unwrap();
    assert_eq!(
        (&two["status"], &two["active"]),
        (&json!("KILLED"), &json!(false))
    );

    // Nothing at all: exit 3 with only the error.
    let out = run_expect(explorer(&s, &["status", &cre, "never-submitted"]), 3);
    assert!(out.stdout.is_empty(), "{}", describe(&out));

    // Aurora cannot be asked (its client's network error, exit 7): 5, with what the state says.
    let name = unique_name("explore-noaurora");
    s.submit_yaml(&name);
    let out = run_expect(
        explorer(&s, &["status", &cre, &name, "--format", "json"])
            .env("AURORA_STANDIN_FAIL", "status")
            .env("AURORA_STANDIN_FAIL_EXIT", "7"),
        5,
    );
    let report = json_of(&out);
    assert_eq!(report["verdict"], "unknown");
    assert_eq!(check(&report, "aurora job")["status"], "error");
    assert_eq!(check(&report, "topologies")["status"], "ok");
}

// --- real ZooKeeper, state read back by kazoo and heronpy ---------------------------------------

/// heronpy's JSON (protobuf `MessageToDict`) writes 64-bit integers as strings.
fn as_i64(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
        .unwrap_or_else(|| panic!("not an integer: {v}"))
}

#[test]
fn zookeeper_views_agree_with_heronpy_and_kazoo() {
    let root = format!("/{}", unique_name("explorer"));
    let s = Stand::builder()
        .state(State::zookeeper(&zk(), &root))
        .build();
    let cre = spec();
    let name = unique_name("ExploreZk").replace('-', "_");
    s.submit_yaml(&name);
    // What the tmanager writes, as bytes heronpy encodes: its location and the physical plan.
    let defn = s.dir.join(format!("{name}.defn"));
    std::fs::write(&defn, s.node_bytes("topology", &name)).unwrap();
    let out = run(python_peer("write_state.py")
        .args([&zk(), &root, &name, "--defn"])
        .arg(&defn)
        .args([
            "--cluster",
            CLUSTER,
            "--role",
            ROLE,
            "--environ",
            ENV,
            "--nodes",
            "pplans,tmanagers",
        ]));
    assert!(out.status.success(), "write_state.py: {}", describe(&out));
    let nodes = heronpy_state(&root, &name);

    let doc = explore_json(&s, &["topologies", CLUSTER], 0);
    let row = &doc["topologies"][0];
    let exec = &nodes["executionstate"]["message"];
    assert_eq!(row["name"], exec["topology_name"]);
    assert_eq!(row["id"], exec["topology_id"]);
    assert_eq!(
        (&row["cluster"], &row["role"], &row["environ"]),
        (&exec["cluster"], &exec["role"], &exec["environ"])
    );
    assert_eq!(row["submission_user"], exec["submission_user"]);
    assert_eq!(
        as_i64(&row["submission_time"]),
        as_i64(&exec["submission_time"])
    );
    assert_eq!(
        row["state"],
        nodes["pplans"]["message"]["topology"]["state"]
    );
    assert_eq!(row["state_from"], "pplans");

    let doc = explore_json(&s, &["logical-plan", &cre, &name], 0);
    let topo = &nodes["topologies"]["message"];
    let spouts: Vec<&Value> = topo["spouts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["comp"]["name"])
        .collect();
    let bolts = topo["bolts"].as_array().unwrap();
    let mine: Vec<&Value> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(mine.len(), spouts.len() + bolts.len());
    assert_eq!(&mine[..spouts.len()], &spouts[..]);
    for (c, b) in doc["components"].as_array().unwrap()[spouts.len()..]
        .iter()
        .zip(bolts)
    {
        assert_eq!(c["name"], b["comp"]["name"]);
        for (i, theirs) in c["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["inputs"].as_array().unwrap())
        {
            assert_eq!(i["component"], theirs["stream"]["component_name"]);
            assert_eq!(i["stream"], theirs["stream"]["id"]);
            assert_eq!(i["grouping"], theirs["gtype"]);
        }
    }
    // Parallelism: what runs, from heronpy's physical plan.
    let pplan = &nodes["pplans"]["message"];
    assert_eq!(doc["parallelism_from"], "pplans");
    for c in doc["components"].as_array().unwrap() {
        let running = pplan["instances"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["info"]["component_name"] == c["name"])
            .count();
        assert_eq!(c["parallelism"], running, "{c}");
    }

    let doc = explore_json(&s, &["physical-plan", "containers", &cre, &name], 0);
    assert_eq!(doc["source"], "pplans");
    let stmgrs = pplan["stmgrs"].as_array().unwrap();
    assert_eq!(doc["containers"].as_array().unwrap().len(), stmgrs.len());
    for c in doc["containers"].as_array().unwrap() {
        let theirs = stmgrs.iter().find(|m| m["id"] == c["stmgr"]).unwrap();
        assert_eq!(
            (&c["host"], &c["port"]),
            (&theirs["host_name"], &theirs["data_port"])
        );
        let ids: Vec<&Value> = pplan["instances"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["stmgr_id"] == theirs["id"])
            .map(|i| &i["instance_id"])
            .collect();
        let mut mine: Vec<&Value> = c["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| &i["id"])
            .collect();
        mine.sort_by_key(|v| v.as_str().unwrap().to_string());
        let mut ids = ids;
        ids.sort_by_key(|v| v.as_str().unwrap().to_string());
        assert_eq!(mine, ids);
    }

    let doc = explore_json(&s, &["packing-plan", &cre, &name], 0);
    let plan = &nodes["packingplans"]["message"];
    for (c, theirs) in doc["containers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(plan["container_plans"].as_array().unwrap())
    {
        assert_eq!(c["id"], theirs["id"]);
        assert_eq!(
            c["components"].as_array().unwrap().len(),
            theirs["instance_plans"].as_array().unwrap().len()
        );
    }

    // The stand-in runs the job, heronpy wrote the tmanager and the plan: nothing missing.
    let report = explore_json(&s, &["status", &cre, &name], 0);
    assert_eq!(report["verdict"], "running", "{report}");
    let tm = &nodes["tmanagers"]["message"];
    assert_eq!(report["tmanager"]["host"], tm["host"]);
    assert_eq!(report["tmanager"]["controller_port"], tm["controller_port"]);
    assert_eq!(
        report["scheduler"]["http_endpoint"],
        nodes["schedulers"]["message"]["http_endpoint"]
    );

    // Killed in Aurora only: half-killed, from ZooKeeper too.
    let out = s.aurora(&["job", "killall", &format!("{cre}/{name}")]);
    assert!(out.status.success(), "{}", describe(&out));
    let report = explore_json(&s, &["status", &cre, &name], 1);
    assert_eq!(report["verdict"], "half_killed");
    run_expect(s.heron("kill", &[&cre, &name]), 0);
    // kill leaves tmanagers/<name> to its owner's session, as Heron does; kazoo wrote ours
    // persistent (a real tmanager's vanishes with its process), so it is still there, and seen.
    let report = explore_json(&s, &["status", &cre, &name], 1);
    assert_eq!(report["verdict"], "half_killed");
    assert_eq!(check(&report, "tmanagers")["status"], "ok");
    assert_eq!(check(&report, "topologies")["status"], "missing");
    let out = run(s.statemgr(&["delete", "tmanager", &name, "--force"]));
    assert!(out.status.success(), "{}", describe(&out));
    run_expect(explorer(&s, &["status", &cre, &name]), 3);
}
