//! Secrets (S3 keys, the ZooKeeper digest password) never show in a child's argv, in logs, in
//! `--verbose` output or in error text. Each test captures all of them while `heron` and its stages
//! run against the real ZooKeeper and S3 peers:
//! - every process's `/proc/PID/cmdline`, sampled every few milliseconds while the command runs (a
//!   hung `aurora` keeps the children alive long enough to be seen for sure);
//! - the argv each stage wrapper records of itself and of its parent (`heron`);
//! - stdout and stderr of `heron --verbose`, and of each stage run alone with `--verbose`;
//! - the aurora stand-in's call log and the rendered job file.
//!
//! Needs `scripts/services.sh start` (or `scripts/test.sh`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use heron_tests::files::files_under;
use heron_tests::prelude::*;
use heron_tests::{s3, zk};

/// Every `/proc/*/cmdline` seen while `f` runs that contains one of `needles` (should stay empty),
/// and how many distinct command lines were seen at all (the sampler must have seen the stages).
fn watch_argv<T>(needles: &[String], f: impl FnOnce() -> T) -> (T, Vec<String>, Vec<String>) {
    let stop = Arc::new(AtomicBool::new(false));
    let needles = needles.to_vec();
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            let mut leaks = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                if let Ok(dir) = std::fs::read_dir("/proc") {
                    for e in dir.flatten() {
                        let Ok(raw) = std::fs::read(e.path().join("cmdline")) else {
                            continue;
                        };
                        let line = String::from_utf8_lossy(&raw).replace('\0', " ");
                        // The S3 test server takes its keys as arguments; it is not ours.
                        // And the user's own `heron --config-property ...secret_key=` of
                        // the test that checks heron keeps such a value off its children.
                        if line.contains("s3s-fs")
                            || (line.contains("heron submit") && line.contains("secret_key="))
                        {
                            continue;
                        }
                        if needles.iter().any(|n| line.contains(n.as_str())) {
                            leaks.push(line.clone());
                        }
                        if line.contains("heron") || line.contains("aurora") {
                            seen.insert(line);
                        }
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            (seen.into_iter().collect::<Vec<_>>(), leaks)
        })
    };
    let result = f();
    stop.store(true, Ordering::Relaxed);
    let (seen, leaks) = sampler.join().unwrap();
    (result, seen, leaks)
}

/// A stage wrapper that records its own argv and its parent's, then runs the real program. Each
/// line is tagged (`own: ` / `parent: `) and written by one `printf`: `heron` runs some stages side
/// by side, so two wrappers may append at the same moment and records cannot be told apart by
/// their order.
fn recording_wrapper(s: &Stand, program: &str, log: &std::path::Path) -> PathBuf {
    s.script(
        &format!("rec-{program}"),
        &format!(
            "own=$(tr '\\0' ' ' < /proc/$$/cmdline); parent=$(tr '\\0' ' ' < /proc/$PPID/cmdline)\n\
             printf 'own: %s\\n' \"$own\" >> '{log}'\n\
             printf 'parent: %s\\n' \"$parent\" >> '{log}'\n\
             exec '{real}' \"$@\"",
            log = log.display(),
            real = bin(program).display()
        ),
    )
}

struct Secrets {
    s3_access: String,
    s3_secret: String,
    zk_password: String,
}

impl Secrets {
    fn all(&self) -> Vec<String> {
        vec![
            self.s3_access.clone(),
            self.s3_secret.clone(),
            self.zk_password.clone(),
        ]
    }

    fn assert_absent(&self, what: &str, haystack: &str) {
        for (name, secret) in [
            ("S3 access key", &self.s3_access),
            ("S3 secret key", &self.s3_secret),
            ("ZooKeeper password", &self.zk_password),
        ] {
            assert!(
                !haystack.contains(secret.as_str()),
                "the {name} shows in {what}:\n{haystack}"
            );
        }
    }
}

/// A cluster on ZooKeeper (digest auth, creator-world-read ACL) and S3, secrets in its config files.
fn secret_stand(root: &str, zk_password: &str) -> (Stand, Secrets) {
    let peer = s3();
    let s = Stand::builder()
        .uploader(Uploader::S3(S3Upload::new_bucket(&peer, "sec")))
        .state(
            State::zookeeper(&zk(), root)
                .setting(
                    "heron.statemgr.zookeeper.auth.digest",
                    format!("heron:{zk_password}"),
                )
                .setting("heron.statemgr.zookeeper.acl", "creator-world-read"),
        )
        .build();
    let secrets = Secrets {
        s3_access: peer.access_key,
        s3_secret: peer.secret_key,
        zk_password: zk_password.to_string(),
    };
    (s, secrets)
}

