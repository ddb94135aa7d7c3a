//! Atomic writes to the local state tree.
//!
//! Every write goes to a temporary file in the same folder first (`.<topology>.<pid>.<n>.tmp`),
//! then is moved into place: `rename` where Heron overwrites, `link` (which fails if the target
//! exists) where Heron creates. A killed process never leaves a half-written node, and two writers
//! of a create-new node cannot both win.
//!
//! With `heron.statemgr.localfs.fsync` (default off, as Heron's own local state manager, which
//! never syncs), the temporary files are synced before they are moved into place and the folders
//! after, so a machine crash cannot leave an empty node either. A multi-node write (the submit)
//! syncs its files together, from one thread each, so that the file system can fold them into
//! one journal commit, then each folder once.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use heron_common::Error;

use super::LocalFsStateManager;

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LocalFsStateManager {
    pub(super) fn missing_parent(&self, path: &Path, source: std::io::Error) -> Error {
        if source.kind() == ErrorKind::NotFound && !self.initialize_tree {
            let parent = path.parent().unwrap_or(path);
            Error::NotFound(format!(
                "state folder {} does not exist; create it or set \
                 heron.statemgr.localfs.is.initialize.file.tree to true",
                parent.display()
            ))
        } else {
            Error::io("cannot write", path, source)
        }
    }

    /// Writes each `(path, data)` to a new temporary file next to its `path` and returns the
    /// temporary paths, in order. With fsync on, they are all synced before this returns. On error
    /// no temporary file is left.
    pub(super) fn stage(&self, writes: &[(&Path, &[u8])]) -> Result<Vec<PathBuf>, Error> {
        let mut temps: Vec<PathBuf> = Vec::with_capacity(writes.len());
        let mut files: Vec<fs::File> = Vec::new();
        for (path, data) in writes {
            let (tmp, mut file) = match create_temp(path) {
                Ok(created) => created,
                Err((tmp, e)) => {
                    remove_all(&temps);
                    return Err(self.missing_parent(&tmp, e));
                }
            };
            temps.push(tmp);
            if let Err(e) = file.write_all(data) {
                remove_all(&temps);
                return Err(self.missing_parent(&temps[temps.len() - 1], e));
            }
            if self.fsync {
                files.push(file);
            }
        }
        if self.fsync {
            let synced = sync_all(files.iter().zip(&temps).map(|(f, p)| (p.as_path(), f)));
            drop(files);
            if let Err((path, e)) = synced {
                remove_all(&temps);
                return Err(Error::io("cannot sync", path, e));
            }
        }
        Ok(temps)
    }

    /// Creates every `(path, data)`, all or nothing: fails with `(index, AlreadyExists)` naming
    /// the first node that exists (or another error) and then leaves none of them created.
    pub(super) fn create_files(&self, writes: &[(&Path, &[u8])]) -> Result<(), (usize, Error)> {
        let temps = self.stage(writes).map_err(|e| (0, e))?;
        let mut created: Vec<&Path> = Vec::with_capacity(writes.len());
        for (i, ((path, _), tmp)) in writes.iter().zip(&temps).enumerate() {
            match fs::hard_link(tmp, path) {
                Ok(()) => created.push(path),
                Err(e) => {
                    // Roll back what this call created, newest first, so a failure changes nothing.
                    for done in created.iter().rev() {
                        let _ = fs::remove_file(done);
                    }
                    remove_all(&temps);
                    let err = if e.kind() == ErrorKind::AlreadyExists {
                        Error::AlreadyExists(format!("{} already exists", path.display()))
                    } else {
                        Error::io("cannot create", path, e)
                    };
                    return Err((i, err));
                }
            }
        }
        remove_all(&temps);
        if self.fsync {
            sync_parents(writes.iter().map(|(path, _)| *path));
        }
        Ok(())
    }

    /// Atomically creates `path` with `data`; `AlreadyExists` if it is there.
    pub(super) fn create_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        self.create_files(&[(path, data)]).map_err(|(_, e)| e)
    }

    /// Atomically replaces (or creates) `path` with `data`.
    pub(super) fn replace_file(&self, path: &Path, data: &[u8]) -> Result<(), Error> {
        let temps = self.stage(&[(path, data)])?;
        if let Err(e) = fs::rename(&temps[0], path) {
            remove_all(&temps);
            return Err(Error::io("cannot write", path, e));
        }
        if self.fsync {
            sync_parents([path]);
        }
        Ok(())
    }
}

