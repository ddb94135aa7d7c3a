//! `heron` as a newcomer runs it: HOME is a fresh folder (no `~/.heron/conf`), only the system
//! folders are on PATH (so no Aurora client), and no stage override or stand-in variable is
//! inherited. `heron` then finds its stages, and the Aurora stand-in, only next to itself.

use std::path::Path;
use std::process::Command;

use crate::stand::STAGE_VARS;
use crate::{aurora_standin, bin_command};

/// The system folders a fresh PATH holds.
pub const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Sets HOME `home`, USER `user` and PATH [`SYSTEM_PATH`] on `cmd`, and removes the
/// `HERON_*_BIN` overrides and `AURORA_STANDIN_*` variables of the caller.
pub fn fresh_env<'a>(cmd: &'a mut Command, home: &Path, user: &str) -> &'a mut Command {
    for var in STAGE_VARS.iter().chain(&aurora_standin::VARS) {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("USER", user)
        .env("PATH", SYSTEM_PATH)
}

/// `heron <args>` in the fresh environment of [`fresh_env`].
pub fn heron_at_home(home: &Path, user: &str, args: &[&str]) -> Command {
    let mut c = bin_command("heron");
    fresh_env(&mut c, home, user).args(args);
    c
}
