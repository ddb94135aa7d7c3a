//! Building the S3 client: retries with backoff, the connect, read and attempt timeouts, the
//! region (a custom endpoint needs one only to sign), the credentials, path-style addressing, and
//! an optional proxy whose credentials never reach a log.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use heron_common::{Error, Result};

use super::S3;
use crate::cleanup::Cleanup;
use crate::naming;
use crate::settings::{self, Credentials, S3Settings};

/// Splits `scheme://user:pass@host:port/...` into the URI without credentials and the credentials.
fn split_proxy(uri: &str) -> (String, Option<(String, String)>) {
    if let Some((scheme, rest)) = uri.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            let userinfo = &rest[..at];
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            return (
                format!("{scheme}://{}", &rest[at + 1..]),
                Some((user.to_string(), pass.to_string())),
            );
        }
    }
    (uri.to_string(), None)
}

fn proxy_client(proxy_uri: &str) -> Result<aws_sdk_s3::config::SharedHttpClient> {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    let (uri, auth) = split_proxy(proxy_uri);
    let mut proxy = ProxyConfig::all(uri.as_str()).map_err(|e| Error::ConfigValue {
        key: settings::S3_PROXY_URI.to_string(),
        origin: None,
        message: format!("{uri:?} is not a usable proxy URI: {e}"),
    })?;
    if let Some((user, pass)) = auth {
        proxy = proxy.with_basic_auth(user, pass);
    }
    Ok(
        Builder::new().build_with_connector_fn(move |connector_settings, components| {
            let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ));
            builder.set_connector_settings(connector_settings.cloned());
            if let Some(c) = components {
                builder.set_sleep_impl(c.sleep_impl());
            }
            builder.set_proxy_config(Some(proxy.clone()));
            builder.build()
        }),
    )
}

impl S3 {
    /// Builds the client. Credentials are resolved on the first request.
    pub async fn new(s: &S3Settings, topology: &str, cleanup: Cleanup) -> Result<S3> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(s.max_attempts)
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(10)),
            )
            .timeout_config(
                // Connect alone is not enough: a server that accepts and never answers would
                // hang the upload (and `heron` until its stage timeout).
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(s.connect_timeout)
                    .read_timeout(s.read_timeout)
                    .operation_attempt_timeout(s.attempt_timeout)
                    .build(),
            );
        match (&s.region, &s.endpoint) {
            (Some(region), _) => loader = loader.region(Region::new(region.clone())),
            // A custom endpoint ignores the region but signing needs one: skip the lookup chain
            // (which would ask EC2's metadata service) unless the environment names one.
            (None, Some(_))
                if std::env::var_os("AWS_REGION").is_none()
                    && std::env::var_os("AWS_DEFAULT_REGION").is_none() =>
            {
                loader = loader.region(Region::new("us-east-1"));
            }
            (None, _) => {}
        }
        match &s.credentials {
            Credentials::Static {
                access_key,
                secret_key,
            } => {
                loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                    access_key.clone(),
                    secret_key.clone(),
                    None,
                    None,
                    "heron-uploader-config",
                ));
            }
            Credentials::Profile(profile) => loader = loader.profile_name(profile),
            Credentials::DefaultChain => {}
        }
        if let Some(proxy) = &s.proxy_uri {
            loader = loader.http_client(proxy_client(proxy)?);
        }
        let sdk = loader.load().await;
        // The SDK needs a region to sign even for a custom endpoint; Heron's default is the SDK's.
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        let mut builder = aws_sdk_s3::config::Builder::from(&sdk)
            .region(Region::new(region.clone()))
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        if let Some(endpoint) = &s.endpoint {
            builder = builder.endpoint_url(endpoint.trim_end_matches('/'));
        }
        Ok(S3 {
            client: Client::from_conf(builder.build()),
            bucket: s.bucket.clone(),
            key: naming::s3_key(&s.path_prefix, topology, naming::S3_PACKAGE_NAME),
            previous_key: naming::s3_key(&s.path_prefix, topology, naming::S3_PREVIOUS_NAME),
            endpoint: s.endpoint.clone(),
            region,
            part_size: s.part_size,
            parts_in_flight: s.parts_in_flight,
            uri_scheme: s.uri_scheme,
            unsigned_payload: s.unsigned_payload(),
            cleanup,
            connect_timeout: s.connect_timeout,
            read_timeout: s.read_timeout,
            attempt_timeout: s.attempt_timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_split_off() {
        assert_eq!(
            split_proxy("http://proxy:3128"),
            ("http://proxy:3128".to_string(), None)
        );
        assert_eq!(
            split_proxy("http://u:p%40ss@proxy:3128/"),
            (
                "http://proxy:3128/".to_string(),
                Some(("u".to_string(), "p%40ss".to_string()))
            )
        );
    }
}
