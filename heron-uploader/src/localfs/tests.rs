//! The local backend: upload, skip, previous copy, undo (conditional too), delete, leftovers of
//! killed uploads, concurrent uploads, stale side files.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::LocalFs;
use crate::UploadOptions;
use crate::cleanup::Cleanup;
use crate::settings::LocalFsSettings;
use crate::source::{Input, Progress};

fn backend(dir: &Path) -> LocalFs {
    LocalFs::new(
        &LocalFsSettings {
            directory: dir.join("pkgs"),
            fsync: true,
        },
        "wc",
        "ads",
        Cleanup::new(),
    )
}

/// As `--format json` uploads: the sha256 is computed.
fn digest() -> UploadOptions {
    UploadOptions {
        digest: true,
        ..UploadOptions::default()
    }
}

fn side_file(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("pkgs/wc-ads-tag-0.tar.gz.sha256")).unwrap()).unwrap()
}

fn file(dir: &Path, name: &str, body: &[u8]) -> Input {
    let p = dir.join(name);
    fs::write(&p, body).unwrap();
    Input::open(p.to_str().unwrap()).unwrap()
}

#[tokio::test]
async fn upload_skip_previous_undo_delete() {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
    let one = file(d.path(), "one", b"version one");
    let r = b.upload(&one, digest(), &Progress::hidden()).await.unwrap();
    assert!(r.uploaded);
    assert_eq!(r.uri, format!("file://{}", final_path.display()));
    assert_eq!(
        r.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(b"version one")).as_str())
    );
    assert_eq!(fs::read(&final_path).unwrap(), b"version one");

    let again = b.upload(&one, digest(), &Progress::hidden()).await.unwrap();
    assert!(!again.uploaded);
    let forced = b
        .upload(
            &one,
            UploadOptions {
                force: true,
                ..digest()
            },
            &Progress::hidden(),
        )
        .await
        .unwrap();
    assert!(forced.uploaded);

    let two = file(d.path(), "two", b"version two");
    assert!(
        b.upload(&two, digest(), &Progress::hidden())
            .await
            .unwrap()
            .uploaded
    );
    assert_eq!(fs::read(&final_path).unwrap(), b"version two");
    let st = b.stat().await.unwrap();
    assert_eq!(st.size, 11);
    assert_eq!(
        st.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(b"version two")).as_str())
    );
    assert_eq!(st.previous.as_ref().map(|p| p.size), Some(11));

    let u = b.undo(None).await.unwrap();
    assert_eq!(u.action, "restored");
    assert_eq!(fs::read(&final_path).unwrap(), b"version one");
    // The restored package's checksum is known again, so re-uploading it is skipped.
    assert!(
        !b.upload(&one, digest(), &Progress::hidden())
            .await
            .unwrap()
            .uploaded
    );
    assert_eq!(b.undo(None).await.unwrap().action, "deleted");
    assert!(!final_path.exists());
    assert_eq!(b.undo(None).await.unwrap().action, "nothing");
    assert_eq!(
        b.stat().await.unwrap_err().exit_code(),
        heron_common::ExitCode::NotFound
    );
    assert_eq!(
        b.delete().await.unwrap_err().exit_code(),
        heron_common::ExitCode::NotFound
    );

    b.upload(&one, digest(), &Progress::hidden()).await.unwrap();
    b.upload(&two, digest(), &Progress::hidden()).await.unwrap();
    assert_eq!(b.delete().await.unwrap().deleted.len(), 2);
    // Only temp-free, expected files remain: nothing.
    assert_eq!(fs::read_dir(d.path().join("pkgs")).unwrap().count(), 0);
}

