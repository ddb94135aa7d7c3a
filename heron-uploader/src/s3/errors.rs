//! SDK errors as ours: the object and what to do named, credentials never included, and the
//! exit code by cause (denied, not found, unavailable, failed).

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use heron_common::Error;

use super::S3;
use crate::settings;

/// An error and its sources, by their `Display` only (the SDK's `Debug` dumps go to `--verbose`).
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

impl S3 {
    /// Maps an SDK error, naming the object and what to do. Never includes credentials.
    pub(super) fn error<E>(&self, what: String, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        tracing::debug!("{what}: {}", DisplayErrorContext(&e));
        let detail = chain(&e);
        if !matches!(e, SdkError::ServiceError(_))
            && detail.to_ascii_lowercase().contains("credential")
        {
            return Error::Denied(format!(
                "{what}: no usable S3 credentials ({}); set {} and {} in uploader.yaml, or {}, or \
                 AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment",
                detail.lines().next().unwrap_or(""),
                settings::S3_ACCESS_KEY,
                settings::S3_SECRET_KEY,
                settings::S3_AWS_PROFILE
            ));
        }
        match &e {
            SdkError::ServiceError(se) => {
                let status = se.raw().status().as_u16();
                let code = se.err().code().unwrap_or("");
                let message = se.err().message().unwrap_or("");
                let said = if code.is_empty() {
                    // HEAD answers carry no body, so no error code: say what the status means.
                    match status {
                        403 => "HTTP 403 Forbidden (a wrong secret key, an unknown access key or a missing permission)".to_string(),
                        _ => format!("HTTP {status}"),
                    }
                } else if message.is_empty() {
                    format!("{code} (HTTP {status})")
                } else {
                    format!("{code}: {message} (HTTP {status})")
                };
                let auth_codes = [
                    "SignatureDoesNotMatch",
                    "InvalidAccessKeyId",
                    "AccessDenied",
                    "InvalidToken",
                    "ExpiredToken",
                    "AuthorizationHeaderMalformed",
                    "InvalidSecurity",
                ];
                if auth_codes.contains(&code) || status == 401 || status == 403 {
                    Error::Denied(format!(
                        "{what}: S3 at {} refused the request: {said}; check {} and {} (or {}, or the AWS \
                         environment) and the bucket policy",
                        self.where_(),
                        settings::S3_ACCESS_KEY,
                        settings::S3_SECRET_KEY,
                        settings::S3_AWS_PROFILE
                    ))
                } else if code == "NoSuchBucket" {
                    Error::NotFound(format!(
                        "{what}: bucket {:?} does not exist at {} ({}); create it first",
                        self.bucket,
                        self.where_(),
                        settings::S3_BUCKET
                    ))
                } else if status == 404 {
                    Error::NotFound(format!("{what}: {said}"))
                } else if status >= 500 {
                    Error::Unavailable(format!("{what}: S3 at {} failed: {said}", self.where_()))
                } else {
                    Error::Failed(format!("{what}: {said}"))
                }
            }
            SdkError::TimeoutError(_) => Error::Unavailable(format!(
                "{what}: S3 at {} did not finish a request within {} ms ({}): {detail}",
                self.where_(),
                self.attempt_timeout.as_millis(),
                settings::S3_ATTEMPT_TIMEOUT
            )),
            SdkError::DispatchFailure(df) if df.is_timeout() => Error::Unavailable(format!(
                "{what}: S3 at {} did not answer in time (connect {} ms: {}, answer {} ms: {}); \
                 check that the server is up and not overloaded: {detail}",
                self.where_(),
                self.connect_timeout.as_millis(),
                settings::S3_CONNECT_TIMEOUT,
                self.read_timeout.as_millis(),
                settings::S3_READ_TIMEOUT
            )),
            SdkError::DispatchFailure(_) => Error::Unavailable(format!(
                "{what}: cannot reach S3 at {}: {detail}",
                self.where_()
            )),
            _ => Error::Failed(format!("{what}: {detail}")),
        }
    }
}
