//! Building `topology.tar.gz` (heron-aurora.md §4.3 step 5): the topology file, `<name>.defn`,
//! and `heron-conf/` (the cluster's conf folder, `override.yaml`, `release.yaml`).
//!
//! Symlinks in the conf folder are followed (Heron's `tar -h` behaviour). Entries are written in
//! a fixed order with fixed metadata (mode 0644/0755, mtime of the source, uid/gid 0) so two
//! builds of the same inputs give the same tar stream.
//!
//! Secrets kept in the conf folder's YAML files or in `override.yaml` are not packed
//! ([`secrets`]).
//!
//! Performance (issue 9): the tar stream goes through [`crate::topology::package::pgz::ParallelGz`], which compresses
//! 4 MiB chunks on every core as concatenated gzip members (still a plain `.tar.gz`) and stores
//! chunks that do not compress, such as an already deflated jar.

pub mod pgz;
pub mod secrets;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use self::secrets::{is_yaml, strip_secrets};

/// What goes into the package.
#[derive(Debug, Clone)]
pub struct PackageInputs<'a> {
    /// The user's topology file (stored under its own file name).
    pub topology_file: &'a Path,
    /// The `.defn` bytes, stored as `<defn_name>`.
    pub defn_name: &'a str,
    /// The `.defn` content.
    pub defn: &'a [u8],
    /// The cluster's conf folder (`<config-path>/<cluster>`).
    pub conf_dir: &'a Path,
    /// `heron-conf/override.yaml` content.
    pub override_yaml: &'a [u8],
    /// `heron-conf/release.yaml` content.
    pub release_yaml: &'a [u8],
}

/// The entry names a package holds, in order (for `--dry-run` and tests).
pub fn entry_names(inputs: &PackageInputs<'_>) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    if !topology_file_is_the_defn(inputs)? {
        names.push(file_name(inputs.topology_file)?);
    }
    names.push(inputs.defn_name.to_string());
    for (rel, _) in conf_files(inputs.conf_dir)? {
        names.push(format!("heron-conf/{}", rel.display()));
    }
    names.push("heron-conf/override.yaml".to_string());
    names.push("heron-conf/release.yaml".to_string());
    Ok(names)
}

/// A `.defn` topology file named `<name>.defn` is the definition itself: it is packed once, as
/// the definition's bytes (which `--deploy-deactivated` may have changed), not twice under one
/// name.
fn topology_file_is_the_defn(inputs: &PackageInputs<'_>) -> anyhow::Result<bool> {
    Ok(file_name(inputs.topology_file)? == inputs.defn_name)
}

fn file_name(path: &Path) -> anyhow::Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} has no file name", path.display()))
}

/// Files of the conf folder, recursively, sorted; `override.yaml` and `release.yaml` at its top
/// are left out (the package's own versions replace them).
fn conf_files(dir: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out, 0)?;
    out.retain(|(rel, _)| rel != Path::new("override.yaml") && rel != Path::new("release.yaml"));
    out.sort();
    Ok(out)
}

fn walk(
    dir: &Path,
    rel: &Path,
    out: &mut Vec<(PathBuf, PathBuf)>,
    depth: usize,
) -> anyhow::Result<()> {
    if depth > 16 {
        anyhow::bail!(
            "{}: folders nested more than 16 deep (a symlink loop?)",
            dir.display()
        );
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list the conf folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        // metadata() follows symlinks, as Heron's `tar -h` does.
        let meta =
            std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = rel.join(entry.file_name());
        if meta.is_dir() {
            walk(&path, &name, out, depth + 1)?;
        } else if meta.is_file() {
            out.push((name, path));
        }
    }
    Ok(())
}

