//! Secrets (S3 keys, the ZooKeeper password: `heron_common::config::keys::SECRET_KEYS`) kept in
//! the conf folder's YAML files or in `override.yaml` are not packed: each `key: value` line of
//! one (and its continuation lines) becomes a comment saying it was removed. The package is
//! fetched onto every Aurora host, and Heron's runtime needs none of them. Every other byte of
//! those files is kept.

use std::path::Path;

/// YAML files of the conf folder are the ones Heron reads config keys from, so the ones that can
/// hold a secret.
pub(super) fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "YAML" | "YML")
    )
}

/// The comment that replaces a secret's line.
fn removed_line(key: &str) -> String {
    format!("# {key}: removed by heron (secret; not needed in the sandbox)")
}

fn indent_of(line: &[u8]) -> usize {
    line.iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count()
}

/// The secret key a line sets (`key: value` or `key:` at any indentation, key maybe quoted).
fn secret_key_of(line: &[u8]) -> Option<&'static str> {
    let rest = &line[indent_of(line)..];
    heron_common::config::keys::SECRET_KEYS
        .iter()
        .copied()
        .find(|key| {
            let k = key.as_bytes();
            let after = if rest.starts_with(k) {
                &rest[k.len()..]
            } else if rest.len() > k.len() + 1
                && (rest[0] == b'"' || rest[0] == b'\'')
                && rest[1..].starts_with(k)
                && rest[k.len() + 1] == rest[0]
            {
                &rest[k.len() + 2..]
            } else {
                return false;
            };
            let after = &after[after
                .iter()
                .take_while(|b| **b == b' ' || **b == b'\t')
                .count()..];
            after.first() == Some(&b':')
                && matches!(after.get(1), None | Some(b' ' | b'\t' | b'\r'))
        })
}

/// `data` with every line setting a secret key replaced by a comment, and the lines continuing
/// its value (more indented than the key: a block or multi-line scalar) dropped. Everything
/// else, line endings included, is unchanged. Borrowed when there was nothing to remove.
pub fn strip_secrets(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !heron_common::config::keys::SECRET_KEYS
        .iter()
        .any(|k| data.windows(k.len()).any(|w| w == k.as_bytes()))
    {
        return std::borrow::Cow::Borrowed(data);
    }
    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
    let mut out = Vec::with_capacity(data.len());
    let mut changed = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let Some(key) = secret_key_of(line) else {
            out.extend_from_slice(line);
            continue;
        };
        changed = true;
        let indent = indent_of(line);
        out.extend_from_slice(&line[..indent]);
        out.extend_from_slice(removed_line(key).as_bytes());
        let ending = if line.ends_with(b"\r\n") {
            &b"\r\n"[..]
        } else if line.ends_with(b"\n") {
            &b"\n"[..]
        } else {
            &b""[..]
        };
        out.extend_from_slice(ending);
        // Continuation lines: more indented than the key; blank lines only between them.
        let mut j = i;
        while j < lines.len() {
            let next = lines[j];
            if next.iter().all(|b| b.is_ascii_whitespace()) {
                j += 1;
                continue;
            }
            if indent_of(next) > indent {
                j += 1;
                i = j;
                continue;
            }
            break;
        }
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_by_a_comment_and_the_rest_is_kept() {
        let input = "# S3\r\nheron.uploader.s3.bucket: b\r\nheron.uploader.s3.access_key: AK1\r\n\
                     heron.uploader.s3.secret_key : \"SK1\"\r\nheron.uploader.s3.secret_key_file: f\r\n";
        let out = strip_secrets(input.as_bytes());
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "# S3\r\nheron.uploader.s3.bucket: b\r\n\
             # heron.uploader.s3.access_key: removed by heron (secret; not needed in the sandbox)\r\n\
             # heron.uploader.s3.secret_key: removed by heron (secret; not needed in the sandbox)\r\n\
             heron.uploader.s3.secret_key_file: f\r\n"
        );
        // Indented, quoted, block scalar with its continuation lines, no final newline.
        let input = "a:\n  'heron.statemgr.zookeeper.auth.digest': |\n    u:PW1\n\n    more\n  b: 1\n\n\
                     heron.uploader.s3.secret_key: SK2";
        let out = strip_secrets(input.as_bytes());
        let out = std::str::from_utf8(&out).unwrap();
        assert_eq!(
            out,
            "a:\n  # heron.statemgr.zookeeper.auth.digest: removed by heron (secret; not needed in the sandbox)\n\
             \x20 b: 1\n\n\
             # heron.uploader.s3.secret_key: removed by heron (secret; not needed in the sandbox)"
        );
        // Nothing to remove: the very same bytes.
        let plain = b"heron.uploader.s3.bucket: b\n# heron.uploader.s3.secret_key is not here\n";
        assert!(matches!(
            strip_secrets(plain),
            std::borrow::Cow::Borrowed(b) if b == plain
        ));
    }
}
