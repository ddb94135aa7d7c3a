//! ZooKeeper ACLs on a whole submitted topology: with digest authentication configured
//! (`creator-world-read`), a client without the credentials (or with wrong ones) can read but cannot
//! change or delete any topology node, whether it is `heron-statemgr`, `heron kill`, or a plain
//! ZooKeeper client (kazoo). heron-statemgr/tests/zookeeper.rs checks one node through the
//! library; this checks every node `heron submit` writes. Needs `scripts/services.sh start`.

use std::process::Command;

use heron_tests::prelude::*;
use heron_tests::{venv_python, zk};

const KINDS: [&str; 4] = ["topologies", "packingplans", "executionstate", "schedulers"];

fn statemgr(s: &Stand, auth: Option<&str>, args: &[&str]) -> Command {
    let mut c = s.statemgr(&[]);
    c.env_remove("HERON_ZK_AUTH");
    match auth {
        Some(a) => {
            c.env("HERON_ZK_AUTH", a);
        }
        // Someone else's config: no credentials, so no ACL mode that needs them.
        None => {
            c.args(["--config-property", NO_ACL]);
        }
    }
    c.args(args);
    c
}

const NO_ACL: &str = "heron.statemgr.zookeeper.acl=open";

fn proto_of(s: &Stand, kind: &str, name: &str) -> Vec<u8> {
    let out = run(statemgr(s, None, &["get", kind, name, "--format", "proto"]));
    assert_eq!(code(&out), 0, "{kind}: {}", describe(&out));
    out.stdout
}

#[test]
fn without_the_credentials_no_topology_node_can_be_changed_or_deleted() {
    let root = format!("/{}", unique_name("acl"));
    // The credentials come from the environment; the config sets only the ACL mode.
    let s = Stand::builder()
        .state(
            State::zookeeper(&zk(), &root)
                .setting("heron.statemgr.zookeeper.acl", "creator-world-read"),
        )
        .build();
    let owner = "heron:Owner-pw-6f1ed002ab55";
    let name = unique_name("Acl").replace('-', "_");
    let file = s.yaml_topology(&name);
    let mut submit = s.heron("submit", &[&spec(), file.to_str().unwrap(), "-"]);
    submit.env("HERON_ZK_AUTH", owner);
    run_expect(&mut submit, 0);
    let before: Vec<Vec<u8>> = KINDS.iter().map(|k| proto_of(&s, k, &name)).collect();

    let mut attempts = 0;
    for auth in [None, Some("heron:wrong-pw-0b7e"), Some("intruder:x")] {
        for kind in KINDS {
            // Replace with the node's own bytes (valid input), delete, delete --force.
            let set = statemgr(
                &s,
                auth,
                &["set", kind, &name, "--replace", "--input-format", "proto"],
            );
            let out = run_with_stdin(set, &proto_of(&s, kind, &name));
            assert_eq!(code(&out), 6, "set {kind} as {auth:?}: {}", describe(&out));
            for args in [
                vec!["delete", kind, &name],
                vec!["delete", kind, &name, "--force"],
            ] {
                let out = run(statemgr(&s, auth, &args));
                assert_eq!(code(&out), 6, "{args:?} as {auth:?}: {}", describe(&out));
                assert!(text(&out.stderr).contains("denied"), "{}", describe(&out));
            }
            attempts += 3;
        }
        let out = run(statemgr(&s, auth, &["clean", &name]));
        assert_eq!(code(&out), 6, "clean as {auth:?}: {}", describe(&out));
        attempts += 1;
        // `heron kill` without the credentials: denied at the state (Aurora has its own auth).
        let sp = spec();
        let mut kill = match auth {
            Some(a) => {
                let mut k = s.heron("kill", &[&sp, &name]);
                k.env("HERON_ZK_AUTH", a);
                k
            }
            None => {
                let mut k = s.heron("kill", &["--config-property", NO_ACL, &sp, &name]);
                k.env_remove("HERON_ZK_AUTH");
                k
            }
        };
        let out = run(&mut kill);
        assert_eq!(code(&out), 6, "heron kill as {auth:?}: {}", describe(&out));
        attempts += 1;
        // Nothing changed.
        let now: Vec<Vec<u8>> = KINDS.iter().map(|k| proto_of(&s, k, &name)).collect();
        assert_eq!(now, before, "a node changed after attempts as {auth:?}");
    }

    // A plain ZooKeeper client without credentials: set and delete are refused with NoAuth.
    let script = format!(
        r#"
import sys
from kazoo.client import KazooClient
from kazoo.exceptions import NoAuthError
zk = KazooClient(hosts="{zk}")
zk.start(timeout=15)
refused = 0
for kind in {kinds:?}:
    path = "{root}/%s/{name}" % kind
    data, _ = zk.get(path)
    for op in ("set", "delete"):
        try:
            zk.set(path, b"x") if op == "set" else zk.delete(path)
            print("ALLOWED", op, path); sys.exit(1)
        except NoAuthError:
            refused += 1
print("refused", refused)
zk.stop()
"#,
        zk = zk(),
        kinds = KINDS,
        root = root,
        name = name
    );
    let out = run(Command::new(venv_python()).args(["-c", &script]));
    assert_eq!(code(&out), 0, "kazoo: {}", describe(&out));
    assert!(
        text(&out.stdout).contains("refused 8"),
        "{}",
        describe(&out)
    );
    attempts += 8;
    let now: Vec<Vec<u8>> = KINDS.iter().map(|k| proto_of(&s, k, &name)).collect();
    assert_eq!(now, before);
    eprintln!("ACL: {attempts} unauthenticated change attempts, all refused");

    // The owner can: kill cleans everything.
    let mut kill = s.heron("kill", &[&spec(), &name]);
    kill.env("HERON_ZK_AUTH", owner);
    let out = run(&mut kill);
    assert!([0, 3].contains(&code(&out)), "{}", describe(&out));
    for kind in KINDS {
        let out = run(statemgr(&s, None, &["exists", kind, &name]));
        assert_eq!(code(&out), 3, "{kind} left: {}", describe(&out));
    }
}