fn wrap_all(s: &Stand, cmd: &mut std::process::Command, log: &std::path::Path) {
    cmd.env(
        "HERON_UPLOADER_BIN",
        recording_wrapper(s, "heron-uploader", log),
    )
    .env(
        "HERON_STATEMGR_BIN",
        recording_wrapper(s, "heron-statemgr", log),
    )
    .env(
        "HERON_AURORA_RENDER_BIN",
        recording_wrapper(s, "heron-aurora-render", log),
    )
    .env("HERON_AURORA_BIN", recording_wrapper(s, "aurora", log));
}

#[test]
fn submit_and_kill_with_verbose_show_no_secret_anywhere() {
    let root = format!("/{}", unique_name("secrets"));
    let password = format!("ZkPw{}x{}", std::process::id(), unique_name("p").len());
    let (s, secrets) = secret_stand(&root, &password);
    let argv_log = s.dir.join("argv.log");
    let name = unique_name("Sec").replace('-', "_");
    let file = s.yaml_topology(&name);

    // Submit, with `aurora job create` slowed down so the sampler sees every stage alive.
    let (out, seen, leaks) = watch_argv(&secrets.all(), || {
        let mut cmd = s.heron(
            "submit",
            &["--verbose", &spec(), file.to_str().unwrap(), "-"],
        );
        wrap_all(&s, &mut cmd, &argv_log);
        cmd.env("AURORA_STANDIN_DELAY_MS", "create:1500");
        run(&mut cmd)
    });
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(leaks.is_empty(), "a secret in a process's argv: {leaks:#?}");
    assert!(
        seen.iter().any(|l| l.contains("job create")),
        "the sampler never saw `aurora job create` running: {seen:#?}"
    );
    secrets.assert_absent("heron submit --verbose stdout", &text(&out.stdout));
    secrets.assert_absent("heron submit --verbose stderr", &text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("\x1b["),
        "colour codes in heron submit --verbose written to a pipe: {:?}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("heron-uploader"),
        "--verbose shows no child command line: {}",
        text(&out.stderr)
    );

    // Kill, verbose too.
    let (out, _, leaks) = watch_argv(&secrets.all(), || {
        let mut cmd = s.heron("kill", &["--verbose", &spec(), &name]);
        wrap_all(&s, &mut cmd, &argv_log);
        run(&mut cmd)
    });
    assert_eq!(code(&out), 0, "{}", describe(&out));
    assert!(leaks.is_empty(), "a secret in a process's argv: {leaks:#?}");
    secrets.assert_absent("heron kill --verbose output", &describe(&out));

    // Every stage recorded its argv and heron's.
    let log = std::fs::read_to_string(&argv_log).unwrap();
    for program in [
        "heron-uploader",
        "heron-statemgr",
        "heron-aurora-render",
        "aurora",
    ] {
        assert!(
            log.contains(&format!("rec-{program}")),
            "{program} never ran: {log}"
        );
    }
    secrets.assert_absent("the stages' argv (and heron's)", &log);
    // The stand-in's call log and the job file Aurora got.
    let calls = std::fs::read_to_string(s.aurora_state.join("calls.log")).unwrap_or_default();
    assert!(!calls.is_empty());
    secrets.assert_absent("the aurora call log", &calls);
    for entry in files_under(&s.aurora_state) {
        secrets.assert_absent(
            &entry.display().to_string(),
            &String::from_utf8_lossy(&std::fs::read(&entry).unwrap()),
        );
    }
}

#[test]
fn children_of_a_hung_submit_carry_no_secret_in_argv() {
    let root = format!("/{}", unique_name("sechang"));
    let (s, secrets) = secret_stand(&root, "HangPw-5c1e7a");
    let name = unique_name("SecHang").replace('-', "_");
    let file = s.yaml_topology(&name);
    let (out, seen, leaks) = watch_argv(&secrets.all(), || {
        let mut cmd = s.heron(
            "submit",
            &[
                "--verbose",
                "--config-property",
                "heron.cli.aurora.timeout.secs=3",
                &spec(),
                file.to_str().unwrap(),
                "-",
            ],
        );
        cmd.env("AURORA_STANDIN_HANG", "create");
        run(&mut cmd)
    });
    assert_eq!(code(&out), 5, "{}", describe(&out));
    assert!(
        seen.iter().any(|l| l.contains("job create")),
        "the hung aurora was never seen: {seen:#?}"
    );
    assert!(leaks.is_empty(), "a secret in a process's argv: {leaks:#?}");
    secrets.assert_absent("the output of a timed-out submit", &describe(&out));
}