fn header(size: u64, mode: u32, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    h
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn append_file<W: Write>(tar: &mut tar::Builder<W>, name: &str, path: &Path) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or_else(now_secs);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    };
    if is_yaml(path) {
        let mut data = Vec::new();
        io::Read::read_to_end(&mut io::BufReader::new(file), &mut data)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let data = strip_secrets(&data);
        let mut h = header(data.len() as u64, mode, mtime);
        tar.append_data(&mut h, name, &*data)
            .with_context(|| format!("cannot add {} to the package", path.display()))?;
        return Ok(());
    }
    let mut h = header(meta.len(), mode, mtime);
    tar.append_data(&mut h, name, io::BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("cannot add {} to the package", path.display()))?;
    Ok(())
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    data: &[u8],
) -> anyhow::Result<()> {
    let mut h = header(data.len() as u64, 0o644, now_secs());
    tar.append_data(&mut h, name, data)
        .with_context(|| format!("cannot add {name} to the package"))?;
    Ok(())
}

/// Writes the tar stream of a package to `out` (uncompressed).
pub fn write_tar<W: Write>(inputs: &PackageInputs<'_>, out: W) -> anyhow::Result<W> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    if !topology_file_is_the_defn(inputs)? {
        append_file(
            &mut tar,
            &file_name(inputs.topology_file)?,
            inputs.topology_file,
        )?;
    }
    append_bytes(&mut tar, inputs.defn_name, inputs.defn)?;
    for (rel, path) in conf_files(inputs.conf_dir)? {
        append_file(&mut tar, &format!("heron-conf/{}", rel.display()), &path)?;
    }
    append_bytes(
        &mut tar,
        "heron-conf/override.yaml",
        &strip_secrets(inputs.override_yaml),
    )?;
    append_bytes(&mut tar, "heron-conf/release.yaml", inputs.release_yaml)?;
    tar.into_inner().context("cannot finish the package")
}

/// Builds `dest` (a `.tar.gz`); returns its size in bytes.
pub fn build(inputs: &PackageInputs<'_>, dest: &Path) -> anyhow::Result<u64> {
    let file = File::create(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    let gz =
        crate::topology::package::pgz::ParallelGz::new(BufWriter::with_capacity(1 << 20, file));
    let gz = write_tar(inputs, gz)?;
    let mut buf = gz
        .finish()
        .with_context(|| format!("cannot write {}", dest.display()))?;
    buf.flush()
        .with_context(|| format!("cannot write {}", dest.display()))?;
    // No fsync: the package is a temp file that is uploaded at once and removed when `heron`
    // exits, so a machine crash loses the submit with it anyway. The sync cost a synchronous
    // write-back of the whole package (BENCHMARKS.md, speed work).
    buf.into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))
}

