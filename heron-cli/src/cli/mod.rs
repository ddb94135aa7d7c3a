//! The command line front: what every command shares before it does its own work.
//!
//! - [`args`]: the clap definitions of every command (`explorer`'s in [`args::explorer`]), the
//!   examples their help ends with ([`args::help`]) and the option values Heron checks
//!   ([`args::values`]); [`argv`]: Heron's argument quirks, applied before clap.
//! - [`context`]: a cluster command's setup (the cluster spec, the private override file, the
//!   config, the stage runner, the Aurora client); [`embedded`]: the built-in `local` cluster
//!   and which config folder a command uses.
//! - [`phase`]: `--verbose` times of heron's own steps; [`colour_wanted`]: whether stdout may
//!   take colour.

pub mod args;
pub mod argv;
pub mod context;
pub mod embedded;

/// When `heron` started (set first thing by `main_with`), for `--verbose` phase times.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Starts the clock [`phase`] reads.
pub fn start_clock() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// With `--verbose`: `[heron] N.N ms: what` on stderr, the time since `heron` started, so a slow
/// step of heron's own (config, packing, the package) shows next to the stages' times.
pub fn phase(verbose: bool, what: &str) {
    if verbose {
        let ms = STARTED
            .get()
            .map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0);
        eprintln!("[heron] {ms:.1} ms: {what}");
    }
}

/// Whether colour is wanted on stdout: it is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
pub fn colour_wanted() -> bool {
    use std::io::IsTerminal as _;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
