//! The S3 settings: bucket and prefix, where credentials come from, the endpoint and proxy, part
//! size and parts in flight, attempts and timeouts, the printed URI's scheme, payload signing.

use heron_common::config::Config;
use heron_common::{Error, Result};

use super::*;

/// Where S3 credentials come from. The secret is kept out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `access_key` + `secret_key` from the config files.
    Static {
        /// Access key id.
        access_key: String,
        /// Secret key.
        secret_key: String,
    },
    /// A named profile from `~/.aws/config` and `~/.aws/credentials`.
    Profile(String),
    /// The SDK's default chain (environment, profile, web identity, ECS, IMDS).
    DefaultChain,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Static { .. } => f.write_str("Static(<redacted>)"),
            Credentials::Profile(p) => write!(f, "Profile({p:?})"),
            Credentials::DefaultChain => f.write_str("DefaultChain"),
        }
    }
}

/// Which URI to print for an S3 package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3UriScheme {
    /// Heron's `getUrl`: `https://endpoint/bucket/key` (fetched with curl).
    Https,
    /// `s3://bucket/key` (fetched with `aws s3 cp`).
    S3,
}

/// Whether package bodies are signed (their sha256 in the SigV4 signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadSigning {
    /// Signed over plain http, unsigned over https (TLS already protects the body).
    Auto,
    /// Always signed.
    Signed,
    /// Never signed (`UNSIGNED-PAYLOAD`), even over plain http.
    Unsigned,
}

/// S3 settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// Bucket.
    pub bucket: String,
    /// Key prefix (`/` by default).
    pub path_prefix: String,
    /// Credentials.
    pub credentials: Credentials,
    /// Region, if set.
    pub region: Option<String>,
    /// Custom endpoint.
    pub endpoint: Option<String>,
    /// Proxy URI (may carry user:password: never print it).
    pub proxy_uri: Option<String>,
    /// Part size.
    pub part_size: u64,
    /// Parts in flight.
    pub parts_in_flight: usize,
    /// Attempts per request.
    pub max_attempts: u32,
    /// Connect timeout.
    pub connect_timeout: std::time::Duration,
    /// Wait for an answer once a request is sent.
    pub read_timeout: std::time::Duration,
    /// One attempt of one request, from start to end.
    pub attempt_timeout: std::time::Duration,
    /// Which URI to print.
    pub uri_scheme: S3UriScheme,
    /// Payload signing of PUT and UploadPart.
    pub payload_signing: PayloadSigning,
}