fn sha(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

#[tokio::test]
async fn conditional_undo_touches_only_its_own_package() {
    // With the digest recorded (`--format json` uploads) and without it (the undo hashes).
    for options in [UploadOptions::default(), digest()] {
        conditional_undo(options).await;
    }
}

async fn conditional_undo(options: UploadOptions) {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
    let previous = d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous");
    // The loser uploads first, the winner replaces it (the loser's becomes `.previous`).
    let loser = file(d.path(), "loser", b"loser pkg");
    let winner = file(d.path(), "winner", b"winnerpkg"); // same size
    b.upload(&loser, options, &Progress::hidden())
        .await
        .unwrap();
    b.upload(&winner, options, &Progress::hidden())
        .await
        .unwrap();
    assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");
    // The loser's undo must neither resurrect its own package nor drop the winner's.
    let u = b.undo(Some(sha(b"loser pkg"))).await.unwrap();
    assert_eq!(u.action, "kept");
    assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
    assert_eq!(fs::read(&previous).unwrap(), b"loser pkg");

    // Other order: the winner's is `.previous` and the loser's undo restores it.
    b.upload(&loser, options, &Progress::hidden())
        .await
        .unwrap();
    let u = b
        .undo(Some(sha(b"loser pkg").to_uppercase()))
        .await
        .unwrap();
    assert_eq!(u.action, "restored");
    assert_eq!(fs::read(&final_path).unwrap(), b"winnerpkg");
    let restored_sha = b.stat().await.unwrap().sha256;
    if options.digest {
        assert_eq!(restored_sha.as_deref(), Some(sha(b"winnerpkg").as_str()));
    } else {
        assert_eq!(restored_sha, None, "no digest was computed for it");
    }
    // A package changed behind our back is never ours, even with our bytes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(&final_path, b"loser pkg").unwrap();
    let u = b.undo(Some(sha(b"loser pkg"))).await.unwrap();
    assert_eq!(u.action, "kept");
    assert_eq!(fs::read(&final_path).unwrap(), b"loser pkg");
}

#[tokio::test]
async fn undo_and_delete_remove_a_killed_uploads_temp_file() {
    // A killed upload (SIGKILL, its writer perhaps still a zombie) leaves its temp file
    // behind with no package: the rollback's undo must not leave it there.
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let dir = d.path().join("pkgs");
    fs::create_dir_all(&dir).unwrap();
    let ours = format!(".wc-ads-tag-0.tar.gz.tmp-{}-1", std::process::id());
    fs::write(dir.join(&ours), b"half a package").unwrap();
    fs::write(dir.join("other-topology.tar.gz"), b"not ours").unwrap();
    assert_eq!(b.undo(None).await.unwrap().action, "nothing");
    assert!(!dir.join(&ours).exists(), "the temp file is still there");
    assert!(dir.join("other-topology.tar.gz").exists());

    fs::write(dir.join(&ours), b"half a package").unwrap();
    let one = file(d.path(), "one", b"whole");
    b.upload(&one, UploadOptions::default(), &Progress::hidden())
        .await
        .unwrap();
    fs::write(dir.join(&ours), b"half a package").unwrap();
    b.delete().await.unwrap();
    assert!(!dir.join(&ours).exists(), "delete left the temp file");
}

#[tokio::test]
async fn first_upload_drops_a_stale_previous_copy() {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
    fs::create_dir_all(d.path().join("pkgs")).unwrap();
    fs::write(d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous"), b"old").unwrap();
    let one = file(d.path(), "one", b"new one");
    b.upload(&one, UploadOptions::default(), &Progress::hidden())
        .await
        .unwrap();
    // Undo of the first upload deletes it; it does not bring back the unrelated old file.
    assert_eq!(
        b.undo(Some(sha(b"new one"))).await.unwrap().action,
        "deleted"
    );
    assert!(!final_path.exists());
    assert!(!d.path().join("pkgs/wc-ads-tag-0.tar.gz.previous").exists());
}

#[test]
fn concurrent_uploads_and_conditional_undo_keep_a_whole_winner() {
    // Many rounds of: two processes' worth of uploads racing, then the loser's undo; the
    // package left must be the winner's with a side file that describes it.
    let d = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for round in 0..100 {
        let b = backend(d.path());
        let _ = rt.block_on(b.delete());
        let a = file(d.path(), "a", format!("package a {round:03}").as_bytes());
        let c = file(d.path(), "c", format!("package c {round:03}").as_bytes());
        let (ra, rc) = rt.block_on(async {
            let (b1, b2) = (b.clone(), b.clone());
            let t1 =
                tokio::spawn(async move { b1.upload(&a, digest(), &Progress::hidden()).await });
            let t2 =
                tokio::spawn(async move { b2.upload(&c, digest(), &Progress::hidden()).await });
            (t1.await.unwrap().unwrap(), t2.await.unwrap().unwrap())
        });
        // `a` wins; `c` loses and undoes conditionally.
        rt.block_on(b.undo(rc.sha256.clone())).unwrap();
        let st = rt.block_on(b.stat()).unwrap();
        assert!(ra.sha256.is_some(), "round {round}");
        assert_eq!(st.sha256, ra.sha256, "round {round}");
        let body = fs::read(d.path().join("pkgs/wc-ads-tag-0.tar.gz")).unwrap();
        assert_eq!(Some(sha(&body)), ra.sha256, "round {round}");
    }
}

#[tokio::test]
async fn stale_sidecar_is_not_trusted() {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let one = file(d.path(), "one", b"aaaa");
    b.upload(&one, digest(), &Progress::hidden()).await.unwrap();
    // Someone replaces the package behind our back with same-size content.
    let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(&final_path, b"bbbb").unwrap();
    assert_eq!(b.stat().await.unwrap().sha256, None);
    assert_eq!(b.undo(Some(sha(b"bbbb"))).await.unwrap().action, "kept");
    assert!(
        b.upload(&one, UploadOptions::default(), &Progress::hidden())
            .await
            .unwrap()
            .uploaded
    );
    assert_eq!(fs::read(&final_path).unwrap(), b"aaaa");
}

#[tokio::test]
async fn text_mode_upload_records_no_digest() {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let one = file(d.path(), "one", b"version one");
    let r = b
        .upload(&one, UploadOptions::default(), &Progress::hidden())
        .await
        .unwrap();
    assert!(r.uploaded);
    assert_eq!(r.sha256, None);
    let side = side_file(d.path());
    assert_eq!(side.get("sha256"), None, "{side}");
    assert_eq!(side["size"], 11);
    assert_eq!(b.stat().await.unwrap().sha256, None);
    // Asked for later, on an identical re-upload: computed, reported and recorded then.
    let again = b.upload(&one, digest(), &Progress::hidden()).await.unwrap();
    assert!(!again.uploaded);
    let want = sha(b"version one");
    assert_eq!(again.sha256.as_deref(), Some(want.as_str()));
    assert_eq!(side_file(d.path())["sha256"], want.as_str());
    assert_eq!(
        b.stat().await.unwrap().sha256.as_deref(),
        Some(want.as_str())
    );
    // Same size: the check hashed the new content, so its digest is known and recorded.
    let two = file(d.path(), "two", b"version two");
    let r = b
        .upload(&two, UploadOptions::default(), &Progress::hidden())
        .await
        .unwrap();
    assert!(r.uploaded);
    assert_eq!(r.sha256, Some(sha(b"version two")));
    assert_eq!(side_file(d.path())["sha256"], sha(b"version two").as_str());
    // Another size, no digest asked for: none computed, none left in the side file.
    let three = file(d.path(), "three", b"version three");
    let r = b
        .upload(&three, UploadOptions::default(), &Progress::hidden())
        .await
        .unwrap();
    assert!(r.uploaded);
    assert_eq!(r.sha256, None);
    assert_eq!(side_file(d.path()).get("sha256"), None);
    assert_eq!(b.stat().await.unwrap().sha256, None);
}

#[tokio::test]
async fn identical_reupload_is_skipped_and_same_size_different_one_is_not() {
    let d = tempfile::tempdir().unwrap();
    let b = backend(d.path());
    let final_path = d.path().join("pkgs/wc-ads-tag-0.tar.gz");
    // Bigger than one compare block, differing only in the last byte.
    let mut body_a = vec![7u8; (1 << 20) + 100];
    let mut body_b = body_a.clone();
    *body_b.last_mut().unwrap() = 8;
    body_a[0] = 1;
    body_b[0] = 1;
    let a = file(d.path(), "a", &body_a);
    let c = file(d.path(), "c", &body_b);
    for (first, second) in [
        (UploadOptions::default(), UploadOptions::default()),
        (UploadOptions::default(), digest()),
        (digest(), UploadOptions::default()),
        (digest(), digest()),
    ] {
        let _ = b.delete().await;
        assert!(
            b.upload(&a, first, &Progress::hidden())
                .await
                .unwrap()
                .uploaded
        );
        let mtime = fs::metadata(&final_path).unwrap().modified().unwrap();
        let again = b.upload(&a, second, &Progress::hidden()).await.unwrap();
        assert!(!again.uploaded, "{first:?} then {second:?}");
        assert_eq!(again.size, body_a.len() as u64);
        // Nothing was written: same file, no previous copy made.
        assert_eq!(
            fs::metadata(&final_path).unwrap().modified().unwrap(),
            mtime
        );
        assert!(b.stat().await.unwrap().previous.is_none());
        let other = b.upload(&c, second, &Progress::hidden()).await.unwrap();
        assert!(other.uploaded, "{first:?} then {second:?}");
        assert_eq!(fs::read(&final_path).unwrap(), body_b);
        assert_eq!(
            b.stat().await.unwrap().previous.map(|p| p.size),
            Some(body_a.len() as u64)
        );
        if second.digest {
            assert_eq!(other.sha256, Some(sha(&body_b)));
        }
    }
    // A package of the same bytes put there by something else is replaced (its mode, say,
    // may not let the sandbox read it).
    let _ = b.delete().await;
    fs::create_dir_all(final_path.parent().unwrap()).unwrap();
    fs::write(&final_path, &body_a).unwrap();
    assert!(
        b.upload(&a, UploadOptions::default(), &Progress::hidden())
            .await
            .unwrap()
            .uploaded
    );
}
