//! A newcomer's first runs of `heron`: HOME is a fresh folder (no `~/.heron/conf`), no Aurora
//! client is installed, no service runs. `heron ... local` then uses the built-in `local` cluster
//! and the Aurora stand-in built next to `heron`, and says so. Also `scripts/demo.sh`, the README's
//! first command, run once end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

use heron_tests::files::files_under;
use heron_tests::fresh_home::fresh_env;
use heron_tests::prelude::*;
use heron_tests::repo_root;

const USER: &str = "newcomer";

/// A fresh HOME and a `heron` that finds its stages (and the stand-in) only next to itself.
struct Newcomer {
    home: TestDir,
}

impl Newcomer {
    fn new() -> Newcomer {
        Newcomer {
            home: TestDir::new(),
        }
    }

    fn herondata(&self) -> PathBuf {
        self.home.join(".herondata")
    }

    /// The fresh HOME's environment on `c`; no `aurora` on PATH, only system folders.
    fn env(&self, c: &mut Command) {
        fresh_env(c, self.home.path(), USER)
            .env("LOGNAME", USER)
            .current_dir(repo_root());
    }

    fn heron(&self, args: &[&str]) -> Command {
        let mut c = bin_command("heron");
        self.env(&mut c);
        c.args(args);
        c
    }

    /// `bash scripts/demo.sh` in the fresh HOME; cargo and rustup keep their homes (the demo's
    /// build step finds the binaries up to date).
    fn demo(&self) -> Command {
        let mut c = command("bash");
        self.env(&mut c);
        let real_home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        c.env(
            "CARGO_HOME",
            std::env::var_os("CARGO_HOME").unwrap_or_else(|| real_home.join(".cargo").into()),
        )
        .env(
            "RUSTUP_HOME",
            std::env::var_os("RUSTUP_HOME").unwrap_or_else(|| real_home.join(".rustup").into()),
        )
        .env("PATH", cargo_path(&real_home))
        .arg(repo_root().join("scripts/demo.sh"));
        c
    }
}

#[test]
fn dry_run_needs_no_config_and_no_service() {
    let n = Newcomer::new();
    let out = run(n.heron(&[
        "submit",
        "--dry-run",
        "--dry-run-format",
        "json",
        "local",
        "examples/word-count.yaml",
        "-",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    // One JSON document: the plan names the topology; the job is rendered from the built-in
    // folder's heron.aurora (the render stage's own template, written out), for
    // local/<user>/default.
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", describe(&out)));
    assert_eq!(doc["topology"], "WordCountYaml");
    let template = n.herondata().join("conf/local/heron.aurora");
    assert_eq!(
        doc["auroraJob"]["jobKey"], "local/newcomer/default/WordCountYaml",
        "{doc}"
    );
    assert_eq!(
        doc["auroraJob"]["template"],
        template.display().to_string().as_str()
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("using the built-in `local` cluster config")
            && stderr.contains("create ~/.heron/conf/local to override"),
        "{stderr}"
    );
    // A dry run uploads nothing and writes no state.
    assert!(
        files_under(&n.herondata().join("repository")).is_empty(),
        "dry run wrote {:?}",
        files_under(&n.herondata().join("repository"))
    );
    assert!(
        n.herondata().join("conf/local/client.yaml").is_file(),
        "the built-in folder is written where the stages read it"
    );
}

#[test]
fn submit_and_kill_on_the_built_in_cluster_with_the_stand_in() {
    let n = Newcomer::new();
    let out = run(n.heron(&["submit", "local", "examples/word-count.yaml", "-"]));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stderr = text(&out.stderr);
    let standin = bin("aurora");
    let jobs_dir = n.herondata().join("aurora-standin");
    let expected = format!(
        "note: no Aurora client found; using the Aurora stand-in at {} (it records jobs in {}; nothing runs)",
        standin.display(),
        jobs_dir.display()
    );
    assert!(
        stderr.contains(&expected),
        "want {expected:?} in:\n{stderr}"
    );
    assert!(
        text(&out.stdout).contains("Topology 'WordCountYaml' submitted"),
        "{}",
        describe(&out)
    );

    // The stand-in holds the job, the state folder the four nodes, the package folder the package.
    let job = jobs_dir.join("jobs/local/newcomer/default/WordCountYaml.json");
    assert!(job.is_file(), "no job record at {}", job.display());
    let topo_node = n
        .herondata()
        .join("repository/state/local/topologies/WordCountYaml");
    assert!(topo_node.exists(), "no state at {}", topo_node.display());
    let pkg_dir = n
        .herondata()
        .join("repository/topologies/local/newcomer/WordCountYaml");
    assert!(
        files_under(&pkg_dir)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".tar.gz")),
        "no package in {}",
        pkg_dir.display()
    );
    // A second submit of the same name is refused (it runs).
    let again = run(n.heron(&["submit", "local", "examples/word-count.yaml", "-"]));
    assert_eq!(again.status.code(), Some(4), "{}", describe(&again));

    // The stand-in runs nothing, so no tmanager will ever start: activate says so (exit 1),
    // not "try again later", and points at no service to check.
    for verb in ["activate", "deactivate"] {
        let out = run(n.heron(&[verb, "local", "WordCountYaml"]));
        assert_eq!(out.status.code(), Some(1), "{verb}: {}", describe(&out));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("has no physical plan, and never will")
                && stderr.contains("Aurora stand-in")
                && stderr.contains("runs nothing"),
            "{verb}: {stderr}"
        );
        assert!(
            !stderr.contains("try again later") && !stderr.contains("heron doctor"),
            "{verb}: {stderr}"
        );
    }

    let out = run(n.heron(&["kill", "local", "WordCountYaml"]));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(!job.exists(), "the stand-in still holds the job");
    assert!(!topo_node.exists(), "state left at {}", topo_node.display());
    assert!(
        files_under(&pkg_dir).is_empty(),
        "package left: {:?}",
        files_under(&pkg_dir)
    );
}

