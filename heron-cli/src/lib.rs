//! `heron`: Heron's command line for Apache Aurora, as a chain of stage programs.
//!
//! This crate is the `heron` binary's logic. It parses Heron's CLI (subcommands, the positional
//! `cluster/[role]/[env]`, Heron's flags and quirks), then does the work by running the stage
//! programs (`heron-uploader`, `heron-statemgr`, `heron-aurora-render`, `aurora`) as child
//! processes per docs/stage-contract.md. It does not link the stage crates: a site can replace
//! any stage with its own program. It is not Heron's API server client (`--service-url` is
//! refused).
//!
//! # Layout
//! The folders follow a submit from the command line to the cluster; each imports only the
//! ones below it (`commands` → `cli`, `topology` → `stages`).
//! - [`cli`]: the command line front: clap definitions, Heron's argument quirks, the setup
//!   every cluster command shares (config, override file, temp folder, stage runner).
//! - [`commands`]: one module per command. [`commands::submit`] reads as the pipeline of
//!   docs/architecture.md: define, pack, package, upload, state ‖ render, aurora, with its
//!   rollback journal; [`commands::manage`] (kill, restart, activate, deactivate, update),
//!   [`commands::doctor`], [`commands::explorer`], `version` and `config`.
//! - [`topology`]: getting a topology definition (programs, YAML, `.py` → pex, safe tar
//!   extraction, a URL download) and building the package (`topology.tar.gz` and its parallel
//!   gzip writer).
//! - [`stages`]: running a stage program (timeouts, signals, process groups) and heron's client
//!   of each: `heron-statemgr`, `heron-uploader`, `heron-aurora-render`, the `aurora` client and
//!   the topology's tmanager (HTTP).

pub mod cli;
pub mod commands;
pub mod stages;
pub mod topology;

use heron_common::ExitCode;

use crate::cli::args::Command;

/// The exit code for an error chain: a failed submit's, else [`stages::exit_code`] (a stage's,
/// heron-common's, interrupted, failed).
pub fn exit_code(error: &anyhow::Error) -> ExitCode {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<commands::submit::SubmitError>())
        .map_or_else(|| stages::exit_code(error), |e| e.code)
}

fn wants_json(argv: &[String]) -> bool {
    argv.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || argv.iter().any(|a| a == "--format=json")
}

/// `heron --generate KIND` (hidden; used by scripts/package.sh): completions or the man page.
fn generate(kind: Option<&str>) -> u8 {
    heron_common::generate::print(cli::args::command(), "heron", kind)
}

/// Runs `heron` with these arguments; returns the process exit code.
pub fn main_with(argv: Vec<String>) -> u8 {
    cli::start_clock();
    match argv.get(1).map(String::as_str) {
        Some("--generate") => return generate(argv.get(2).map(String::as_str)),
        Some(a) if a.starts_with("--generate=") => return generate(a.strip_prefix("--generate=")),
        _ => {}
    }
    // Heron's `heron` with no arguments prints its help and exits 0.
    if argv.len() <= 1 {
        let _ = cli::args::command().print_help();
        println!();
        return 0;
    }
    let json_errors = wants_json(&argv);
    let argv = match cli::argv::normalize(argv) {
        Ok(argv) => argv,
        Err(e) => {
            eprintln!("error: {e}\n");
            eprintln!(
                "For more information, try 'heron {}--help'.",
                e.subcommand.map(|s| format!("{s} ")).unwrap_or_default()
            );
            return ExitCode::BadInput.code();
        }
    };
    let parsed = match cli::args::parse(&argv) {
        Ok(parsed) => parsed,
        Err(mut e) => {
            cli::argv::add_hints(&mut e);
            let code = if e.use_stderr() {
                ExitCode::BadInput.code()
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    stages::signals::install();
    let cluster = match &parsed.command {
        Command::Submit(c) => Some(c.cluster.clone()),
        Command::Kill(c) | Command::Activate(c) | Command::Deactivate(c) => Some(c.cluster.clone()),
        Command::Restart(c) => Some(c.target.cluster.clone()),
        Command::Update(c) => Some(c.target.cluster.clone()),
        Command::Doctor(_) | Command::Version(_) | Command::Config(_) | Command::Explorer(_) => {
            None
        }
    };
    let result = match parsed.command {
        Command::Submit(c) => commands::submit::run(c),
        Command::Doctor(c) => commands::doctor::run(c),
        Command::Explorer(c) => commands::explorer::run(c),
        Command::Kill(c) => commands::manage::kill(c),
        Command::Restart(c) => commands::manage::restart(c),
        Command::Activate(c) => commands::manage::set_active(c, true),
        Command::Deactivate(c) => commands::manage::set_active(c, false),
        Command::Update(c) => commands::manage::update(c),
        Command::Version(c) => commands::version::version(c),
        Command::Config(c) => commands::config::config(c),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let code = exit_code(&e);
            if json_errors {
                let mut doc = serde_json::json!({"ok": false, "error": format!("{e:#}"), "exit_code": code.code()});
                if let Some(failure) = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<commands::submit::SubmitError>())
                {
                    doc["stage"] = serde_json::json!(failure.stage);
                    doc["reason"] = serde_json::json!(failure.message);
                    doc["rollback"] = serde_json::json!(failure.rollback);
                }
                eprintln!("{doc}");
            } else {
                eprintln!("error: {e:#}");
                // A service that does not answer is the newcomer's usual first failure.
                let downloading = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<commands::submit::SubmitError>())
                    .is_some_and(|f| f.stage == "download");
                if code == ExitCode::Unavailable
                    && !downloading
                    && let Some(cluster) = &cluster
                {
                    eprintln!(
                        "hint: `heron doctor {cluster}` checks ZooKeeper, the uploader's store and the other things a submit needs"
                    );
                }
            }
            code.code()
        }
    }
}