#[test]
fn secrets_given_with_config_property_stay_off_the_stages_argv_and_output() {
    // Docs say not to, but a user may: heron must still keep it off its children's command lines.
    let root = format!("/{}", unique_name("secprop"));
    let (s, secrets) = secret_stand(&root, "PropPw-91f0");
    let argv_log = s.dir.join("argv.log");
    let name = unique_name("SecProp").replace('-', "_");
    let file = s.yaml_topology(&name);
    let prop = format!("heron.uploader.s3.secret_key={}", secrets.s3_secret);
    let mut cmd = s.heron(
        "submit",
        &[
            "--verbose",
            "--config-property",
            &prop,
            &spec(),
            file.to_str().unwrap(),
            "-",
        ],
    );
    wrap_all(&s, &mut cmd, &argv_log);
    let out = run_expect(&mut cmd, 0);
    secrets.assert_absent("heron --verbose output", &describe(&out));
    // The stages' own argv; heron's (the `parent: ` lines) is the user's choice.
    let log = std::fs::read_to_string(&argv_log).unwrap();
    let own: String = log
        .lines()
        .filter(|l| l.starts_with("own: "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(own.contains("rec-heron-uploader"), "{log}");
    secrets.assert_absent("the stages' argv", &own);
    s.kill(&name);
}

#[test]
fn wrong_or_unreachable_credentials_fail_without_echoing_them() {
    let peer = s3();
    let dir = heron_tests::TestDir::new();
    let conf = dir.join("conf");
    std::fs::create_dir_all(conf.join(CLUSTER)).unwrap();
    let wrong_secret = "WrongSecret-d41d8cd98f00b204";
    let zk_password = "WrongZkPw-0cc175b9c0f1b6a8";
    let stage = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = bin_command(args[0]);
        c.arg("--config-path")
            .arg(&conf)
            .args([
                "--cluster",
                CLUSTER,
                "--role",
                ROLE,
                "--environ",
                ENV,
                "--verbose",
            ])
            .args(&args[1..]);
        for (k, v) in env {
            c.env(k, v);
        }
        run(&mut c)
    };
    let package = dir.write("p.tar.gz", b"package bytes");
    let package = package.to_str().unwrap();
    let root = format!("/{}", unique_name("secwrong"));
    // (what, config file text, stage argv, environment, expected exit code)
    type Case<'a> = (&'a str, String, Vec<&'a str>, Vec<(&'a str, &'a str)>, i32);
    let cases: Vec<Case> = vec![
        (
            "S3 with a wrong secret key",
            format!(
                "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
                 heron.uploader.s3.bucket: secwrong\n\
                 heron.uploader.s3.uri: {}\n\
                 heron.uploader.s3.access_key: {}\n\
                 heron.uploader.s3.secret_key: {wrong_secret}\n\
                 heron.uploader.s3.max.attempts: 1\n",
                peer.endpoint, peer.access_key
            ),
            vec!["heron-uploader", "upload", "--topology", "wc", package],
            vec![],
            6,
        ),
        (
            "S3 unreachable",
            format!(
                "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
                 heron.uploader.s3.bucket: secwrong\n\
                 heron.uploader.s3.uri: http://127.0.0.1:1\n\
                 heron.uploader.s3.access_key: AKIDUNREACH123\n\
                 heron.uploader.s3.secret_key: {wrong_secret}\n\
                 heron.uploader.s3.max.attempts: 1\n"
            ),
            vec!["heron-uploader", "upload", "--topology", "wc", package],
            vec![],
            5,
        ),
        (
            "S3 keys from the environment, unreachable",
            "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
             heron.uploader.s3.bucket: secwrong\n\
             heron.uploader.s3.uri: http://127.0.0.1:1\n\
             heron.uploader.s3.max.attempts: 1\n"
                .to_string(),
            vec!["heron-uploader", "upload", "--topology", "wc", package],
            vec![
                ("AWS_ACCESS_KEY_ID", "AKIDUNREACH123"),
                ("AWS_SECRET_ACCESS_KEY", wrong_secret),
            ],
            5,
        ),
        (
            "ZooKeeper unreachable, digest in the config",
            format!(
                "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
                 heron.statemgr.connection.string: 127.0.0.1:1\n\
                 heron.statemgr.root.path: {root}\n\
                 heron.statemgr.zookeeper.connection.timeout.ms: 1000\n\
                 heron.statemgr.zookeeper.auth.digest: heron:{zk_password}\n"
            ),
            vec!["heron-statemgr", "exists", "topologies", "wc"],
            vec![],
            5,
        ),
        (
            "ZooKeeper unreachable, digest in HERON_ZK_AUTH",
            format!(
                "heron.class.state.manager: org.apache.heron.statemgr.zookeeper.curator.CuratorStateManager\n\
                 heron.statemgr.connection.string: 127.0.0.1:1\n\
                 heron.statemgr.root.path: {root}\n\
                 heron.statemgr.zookeeper.connection.timeout.ms: 1000\n"
            ),
            vec!["heron-statemgr", "exists", "topologies", "wc"],
            vec![("HERON_ZK_AUTH", "heron:WrongZkPw-0cc175b9c0f1b6a8")],
            5,
        ),
    ];
    let secrets = Secrets {
        s3_access: "AKIDUNREACH123".to_string(),
        s3_secret: wrong_secret.to_string(),
        zk_password: zk_password.to_string(),
    };
    for (what, yaml, args, env, want) in cases {
        let file = if args[0] == "heron-uploader" {
            "uploader.yaml"
        } else {
            "statemgr.yaml"
        };
        std::fs::write(conf.join(CLUSTER).join(file), yaml).unwrap();
        let (out, _, leaks) = watch_argv(&secrets.all(), || stage(&args, &env));
        assert_eq!(code(&out), want, "{what}: {}", describe(&out));
        assert!(leaks.is_empty(), "{what}: {leaks:#?}");
        secrets.assert_absent(what, &describe(&out));
        // stderr is a pipe here, not a terminal: the --verbose log must be plain text.
        let err = text(&out.stderr);
        assert!(
            err.contains("DEBUG") || err.contains("INFO"),
            "{what}: no --verbose log to check: {err}"
        );
        assert!(
            !err.contains("\x1b["),
            "{what}: colour codes in a --verbose log written to a pipe: {err:?}"
        );
    }
}

#[test]
fn a_wrong_zookeeper_password_is_denied_without_echoing_it() {
    let root = format!("/{}", unique_name("secdeny"));
    let (s, secrets) = secret_stand(&root, "RightPw-7b8b965ad4bc");
    let name = unique_name("SecDeny").replace('-', "_");
    s.submit_yaml(&name);
    let wrong = "WrongPw-e4da3b7fbbce2345";
    let (out, _, leaks) = watch_argv(&[wrong.to_string()], || {
        let mut cmd = s.heron("kill", &["--verbose", &spec(), &name]);
        cmd.env("HERON_ZK_AUTH", format!("heron:{wrong}"));
        // The config key wins over HERON_ZK_AUTH: drop it from the config for this run.
        let conf = s.conf.join(CLUSTER).join("statemgr.yaml");
        let yaml = std::fs::read_to_string(&conf).unwrap();
        std::fs::write(
            &conf,
            yaml.lines()
                .filter(|l| !l.contains("auth.digest"))
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        )
        .unwrap();
        let out = run(&mut cmd);
        std::fs::write(&conf, yaml).unwrap();
        out
    });
    assert_eq!(code(&out), 6, "{}", describe(&out));
    assert!(leaks.is_empty(), "{leaks:#?}");
    let all = describe(&out);
    assert!(!all.contains(wrong), "the wrong password shows: {all}");
    secrets.assert_absent("a denied kill", &all);
    // The right credentials still clean up.
    s.kill(&name);
}

/// The package carries `heron-conf/` = the cluster's conf folder (as Heron's does), but not the S3
/// keys or the ZooKeeper password kept in `uploader.yaml` / `statemgr.yaml`: it is fetched onto
/// every Aurora host, and Heron's runtime needs neither (docs/cli.md, Package).
#[test]
fn secrets_in_the_cluster_config_stay_out_of_the_uploaded_package() {
    let root = format!("/{}", unique_name("secpkg"));
    let (s, secrets) = secret_stand(&root, "PkgPw-1f3870be274f6c49");
    let name = unique_name("SecPkg").replace('-', "_");
    s.submit_yaml(&name);
    let peer = s3();
    let package = files_under(&peer.dir)
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&name) && p.to_string_lossy().ends_with(".tar.gz"))
        .unwrap_or_else(|| panic!("no package of {name} under {}", peer.dir.display()));
    let listing = run(std::process::Command::new("tar")
        .arg("xzf")
        .arg(&package)
        .arg("-O"));
    assert!(listing.status.success(), "{}", describe(&listing));
    let contents = String::from_utf8_lossy(&listing.stdout);
    secrets.assert_absent("the uploaded package", &contents);
    // The rest of the two files travels unchanged, and each secret's line says where it went.
    for kept in [
        "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n".to_string(),
        format!("heron.statemgr.root.path: {root}\n"),
        "heron.statemgr.zookeeper.acl: creator-world-read\n".to_string(),
        "# heron.uploader.s3.access_key: removed by heron (secret; not needed in the sandbox)\n"
            .to_string(),
        "# heron.uploader.s3.secret_key: removed by heron (secret; not needed in the sandbox)\n"
            .to_string(),
        "# heron.statemgr.zookeeper.auth.digest: removed by heron (secret; not needed in the sandbox)\n"
            .to_string(),
    ] {
        assert!(
            contents.contains(&kept),
            "the package lacks {kept:?}:\n{contents}"
        );
    }
    s.kill(&name);
}
