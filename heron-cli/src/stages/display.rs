//! Command lines as `--verbose` prints them: shell-quoted, with anything secret-looking masked.

use std::path::Path;

/// A command line for `--verbose`, with anything secret-looking masked.
pub fn display_command(program: &Path, args: &[String]) -> String {
    let mut parts = vec![shell_quote(&program.display().to_string())];
    parts.extend(args.iter().map(|a| shell_quote(&mask(a))));
    parts.join(" ")
}

const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "access_key",
    "access-key",
    "token",
    "credential",
];

/// `key=value` with a secret-looking key → `key=****`.
pub fn mask(arg: &str) -> String {
    if let Some((key, _)) = arg.split_once('=') {
        let lower = key.to_ascii_lowercase();
        if heron_common::config::keys::SECRET_KEYS.contains(&key.trim())
            || SECRET_WORDS.iter().any(|w| lower.contains(w))
        {
            return format!("{key}=****");
        }
    }
    arg.to_string()
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_looking_values() {
        assert_eq!(
            mask("heron.uploader.s3.secret_key=abc"),
            "heron.uploader.s3.secret_key=****"
        );
        assert_eq!(
            mask("heron.uploader.s3.access_key=abc"),
            "heron.uploader.s3.access_key=****"
        );
        assert_eq!(
            mask("heron.statemgr.zookeeper.auth.digest=u:p"),
            "heron.statemgr.zookeeper.auth.digest=****"
        );
        assert_eq!(mask("TOPOLOGY_NAME=wc"), "TOPOLOGY_NAME=wc");
        assert_eq!(
            display_command(Path::new("/bin/x"), &["a b".into(), "ZK_PASSWORD=p".into()]),
            "/bin/x 'a b' 'ZK_PASSWORD=****'"
        );
    }
}
