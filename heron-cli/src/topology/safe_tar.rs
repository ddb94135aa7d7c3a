//! Extracting a topology `.tar`/`.tar.gz` without letting it write outside the target folder.
//!
//! Every entry is checked before anything is written: no absolute paths, no `..`, no entry
//! under a symlink the archive created, symlinks and hard links only to targets inside the folder,
//! and only regular files, directories and links (no devices or FIFOs). Only then is the archive
//! unpacked, a second pass with `tar`'s own `unpack_in` (which also refuses escapes).
//!
//! Size: both passes count the bytes of the unpacked tar stream as they read them (headers
//! included; header sizes are never trusted), and stop past [`Limits::max_bytes`]; the first pass
//! also counts entries. So a gzip bomb is refused by the first pass before anything is written,
//! and an archive swapped between the passes still cannot write more than the limit.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use tar::{Archive, EntryType};

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// I/O on the archive or the folder.
    #[error("cannot read {archive}: {source}")]
    Io {
        /// The archive.
        archive: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An entry that would escape or is of a refused kind.
    #[error("refusing {archive}: entry {entry:?} {reason}")]
    Unsafe {
        /// The archive.
        archive: PathBuf,
        /// The entry's path.
        entry: String,
        /// Why.
        reason: String,
    },
    /// The archive unpacks to more bytes than allowed.
    #[error(
        "refusing {archive}: it unpacks to more than {limit} bytes (a gzip bomb?); if the topology \
         really is that big, raise `{MAX_BYTES_KEY}` (e.g. --config-property {MAX_BYTES_KEY}=N)"
    )]
    TooBig {
        /// The archive.
        archive: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The archive has more entries than allowed.
    #[error(
        "refusing {archive}: it holds more than {limit} entries; if the topology really needs \
         them, raise `{MAX_ENTRIES_KEY}` (e.g. --config-property {MAX_ENTRIES_KEY}=N)"
    )]
    TooManyEntries {
        /// The archive.
        archive: PathBuf,
        /// The limit.
        limit: u64,
    },
}

/// Config key: the most bytes a topology archive may unpack to (tar stream, headers included).
pub const MAX_BYTES_KEY: &str = "heron.cli.topology.archive.max.bytes";
/// Config key: the most entries a topology archive may hold.
pub const MAX_ENTRIES_KEY: &str = "heron.cli.topology.archive.max.entries";

/// How much an archive may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the unpacked tar stream.
    pub max_bytes: u64,
    /// Entries (files, folders, links).
    pub max_entries: u64,
}

impl Default for Limits {
    /// 8 GiB and 100,000 entries: far above any real topology, far below a full disk.
    fn default() -> Self {
        Limits {
            max_bytes: 8 << 30,
            max_entries: 100_000,
        }
    }
}

impl Limits {
    /// `heron.cli.topology.archive.max.{bytes,entries}`, or the defaults.
    pub fn from_config(
        config: &heron_common::config::Config,
    ) -> Result<Limits, heron_common::Error> {
        let default = Limits::default();
        Ok(Limits {
            max_bytes: config.get_u64(MAX_BYTES_KEY)?.unwrap_or(default.max_bytes),
            max_entries: config
                .get_u64(MAX_ENTRIES_KEY)?
                .unwrap_or(default.max_entries),
        })
    }
}

/// Counts what goes through and fails once past the limit; `tripped` tells the caller that an
/// error from deep inside `tar` was this one.
struct Counted<R> {
    inner: R,
    read: u64,
    limit: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            self.tripped.set(true);
            return Err(std::io::Error::other("the archive exceeds its size limit"));
        }
        Ok(n)
    }
}

/// An archive reader and the flag its byte counter sets when the limit stopped a read.
type Counting = (Archive<Box<dyn Read>>, Rc<Cell<bool>>);

/// Opens the archive behind a byte counter.
fn open(archive: &Path, max_bytes: u64) -> Result<Counting, TarError> {
    let io = |source| TarError::Io {
        archive: archive.to_path_buf(),
        source,
    };
    let file = File::open(archive).map_err(io)?;
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 2];
    let gz = {
        use std::io::BufRead as _;
        let buf = reader.fill_buf().map_err(io)?;
        if buf.len() >= 2 {
            magic.copy_from_slice(&buf[..2]);
        }
        magic == [0x1f, 0x8b]
    };
    let inner: Box<dyn Read> = if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let tripped = Rc::new(Cell::new(false));
    let counted: Box<dyn Read> = Box::new(Counted {
        inner,
        read: 0,
        limit: max_bytes,
        tripped: Rc::clone(&tripped),
    });
    Ok((Archive::new(counted), tripped))
}