impl S3Settings {
    /// Whether PUT and UploadPart bodies go unsigned: over https (AWS itself, or an https
    /// endpoint) with `auto`, always with `unsigned`.
    pub fn unsigned_payload(&self) -> bool {
        match self.payload_signing {
            PayloadSigning::Signed => false,
            PayloadSigning::Unsigned => true,
            PayloadSigning::Auto => self
                .endpoint
                .as_deref()
                .is_none_or(|e| e.to_ascii_lowercase().starts_with("https://")),
        }
    }
}
pub(super) fn s3(config: &Config) -> Result<S3Settings> {
    let bucket = config.require_str(
        S3_BUCKET,
        "set it in uploader.yaml to the bucket for topology packages",
    )?;
    let access_key = text(config, S3_ACCESS_KEY)?;
    let secret_key = text(config, S3_SECRET_KEY)?;
    let profile = text(config, S3_AWS_PROFILE)?;
    let credentials = match (access_key, secret_key, profile) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => {
            return Err(Error::BadInput(format!(
                "set either {S3_ACCESS_KEY} + {S3_SECRET_KEY} or {S3_AWS_PROFILE}, not both"
            )));
        }
        (Some(access_key), Some(secret_key), None) => Credentials::Static {
            access_key,
            secret_key,
        },
        (Some(_), None, None) => {
            return Err(Error::ConfigMissing {
                key: S3_SECRET_KEY.to_string(),
                hint: format!("{S3_ACCESS_KEY} is set, so the secret key must be set too"),
            });
        }
        (None, Some(_), None) => {
            return Err(Error::ConfigMissing {
                key: S3_ACCESS_KEY.to_string(),
                hint: format!("{S3_SECRET_KEY} is set, so the access key must be set too"),
            });
        }
        (None, None, Some(p)) => Credentials::Profile(p),
        (None, None, None) => Credentials::DefaultChain,
    };
    let part_size = config.get_u64(S3_PART_SIZE)?.unwrap_or(8 << 20);
    if !(S3_MIN_PART..=S3_MAX_PART).contains(&part_size) {
        return Err(Error::ConfigValue {
            key: S3_PART_SIZE.to_string(),
            origin: config.origin(S3_PART_SIZE).map(|p| p.to_path_buf()),
            message: format!("{part_size} is outside S3's part size limits (5 MiB to 5 GiB)"),
        });
    }
    let parts_in_flight = config.get_u64(S3_PARTS_IN_FLIGHT)?.unwrap_or(8);
    if !(1..=64).contains(&parts_in_flight) {
        return Err(Error::ConfigValue {
            key: S3_PARTS_IN_FLIGHT.to_string(),
            origin: config.origin(S3_PARTS_IN_FLIGHT).map(|p| p.to_path_buf()),
            message: format!("{parts_in_flight} is not between 1 and 64"),
        });
    }
    let max_attempts = config.get_u64(S3_MAX_ATTEMPTS)?.unwrap_or(5).clamp(1, 20) as u32;
    let millis = |key: &str, default: u64| -> Result<std::time::Duration, Error> {
        let ms = config.get_u64(key)?.unwrap_or(default);
        if ms == 0 {
            return Err(Error::ConfigValue {
                key: key.to_string(),
                origin: config.origin(key).map(|p| p.to_path_buf()),
                message: "0 ms would fail every request; give a number of milliseconds above 0"
                    .to_string(),
            });
        }
        Ok(std::time::Duration::from_millis(ms))
    };
    let connect_timeout = millis(S3_CONNECT_TIMEOUT, 10_000)?;
    let read_timeout = millis(S3_READ_TIMEOUT, 60_000)?;
    let attempt_timeout = millis(S3_ATTEMPT_TIMEOUT, 900_000)?;
    let uri_scheme = match text(config, S3_PACKAGE_URI_SCHEME)?.as_deref() {
        None | Some("https") | Some("http") => S3UriScheme::Https,
        Some("s3") => S3UriScheme::S3,
        Some(other) => {
            return Err(Error::ConfigValue {
                key: S3_PACKAGE_URI_SCHEME.to_string(),
                origin: config
                    .origin(S3_PACKAGE_URI_SCHEME)
                    .map(|p| p.to_path_buf()),
                message: format!("{other:?} is not https or s3"),
            });
        }
    };
    let payload_signing = match text(config, S3_PAYLOAD_SIGNING)?.as_deref() {
        None | Some("auto") => PayloadSigning::Auto,
        Some("signed") => PayloadSigning::Signed,
        Some("unsigned") => PayloadSigning::Unsigned,
        Some(other) => {
            return Err(Error::ConfigValue {
                key: S3_PAYLOAD_SIGNING.to_string(),
                origin: config.origin(S3_PAYLOAD_SIGNING).map(|p| p.to_path_buf()),
                message: format!("{other:?} is not auto, signed or unsigned"),
            });
        }
    };
    let endpoint = text(config, S3_URI)?;
    if let Some(e) = &endpoint
        && !(e.starts_with("http://") || e.starts_with("https://"))
    {
        return Err(Error::ConfigValue {
            key: S3_URI.to_string(),
            origin: config.origin(S3_URI).map(|p| p.to_path_buf()),
            message: format!("{e:?} is not an http:// or https:// endpoint"),
        });
    }
    Ok(S3Settings {
        bucket,
        path_prefix: text(config, S3_PATH_PREFIX)?.unwrap_or_else(|| "/".to_string()),
        credentials,
        region: text(config, S3_REGION)?,
        endpoint,
        proxy_uri: text(config, S3_PROXY_URI)?,
        part_size,
        parts_in_flight: parts_in_flight as usize,
        max_attempts,
        connect_timeout,
        read_timeout,
        attempt_timeout,
        uri_scheme,
        payload_signing,
    })
}
