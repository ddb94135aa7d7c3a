//! heron-uploader on the local file system, through the built binary.

mod common;

use std::time::Duration;

use common::*;
use heron_common::contract::{UndoResult, UploadResult};
use heron_uploader::{DeleteResult, StatResult};

fn localfs_cluster() -> Cluster {
    let c = Cluster::new("");
    let yaml = format!(
        "heron.class.uploader: org.apache.heron.uploader.localfs.LocalFileSystemUploader\n\
         heron.uploader.localfs.file.system.directory: {}/repo/${{CLUSTER}}/${{ROLE}}/${{TOPOLOGY}}\n",
        c.tmp.path().display()
    );
    std::fs::write(c.conf.join(&c.name).join("uploader.yaml"), yaml).unwrap();
    c
}

fn dest_dir(c: &Cluster) -> std::path::PathBuf {
    c.path("repo/testcluster/ads/wc")
}

#[test]
fn upload_prints_one_uri_and_stores_the_package_under_herons_name() {
    let c = localfs_cluster();
    let body = bytes(100_000, 1);
    let pkg = c.package("topology.tar.gz", &body);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pkg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run_ok(c.cmd("upload", "wc").arg(&pkg));
    let dest = dest_dir(&c).join("wc-ads-tag-0.tar.gz");
    assert_eq!(out, format!("file://{}\n", dest.display()));
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    // Readable by the sandbox's user even though the source was private.
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o644
    );
    // No temp files left behind.
    assert!(files_containing(&dest_dir(&c), ".tmp-").is_empty());
}

#[test]
fn json_reports_size_sha256_and_skips_an_identical_package_unless_forced() {
    let c = localfs_cluster();
    let body = bytes(50_000, 2);
    let pkg = c.package("p.tar.gz", &body);
    let first: UploadResult = c.upload_json(&pkg);
    assert_eq!(first.size, 50_000);
    assert_eq!(first.sha256, sha256_hex(&body));
    assert_eq!(first.backend, "localfs");
    assert!(first.uploaded);
    let again: UploadResult = c.upload_json(&pkg);
    assert!(!again.uploaded);
    assert_eq!(again.sha256, first.sha256);
    assert_eq!(again.uri, first.uri);
    let forced: UploadResult = serde_json::from_str(&run_ok(
        c.cmd("upload", "wc")
            .arg(&pkg)
            .args(["--force", "--format", "json"]),
    ))
    .unwrap();
    assert!(forced.uploaded);
}

#[test]
fn text_output_spares_the_digest_and_still_recognises_an_identical_package() {
    let c = localfs_cluster();
    let body = bytes(300_000, 6);
    let pkg = c.package("p.tar.gz", &body);
    let dest = dest_dir(&c).join("wc-ads-tag-0.tar.gz");
    run_ok(c.cmd("upload", "wc").arg(&pkg));
    let side = std::fs::read_to_string(dest_dir(&c).join("wc-ads-tag-0.tar.gz.sha256")).unwrap();
    assert!(!side.contains("sha256"), "{side}");
    let stat = run_ok(&mut c.cmd("stat", "wc"));
    assert!(stat.contains("sha256: unknown"), "{stat}");
    // The same bytes again, as a file and from stdin: nothing is written.
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&dest).unwrap());
    for stdin in [false, true] {
        let mut cmd = c.cmd("upload", "wc");
        let out = if stdin {
            cmd.arg("-");
            run_stdin(&mut cmd, &body)
        } else {
            run(cmd.arg(&pkg))
        };
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("identical package"),
            "stdin {stdin}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), format!("file://{}\n", dest.display()));
        assert_eq!(
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&dest).unwrap()),
            inode
        );
    }
    // Same size, other bytes: uploaded, and a conditional undo by its sha256 (hashed then)
    // restores the first package.
    let mut other = body.clone();
    other[150_000] ^= 1;
    run_stdin_ok(c.cmd("upload", "wc").arg("-"), &other);
    assert_eq!(std::fs::read(&dest).unwrap(), other);
    assert_eq!(
        run_ok(
            c.cmd("undo", "wc")
                .args(["--if-sha256", &sha256_hex(&body)])
        ),
        format!("kept file://{}\n", dest.display())
    );
    assert_eq!(
        run_ok(
            c.cmd("undo", "wc")
                .args(["--if-sha256", &sha256_hex(&other)])
        ),
        format!("restored file://{}\n", dest.display())
    );
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn nothing_on_stderr_for_a_large_upload_on_a_pipe() {
    let c = localfs_cluster();
    let out = run(c
        .cmd("upload", "wc")
        .arg(c.package("big", &bytes(40 << 20, 5))));
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "no progress bar on a pipe: {:?}",
        text(&out.stderr)
    );
}

