//! The interop tier, end to end: `heron` with Heron's own unedited aurora conf folder (its
//! `heron.aurora` included), as a site that switches would run it. The folder is linked, not copied
//! or edited; where its values point at the Vagrant demo's `/vagrant`, `--config-property` moves
//! the state, the packages and the core package into the test folder, as an operator would.
//!
//! Every test here is `#[ignore]`d with the interop reason: `scripts/test.sh` runs them when it
//! finds Heron's files and sets `HERON_STOCK_CONF` (see README, "Test suite"). Aurora is the
//! workspace's stand-in (tests/src/bin/aurora.rs): it checks and records the job, nothing runs.

use heron_tests::heron_conf;
use heron_tests::prelude::*;

/// A `Stand` whose `devcluster` folder is a symlink to Heron's stock aurora folder, and the
/// `--config-property` pairs that keep everything it writes inside the test folder.
fn stock_stand() -> (Stand, Vec<String>) {
    let stand = Stand::linked(&heron_conf::stock("aurora"));
    let core = stand.dir.write(
        "dist/heron-core.tar.gz",
        b"the core package is only fetched by the sandbox",
    );
    let props = [
        format!("heron.statemgr.root.path={}", stand.state_root.display()),
        format!(
            "heron.uploader.localfs.file.system.directory={}/${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}",
            stand.pkgs.display()
        ),
        format!("heron.package.core.uri=file://{}", core.display()),
    ]
    .into_iter()
    .flat_map(|p| ["--config-property".to_string(), p])
    .collect();
    (stand, props)
}

fn with_props<'a>(props: &'a [String], args: &[&'a str]) -> Vec<&'a str> {
    props
        .iter()
        .map(String::as_str)
        .chain(args.iter().copied())
        .collect()
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_dry_run_renders_herons_unedited_template() {
    let (s, _) = stock_stand();
    let name = unique_name("stockdry");
    let file = s.yaml_topology(&name);
    let out = run_expect(
        s.heron(
            "submit",
            &[
                "--dry-run",
                "--dry-run-format",
                "table",
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        ),
        0,
    );
    let stdout = text(&out.stdout);
    // Heron's own template and client.yaml: its curl fetch of its core package URI.
    assert!(
        stdout.contains(
            "heron_core_release_uri = 'file:///vagrant/.herondata/dist/heron-core-release.tar.gz'"
        ),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("name = '{name}',")), "{stdout}");
    assert!(stdout.contains("instances = '3',"), "{stdout}");
    s.assert_nothing_left(&name, "a dry run");
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_submit_and_kill_with_herons_unedited_aurora_folder() {
    let (s, props) = stock_stand();
    let name = unique_name("stock");
    let file = s.yaml_topology(&name);
    run_expect(
        s.heron(
            "submit",
            &with_props(&props, &[&spec(), file.to_str().unwrap(), "-"]),
        ),
        0,
    );
    assert_eq!(
        s.state_nodes(&name),
        vec!["executionstate", "packingplans", "schedulers", "topologies"]
    );
    assert!(
        s.packages(&name)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".tar.gz")),
        "a package uploaded: {:?}",
        s.packages(&name)
    );
    let job = s.job(&name).expect("the stand-in holds the job");
    assert_eq!(job["instances"].as_array().map(Vec::len), Some(3));
    let job_file = job["job_file"]["content"].as_str().unwrap_or_default();
    assert!(
        job_file.contains("cmdline = 'curl %s -o %s && tar zxf %s' % (heron_core_release_uri"),
        "the job file is Heron's template, rendered:\n{job_file}"
    );
    run_expect(s.heron("kill", &with_props(&props, &[&spec(), &name])), 0);
    s.assert_nothing_left(&name, "after kill");
}