/// Our `release.yaml`, for users without `~/.heron/release.yaml`.
pub fn default_release_yaml() -> String {
    format!(
        "heron.build.version: '{v}'\nheron.build.release: 'heron-rs {v}'\nheron.build.user: 'heron-rs'\n\
         heron.build.host: 'unknown'\nheron.build.git.revision: 'unknown'\nheron.build.git.status: 'unknown'\n",
        v = env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    /// A jar (or other file) with a conf folder; no definition, override or release bytes.
    fn inputs<'a>(topology_file: &'a Path, conf_dir: &'a Path) -> PackageInputs<'a> {
        PackageInputs {
            topology_file,
            defn_name: "wc.defn",
            defn: b"",
            conf_dir,
            override_yaml: b"",
            release_yaml: b"",
        }
    }

    /// The entries of a tar stream: (name, content).
    fn entries(tar: impl io::Read) -> Vec<(String, String)> {
        let mut ar = tar::Archive::new(tar);
        let mut seen = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let mut data = String::new();
            e.read_to_string(&mut data).unwrap();
            seen.push((e.path().unwrap().display().to_string(), data));
        }
        seen
    }

    #[test]
    fn package_layout_is_herons() {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("conf/dc");
        std::fs::create_dir_all(conf.join("sub")).unwrap();
        std::fs::write(conf.join("heron.aurora"), "jobs = []\n").unwrap();
        std::fs::write(conf.join("statemgr.yaml"), "a: b\n").unwrap();
        std::fs::write(conf.join("override.yaml"), "old: 1\n").unwrap();
        std::fs::write(conf.join("sub/x.yaml"), "x: 1\n").unwrap();
        std::os::unix::fs::symlink(conf.join("statemgr.yaml"), conf.join("linked.yaml")).unwrap();
        let jar = tmp.path().join("wc.jar");
        std::fs::write(&jar, b"PK jar").unwrap();
        let inputs = PackageInputs {
            defn: b"\x0a\x02id",
            override_yaml: b"k: 'v'\n",
            release_yaml: b"heron.build.version: '1'\n",
            ..inputs(&jar, &conf)
        };
        let dest = tmp.path().join("topology.tar.gz");
        let size = build(&inputs, &dest).unwrap();
        assert!(size > 0);
        let seen = entries(flate2::read::GzDecoder::new(File::open(&dest).unwrap()));
        let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "wc.jar",
                "wc.defn",
                "heron-conf/heron.aurora",
                "heron-conf/linked.yaml",
                "heron-conf/statemgr.yaml",
                "heron-conf/sub/x.yaml",
                "heron-conf/override.yaml",
                "heron-conf/release.yaml",
            ]
        );
        assert_eq!(names, entry_names(&inputs).unwrap());
        let get = |n: &str| {
            seen.iter()
                .find(|(name, _)| name == n)
                .map(|(_, d)| d.clone())
                .unwrap()
        };
        assert_eq!(get("heron-conf/override.yaml"), "k: 'v'\n");
        assert_eq!(get("heron-conf/linked.yaml"), "a: b\n");
        assert_eq!(get("wc.jar"), "PK jar");
    }

    #[test]
    fn a_defn_topology_file_is_packed_once_as_the_definition() {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("dc");
        std::fs::create_dir_all(&conf).unwrap();
        let file = tmp.path().join("wc.defn");
        std::fs::write(&file, b"as submitted").unwrap();
        let inputs = PackageInputs {
            defn: b"paused",
            ..inputs(&file, &conf)
        };
        let names = entry_names(&inputs).unwrap();
        assert_eq!(
            names,
            [
                "wc.defn",
                "heron-conf/override.yaml",
                "heron-conf/release.yaml"
            ]
        );
        let tar_bytes = write_tar(&inputs, Vec::new()).unwrap();
        let seen = entries(tar_bytes.as_slice());
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0], ("wc.defn".to_string(), "paused".to_string()));
    }

    #[test]
    fn package_carries_no_secret_from_the_conf_folder_or_the_override() {
        let tmp = tempfile::tempdir().unwrap();
        let conf = tmp.path().join("dc");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(
            conf.join("uploader.yaml"),
            "heron.uploader.s3.bucket: bkt\nheron.uploader.s3.access_key: AKSECRET\n\
             heron.uploader.s3.secret_key: SKSECRET\n",
        )
        .unwrap();
        std::fs::write(
            conf.join("statemgr.yaml"),
            "heron.statemgr.root.path: /h\nheron.statemgr.zookeeper.auth.digest: u:ZKSECRET\n",
        )
        .unwrap();
        // Not YAML: Heron reads no keys from it, so it is packed as it is.
        std::fs::write(conf.join("heron.aurora"), "jobs = []\n").unwrap();
        let jar = tmp.path().join("wc.jar");
        std::fs::write(&jar, b"PK").unwrap();
        let inputs = PackageInputs {
            override_yaml: b"heron.uploader.s3.secret_key: OVSECRET\nk: v\n",
            ..inputs(&jar, &conf)
        };
        let tar_bytes = write_tar(&inputs, Vec::new()).unwrap();
        let text = String::from_utf8_lossy(&tar_bytes);
        for secret in ["AKSECRET", "SKSECRET", "ZKSECRET", "OVSECRET"] {
            assert!(!text.contains(secret), "{secret} is in the package");
        }
        for kept in [
            "heron.uploader.s3.bucket: bkt\n",
            "heron.statemgr.root.path: /h\n",
            "k: v\n",
            "jobs = []\n",
            "# heron.statemgr.zookeeper.auth.digest: removed by heron",
        ] {
            assert!(text.contains(kept), "{kept:?} is missing from the package");
        }
    }
}