/// Creates a new temporary file `.<name>.<pid>.<n>.tmp` next to `path`. The name is unique among
/// live processes; one left by a killed process whose pid came back is skipped, not overwritten.
fn create_temp(path: &Path) -> Result<(PathBuf, fs::File), (PathBuf, std::io::Error)> {
    create_temp_counting(path, &TMP_COUNTER)
}

fn create_temp_counting(
    path: &Path,
    counter: &AtomicU64,
) -> Result<(PathBuf, fs::File), (PathBuf, std::io::Error)> {
    let parent = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempts = 0;
    loop {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let tmp = parent.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err((tmp, e)),
        }
    }
}

fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

/// fsyncs every file. Several are synced from one thread each: a file system with a journal
/// (ext4, xfs) then commits them together instead of one commit after another. Returns the first
/// failure with its path.
fn sync_all<'a>(
    files: impl Iterator<Item = (&'a Path, &'a fs::File)>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let files: Vec<(&Path, &fs::File)> = files.collect();
    let sync =
        |(path, file): (&Path, &fs::File)| file.sync_all().map_err(|e| (path.to_path_buf(), e));
    let Some((&first, rest)) = files.split_first() else {
        return Ok(());
    };
    std::thread::scope(|scope| {
        let mut helpers = Vec::with_capacity(rest.len());
        let mut results = Vec::with_capacity(files.len());
        for &item in rest {
            // A small stack: the thread only calls fsync. No thread to be had: sync it here.
            match std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn_scoped(scope, move || sync(item))
            {
                Ok(handle) => helpers.push((item.0, handle)),
                Err(_) => results.push(sync(item)),
            }
        }
        results.push(sync(first));
        for (path, handle) in helpers {
            results.push(handle.join().unwrap_or_else(|_| {
                Err((
                    path.to_path_buf(),
                    std::io::Error::other("the thread syncing this file failed"),
                ))
            }));
        }
        results.into_iter().collect()
    })
}

/// Makes the links and renames into these paths' folders durable, each folder once. Best effort
/// (some file systems refuse to sync a folder): the nodes themselves are already synced.
fn sync_parents<'a>(paths: impl IntoIterator<Item = &'a Path>) {
    let mut dirs: Vec<&Path> = Vec::new();
    for path in paths {
        let dir = path.parent().unwrap_or(Path::new("."));
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let opened: Vec<(&Path, fs::File)> = dirs
        .into_iter()
        .filter_map(|dir| fs::File::open(dir).ok().map(|f| (dir, f)))
        .collect();
    let _ = sync_all(opened.iter().map(|(dir, f)| (*dir, f)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_all_syncs_several_files_and_names_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..4).map(|i| dir.path().join(format!("f{i}"))).collect();
        let files: Vec<fs::File> = paths.iter().map(|p| fs::File::create(p).unwrap()).collect();
        sync_all(paths.iter().map(PathBuf::as_path).zip(&files)).unwrap();
        sync_all(std::iter::empty()).unwrap();
        // fsync of a pipe fails with EINVAL: the error names the path it was given.
        let (reader, _writer) = std::io::pipe().unwrap();
        let pipe = fs::File::from(std::os::fd::OwnedFd::from(reader));
        let (path, _) = sync_all(
            [
                (paths[0].as_path(), &files[0]),
                (Path::new("the-pipe"), &pipe),
            ]
            .into_iter(),
        )
        .unwrap_err();
        assert_eq!(path, Path::new("the-pipe"));
    }

    #[test]
    fn a_temp_file_left_by_a_killed_process_with_our_pid_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let pid = std::process::id();
        let left = |n: u64| dir.path().join(format!(".t.{pid}.{n}.tmp"));
        // What a killed earlier process with this pid would have left for the first three names.
        for n in 0..3 {
            fs::write(left(n), b"old").unwrap();
        }
        let counter = AtomicU64::new(0);
        let (tmp, _) = create_temp_counting(&dir.path().join("t"), &counter).unwrap();
        assert_eq!(tmp, left(3));
        for n in 0..3 {
            assert_eq!(fs::read(left(n)).unwrap(), b"old", "left as it was");
        }
        // A folder full of such names is an error naming the file, not an endless loop.
        for n in 4..200 {
            fs::write(left(n), b"old").unwrap();
        }
        let (path, err) = create_temp_counting(&dir.path().join("t"), &counter).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert!(path.starts_with(dir.path()), "{}", path.display());
    }
}
