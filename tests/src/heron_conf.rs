//! Where the tests find Heron-format cluster conf folders: the repo's own fixtures (the default
//! tier) and Heron's unedited stock folders (the interop tier).
//!
//! Std-only, so the crates' own test files can include it with
//! `#[path = "../../tests/src/heron_conf.rs"] mod heron_conf;` as well as the harness crate.
//!
//! - [`fixture`]: `tests/fixtures/heron-conf/<name>`, written for this project (`aurora`, `localzk`).
//! - [`stock`]: `$HERON_STOCK_CONF/heron-conf-<name>`, Heron's own folder, unchanged. Only tests of
//!   the interop tier call it. Those tests are named `interop_*` and marked
//!   `#[ignore = "interop tier: needs HERON_STOCK_CONF (scripts/test.sh runs it)"]`, so a plain
//!   `cargo test` lists them as ignored, never as passed; `scripts/test.sh` runs them with
//!   `-- --ignored interop_` when it finds the files, and requires them when `CI=true`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The variable naming the folder that holds Heron's stock `heron-conf-aurora/`, `heron-conf-localzk/`.
pub const STOCK_VAR: &str = "HERON_STOCK_CONF";

fn repo_root() -> PathBuf {
    // Every crate that includes this file sits one folder below the workspace root.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The repo's own Heron-format cluster folder `tests/fixtures/heron-conf/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    let dir = repo_root().join("tests/fixtures/heron-conf").join(name);
    assert!(
        dir.is_dir(),
        "test fixture folder {} is missing from the checkout",
        dir.display()
    );
    dir
}

/// The folder holding Heron's stock conf folders: `HERON_STOCK_CONF` (scripts/test.sh finds the
/// folder and sets it for the interop tier). Panics naming the variable when it is unset or the
/// folder does not hold them.
pub fn stock_root() -> PathBuf {
    let dir = match std::env::var_os(STOCK_VAR) {
        Some(value) if !value.is_empty() => PathBuf::from(value),
        _ => panic!(
            "the interop tier needs Heron's unedited conf folders: set {STOCK_VAR} to the folder \
             that holds heron-conf-aurora/ and heron-conf-localzk/, or run scripts/test.sh"
        ),
    };
    assert!(
        dir.join("heron-conf-aurora").is_dir(),
        "the interop tier needs Heron's unedited conf folders: set {STOCK_VAR} to the folder that \
         holds heron-conf-aurora/ and heron-conf-localzk/ (now: {})",
        dir.display()
    );
    dir
}

/// Heron's unedited stock folder `heron-conf-<name>` (`aurora`, `localzk`), for the interop tier.
pub fn stock(name: &str) -> PathBuf {
    let dir = stock_root().join(format!("heron-conf-{name}"));
    assert!(
        dir.is_dir(),
        "{} is missing: {STOCK_VAR} must hold Heron's heron-conf-{name}/",
        dir.display()
    );
    dir
}
