//! What the S3 tests (s3*.rs) share: a bucket of their own on s3s-fs with a cluster conf that
//! names it, and a cluster conf without keys (for the credential chain).
#![allow(dead_code)]

use crate::common::*;

/// A fresh bucket and a cluster conf whose uploader writes to it with the server's keys.
pub struct S3Case {
    pub env: S3Env,
    pub bucket: String,
    pub cluster: Cluster,
}

impl S3Case {
    pub fn new(test: &str, extra_yaml: &str) -> S3Case {
        S3Case::through(test, None, extra_yaml)
    }

    /// With `relay`, requests go to that endpoint (a relay to s3s-fs) instead.
    pub fn through(test: &str, relay: Option<&str>, extra_yaml: &str) -> S3Case {
        let env = s3_env();
        let bucket = new_bucket(&env, test);
        let yaml = format!(
            "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
             heron.uploader.s3.bucket: {bucket}\n\
             heron.uploader.s3.path_prefix: /heron/pkgs/\n\
             heron.uploader.s3.uri: {}\n\
             heron.uploader.s3.access_key: {}\n\
             heron.uploader.s3.secret_key: {}\n{extra_yaml}",
            relay.unwrap_or(&env.endpoint),
            env.access_key,
            env.secret_key
        );
        S3Case {
            cluster: Cluster::new(&yaml),
            env,
            bucket,
        }
    }

    pub fn object(&self, name: &str) -> std::path::PathBuf {
        self.env
            .dir
            .join(&self.bucket)
            .join("heron/pkgs/wc")
            .join(name)
    }

    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.object(name)).ok()
    }
}

/// A cluster conf for `bucket` with no keys; `extra` is more uploader YAML.
pub fn keyless_cluster(env: &S3Env, bucket: &str, extra: &str) -> Cluster {
    Cluster::new(&format!(
        "heron.class.uploader: org.apache.heron.uploader.s3.S3Uploader\n\
         heron.uploader.s3.bucket: {bucket}\n\
         heron.uploader.s3.uri: {}\n{extra}",
        env.endpoint
    ))
}
