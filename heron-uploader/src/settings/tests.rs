//! Reading the uploader settings: classes, each backend's keys and defaults, credentials rules,
//! payload signing, and no secret in `Debug`.

use super::*;

fn ctx() -> Context {
    Context {
        cluster: "c".into(),
        role: "r".into(),
        topology: "t".into(),
    }
}

fn config(pairs: &[(&str, &str)]) -> Config {
    let mut c = Config::new();
    for (k, v) in pairs {
        c.set_str(*k, *v);
    }
    c
}

#[test]
fn classes() {
    let kind = |class: &str| Kind::from_config(&config(&[(CLASS, class)]));
    assert_eq!(
        kind("org.apache.heron.uploader.localfs.LocalFileSystemUploader").unwrap(),
        Kind::LocalFs
    );
    assert_eq!(
        kind("com.twitter.heron.uploader.hdfs.HdfsUploader").unwrap(),
        Kind::Hdfs
    );
    assert_eq!(
        kind("org.apache.heron.uploader.s3.S3Uploader").unwrap(),
        Kind::S3
    );
    assert_eq!(kind("s3").unwrap(), Kind::S3);
    let e = kind("org.apache.heron.uploader.gcs.GcsUploader").unwrap_err();
    assert!(e.to_string().contains("does not support"), "{e}");
    assert_eq!(e.exit_code(), heron_common::ExitCode::BadInput);
    let e = kind("org.apache.heron.uploader.NullUploader").unwrap_err();
    assert!(e.to_string().contains("NullUploader"), "{e}");
}

#[test]
fn localfs_dir_and_default() {
    let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "/data/pkgs")]);
    match Settings::from_config(&c, &ctx()).unwrap() {
        Settings::LocalFs(s) => {
            assert_eq!(s.directory, PathBuf::from("/data/pkgs"));
            assert!(!s.fsync);
        }
        other => panic!("{other:?}"),
    }
    let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "/data/${ROLE}")]);
    let e = Settings::from_config(&c, &ctx()).unwrap_err();
    assert!(e.to_string().contains(LOCALFS_DIR), "{e}");
    let c = config(&[(CLASS, "localfs"), (LOCALFS_DIR, "relative/dir")]);
    assert!(Settings::from_config(&c, &ctx()).is_err());
    let c = config(&[(CLASS, "localfs")]);
    if std::env::var_os("HOME").is_some() {
        match Settings::from_config(&c, &ctx()).unwrap() {
            Settings::LocalFs(s) => {
                assert!(s.directory.ends_with(".herondata/repository/c/r/t"))
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn missing_class_names_the_key() {
    let e = Settings::from_config(&Config::new(), &ctx()).unwrap_err();
    assert!(e.to_string().contains(CLASS), "{e}");
}

#[test]
fn hdfs_keys() {
    let c = config(&[(CLASS, "hdfs"), (HDFS_DIR_URI, "hdfs:///heron/topologies/")]);
    match Settings::from_config(&c, &ctx()).unwrap() {
        Settings::Hdfs(s) => assert_eq!(s.directory_uri, "hdfs:///heron/topologies"),
        other => panic!("{other:?}"),
    }
    let c = config(&[(CLASS, "hdfs"), (HDFS_DIR_URI, "/heron")]);
    assert!(Settings::from_config(&c, &ctx()).is_err());
    let c = config(&[(CLASS, "hdfs")]);
    assert!(
        Settings::from_config(&c, &ctx())
            .unwrap_err()
            .to_string()
            .contains(HDFS_DIR_URI)
    );
}

#[test]
fn s3_credentials_rules_and_no_secret_in_debug() {
    let c = config(&[
        (CLASS, "s3"),
        (S3_BUCKET, "b"),
        (S3_ACCESS_KEY, "AKID"),
        (S3_SECRET_KEY, "TOPSECRETVALUE"),
    ]);
    let s = Settings::from_config(&c, &ctx()).unwrap();
    assert!(!format!("{s:?}").contains("TOPSECRETVALUE"));
    match s {
        Settings::S3(s) => {
            assert_eq!(s.path_prefix, "/");
            assert_eq!(s.part_size, 8 << 20);
            assert_eq!(s.uri_scheme, S3UriScheme::Https);
        }
        other => panic!("{other:?}"),
    }
    let both = config(&[
        (CLASS, "s3"),
        (S3_BUCKET, "b"),
        (S3_ACCESS_KEY, "AKID"),
        (S3_SECRET_KEY, "TOPSECRETVALUE"),
        (S3_AWS_PROFILE, "p"),
    ]);
    let e = Settings::from_config(&both, &ctx()).unwrap_err();
    assert!(!e.to_string().contains("TOPSECRETVALUE"));
    let half = config(&[
        (CLASS, "s3"),
        (S3_BUCKET, "b"),
        (S3_SECRET_KEY, "TOPSECRETVALUE"),
    ]);
    let e = Settings::from_config(&half, &ctx()).unwrap_err();
    assert!(e.to_string().contains(S3_ACCESS_KEY) && !e.to_string().contains("TOPSECRETVALUE"));
    let small = config(&[(CLASS, "s3"), (S3_BUCKET, "b"), (S3_PART_SIZE, "1024")]);
    assert!(Settings::from_config(&small, &ctx()).is_err());
    let nob = config(&[(CLASS, "s3")]);
    assert!(
        Settings::from_config(&nob, &ctx())
            .unwrap_err()
            .to_string()
            .contains(S3_BUCKET)
    );
}

#[test]
fn s3_payload_signing_follows_the_scheme_unless_set() {
    let s3 = |pairs: &[(&str, &str)]| {
        let mut all = vec![(CLASS, "s3"), (S3_BUCKET, "b")];
        all.extend_from_slice(pairs);
        match Settings::from_config(&config(&all), &ctx()) {
            Ok(Settings::S3(s)) => Ok(s),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        }
    };
    // auto: AWS itself and https endpoints go unsigned (TLS covers the body), http is signed.
    assert!(s3(&[]).unwrap().unsigned_payload());
    assert!(
        s3(&[(S3_URI, "https://minio.example:9000")])
            .unwrap()
            .unsigned_payload()
    );
    assert!(
        !s3(&[(S3_URI, "http://127.0.0.1:9000")])
            .unwrap()
            .unsigned_payload()
    );
    let http_unsigned = [
        (S3_URI, "http://127.0.0.1:9000"),
        (S3_PAYLOAD_SIGNING, "unsigned"),
    ];
    assert!(s3(&http_unsigned).unwrap().unsigned_payload());
    assert!(
        !s3(&[(S3_PAYLOAD_SIGNING, "signed")])
            .unwrap()
            .unsigned_payload()
    );
    let e = s3(&[(S3_PAYLOAD_SIGNING, "none")]).unwrap_err();
    assert!(e.to_string().contains(S3_PAYLOAD_SIGNING), "{e}");
    assert_eq!(e.exit_code(), heron_common::ExitCode::BadInput);
}
