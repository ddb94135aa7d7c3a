//! The release file (`--release-yaml-file`, else `~/.heron/release.yaml`, else a built-in one):
//! found and read the same way by `heron submit`, which packs it, and `heron version`, which
//! prints it. A file named on the command line must be there: a missing one is exit 3, naming it.

use std::path::{Path, PathBuf};

use heron_common::error::Error;

/// A release file's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The YAML text.
    pub text: String,
    /// The file it was read from; `None` for the built-in one.
    pub path: Option<PathBuf>,
}

/// Reads the release file: `given`, else `~/.heron/release.yaml` when it is a file, else the
/// built-in one ([`crate::topology::package::default_release_yaml`]).
pub fn read(given: Option<&Path>) -> Result<Release, Error> {
    let path = match given {
        Some(p) => Some(p.to_path_buf()),
        None => heron_common::config::loader::default_heron_home()
            .map(|h| h.join("release.yaml"))
            .filter(|p| p.is_file()),
    };
    match path {
        Some(p) => {
            // A folder is not a release file: say so rather than "is a directory (os error 21)".
            if p.is_dir() {
                return Err(Error::BadInput(format!(
                    "the release file {} is a folder; give a release.yaml file",
                    p.display()
                )));
            }
            let text = std::fs::read_to_string(&p)
                .map_err(|e| Error::io("cannot read the release file", &p, e))?;
            Ok(Release {
                text,
                path: Some(p),
            })
        }
        None => Ok(Release {
            text: crate::topology::package::default_release_yaml(),
            path: None,
        }),
    }
}

/// A key of the release file (`heron.build.version: '1.0'`).
pub fn value(release: &str, key: &str) -> Option<String> {
    release.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let r = "heron.build.version: '0.20.5'\nheron.build.user: \"ci\"\n";
        assert_eq!(value(r, "heron.build.version").as_deref(), Some("0.20.5"));
        assert_eq!(value(r, "heron.build.user").as_deref(), Some("ci"));
        assert_eq!(value(r, "x"), None);
        assert_eq!(
            value(
                &crate::topology::package::default_release_yaml(),
                "heron.build.user"
            )
            .as_deref(),
            Some("heron-rs")
        );
    }

    #[test]
    fn a_named_file_must_exist() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("release.yaml");
        let err = read(Some(&missing)).unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::NotFound);
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
        let err = read(Some(tmp.path())).unwrap_err();
        assert_eq!(err.exit_code(), heron_common::ExitCode::BadInput);
        std::fs::write(&missing, "heron.build.version: '1'\n").expect("write");
        let release = read(Some(&missing)).expect("reads");
        assert_eq!(release.path.as_deref(), Some(missing.as_path()));
    }
}
