//! The current user as Heron's CLI finds it with Python's `getpass.getuser()`: the first of
//! `LOGNAME`, `USER`, `LNAME`, `USERNAME` that is set and not empty, else the password database's
//! name for the process's uid. Containers and CI runners often set none of the four; `heron` must
//! still fill the role of `local` (no `/role`) and the submit user.

use std::process::{Command, Output};

use heron_tests::{TestDir, bin_command, repo_root};

const USER_VARS: [&str; 4] = ["LOGNAME", "USER", "LNAME", "USERNAME"];

/// `heron submit --dry-run local examples/word-count.yaml -` with an empty HOME (the built-in
/// `local` cluster) and the user variables as given (`None` = unset).
fn dry_run_local(home: &TestDir, vars: [(&str, Option<&str>); 4]) -> Output {
    let mut cmd = bin_command("heron");
    cmd.current_dir(repo_root())
        .env("HOME", home.path())
        .env("NO_COLOR", "1")
        .args([
            "submit",
            "--dry-run",
            "local",
            "examples/word-count.yaml",
            "-",
        ]);
    for (name, value) in vars {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    cmd.output().expect("heron runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The passwd name of this process's uid, as `id -un` prints it (NSS included).
fn passwd_name() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    assert!(out.status.success(), "id -un failed: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// The role in the rendered Aurora job of a dry run (`role = 'NAME',` in the built-in template).
fn job_role(out: &Output) -> String {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "dry run failed ({:?}):\n{}\n{stdout}",
        out.status.code(),
        text(&out.stderr)
    );
    let line = stdout
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("role = "))
        .unwrap_or_else(|| panic!("no `role = ` line in the dry run:\n{stdout}"));
    line.trim_start_matches("role = ")
        .trim_end_matches(',')
        .trim_matches('\'')
        .to_string()
}

#[test]
fn with_no_user_variable_the_role_is_the_password_databases_name() {
    let home = TestDir::new();
    let out = dry_run_local(&home, USER_VARS.map(|v| (v, None)));
    assert_eq!(job_role(&out), passwd_name());
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("user is unknown"), "{stderr}");
}

#[test]
fn empty_variables_are_skipped_and_the_first_set_one_wins() {
    let home = TestDir::new();
    let out = dry_run_local(
        &home,
        [
            ("LOGNAME", Some("")),
            ("USER", None),
            ("LNAME", Some("lname-user")),
            ("USERNAME", Some("username-user")),
        ],
    );
    assert_eq!(job_role(&out), "lname-user");
    let out = dry_run_local(
        &home,
        [
            ("LOGNAME", Some("logname-user")),
            ("USER", Some("user-user")),
            ("LNAME", None),
            ("USERNAME", None),
        ],
    );
    assert_eq!(job_role(&out), "logname-user");
}
