//! Where a topology's package lives on each backend: Heron's file names and key layout
//! (heron-aurora.md §6), plus the names of our own side files (previous copy, checksum, temp).

use heron_common::{Error, Result};

/// Heron's `UploaderUtils.generateFilename`: `<topology>-<role>-tag-0.tar.gz` (localfs, HDFS).
pub fn package_file_name(topology: &str, role: &str) -> String {
    format!("{topology}-{role}-tag-0.tar.gz")
}

/// The object name Heron's S3 uploader stores under `<prefix>/<topology>/`.
pub const S3_PACKAGE_NAME: &str = "topology.tar.gz";
/// The backup Heron's S3 uploader keeps next to it.
pub const S3_PREVIOUS_NAME: &str = "previous_topology.tar.gz";

/// The previous copy kept for `undo` on localfs and HDFS. A suffix (not a prefix like S3's
/// `previous_`) because a prefix could collide with another topology's file name.
pub fn previous_name(file: &str) -> String {
    format!("{file}.previous")
}

/// The checksum side file: `<file>.sha256` (JSON: sha256, size, mtime of the file it describes).
pub fn sidecar_name(file: &str) -> String {
    format!("{file}.sha256")
}

/// A temporary name in the same directory, unique to this process, hidden by a leading dot.
pub fn temp_name(file: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(".{file}.tmp-{}-{nanos}", std::process::id())
}

/// The prefix of every temp name of `file` (to find leftovers of killed uploads).
pub fn temp_prefix(file: &str) -> String {
    format!(".{file}.tmp-")
}

/// The process id embedded in a temp name made by [`temp_name`], if any.
pub fn temp_owner_pid(file: &str, temp: &str) -> Option<u32> {
    temp.strip_prefix(&temp_prefix(file))?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// Heron's S3 key: the non-empty parts of `path_prefix`, then the topology, then the file.
///
/// Heron splits the prefix on `/` and keeps an empty leading part, so a prefix `/heron` gives a
/// key starting with `/`; we drop empty parts, so `/heron`, `heron/` and `heron` all give
/// `heron/<topology>/<file>`.
pub fn s3_key(path_prefix: &str, topology: &str, file: &str) -> String {
    path_prefix
        .split('/')
        .filter(|p| !p.is_empty())
        .chain([topology, file])
        .collect::<Vec<_>>()
        .join("/")
}

/// The https URL Heron's S3 uploader returns (`AmazonS3.getUrl`, path-style, not presigned):
/// `<endpoint>/<bucket>/<key>` with a custom endpoint, else AWS's regional endpoint.
pub fn s3_https_url(endpoint: Option<&str>, region: &str, bucket: &str, key: &str) -> String {
    let base = match endpoint {
        Some(e) => e.trim_end_matches('/').to_string(),
        None if region == "us-east-1" => "https://s3.amazonaws.com".to_string(),
        None => format!("https://s3.{region}.amazonaws.com"),
    };
    format!(
        "{base}/{}/{}",
        percent_encode_path(bucket),
        percent_encode_path(key)
    )
}

/// The `s3://bucket/key` form that `aws s3 cp` reads.
pub fn s3_uri(bucket: &str, key: &str) -> String {
    format!("s3://{bucket}/{key}")
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`.
pub fn percent_encode_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks a topology or role name before it becomes part of a path or key: letters, digits,
/// `_`, `-`, `.`, and not `.` or `..` (Heron's topology names follow `[\w.-]+`).
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::BadInput(format!(
            "invalid {what} name {name:?}: use letters, digits, '_', '-' and '.' only"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heron_file_name() {
        assert_eq!(package_file_name("wc", "ads"), "wc-ads-tag-0.tar.gz");
    }

    #[test]
    fn s3_keys_follow_heron_layout() {
        assert_eq!(s3_key("/", "wc", S3_PACKAGE_NAME), "wc/topology.tar.gz");
        assert_eq!(
            s3_key("", "wc", S3_PREVIOUS_NAME),
            "wc/previous_topology.tar.gz"
        );
        assert_eq!(
            s3_key("heron/pkgs", "wc", S3_PACKAGE_NAME),
            "heron/pkgs/wc/topology.tar.gz"
        );
        assert_eq!(
            s3_key("/heron//pkgs/", "wc", S3_PACKAGE_NAME),
            "heron/pkgs/wc/topology.tar.gz"
        );
    }

    #[test]
    fn s3_urls() {
        assert_eq!(
            s3_https_url(None, "us-east-1", "b", "wc/topology.tar.gz"),
            "https://s3.amazonaws.com/b/wc/topology.tar.gz"
        );
        assert_eq!(
            s3_https_url(None, "eu-west-1", "b", "wc/topology.tar.gz"),
            "https://s3.eu-west-1.amazonaws.com/b/wc/topology.tar.gz"
        );
        assert_eq!(
            s3_https_url(Some("http://127.0.0.1:9000/"), "x", "b", "a b/t.tar.gz"),
            "http://127.0.0.1:9000/b/a%20b/t.tar.gz"
        );
        assert_eq!(
            s3_uri("b", "wc/topology.tar.gz"),
            "s3://b/wc/topology.tar.gz"
        );
    }

    #[test]
    fn temp_names_carry_the_pid() {
        let t = temp_name("wc-r-tag-0.tar.gz");
        assert!(t.starts_with(&temp_prefix("wc-r-tag-0.tar.gz")));
        assert_eq!(
            temp_owner_pid("wc-r-tag-0.tar.gz", &t),
            Some(std::process::id())
        );
        assert_eq!(
            temp_owner_pid("wc-r-tag-0.tar.gz", "wc-r-tag-0.tar.gz"),
            None
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("topology", "WordCount_1.v-2").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "x\n", "é"] {
            assert!(check_name("topology", bad).is_err(), "{bad:?}");
        }
    }
}
