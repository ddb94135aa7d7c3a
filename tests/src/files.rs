//! Walking a test's folders: what files a command left, for "nothing left behind" and "no secret
//! in any file" checks.

use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively (folders themselves not listed); empty when `dir` is
/// missing.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Everything under `dir`, files and folders, recursively; `dir` must exist.
pub fn paths_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for e in entries.flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(paths_under(&e.path()));
        }
    }
    out
}