#[test]
fn role_defaults_to_the_user() {
    let c = localfs_cluster();
    let mut cmd = uploader();
    cmd.args(["upload", "--topology", "wc", "--cluster", &c.name])
        .arg("--config-path")
        .arg(&c.conf)
        .arg(c.package("p", b"pkg"))
        .env("USER", "someone");
    let out = run_ok(&mut cmd);
    assert!(
        out.trim_end()
            .ends_with("/repo/testcluster/someone/wc/wc-someone-tag-0.tar.gz"),
        "{out}"
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let c = localfs_cluster();
    let body = bytes(3 << 20, 3);
    let out = run_stdin_ok(c.cmd("upload", "wc").args(["--format", "json", "-"]), &body);
    let r: UploadResult = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r.size, r.sha256.as_str()),
        (body.len() as u64, sha256_hex(&body).as_str())
    );
    assert_eq!(
        std::fs::read(dest_dir(&c).join("wc-ads-tag-0.tar.gz")).unwrap(),
        body
    );
    // The same bytes again from stdin: recognised as identical.
    let again: UploadResult = c.upload_stdin_json(&body);
    assert!(!again.uploaded);
}

#[test]
fn undo_if_sha256_acts_only_on_the_callers_own_package() {
    let c = localfs_cluster();
    let mine = bytes(10_000, 20);
    let theirs = bytes(10_000, 21); // same size: only the sha256 tells them apart
    let dest = dest_dir(&c).join("wc-ads-tag-0.tar.gz");
    let previous = dest_dir(&c).join("wc-ads-tag-0.tar.gz.previous");
    c.upload("mine", &mine);
    c.upload("theirs", &theirs);

    // Someone else's package is there (ours is its previous copy): nothing may change.
    let kept: UndoResult = serde_json::from_str(&run_ok(c.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&mine),
    ])))
    .unwrap();
    assert_eq!(kept.action, "kept");
    assert_eq!(std::fs::read(&dest).unwrap(), theirs);
    assert_eq!(std::fs::read(&previous).unwrap(), mine);
    assert_eq!(
        run_ok(
            c.cmd("undo", "wc")
                .args(["--if-sha256", &sha256_hex(&mine)])
        ),
        format!("kept file://{}\n", dest.display())
    );

    // Ours is there: undo restores what it replaced.
    let restored: UndoResult = serde_json::from_str(&run_ok(c.cmd("undo", "wc").args([
        "--format",
        "json",
        "--if-sha256",
        &sha256_hex(&theirs),
    ])))
    .unwrap();
    assert_eq!(restored.action, "restored");
    assert_eq!(std::fs::read(&dest).unwrap(), mine);

    let out = run(c.cmd("undo", "wc").args(["--if-sha256", "abc"]));
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("64 hex digits"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&dest).unwrap(), mine);
}