#[test]
fn an_edited_built_in_folder_is_restored_and_a_user_folder_wins() {
    let n = Newcomer::new();
    let dry = |n: &Newcomer| {
        run(n.heron(&[
            "submit",
            "--dry-run",
            "--dry-run-format",
            "json",
            "local",
            "examples/word-count.yaml",
            "-",
        ]))
    };
    assert_eq!(dry(&n).status.code(), Some(0));
    let client = n.herondata().join("conf/local/client.yaml");
    std::fs::write(&client, "heron.config.is.role.required: [broken\n").unwrap();
    let out = dry(&n);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        std::fs::read_to_string(&client)
            .unwrap()
            .contains("heron.package.core.uri")
    );

    // ~/.heron/conf/local exists: it is used, and no note about the built-in folder is printed.
    let user_conf = n.home.join(".heron/conf/local");
    std::fs::create_dir_all(&user_conf).unwrap();
    for f in std::fs::read_dir(n.herondata().join("conf/local")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), user_conf.join(f.file_name())).unwrap();
    }
    // The user's copy requires a role: `local` alone is then refused, which proves it is read.
    std::fs::write(
        user_conf.join("client.yaml"),
        "heron.config.is.role.required: True\nheron.config.is.env.required: True\n",
    )
    .unwrap();
    let out = dry(&n);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        !text(&out.stderr).contains("built-in `local` cluster config"),
        "{}",
        describe(&out)
    );
}

#[test]
fn a_cluster_without_config_says_what_to_do() {
    let n = Newcomer::new();
    let out = run(n.heron(&["kill", "devcluster/ads/devel", "wc"]));
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stderr = text(&out.stderr);
    for want in [
        "no config for cluster 'devcluster'",
        ".heron/conf/devcluster is not a folder",
        "conf/aurora-zk-s3",
        "--config-path",
        "built-in `local` cluster",
    ] {
        assert!(stderr.contains(want), "want {want:?} in {stderr}");
    }
}

#[test]
fn no_aurora_client_at_all_is_refused_before_any_work_with_the_fix() {
    let n = Newcomer::new();
    // A copy of heron alone in a folder: no stages next to it, so none is found.
    let lone = TestDir::new();
    let heron = lone.join("heron");
    std::fs::copy(bin("heron"), &heron).unwrap();
    let stages = TestDir::new();
    for s in ["heron-uploader", "heron-statemgr", "heron-aurora-render"] {
        std::os::unix::fs::symlink(bin(s), stages.join(s)).unwrap();
    }
    let mut c = command(&heron);
    n.env(&mut c);
    c.env("PATH", format!("{}:/usr/bin:/bin", stages.path().display()))
        .args(["submit", "local", "examples/word-count.yaml", "-"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("no `aurora` client found")
            && stderr.contains("install Apache Aurora's client")
            && stderr.contains("HERON_AURORA_BIN"),
        "{stderr}"
    );
    assert!(
        files_under(&n.herondata().join("repository")).is_empty(),
        "nothing may be uploaded: {:?}",
        files_under(&n.herondata().join("repository"))
    );
}

/// A PATH with the cargo that runs these tests (`$CARGO`), ~/.cargo/bin and the system folders;
/// no `aurora`.
fn cargo_path(real_home: &Path) -> String {
    let cargo_dir = std::env::var_os("CARGO")
        .map(PathBuf::from)
        .and_then(|c| c.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| real_home.join(".cargo/bin"));
    format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        cargo_dir.display(),
        real_home.join(".cargo/bin").display()
    )
}

#[test]
fn demo_script_runs_on_a_fresh_home() {
    let n = Newcomer::new();
    let c = n.demo();
    let out = run(c);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let stdout = text(&out.stdout);
    for want in [
        "$ ",
        "heron submit local examples/word-count.yaml -",
        "WordCountYaml  topologies packingplans executionstate schedulers",
        "local/newcomer/default/WordCountYaml",
        "heron kill local WordCountYaml",
        "state: none",
        "packages: none",
        "Aurora jobs: none",
    ] {
        assert!(stdout.contains(want), "want {want:?} in:\n{stdout}");
    }
    assert!(
        text(&out.stderr).contains("using the Aurora stand-in"),
        "{}",
        describe(&out)
    );
    // A run interrupted after its submit leaves the topology running: the next run kills it first.
    let out = run(n.heron(&["submit", "local", "examples/word-count.yaml", "-"]));
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let again = n.demo();
    let out = run(again);
    assert_eq!(out.status.code(), Some(0), "second run: {}", describe(&out));
    assert!(
        text(&out.stdout).contains("an earlier run left WordCountYaml behind: killing it first"),
        "{}",
        describe(&out)
    );
}
