//! Where heron-uploader's S3 keys come from, and that they never show: Heron's keys in the cluster
//! conf or an override file, an AWS profile, the environment, none at all, a wrong secret.

mod common;
mod s3_support;

use common::*;
use s3_support::*;

#[test]
fn a_wrong_secret_is_denied_with_exit_6_and_never_printed() {
    let env = s3_env();
    let bucket = new_bucket(&env, "auth");
    let secret = format!("WrongSecret{}xyz", std::process::id());
    let c = keyless_cluster(
        &env,
        &bucket,
        &format!(
            "heron.uploader.s3.access_key: {}\n\
             heron.uploader.s3.secret_key: {secret}\n\
             heron.uploader.s3.max.attempts: 2\n",
            env.access_key
        ),
    );
    let pkg = c.package("p", &bytes(1000, 40));
    for args in [
        vec!["upload", "--verbose"],
        vec!["stat", "--verbose"],
        vec!["undo"],
        vec!["delete", "--format", "json"],
    ] {
        let mut cmd = c.cmd(args[0], "wc");
        cmd.args(&args[1..]);
        if args[0] == "upload" {
            cmd.arg(&pkg);
        }
        let out = run(&mut cmd);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 6, "{args:?}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{args:?}: stdout {}",
            text(&out.stdout)
        );
        assert!(stderr.contains("refused"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("heron.uploader.s3.secret_key"),
            "{args:?}: the error says what to check: {stderr}"
        );
        assert!(
            !stderr.contains(&secret),
            "{args:?}: the secret leaked: {stderr}"
        );
    }
    assert!(
        std::fs::read_dir(env.dir.join(&bucket))
            .unwrap()
            .next()
            .is_none(),
        "nothing was written"
    );
}

#[test]
fn credentials_from_an_aws_profile() {
    let env = s3_env();
    let bucket = new_bucket(&env, "profile");
    let c = keyless_cluster(&env, &bucket, "heron.uploader.s3.aws_profile: heron-test\n");
    std::fs::write(
        c.path("credentials"),
        format!(
            "[default]\naws_access_key_id = nobody\naws_secret_access_key = nothing\n\n\
             [heron-test]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            env.access_key, env.secret_key
        ),
    )
    .unwrap();
    std::fs::write(
        c.path("config"),
        "[profile heron-test]\nregion = us-east-1\n",
    )
    .unwrap();
    let body = bytes(4000, 70);
    run_ok(
        c.cmd("upload", "wc")
            .arg(c.package("p", &body))
            .env("AWS_SHARED_CREDENTIALS_FILE", c.path("credentials"))
            .env("AWS_CONFIG_FILE", c.path("config"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE"),
    );
    assert_eq!(
        std::fs::read(env.dir.join(&bucket).join("wc/topology.tar.gz")).unwrap(),
        body
    );
}

#[test]
fn credentials_from_the_environment_and_verbose_output_without_secrets() {
    let env = s3_env();
    let bucket = new_bucket(&env, "envcreds");
    let c = keyless_cluster(&env, &bucket, "");
    let body = bytes(12 << 20, 80);
    let out = run(c
        .cmd("upload", "wc")
        .args(["--verbose", "--format", "json"])
        .arg(c.package("p", &body))
        .env("AWS_ACCESS_KEY_ID", &env.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &env.secret_key)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", c.path("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", c.path("no-credentials"))
        .env_remove("AWS_PROFILE"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(env.dir.join(&bucket).join("wc/topology.tar.gz")).unwrap() == body);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(
        !all.contains(&env.secret_key),
        "secret in the output: {all}"
    );
    assert!(
        text(&out.stderr).contains("DEBUG"),
        "--verbose said something: {}",
        text(&out.stderr)
    );
}

#[test]
fn no_credentials_at_all_is_denied_with_advice() {
    let env = s3_env();
    let bucket = new_bucket(&env, "nocreds");
    let c = keyless_cluster(&env, &bucket, "heron.uploader.s3.max.attempts: 1\n");
    let out = run(c
        .cmd("upload", "wc")
        .arg(c.package("p", b"data"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", c.path("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", c.path("no-credentials"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 6, "{stderr}");
    assert!(stderr.contains("heron.uploader.s3.access_key"), "{stderr}");
}

#[test]
fn keys_from_an_override_file_as_heron_passes_them() {
    let env = s3_env();
    let bucket = new_bucket(&env, "override");
    let c = keyless_cluster(&env, &bucket, "");
    let overrides = c.path("override.yaml");
    std::fs::write(
        &overrides,
        format!(
            "heron.uploader.s3.access_key: {}\nheron.uploader.s3.secret_key: {}\n",
            env.access_key, env.secret_key
        ),
    )
    .unwrap();
    let body = bytes(3000, 90);
    run_ok(
        c.cmd("upload", "wc")
            .arg("--override-config-file")
            .arg(&overrides)
            .arg(c.package("p", &body))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    );
    assert_eq!(
        std::fs::read(env.dir.join(&bucket).join("wc/topology.tar.gz")).unwrap(),
        body
    );
}