#[test]
fn undo_restores_the_previous_package_then_deletes_then_does_nothing() {
    let c = localfs_cluster();
    let v1 = bytes(10_000, 10);
    let v2 = bytes(12_000, 11);
    let dest = dest_dir(&c).join("wc-ads-tag-0.tar.gz");
    c.upload("v1", &v1);
    c.upload("v2", &v2);
    assert_eq!(std::fs::read(&dest).unwrap(), v2);

    let undo: UndoResult = c.undo_json();
    assert_eq!(undo.action, "restored");
    assert_eq!(undo.uri, format!("file://{}", dest.display()));
    assert_eq!(std::fs::read(&dest).unwrap(), v1);
    let stat: StatResult = c.stat_json();
    // Uploaded with text output: no digest was computed, so none is reported.
    assert_eq!(stat.sha256, None);
    assert_eq!(stat.size, v1.len() as u64);
    assert_eq!(stat.previous, None);

    assert_eq!(
        run_ok(&mut c.cmd("undo", "wc")),
        format!("deleted file://{}\n", dest.display())
    );
    assert!(!dest.exists());
    let nothing: UndoResult = c.undo_json();
    assert_eq!(nothing.action, "nothing");
    let out = run(&mut c.cmd("stat", "wc"));
    assert_eq!(
        code(&out),
        3,
        "stat of a missing package: {}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn stat_and_delete() {
    let c = localfs_cluster();
    let v1 = bytes(1000, 20);
    let v2 = bytes(2000, 21);
    c.upload("v1", &v1);
    run_ok(
        c.cmd("upload", "wc")
            .arg(c.package("v2", &v2))
            .args(["--format", "json"]),
    );
    let stat: StatResult = c.stat_json();
    assert_eq!(stat.size, 2000);
    assert_eq!(stat.backend, "localfs");
    assert_eq!(stat.sha256.as_deref(), Some(sha256_hex(&v2).as_str()));
    assert_eq!(stat.previous.as_ref().map(|p| p.size), Some(1000));
    let deleted: DeleteResult =
        serde_json::from_str(&run_ok(c.cmd("delete", "wc").args(["--format", "json"]))).unwrap();
    assert_eq!(deleted.deleted.len(), 2);
    assert_eq!(
        std::fs::read_dir(dest_dir(&c)).unwrap().count(),
        0,
        "every file of the topology is gone"
    );
    let out = run(&mut c.cmd("delete", "wc"));
    assert_eq!(code(&out), 3);
    assert!(
        text(&out.stderr).contains("no package at file://"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_input_gives_clear_errors_and_exit_codes() {
    let c = localfs_cluster();
    // No --cluster.
    let out = run(uploader().args(["upload", "--topology", "wc", "x"]));
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--cluster"),
        "{}",
        text(&out.stderr)
    );
    // Missing package file.
    let missing = c.path("nope.tar.gz");
    let out = run(c.cmd("upload", "wc").arg(&missing));
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).starts_with("error: "));
    assert!(
        text(&out.stderr).contains("nope.tar.gz"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // An empty package, as a file or on stdin: refused, nothing left behind.
    let out = run(c.cmd("upload", "wc").arg(c.package("empty", b"")));
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let out = run(c.cmd("upload", "wc").arg("-"));
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("empty"), "{}", text(&out.stderr));
    assert!(files_containing(&dest_dir(&c), "wc-ads").is_empty());
    // A topology name that would escape the directory.
    let out = run(c.cmd("upload", "../x").arg(c.package("p", b"x")));
    assert_eq!(code(&out), 2);
    // An uploader we do not have.
    std::fs::write(
        c.conf.join(&c.name).join("uploader.yaml"),
        "heron.class.uploader: org.apache.heron.uploader.scp.ScpUploader\n",
    )
    .unwrap();
    let out = run(c.cmd("upload", "wc").arg(c.package("p", b"x")));
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("heron.class.uploader"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("which this tool does not support"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_secret_on_the_command_line_is_refused_and_not_echoed() {
    let c = localfs_cluster();
    let out = run(c
        .cmd("upload", "wc")
        .args([
            "--config-property",
            "heron.uploader.s3.secret_key=SuperSecret123=x",
        ])
        .arg(c.package("p", b"x")));
    assert_eq!(code(&out), 2);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(!all.contains("SuperSecret123"), "{all}");
    assert!(all.contains("heron.uploader.s3.secret_key"), "{all}");
}

#[test]
fn kill_9_during_an_upload_leaves_the_previous_package_intact() {
    let c = localfs_cluster();
    let v1 = bytes(200_000, 30);
    c.upload("v1", &v1);
    let dir = dest_dir(&c);
    let (mut child, stdin) =
        start_stdin_upload(c.cmd("upload", "wc").arg("-"), &bytes(4 << 20, 31));
    wait_for("the temp file", Duration::from_secs(20), || {
        !files_containing(&dir, ".tmp-").is_empty()
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(
        std::fs::read(dir.join("wc-ads-tag-0.tar.gz")).unwrap(),
        v1,
        "the old package is intact"
    );
    // The next upload works and clears the dead upload's temp file.
    let v2 = bytes(1000, 32);
    c.upload("v2", &v2);
    assert_eq!(std::fs::read(dir.join("wc-ads-tag-0.tar.gz")).unwrap(), v2);
    assert!(
        files_containing(&dir, ".tmp-").is_empty(),
        "{:?}",
        files_containing(&dir, ".tmp-")
    );
}

#[test]
fn sigterm_during_an_upload_exits_130_and_removes_the_temp_file() {
    let c = localfs_cluster();
    let v1 = bytes(200_000, 40);
    c.upload("v1", &v1);
    let dir = dest_dir(&c);
    let (child, stdin) = start_stdin_upload(c.cmd("upload", "wc").arg("-"), &bytes(2 << 20, 41));
    wait_for("the temp file", Duration::from_secs(20), || {
        !files_containing(&dir, ".tmp-").is_empty()
    });
    sigterm(&child);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(code(&out), 130, "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("interrupted"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(files_containing(&dir, ".tmp-").is_empty());
    assert_eq!(std::fs::read(dir.join("wc-ads-tag-0.tar.gz")).unwrap(), v1);
}

#[test]
fn one_gib_upload_stays_under_150_mb_of_memory() {
    let c = localfs_cluster();
    let pkg = c.path("big.tar.gz");
    let size = sparse_gib(&pkg);
    let mut cmd = c.cmd("upload", "wc");
    cmd.arg(&pkg).args(["--format", "json"]);
    let (out, rss) = run_measuring_rss(&cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: UploadResult = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(r.size, size);
    assert_eq!(
        std::fs::metadata(dest_dir(&c).join("wc-ads-tag-0.tar.gz"))
            .unwrap()
            .len(),
        size
    );
    assert!(rss < 150 << 20, "peak RSS {} MB", rss >> 20);
    // Stdin goes through our own buffers rather than the kernel's copy: measure that too.
    let mut cmd = c.cmd("upload", "wc");
    cmd.args(["--force", "-"]);
    let (out, rss) = run_measuring_rss_with_stdin(&cmd, &pkg);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(rss < 150 << 20, "peak RSS from stdin {} MB", rss >> 20);
}

fn run_measuring_rss_with_stdin(
    cmd: &std::process::Command,
    input: &std::path::Path,
) -> (std::process::Output, u64) {
    // /usr/bin/time passes its stdin to the child: run it through sh with a redirect.
    let mut line = String::from("exec /usr/bin/time -f %M -o \"$0\"");
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut args = vec![
        report.path().display().to_string(),
        cmd.get_program().to_string_lossy().to_string(),
    ];
    line.push_str(" \"$1\"");
    for (i, a) in cmd.get_args().enumerate() {
        line.push_str(&format!(" \"${{{}}}\"", i + 2));
        args.push(a.to_string_lossy().to_string());
    }
    line.push_str(&format!(" < '{}'", input.display()));
    let out = run(std::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .args(&args)
        .env_remove("RUST_BACKTRACE"));
    let kb: u64 = std::fs::read_to_string(report.path())
        .unwrap()
        .trim()
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (out, kb * 1024)
}