/// An I/O error of a pass: the size limit's own when it tripped.
fn io_error(
    archive: &Path,
    limits: Limits,
    tripped: &Cell<bool>,
    source: std::io::Error,
) -> TarError {
    if tripped.get() {
        TarError::TooBig {
            archive: archive.to_path_buf(),
            limit: limits.max_bytes,
        }
    } else {
        TarError::Io {
            archive: archive.to_path_buf(),
            source,
        }
    }
}

/// Normalises a relative path lexically; `None` if it is absolute or climbs above its root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Checks every entry (see the module docs) and the limits; returns the entry paths.
pub fn check(archive: &Path, limits: Limits) -> Result<Vec<PathBuf>, TarError> {
    let (mut ar, tripped) = open(archive, limits.max_bytes)?;
    let io = |source| io_error(archive, limits, &tripped, source);
    let mut symlinks: BTreeSet<PathBuf> = BTreeSet::new();
    let mut paths = Vec::new();
    let mut entries = 0u64;
    for entry in ar.entries().map_err(io)? {
        let entry = entry.map_err(io)?;
        entries += 1;
        if entries > limits.max_entries {
            return Err(TarError::TooManyEntries {
                archive: archive.to_path_buf(),
                limit: limits.max_entries,
            });
        }
        let raw = entry.path().map_err(io)?.into_owned();
        let unsafe_entry = |reason: &str| TarError::Unsafe {
            archive: archive.to_path_buf(),
            entry: raw.display().to_string(),
            reason: reason.to_string(),
        };
        if raw.is_absolute() {
            return Err(unsafe_entry("is an absolute path"));
        }
        if raw.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(unsafe_entry("contains '..'"));
        }
        let path = normalise(&raw).ok_or_else(|| unsafe_entry("leaves the folder"))?;
        if path.as_os_str().is_empty() {
            continue;
        }
        // Writing through a symlink the archive made earlier could land anywhere.
        let mut prefix = PathBuf::new();
        for c in path.components() {
            prefix.push(c);
            if prefix != path && symlinks.contains(&prefix) {
                return Err(unsafe_entry("lies under a symlink from the same archive"));
            }
        }
        match entry.header().entry_type() {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => {}
            EntryType::GNULongName
            | EntryType::GNULongLink
            | EntryType::XHeader
            | EntryType::XGlobalHeader => {}
            EntryType::Symlink | EntryType::Link => {
                let target = entry
                    .link_name()
                    .map_err(io)?
                    .ok_or_else(|| unsafe_entry("is a link without a target"))?
                    .into_owned();
                if target.is_absolute() {
                    return Err(unsafe_entry(&format!(
                        "links to the absolute path {}",
                        target.display()
                    )));
                }
                let resolved = if entry.header().entry_type() == EntryType::Symlink {
                    path.parent().unwrap_or(Path::new("")).join(&target)
                } else {
                    target.clone()
                };
                if normalise(&resolved).is_none() {
                    return Err(unsafe_entry(&format!(
                        "links outside the folder ({})",
                        target.display()
                    )));
                }
                if entry.header().entry_type() == EntryType::Symlink {
                    symlinks.insert(path.clone());
                }
            }
            other => return Err(unsafe_entry(&format!("is of a refused kind ({other:?})"))),
        }
        paths.push(path);
    }
    Ok(paths)
}

