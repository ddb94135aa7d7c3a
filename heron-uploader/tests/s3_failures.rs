//! heron-uploader's S3 uploads that fail or are stopped (s3s-fs, started by scripts/services.sh):
//! an endpoint nobody listens on, `kill -9` and SIGTERM in the middle of a multipart upload.

mod common;
mod s3_support;

use std::time::Duration;

use common::*;
use heron_uploader::StatResult;
use s3_support::*;

#[test]
fn an_unreachable_endpoint_gives_exit_5() {
    let c = Cluster::new(
        "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
         heron.uploader.s3.bucket: some-bucket\n\
         heron.uploader.s3.uri: http://127.0.0.1:1\n\
         heron.uploader.s3.access_key: AK\n\
         heron.uploader.s3.secret_key: SK-not-printed\n\
         heron.uploader.s3.max.attempts: 2\n",
    );
    let out = run(c.cmd("upload", "wc").arg(c.package("p", b"data")));
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot reach S3 at http://127.0.0.1:1"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("SK-not-printed"));
}

#[test]
fn kill_9_during_a_multipart_upload_leaves_the_previous_package_intact() {
    let t = S3Case::new("kill", "");
    let v1 = bytes(500_000, 50);
    t.cluster.upload("v1", &v1);
    // 20 MiB in and stdin still open: parts are going out, the upload cannot complete.
    let uploads_before = multipart_uploads(&t.env);
    let (mut child, stdin) =
        start_stdin_upload(t.cluster.cmd("upload", "wc").arg("-"), &bytes(20 << 20, 51));
    wait_for_stalled_upload(&t.env, &uploads_before);
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(
        t.read("topology.tar.gz").unwrap() == v1,
        "the package under the final key changed"
    );
    // And it is still served: stat through the S3 API.
    let st: StatResult = t.cluster.stat_json();
    assert_eq!(st.size, v1.len() as u64);
    assert_eq!(st.sha256.as_deref(), Some(sha256_hex(&v1).as_str()));
}

#[test]
fn sigterm_aborts_the_multipart_upload_and_exits_130() {
    let t = S3Case::new("term", "");
    let v1 = bytes(400_000, 60);
    t.cluster.upload("v1", &v1);
    let uploads_before = multipart_uploads(&t.env);
    let (child, stdin) = start_stdin_upload(
        t.cluster.cmd("upload", "wc").args(["-", "--verbose"]),
        &bytes(20 << 20, 61),
    );
    wait_for_stalled_upload(&t.env, &uploads_before);
    sigterm(&child);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 130, "{stderr}");
    assert!(
        stderr.contains("aborted multipart upload"),
        "the multipart upload is aborted: {stderr}"
    );
    assert!(t.read("topology.tar.gz").unwrap() == v1);
}

/// Unfinished multipart uploads s3s-fs holds, with their part counts (it keeps each part as
/// `DIR/.upload_id-<id>.part-<n>`, for every bucket in one folder).
fn multipart_uploads(env: &S3Env) -> std::collections::HashMap<String, usize> {
    let mut uploads = std::collections::HashMap::new();
    for name in files_containing(&env.dir, ".part-") {
        if let Some((id, _)) = name.rsplit_once(".part-") {
            *uploads.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    uploads
}

/// Waits until a multipart upload begun after `before` has sent two parts and sends no more: the
/// stdin upload under test, which holds its third part until stdin closes. Other tests share the
/// server and run at the same time (the 1 GiB one keeps several parts in flight), so counting all
/// part files, or taking a new upload that is still growing, would pick theirs.
fn wait_for_stalled_upload(env: &S3Env, before: &std::collections::HashMap<String, usize>) {
    let mut last: Option<(String, usize)> = None;
    let mut stable_since = std::time::Instant::now();
    wait_for(
        "two parts of the stdin upload on the server",
        Duration::from_secs(30),
        || {
            let now = multipart_uploads(env);
            let ours = now
                .into_iter()
                .filter(|(id, n)| !before.contains_key(id) && *n >= 2)
                .find(|(id, _)| last.as_ref().is_none_or(|(l, _)| l == id));
            match (ours, &last) {
                (Some(now), Some(seen)) if &now == seen => {
                    stable_since.elapsed() >= Duration::from_millis(400)
                }
                (now, _) => {
                    last = now;
                    stable_since = std::time::Instant::now();
                    false
                }
            }
        },
    );
}
