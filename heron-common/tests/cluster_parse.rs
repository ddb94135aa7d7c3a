//! `cluster/[role]/[env]` against Heron-format conf folders (the fixtures; Heron's stock folders in
//! the interop tier): the aurora one requires role and environment in client.yaml, the localzk one
//! does not.

use std::path::Path;

use heron_common::ExitCode;
use heron_common::cluster::{self, Requirements};

#[path = "../../tests/src/heron_conf.rs"]
mod heron_conf;

#[test]
fn aurora_client_yaml_requires_role_and_env() {
    assert_aurora_requires_role_and_env(&heron_conf::fixture("aurora"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_aurora_client_yaml_requires_role_and_env() {
    assert_aurora_requires_role_and_env(&heron_conf::stock("aurora"));
}

fn assert_aurora_requires_role_and_env(dir: &Path) {
    let req = Requirements::from_cluster_dir(dir).expect("client.yaml reads");
    assert!(req.role_required && req.env_required);
    assert_eq!(
        req.client_file.as_deref(),
        Some(dir.join("client.yaml").as_path())
    );

    let err = cluster::parse("aurora", &req, Some("alice")).unwrap_err();
    assert_eq!(err.exit_code(), ExitCode::BadInput);
    let text = err.to_string();
    assert!(text.contains("role required but not provided"), "{text}");
    assert!(
        text.contains(&dir.join("client.yaml").display().to_string()),
        "{text}"
    );
    assert!(text.contains("heron.config.is.role.required"), "{text}");

    let err = cluster::parse("aurora/www", &req, Some("alice"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("environ required but not provided"), "{err}");

    let ok = cluster::parse("aurora/www/prod", &req, Some("alice")).expect("full spec");
    assert_eq!(ok.to_string(), "aurora/www/prod");
}

#[test]
fn localzk_fills_user_and_default() {
    assert_localzk_fills_user_and_default(&heron_conf::fixture("localzk"));
}

#[test]
#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]
fn interop_stock_localzk_fills_user_and_default() {
    assert_localzk_fills_user_and_default(&heron_conf::stock("localzk"));
}

fn assert_localzk_fills_user_and_default(dir: &Path) {
    let req = Requirements::from_cluster_dir(dir).expect("client.yaml reads");
    assert!(!req.role_required && !req.env_required);
    let parsed = cluster::parse("local", &req, Some("alice")).expect("parses");
    assert_eq!(
        (parsed.role.as_str(), parsed.environ.as_str()),
        ("alice", "default")
    );
    let parsed = cluster::parse("local/bob", &req, Some("alice")).expect("parses");
    assert_eq!(
        (parsed.role.as_str(), parsed.environ.as_str()),
        ("bob", cluster::DEFAULT_ENVIRON)
    );
}

#[test]
fn parse_for_config_path_reads_the_cluster_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(
        heron_conf::fixture("aurora"),
        tmp.path().join("prodcluster"),
    )
    .expect("link");
    let err = cluster::parse_for_config_path("prodcluster/www", tmp.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("environ required"), "{err}");
    let ok = cluster::parse_for_config_path("prodcluster/www/devel", tmp.path()).expect("ok");
    assert_eq!(ok.environ, "devel");
    // A cluster without a client.yaml requires nothing.
    std::fs::create_dir(tmp.path().join("bare")).expect("mkdir");
    let ok = cluster::parse_for_config_path("bare/www", tmp.path()).expect("ok");
    assert_eq!(ok.environ, "default");
    // A client.yaml with a broken value is reported, naming the file.
    std::fs::create_dir(tmp.path().join("broken")).expect("mkdir");
    std::fs::write(
        tmp.path().join("broken/client.yaml"),
        "heron.config.is.role.required: sometimes\n",
    )
    .expect("write");
    let err = cluster::parse_for_config_path("broken/www", tmp.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("heron.config.is.role.required") && err.contains("client.yaml"),
        "{err}"
    );
}