/// Checks, then extracts into `dest` (which must exist).
pub fn extract(archive: &Path, dest: &Path, limits: Limits) -> Result<Vec<PathBuf>, TarError> {
    let paths = check(archive, limits)?;
    let (mut ar, tripped) = open(archive, limits.max_bytes)?;
    let io = |source| io_error(archive, limits, &tripped, source);
    ar.set_preserve_permissions(false);
    ar.set_overwrite(true);
    for entry in ar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let name = entry.path().map_err(io)?.display().to_string();
        let inside = entry.unpack_in(dest).map_err(io)?;
        if !inside {
            return Err(TarError::Unsafe {
                archive: archive.to_path_buf(),
                entry: name,
                reason: "leaves the folder".to_string(),
            });
        }
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(dir: &Path, name: &str, f: impl FnOnce(&mut tar::Builder<File>)) -> PathBuf {
        let path = dir.join(name);
        let mut b = tar::Builder::new(File::create(&path).unwrap());
        f(&mut b);
        b.finish().unwrap();
        path
    }

    fn file(b: &mut tar::Builder<File>, path: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(EntryType::Regular);
        // set_path refuses `..`; write the raw name to build hostile archives.
        let name = path.as_bytes();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    fn link(b: &mut tar::Builder<File>, kind: EntryType, path: &str, target: &str) {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o777);
        h.set_entry_type(kind);
        let name = path.as_bytes();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        let t = target.as_bytes();
        h.as_old_mut().linkname[..t.len()].copy_from_slice(t);
        h.set_cksum();
        b.append(&h, &[][..]).unwrap();
    }

    #[test]
    fn a_plain_archive_extracts() {
        let tmp = tempfile::tempdir().unwrap();
        let a = build(tmp.path(), "ok.tar", |b| {
            file(b, "topo.jar", b"jar");
            file(b, "libs/dep.jar", b"dep");
            link(b, EntryType::Symlink, "libs/alias.jar", "dep.jar");
        });
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let paths = extract(&a, &out, Limits::default()).unwrap();
        assert_eq!(paths.len(), 3);
        assert_eq!(std::fs::read(out.join("libs/dep.jar")).unwrap(), b"dep");
        assert_eq!(std::fs::read(out.join("libs/alias.jar")).unwrap(), b"dep");
    }

    #[test]
    fn escapes_are_refused_and_nothing_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        type Make = Box<dyn Fn(&mut tar::Builder<File>)>;
        let cases: Vec<(&str, Make, &str)> = vec![
            ("dotdot.tar", Box::new(|b| file(b, "../evil", b"x")), "'..'"),
            (
                "nested.tar",
                Box::new(|b| file(b, "a/../../evil", b"x")),
                "'..'",
            ),
            (
                "abs.tar",
                Box::new(|b| file(b, "/tmp/evil", b"x")),
                "absolute",
            ),
            (
                "symabs.tar",
                Box::new(|b| link(b, EntryType::Symlink, "s", "/etc")),
                "absolute",
            ),
            (
                "symup.tar",
                Box::new(|b| link(b, EntryType::Symlink, "d/s", "../../etc")),
                "outside",
            ),
            (
                "hardup.tar",
                Box::new(|b| link(b, EntryType::Link, "h", "../x")),
                "outside",
            ),
            (
                "through.tar",
                Box::new(|b| {
                    link(b, EntryType::Symlink, "s", ".");
                    file(b, "s/x", b"x");
                }),
                "under a symlink",
            ),
        ];
        for (name, f, reason) in cases {
            let a = build(tmp.path(), name, |b| f(b));
            let out = tmp.path().join(format!("out-{name}"));
            std::fs::create_dir(&out).unwrap();
            let err = extract(&a, &out, Limits::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains(reason), "{name}: {err}");
            assert_eq!(
                std::fs::read_dir(&out).unwrap().count(),
                0,
                "{name} wrote something"
            );
        }
        assert!(!tmp.path().join("evil").exists());
    }

    #[test]
    fn a_gzip_bomb_is_refused_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        // 64 MiB of zeros in one entry whose header claims 1 KiB: the header is not trusted.
        let bomb = tmp.path().join("bomb.tar.gz");
        let mut enc = flate2::write::GzEncoder::new(
            File::create(&bomb).unwrap(),
            flate2::Compression::best(),
        );
        let mut h = tar::Header::new_gnu();
        h.set_size(64 << 20);
        h.set_mode(0o644);
        h.set_path("big.jar").unwrap();
        h.set_cksum();
        std::io::Write::write_all(&mut enc, h.as_bytes()).unwrap();
        std::io::copy(&mut std::io::repeat(0).take(64 << 20), &mut enc).unwrap();
        enc.finish().unwrap();
        assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
        let limits = Limits {
            max_bytes: 1 << 20,
            max_entries: 10,
        };
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let err = extract(&bomb, &out, limits).unwrap_err();
        assert!(
            matches!(err, TarError::TooBig { limit, .. } if limit == 1 << 20),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("bomb.tar.gz") && text.contains(MAX_BYTES_KEY),
            "{text}"
        );
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        // Within the limit it extracts.
        let ok = Limits {
            max_bytes: 65 << 20,
            max_entries: 10,
        };
        extract(&bomb, &out, ok).unwrap();
        assert_eq!(
            std::fs::metadata(out.join("big.jar")).unwrap().len(),
            64 << 20
        );
    }

    #[test]
    fn too_many_entries_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = build(tmp.path(), "many.tar", |b| {
            for i in 0..11 {
                file(b, &format!("f{i}"), b"x");
            }
        });
        let limits = Limits {
            max_bytes: 1 << 20,
            max_entries: 10,
        };
        let err = check(&a, limits).unwrap_err().to_string();
        assert!(
            err.contains("more than 10 entries") && err.contains(MAX_ENTRIES_KEY),
            "{err}"
        );
        assert_eq!(
            check(
                &a,
                Limits {
                    max_entries: 11,
                    ..limits
                }
            )
            .unwrap()
            .len(),
            11
        );
    }

    #[test]
    fn gzip_archives_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = build(tmp.path(), "p.tar", |b| file(b, "t.jar", b"j"));
        let gz = tmp.path().join("p.tar.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        std::io::copy(&mut File::open(&plain).unwrap(), &mut enc).unwrap();
        enc.finish().unwrap();
        assert_eq!(
            check(&gz, Limits::default()).unwrap(),
            vec![PathBuf::from("t.jar")]
        );
    }
}
