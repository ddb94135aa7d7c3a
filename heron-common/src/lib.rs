//! What the heron binaries share, and nothing that talks to a service.
//!
//! `heron-common` holds the types and pure logic that `heron`, `heron-uploader`,
//! `heron-aurora-render` and `heron-statemgr` agree on. It does no network I/O and has no CLI.
//!
//! # Layout
//! - [`proto`]: Heron's protobuf messages (byte-compatible with Heron) and their JSON form.
//! - [`error`]: the one error type and the stable exit codes every binary uses.
//! - [`config`]: loading a cluster config folder the way Heron does, `${...}` tokens, class names.
//! - [`cluster`]: `cluster/[role]/[env]` and topology-name rules.
//! - [`packing`]: RoundRobin packing and repacking, as Heron computes them.
//! - [`topology`]: reading and editing a `Topology` (config keys, components, parallelism).
//! - [`heron_options`]: the `HERON_OPTIONS` variable given to topology programs.
//! - [`defn`]: reading `.defn` files (a serialized `Topology`) and checking them.
//! - [`contract`]: the JSON documents passed between stages.
//! - [`env`](mod@env): every environment variable the binaries read.
//! - `generate` (feature `generate`): the binaries' hidden `--generate` (completions, man pages).
//! - `signal` (feature `signal`): waiting for SIGINT or SIGTERM in the async binaries.

#![warn(missing_docs)]

pub mod cluster;
pub mod config;
pub mod contract;
pub mod defn;
pub mod env;
pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
pub mod heron_options;
pub mod packing;
pub mod proto;
#[cfg(feature = "signal")]
pub mod signal;
pub mod topology;

pub use error::{Error, ExitCode, Result};
